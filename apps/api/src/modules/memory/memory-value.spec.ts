import {
  JsonValue,
  MAX_MEMORY_VALUE_BYTES,
  MAX_MEMORY_VALUE_DEPTH,
  memoryValueProblem,
} from './memory-value';

function nested(depth: number): JsonValue {
  let value: JsonValue = 'leaf';
  for (let level = 0; level < depth; level += 1) value = level % 2 ? [value] : { next: value };
  return value;
}

describe('memoryValueProblem', () => {
  it.each<JsonValue>([
    null,
    true,
    0,
    -1.5,
    '',
    'Zoë 🌊 日本語',
    [],
    {},
    { a: [1, { b: null }] },
    { constructor: 1, prototype: 2 },
  ])('accepts %p', (value) => expect(memoryValueProblem(value)).toBeUndefined());

  it('accepts a value of exactly the maximum size and refuses one byte more', () => {
    const overhead = JSON.stringify('').length;
    const largest = 'x'.repeat(MAX_MEMORY_VALUE_BYTES - overhead);
    expect(memoryValueProblem(largest)).toBeUndefined();
    expect(memoryValueProblem(`${largest}x`)).toBe(
      `value must be at most ${MAX_MEMORY_VALUE_BYTES} bytes as JSON (got ${MAX_MEMORY_VALUE_BYTES + 1})`,
    );
  });

  it('counts bytes, not characters', () => {
    const emoji = '🌊'.repeat(MAX_MEMORY_VALUE_BYTES / 4);
    expect(memoryValueProblem(emoji)).toMatch(/at most/);
  });

  it('accepts the maximum depth and refuses one level more', () => {
    expect(memoryValueProblem(nested(MAX_MEMORY_VALUE_DEPTH))).toBeUndefined();
    expect(memoryValueProblem(nested(MAX_MEMORY_VALUE_DEPTH + 1))).toMatch(/nested deeper/);
  });

  it('survives nesting far deeper than the call stack', () => {
    expect(memoryValueProblem(nested(200_000))).toMatch(/nested deeper/);
  });

  it.each([
    ['NUL in a string', 'a\u0000b'],
    ['NUL in a key', { 'a\u0000': 1 }],
    ['lone high surrogate', ['\ud83c']],
    ['lone low surrogate', { deep: { text: 'x\udf0a' } }],
  ])('refuses %s, which PostgreSQL cannot store', (_label, value) =>
    expect(memoryValueProblem(value as JsonValue)).toMatch(/NUL|surrogates/),
  );
});
