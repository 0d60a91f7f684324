import { isStorableText, toStorableText } from './storable-text';

describe('storable text', () => {
  it.each([
    ['plain text', 'hello', true],
    ['a surrogate pair', 'smile \ud83d\ude00', true],
    ['NUL', 'a\u0000b', false],
    ['a lone high surrogate', 'a\ud800b', false],
    ['a lone low surrogate', 'a\udc00b', false],
  ])('%s: storable %p', (_label, text, storable) => expect(isStorableText(text)).toBe(storable));

  it('replaces each NUL and unpaired surrogate, keeping pairs', () => {
    expect(toStorableText('a\u0000b\ud800c\udc00 \ud83d\ude00')).toBe(
      'a\ufffdb\ufffdc\ufffd \ud83d\ude00',
    );
  });
});
