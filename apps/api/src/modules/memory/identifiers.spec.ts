import { isMemoryKey, isUserId, isUserMode } from './identifiers';

describe('isUserId', () => {
  it.each(['u', 'user-42', 'a.b_c:d@e-f', 'A'.repeat(128), 'mail@example.com'])(
    'accepts %s',
    (id) => expect(isUserId(id)).toBe(true),
  );

  it.each([
    '',
    'A'.repeat(129),
    'has space',
    'slash/y',
    'ünïcode',
    'tab\t',
    'percent%20',
    42,
    null,
  ])('rejects %p', (id) => expect(isUserId(id)).toBe(false));
});

describe('isMemoryKey', () => {
  it.each(['name', 'favorite_color', '__hidden', '_x', 'a.b:c-d', '9lives', 'k'.repeat(128)])(
    'accepts %s',
    (key) => expect(isMemoryKey(key)).toBe(true),
  );

  it.each([
    '',
    '.',
    '..',
    '-dash',
    ':colon',
    'k'.repeat(129),
    'with space',
    'at@sign',
    'slash/key',
    '__proto__',
    'constructor',
    'prototype',
    7,
  ])('rejects %p', (key) => expect(isMemoryKey(key)).toBe(false));
});

describe('isUserMode', () => {
  it.each(['active', 'halted', 'learning', 'on-call_2', 'm'.repeat(32)])('accepts %s', (mode) =>
    expect(isUserMode(mode)).toBe(true),
  );

  it.each(['', 'Active', 'HALTED', 'm'.repeat(33), 'with space', 'dot.ted', undefined])(
    'rejects %p',
    (mode) => expect(isUserMode(mode)).toBe(false),
  );
});
