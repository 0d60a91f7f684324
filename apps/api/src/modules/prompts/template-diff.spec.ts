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
