import safeRegex from 'safe-regex2';

/**
 * Static checks that keep operator-written patterns from backtracking for ages on a user's
 * message, on a small parse of the pattern:
 * - nested repetition (`(a+)+`) and very many repetitions: safe-regex2, given a skeleton of the
 *   pattern without `?` and lookarounds, which it would otherwise count as repetition or fail to
 *   parse (rejecting the everyday `(?:all\s+)?` and `(?<!\w)`);
 * - a repeated group that can match empty text (`(a?){30}`) or whose alternatives can start with
 *   the same character (`(a|aa)+`, `(\w|\d)*`): the engine may try every way of splitting the
 *   text between them;
 * - an unbounded repetition followed by another that can match the same characters, with
 *   only parts between them that the first could match too (`\d+\d+`, `\w+\s*\w+`, `.*x.*`):
 *   polynomial blow-up on long input.
 * Characters are compared on a sample alphabet (all of ASCII and some other scripts), which is
 * exact for ASCII and a good approximation beyond.
 */
export function regexSafetyProblem(regex: RegExp): string | undefined {
  const pattern = new PatternParser(regex.source, regex.unicode).parse();
  if (!safeRegex(skeleton(pattern))) {
    return 'it can backtrack catastrophically (nested repetition such as (a+)+, or too many repetitions)';
  }
  const flags = [...regex.flags].filter((flag) => 'isu'.includes(flag)).join('');
  return new PatternAnalysis(flags).check(pattern);
}

interface Term {
  atom: Atom;
  min: number;
  max: number;
}

type Atom =
  /** Matches exactly one character; `source` is a standalone pattern for it. */
  | { kind: 'char'; source: string }
  | { kind: 'assertion'; source: string }
  | { kind: 'backreference'; source: string }
  | { kind: 'group'; alternatives: Term[][]; lookaround: boolean };

const SYNTAX_CHARACTERS = '^$\\.*+?()[]{}|/';

/** Just enough of the JavaScript pattern grammar; the pattern already compiled. */
class PatternParser {
  private position = 0;

  constructor(
    private readonly source: string,
    private readonly unicode: boolean,
  ) {}

  parse(): Term[][] {
    return this.alternatives();
  }

  private alternatives(): Term[][] {
    const alternatives: Term[][] = [[]];
    while (this.position < this.source.length && this.peek() !== ')') {
      if (this.peek() === '|') {
        this.position += 1;
        alternatives.push([]);
        continue;
      }
      const atom = this.atom();
      alternatives.at(-1)!.push({ atom, ...this.quantifier() });
    }
    return alternatives;
  }

  private atom(): Atom {
    const start = this.position;
    const char = this.peek();
    if (char === '(') return this.group();
    if (char === '[') {
      this.position += 1;
      while (this.position < this.source.length && this.peek() !== ']') {
        this.position += this.peek() === '\\' ? 2 : 1;
      }
      this.position += 1;
      return { kind: 'char', source: this.source.slice(start, this.position) };
    }
    if (char === '^' || char === '$') {
      this.position += 1;
      return { kind: 'assertion', source: char };
    }
    if (char === '.') {
      this.position += 1;
      return { kind: 'char', source: '.' };
    }
    if (char === '\\') return this.escape();
    const codePoint = this.source.codePointAt(this.position)!;
    const literal = String.fromCodePoint(codePoint);
    this.position += literal.length;
    return { kind: 'char', source: SYNTAX_CHARACTERS.includes(literal) ? `\\${literal}` : literal };
  }

  private group(): Atom {
    this.position += 1;
    let lookaround = false;
    const rest = this.source.slice(this.position);
    if (/^\?[=!]/.test(rest)) {
      lookaround = true;
      this.position += 2;
    } else if (/^\?<[=!]/.test(rest)) {
      lookaround = true;
      this.position += 3;
    } else if (rest.startsWith('?<')) {
      this.position = this.source.indexOf('>', this.position) + 1;
    } else if (rest.startsWith('?')) {
      // (?:…) and modifier groups such as (?i:…)
      this.position = this.source.indexOf(':', this.position) + 1;
    }
    const alternatives = this.alternatives();
    this.position += 1;
    return { kind: 'group', alternatives, lookaround };
  }

  private escape(): Atom {
    const start = this.position;
    const next = this.source[this.position + 1] ?? '';
    this.position += 2;
    if (next === 'b' || next === 'B') return { kind: 'assertion', source: `\\${next}` };
    if (/[1-9]/.test(next)) {
      while (/\d/.test(this.peek())) this.position += 1;
      return { kind: 'backreference', source: this.source.slice(start, this.position) };
    }
    if (next === 'k' && this.peek() === '<') {
      this.position = this.source.indexOf('>', this.position) + 1;
      return { kind: 'backreference', source: this.source.slice(start, this.position) };
    }
    const braced = (next === 'p' || next === 'P' || next === 'u') && this.peek() === '{';
    if (braced && this.unicode) {
      this.position = this.source.indexOf('}', this.position) + 1;
    } else if (next === 'u' && /^[\da-fA-F]{4}/.test(this.source.slice(this.position))) {
      this.position += 4;
    } else if (next === 'x' && /^[\da-fA-F]{2}/.test(this.source.slice(this.position))) {
      this.position += 2;
    } else if (next === 'c' && /[A-Za-z]/.test(this.peek())) {
      this.position += 1;
    }
    return { kind: 'char', source: this.source.slice(start, this.position) };
  }

  private quantifier(): { min: number; max: number } {
    const char = this.peek();
    let bounds: { min: number; max: number } | undefined;
    if (char === '*') bounds = { min: 0, max: Infinity };
    else if (char === '+') bounds = { min: 1, max: Infinity };
    else if (char === '?') bounds = { min: 0, max: 1 };
    if (bounds) {
      this.position += 1;
    } else if (char === '{') {
      const braces = /^\{(\d+)(,(\d*))?\}/.exec(this.source.slice(this.position));
      if (braces) {
        const min = Number(braces[1]);
        const max = braces[2] === undefined ? min : braces[3] ? Number(braces[3]) : Infinity;
        bounds = { min, max };
        this.position += braces[0].length;
      }
    }
    if (!bounds) return { min: 1, max: 1 };
    if (this.peek() === '?') this.position += 1;
    return bounds;
  }

  private peek(): string {
    return this.source[this.position] ?? '';
  }
}

/** Characters that may start something: single-character patterns, or anything at all. */
type FirstSet = string[] | 'any';

const SAMPLE_ALPHABET: string[] = [
  ...Array.from({ length: 128 }, (_, code) => String.fromCharCode(code)),
  ...'éÉßñçøÅΩωжЖ日本한ا\u00a0\u2028\u2029\u200b\u3000\ufeff😀',
];

class PatternAnalysis {
  private readonly matchers = new Map<string, RegExp>();

  constructor(private readonly flags: string) {}

  check(alternatives: Term[][]): string | undefined {
    for (const sequence of alternatives) {
      const problem = this.checkSequence(sequence);
      if (problem) return problem;
    }
    return undefined;
  }

  private checkSequence(sequence: Term[]): string | undefined {
    for (const [index, term] of sequence.entries()) {
      if (term.atom.kind === 'group') {
        const inner = this.check(term.atom.alternatives);
        if (inner) return inner;
        if (term.max > 1 && !term.atom.lookaround) {
          const problem = this.checkRepeatedGroup(term.atom.alternatives);
          if (problem) return problem;
        }
      }
      if (isUnbounded(term)) {
        const problem = this.checkFollowers(sequence, index);
        if (problem) return problem;
      }
    }
    return undefined;
  }

  private checkRepeatedGroup(alternatives: Term[][]): string | undefined {
    const starts = alternatives.map((sequence) => this.firstOfSequence(sequence));
    if (starts.some((start) => start.nullable)) {
      return 'a repeated group can match empty text (e.g. (a?)+ or (a|)+)';
    }
    for (let left = 0; left < starts.length; left += 1) {
      for (let right = left + 1; right < starts.length; right += 1) {
        if (this.overlaps(starts[left]!.set, starts[right]!.set)) {
          return (
            'the alternatives of a repeated group can start with the same character ' +
            '(e.g. (a|aa)+): make each alternative start with a different character'
          );
        }
      }
    }
    return undefined;
  }

  /**
   * An unbounded repetition, then another that can take over the same characters, with only
   * parts between that the first could also match (`\d+\d+`, `\w+\s*\w+`, `.*x.*`): each
   * split of the text between them is tried, from each start position.
   */
  private checkFollowers(sequence: Term[], index: number): string | undefined {
    const repeated = charactersOf(sequence[index]!.atom);
    for (const next of sequence.slice(index + 1)) {
      const { set, nullable } = this.firstOfAtom(next.atom);
      if (isUnbounded(next) && this.overlaps(repeated, set)) {
        return (
          'two repetitions can match the same text (e.g. \\d+\\d+, \\w+\\s*\\w+ or .*x.*): ' +
          'merge them, or use a narrower class such as [^x]* (a leading or trailing .* is never needed)'
        );
      }
      if (!(nullable || next.min === 0 || this.overlaps(repeated, set))) return undefined;
    }
    return undefined;
  }

  private firstOfSequence(sequence: Term[]): { set: FirstSet; nullable: boolean } {
    let set: FirstSet = [];
    for (const term of sequence) {
      if (term.max === 0) continue;
      const first = this.firstOfAtom(term.atom);
      set = union(set, first.set);
      if (!(first.nullable || term.min === 0)) return { set, nullable: false };
    }
    return { set, nullable: true };
  }

  private firstOfAtom(atom: Atom): { set: FirstSet; nullable: boolean } {
    switch (atom.kind) {
      case 'char':
        return { set: [atom.source], nullable: false };
      case 'assertion':
        return { set: [], nullable: true };
      case 'backreference':
        return { set: 'any', nullable: true };
      case 'group': {
        if (atom.lookaround) return { set: [], nullable: true };
        let set: FirstSet = [];
        let nullable = false;
        for (const sequence of atom.alternatives) {
          const first = this.firstOfSequence(sequence);
          set = union(set, first.set);
          nullable ||= first.nullable;
        }
        return { set, nullable };
      }
    }
  }

  private overlaps(left: FirstSet, right: FirstSet): boolean {
    if (left === 'any') return right === 'any' || right.length > 0;
    if (right === 'any') return left.length > 0;
    return SAMPLE_ALPHABET.some(
      (char) =>
        left.some((source) => this.matcher(source).test(char)) &&
        right.some((source) => this.matcher(source).test(char)),
    );
  }

  private matcher(source: string): RegExp {
    let matcher = this.matchers.get(source);
    if (!matcher) {
      matcher = new RegExp(`^(?:${source})$`, this.flags);
      this.matchers.set(source, matcher);
    }
    return matcher;
  }
}

/** Repeats without bound, itself or through a part of it. */
function isUnbounded(term: Term): boolean {
  if (term.max === Infinity) return true;
  return (
    term.max > 0 &&
    term.atom.kind === 'group' &&
    !term.atom.lookaround &&
    term.atom.alternatives.some((sequence) => sequence.some(isUnbounded))
  );
}

/** Every character the atom can consume anywhere, as single-character patterns. */
function charactersOf(atom: Atom): FirstSet {
  switch (atom.kind) {
    case 'char':
      return [atom.source];
    case 'assertion':
      return [];
    case 'backreference':
      return 'any';
    case 'group':
      if (atom.lookaround) return [];
      return atom.alternatives
        .flat()
        .reduce<FirstSet>((set, term) => union(set, charactersOf(term.atom)), []);
  }
}

function union(left: FirstSet, right: FirstSet): FirstSet {
  if (left === 'any' || right === 'any') return 'any';
  return [...left, ...right];
}

/** The pattern with only what matters for nesting of repetitions, in syntax safe-regex2 parses. */
function skeleton(alternatives: Term[][]): string {
  return alternatives
    .map((sequence) =>
      sequence
        .map(({ atom, min, max }) => {
          const body = atom.kind === 'group' ? `(?:${skeleton(atom.alternatives)})` : atom.source;
          if (max <= 1) return body;
          if (max === Infinity) return `${body}{${min},}`;
          return `${body}{${min},${max}}`;
        })
        .join(''),
    )
    .join('|');
}
