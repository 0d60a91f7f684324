import { diffTemplateVersions } from './template-diff';

describe('diffTemplateVersions', () => {
  it('gives a unified diff and line changes', () => {
    const result = diffTemplateVersions(
      'nova',
      { version: 1, content: 'Hello\nBe kind.\nBye\n', config: {} },
      { version: 2, content: 'Hello\nBe warm.\nBye\n', config: {} },
    );
    expect(result.changes).toEqual([
      { type: 'unchanged', value: 'Hello\n' },
      { type: 'removed', value: 'Be kind.\n' },
      { type: 'added', value: 'Be warm.\n' },
      { type: 'unchanged', value: 'Bye\n' },
    ]);
    expect(result.diff).toBe(
      [
        '===================================================================',
        '--- nova@v1',
        '+++ nova@v2',
        '@@ -1,3 +1,3 @@',
        ' Hello',
        '-Be kind.',
        '+Be warm.',
        ' Bye',
        '',
      ].join('\n'),
    );
    expect(result.configChanged).toBe(false);
  });

  it('compares configs by value, whatever the key order', () => {
    const same = diffTemplateVersions(
      'nova',
      { version: 1, content: 'x', config: { a: 1, nested: { b: 2, c: [1, 2] } } },
      { version: 2, content: 'x', config: { nested: { c: [1, 2], b: 2 }, a: 1 } },
    );
    expect(same.configChanged).toBe(false);
    expect(same.changes).toEqual([{ type: 'unchanged', value: 'x' }]);
    const changed = diffTemplateVersions(
      'nova',
      { version: 1, content: 'x', config: { stop: ['a', 'b'] } },
      { version: 2, content: 'x', config: { stop: ['b', 'a'] } },
    );
    expect(changed.configChanged).toBe(true);
  });
});

describe('diffTemplateVersions on versions too different to diff', () => {
  const numbered = (prefix: string, count: number) =>
    Array.from({ length: count }, (_, index) => `${prefix} line ${index}`).join('\n');

  it('answers too large at once when the versions share almost no lines', () => {
    const started = performance.now();
    const result = diffTemplateVersions(
      'nova',
      { version: 1, content: numbered('old', 6000), config: {} },
      { version: 2, content: numbered('new', 6000), config: { a: 1 } },
    );
    expect(performance.now() - started).toBeLessThan(200);
    expect(result).toEqual({
      diff: '',
      changes: [],
      configChanged: true,
      tooLarge: true,
      edits: 0,
    });
  });

  it('gives up at the edit bound when the same lines are reordered', () => {
    const lines = numbered('same', 3000).split('\n');
    const result = diffTemplateVersions(
      'nova',
      { version: 1, content: lines.join('\n'), config: {} },
      { version: 2, content: [...lines].reverse().join('\n'), config: {} },
      200,
    );
    expect(result.tooLarge).toBe(true);
  });

  it('still diffs large versions with few changes and counts the edits', () => {
    const before = numbered('keep', 6000);
    const after = before.replace('keep line 10\n', 'changed line 10\n');
    const result = diffTemplateVersions(
      'nova',
      { version: 1, content: before, config: {} },
      { version: 2, content: after, config: {} },
    );
    expect(result.tooLarge).toBe(false);
    expect(result.edits).toBe(2);
    expect(result.diff).toContain('+changed line 10');
  });
});
