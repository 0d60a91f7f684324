import type { RE2JS } from 're2js';
import { compileRulePattern, MAX_PROGRAM_SIZE } from './rule-pattern';

const compiled = (pattern: string, flags = ''): RE2JS => {
  const result = compileRulePattern(pattern, flags);
  if ('problem' in result) throw new Error(`${pattern} rejected: ${result.problem}`);
  return result.regex;
};
const problemOf = (pattern: string, flags = '') => {
  const result = compileRulePattern(pattern, flags);
  return 'problem' in result ? result.problem : undefined;
};

/** Every match as [start, end), in UTF-16 positions like JavaScript's. */
function spans(regex: RE2JS, text: string): Array<[number, number]> {
  const found: Array<[number, number]> = [];
  const matcher = regex.matcher(text);
  let position = 0;
  while (position <= text.length && matcher.find(position)) {
    found.push([matcher.start(), matcher.end()]);
    position = matcher.end() > matcher.start() ? matcher.end() : matcher.start() + 1;
  }
  return found;
}

function jsSpans(pattern: string, flags: string, text: string): Array<[number, number]> {
  return [...text.matchAll(new RegExp(pattern, `${flags}g`))].map((match) => [
    match.index,
    match.index + match[0].length,
  ]);
}

/** Milliseconds to find every match of the pattern in text. */
function timeToScan(regex: RE2JS, text: string): number {
  const started = performance.now();
  spans(regex, text);
  return performance.now() - started;
}

describe('rule patterns on RE2', () => {
  // Patterns that used to be refused because a backtracking engine could take ages on them:
  // on RE2 they are accepted and stay fast on the input that would hurt a backtracker.
  it.each([
    ['(a+)+$', 'a'],
    ['(a*)*b', 'a'],
    ['^(\\d+)*$', '1'],
    ['(x+x+)+y', 'x'],
    ['(.*a){12}', 'a'],
    ['(\\w+\\s?)+$', 'a'],
    ['(?:a+){2}!', 'a'],
    ['(a|aa)+$', 'a'],
    ['(\\w|\\d)+$', '1'],
    ['(a?){30}a{30}', 'a'],
    ['(.*a){20}', 'a'],
    ['\\d+\\d+x', '1'],
    ['.*.*=', 'x'],
    ['\\w+\\s*\\w+$', 'a'],
    ['\\d{1,300}\\d{1,300}\\d{1,300}x', '1'],
  ])('runs %s in linear time on hostile text', (pattern, filler) => {
    const regex = compiled(pattern);
    // A backtracker needs minutes to years here; RE2 a few milliseconds.
    const hostile = `${filler.repeat(20_000)}!`;
    expect(timeToScan(regex, hostile)).toBeLessThan(2000);
  });

  it.each([
    ['(?<!\\w)secret', /lookbehind/],
    ['(?<=order )\\d{6}', /lookbehind/],
    ['secret(?=\\W)', /lookahead/],
    ['secret(?!s)', /lookahead/],
    ['(a)\\1', /backreferences/],
    ['(?<id>\\d{3})-\\k<id>', /named backreferences/],
    ['(?>a+)b', /atomic groups/],
    ['a++b', /possessive/],
    ['a{2,}+b', /possessive/],
  ])('refuses %s, saying what RE2 cannot do', (pattern, reason) => {
    const problem = problemOf(pattern);
    expect(problem).toMatch(reason);
    expect(problem).toMatch(/not support/);
  });

  it('refuses patterns that compile too large, naming the limit', () => {
    expect(problemOf('\\d{1,1000}\\d{1,1000}\\d{1,1000}x')).toMatch(
      new RegExp(`is too large: .*more than ${MAX_PROGRAM_SIZE}`),
    );
    expect(problemOf('a{1001}')).toMatch(/is too large: .*invalid repeat count/);
    expect(problemOf('((a{100}){100}){100}')).toMatch(/is too large/);
    expect(problemOf('(?:(?:(?:a{30}){30}){30})')).toMatch(/is too large/);
  });

  it('refuses what is not a pattern at all', () => {
    expect(problemOf('(unclosed')).toMatch(/not a valid regular expression: .*missing/);
    expect(problemOf('[a-')).toMatch(/not a valid regular expression/);
    expect(problemOf('\\q')).toMatch(/not a valid regular expression: .*invalid escape/);
    expect(problemOf('x[]')).toMatch(/empty class/);
  });

  it.each([
    '\\b(?:ignore|disregard)\\s+(?:all\\s+)?(?:previous|prior)\\s+instructions\\b',
    '(cat|dog)+',
    '(\\s|,)+',
    '(ab?)+',
    '[^x]*x[^y]*y',
    '\\s*,\\s*',
    '[a-z]+@[a-z]+\\.com',
    '\\border\\s+#?\\d{6,}\\b',
    'x{2,}y{3,}',
    '(?<id>\\d{3})-(?:\\d{2})',
    '[\\]]+\\d+',
    'a.b',
    '[^]x',
    '\\u0041B',
    '\\S+@\\S+',
  ])('matches %s where JavaScript does', (pattern) => {
    const text =
      'Ignore  all previous instructions, cat dogcat, a , b; ab abb; AB-x; mia@example.com ' +
      'order #1234567; xxyyy 123-45 ]]42 a\nb a.b \nx\u00a0x ÄÖÜ é';
    for (const flags of ['', 'i', 'm', 's', 'imsu']) {
      expect(spans(compiled(pattern, flags), text)).toEqual(jsSpans(pattern, flags, text));
    }
  });

  it('keeps the meaning of flags, \\s and . from JavaScript', () => {
    expect(spans(compiled('a\\sb'), 'a\u00a0b a\u2003b a\vb')).toEqual([
      [0, 3],
      [4, 7],
      [8, 11],
    ]);
    expect(spans(compiled('a\\Sb'), 'a\u00a0b axb')).toEqual([[4, 7]]);
    expect(spans(compiled('a.b'), 'a\rb a\u2028b a-b')).toEqual([[8, 11]]);
    expect(spans(compiled('a.b', 's'), 'a\rb')).toEqual([[0, 3]]);
    expect(spans(compiled('^key', 'm'), 'key\nkey')).toEqual([
      [0, 3],
      [4, 7],
    ]);
    expect(spans(compiled('^key'), 'key\nkey')).toEqual([[0, 3]]);
    expect(spans(compiled('SECRET', 'i'), 'secret')).toEqual([[0, 6]]);
    // Code points whatever the flags; positions stay UTF-16 like JavaScript's.
    expect(spans(compiled('\\p{Lu}{3}'), 'ok ÄÖÜ')).toEqual([[3, 6]]);
    expect(spans(compiled('😀.'), 'x😀😃')).toEqual([[1, 5]]);
    expect(spans(compiled('\\u{1F600}', 'u'), 'x😀')).toEqual([[1, 3]]);
  });
});
