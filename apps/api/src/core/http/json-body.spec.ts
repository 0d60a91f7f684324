import { jsonDepthExceeds } from './json-body';

describe('jsonDepthExceeds', () => {
  it('counts arrays and objects, not brackets inside strings', () => {
    expect(jsonDepthExceeds('{"a":[{"b":1}]}', 3)).toBe(false);
    expect(jsonDepthExceeds('{"a":[{"b":[1]}]}', 3)).toBe(true);
    expect(jsonDepthExceeds('{"a":"[[[[{{{{"}', 1)).toBe(false);
    expect(jsonDepthExceeds('{"a":"\\"[[[["}', 1)).toBe(false);
    expect(jsonDepthExceeds('[[],[],[]]', 2)).toBe(false);
  });

  it('stops early on a hostile body', () => {
    const started = performance.now();
    expect(jsonDepthExceeds('['.repeat(5_000_000), 64)).toBe(true);
    expect(performance.now() - started).toBeLessThan(50);
  });
});
