import { isStorableText } from '../../core/validation/storable-text';

/** What a memory value may be: anything JSON can say. */
export type JsonValue =
  null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

export const MAX_MEMORY_VALUE_BYTES = 64 * 1024;
export const MAX_MEMORY_VALUE_DEPTH = 32;

const UNSTORABLE_TEXT =
  'value must not contain the NUL character (\\u0000) or unpaired UTF-16 surrogates';

/** Why a value cannot be stored as memory, or undefined when it can. */
export function memoryValueProblem(value: JsonValue): string | undefined {
  // Walked with an explicit stack: a deeply nested value must not overflow the call stack.
  const stack: Array<[unknown, number]> = [[value, 1]];
  while (stack.length > 0) {
    const [current, depth] = stack.pop()!;
    if (typeof current === 'string') {
      if (!isStorableText(current)) return UNSTORABLE_TEXT;
      continue;
    }
    if (current === null || typeof current !== 'object') continue;
    if (depth > MAX_MEMORY_VALUE_DEPTH) {
      return `value must not be nested deeper than ${MAX_MEMORY_VALUE_DEPTH} levels`;
    }
    for (const [key, item] of Object.entries(current)) {
      if (!isStorableText(key)) return UNSTORABLE_TEXT;
      stack.push([item, depth + 1]);
    }
  }
  const bytes = Buffer.byteLength(JSON.stringify(value), 'utf8');
  if (bytes > MAX_MEMORY_VALUE_BYTES) {
    return `value must be at most ${MAX_MEMORY_VALUE_BYTES} bytes as JSON (got ${bytes})`;
  }
  return undefined;
}
