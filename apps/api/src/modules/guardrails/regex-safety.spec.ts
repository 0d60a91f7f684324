import { regexSafetyProblem } from './regex-safety';

const problemOf = (pattern: string, flags = '') => regexSafetyProblem(new RegExp(pattern, flags));

describe('regex safety', () => {
  it.each(['(a+)+$', '(a*)*b', '^(\\d+)*$', '(x+x+)+y', '(.*a){12}', '(\\w+\\s?)+$', '(?:a+){2}'])(
    'rejects nested repetition: %s',
    (pattern) => {
      expect(problemOf(pattern)).toMatch(/backtrack catastrophically/);
    },
  );

  it.each(['(a|aa)+', '(a|a)*', '(\\w|\\d)+', '(?:[a-c]|[c-z])+', '(.|\\s)*x', '(?:é|É)+'])(
    'rejects a repeated group whose alternatives start alike: %s',
    (pattern) => {
      expect(problemOf(pattern, 'i')).toMatch(/alternatives of a repeated group/);
    },
  );

  it('compares alternatives case-insensitively only with the i flag', () => {
    expect(problemOf('(?:a|A)+')).toBeUndefined();
    expect(problemOf('(?:a|A)+', 'i')).toMatch(/alternatives/);
  });

  it.each(['(a?){30}a{30}', '(a|)+', '(?:x|y?)*z'])(
    'rejects a repeated group that can match empty text: %s',
    (pattern) => {
      expect(problemOf(pattern)).toMatch(/repeated group can match empty text/);
    },
  );

  it.each([
    '\\d+\\d+',
    '\\w+\\s*\\w+',
    '.*.*=',
    'a+b*a*',
    '\\s*(?:x)?\\s+',
    '[a-z]+[k-q]{2,}',
    '.*x.*y',
    '.+@.+',
    'a.*secret.*',
    '(\\w+)\\s*(\\w+)',
    '\\w+(\\s*\\w+)',
  ])("rejects repetitions that can take over each other's text: %s", (pattern) => {
    expect(problemOf(pattern)).toMatch(/two repetitions can match the same text/);
  });

  // Accepted patterns stay fast on the worst input for them: long runs of what they repeat.
  it('keeps accepted patterns linear enough on adversarial input', () => {
    for (const pattern of [
      '\\w+\\s+\\w+$',
      '[a-z]+@[a-z]+\\.com',
      '[^x]*x[^y]*y',
      '\\d+\\.\\d+!',
    ]) {
      expect(problemOf(pattern)).toBeUndefined();
      const regex = new RegExp(pattern, 'g');
      for (const filler of ['a', 'x', '1', ' ']) {
        const started = performance.now();
        regex.lastIndex = 0;
        while (regex.exec(filler.repeat(2000))) {
          /* count nothing: only the time matters */
        }
        expect(performance.now() - started).toBeLessThan(200);
      }
    }
  });

  it.each([
    '\\b(?:ignore|disregard)\\s+(?:all\\s+)?(?:previous|prior)\\s+instructions\\b',
    '(cat|dog)+',
    '(\\s|,)+',
    '(?:[a-c]|[x-z])+',
    '(ab?)+',
    '[^x]*x[^y]*y',
    '\\s*,\\s*',
    '\\w+\\s+\\w+',
    '[a-z]+@[a-z]+\\.com',
    '(?<!\\w)secret(?=\\W)',
    '(?<=order )\\d{6}',
    '(?<id>\\d{3})-\\k<id>',
    '\\border\\s+#?\\d{6,}\\b',
    'x{2,}y{3,}',
    '^\\p{Lu}+\\p{N}+$',
    'a{2}{',
    '[\\]]+\\d+',
  ])('accepts %s', (pattern) => {
    expect(problemOf(pattern, pattern.includes('\\p') ? 'u' : '')).toBeUndefined();
  });

  it('accepts unicode-mode patterns with braces and astral characters', () => {
    expect(problemOf('\\u{1F600}+\\p{Emoji}?', 'u')).toBeUndefined();
    expect(problemOf('(?:😀|😃)+', 'u')).toBeUndefined();
    expect(problemOf('(?:😀|😀x)+', 'u')).toMatch(/alternatives/);
  });
});
