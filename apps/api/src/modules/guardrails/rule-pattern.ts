import { RE2JS } from 're2js';

/**
 * Guardrail regex rules run on RE2 (re2js): matching takes time linear in the text for every
 * pattern, so no pattern can backtrack. The syntax is JavaScript's, minus what RE2 cannot do in
 * linear time (backreferences, lookaround, atomic groups, possessive quantifiers): those are
 * refused with a reason. A few JavaScript escapes and classes are translated so a pattern means
 * what it means in JavaScript (`\s` includes Unicode spaces, `.` stops at any line terminator).
 */

/**
 * RE2 instructions a compiled rule may have. Matching costs up to (text length × program
 * size) when RE2 falls back from its DFA, so this bounds the work per character; ordinary
 * patterns stay far below (`\border\s+#?\d{6,}\b` is about 40).
 */
export const MAX_PROGRAM_SIZE = 2000;

const FLAG_BITS: Record<string, number> = {
  i: RE2JS.CASE_INSENSITIVE,
  m: RE2JS.MULTILINE,
  s: RE2JS.DOTALL,
  // RE2 always matches whole code points and knows \p{…}: `u` changes nothing.
  u: 0,
};

/** JavaScript's \s: ASCII whitespace, \v and the Unicode spaces (RE2's \s is ASCII only). */
const JS_SPACE =
  '\\t\\n\\x{0B}\\f\\r \\x{A0}\\x{1680}\\x{2000}-\\x{200A}\\x{2028}\\x{2029}\\x{202F}\\x{205F}\\x{3000}\\x{FEFF}';
/** JavaScript's `.` without the s flag: anything but a line terminator. */
const JS_DOT = '[^\\n\\r\\x{2028}\\x{2029}]';

export type CompiledPattern = { regex: RE2JS } | { problem: string };

/** Compiles a rule's pattern, or says why it cannot be used. Never throws. */
export function compileRulePattern(pattern: string, flags: string): CompiledPattern {
  const translated = translate(pattern, flags.includes('s'));
  if ('problem' in translated) return translated;
  let regex: RE2JS;
  try {
    const bits = [...flags].reduce((sum, flag) => sum | (FLAG_BITS[flag] ?? 0), 0);
    regex = RE2JS.compile(translated.source, bits);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    if (/expression too large|invalid repeat count/.test(reason)) {
      return { problem: `is too large: ${reason} (repetition counts go up to 1000)` };
    }
    return { problem: `is not a valid regular expression: ${reason}` };
  }
  const size = regex.programSize();
  if (size > MAX_PROGRAM_SIZE) {
    return {
      problem:
        `is too large: it compiles to ${size} instructions, more than ${MAX_PROGRAM_SIZE} ` +
        '(lower the repetition counts, e.g. \\d{1,1000} is 2000 on its own)',
    };
  }
  return { regex };
}

interface Unsupported {
  test: RegExp;
  reason: string;
}

// Checked where a group or escape starts, outside character classes.
const UNSUPPORTED_GROUPS: Unsupported[] = [
  { test: /^\(\?[=!]/, reason: 'lookahead ((?=…), (?!…))' },
  { test: /^\(\?<[=!]/, reason: 'lookbehind ((?<=…), (?<!…))' },
  { test: /^\(\?>/, reason: 'atomic groups ((?>…))' },
];
const UNSUPPORTED_ESCAPES: Unsupported[] = [
  { test: /^\\[1-9]/, reason: 'backreferences (\\1)' },
  { test: /^\\k</, reason: 'named backreferences (\\k<name>)' },
];

/**
 * Rewrites JavaScript-only syntax into RE2's, one token at a time; refuses what RE2 cannot
 * run in linear time, naming it. Anything else is left for RE2 to accept or reject.
 */
function translate(pattern: string, dotAll: boolean): { source: string } | { problem: string } {
  const unsupported = (reason: string) => ({
    problem: `uses ${reason}, which the linear-time engine (RE2) does not support`,
  });
  let source = '';
  let inClass = false;
  let position = 0;
  while (position < pattern.length) {
    const rest = pattern.slice(position);
    const char = pattern[position]!;
    if (char === '\\') {
      const escape = translateEscape(rest, inClass);
      if (!inClass) {
        const found = UNSUPPORTED_ESCAPES.find(({ test }) => test.test(rest));
        if (found) return unsupported(found.reason);
      }
      source += escape.source;
      position += escape.length;
      continue;
    }
    if (inClass) {
      if (char === ']') inClass = false;
      source += char;
      position += 1;
      continue;
    }
    if (char === '[') {
      // JavaScript's [] matches nothing and [^] anything; RE2 would read ] as a member.
      if (rest.startsWith('[^]')) {
        source += '[\\x{0}-\\x{10FFFF}]';
        position += 3;
        continue;
      }
      if (rest.startsWith('[]')) return { problem: 'has an empty class [], which never matches' };
      inClass = true;
      const opening = rest.startsWith('[^') ? '[^' : '[';
      source += opening;
      position += opening.length;
      continue;
    }
    if (char === '(') {
      const found = UNSUPPORTED_GROUPS.find(({ test }) => test.test(rest));
      if (found) return unsupported(found.reason);
    }
    if (/^(?:[*+?]|\{\d+(?:,\d*)?\})\+/.test(rest)) {
      return unsupported('possessive quantifiers (a++, a*+)');
    }
    if (char === '.' && !dotAll) {
      source += JS_DOT;
      position += 1;
      continue;
    }
    source += char;
    position += 1;
  }
  return { source };
}

function translateEscape(rest: string, inClass: boolean): { source: string; length: number } {
  const next = rest[1] ?? '';
  const braced = /^\\u\{([\da-fA-F]{1,6})\}/.exec(rest);
  if (braced) return { source: `\\x{${braced[1]}}`, length: braced[0].length };
  const fourHex = /^\\u([\da-fA-F]{4})/.exec(rest);
  if (fourHex) return { source: `\\x{${fourHex[1]}}`, length: 6 };
  if (next === 's') return { source: inClass ? JS_SPACE : `[${JS_SPACE}]`, length: 2 };
  // Inside a class RE2's own \S stands in (it differs only on the Unicode spaces).
  if (next === 'S' && !inClass) return { source: `[^${JS_SPACE}]`, length: 2 };
  const codePoint = rest.codePointAt(1);
  const length = codePoint === undefined ? 1 : 1 + String.fromCodePoint(codePoint).length;
  return { source: rest.slice(0, length), length };
}
