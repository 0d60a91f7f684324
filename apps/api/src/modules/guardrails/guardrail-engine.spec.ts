import {
  GuardrailCheck,
  GuardrailEngine,
  GuardrailFiring,
  GuardrailRuleSet,
  OutputScanner,
  REDACTED,
} from './guardrail-engine';
import { GuardrailBlockedError } from './guardrails.errors';
import {
  parseGuardrailRules,
  RULE_ACTIONS,
  RULE_STAGES,
  RuleAction,
  RuleStage,
} from './guardrail-rules';

const engine = new GuardrailEngine();
const FALLBACK = 'Sorry, I cannot say that.';

/** A config from rules as an operator would send them (validated like on save). */
function configOf(...rules: unknown[]): GuardrailRuleSet {
  return { rules: parseGuardrailRules(rules), fallbackMessage: FALLBACK };
}

const terms = (list: string[], extra: object = {}) => ({
  type: 'blocked_terms',
  terms: list,
  stage: 'both',
  action: 'redact',
  ...extra,
});
const regex = (pattern: string, extra: object = {}) => ({
  type: 'regex',
  pattern,
  stage: 'both',
  action: 'redact',
  ...extra,
});
const pii = (kinds: string[], extra: object = {}) => ({
  type: 'pii',
  kinds,
  stage: 'both',
  action: 'redact',
  ...extra,
});
const maxLength = (maxChars: number, extra: object = {}) => ({
  type: 'max_length',
  max_chars: maxChars,
  stage: 'both',
  ...extra,
});

/** Streams `chunks` through a scanner; returns what it emitted, its firings and the last step. */
function stream(config: GuardrailRuleSet, chunks: string[]) {
  const scanner: OutputScanner = engine.createOutputScanner(config);
  let emitted = '';
  const firings: GuardrailFiring[] = [];
  let blocked = false;
  for (const chunk of [...chunks, null]) {
    const step = chunk === null ? scanner.end() : scanner.push(chunk);
    emitted += step.emit;
    firings.push(...step.firings);
    blocked = step.blocked;
  }
  return { emitted, firings, blocked };
}

const sorted = (firings: GuardrailFiring[]) =>
  [...firings].sort((left, right) => JSON.stringify(left).localeCompare(JSON.stringify(right)));

/** The streamed result must equal checking the whole text at once. */
function expectSameAsWhole(config: GuardrailRuleSet, text: string, chunks: string[]) {
  const whole = engine.checkOutput(config, text);
  const streamed = stream(config, chunks);
  expect(streamed.blocked).toBe(whole.blocked);
  if (!whole.blocked) {
    expect(streamed.emitted).toBe(whole.text);
    expect(sorted(streamed.firings)).toEqual(sorted(whole.firings));
  }
}

describe('GuardrailEngine', () => {
  describe('systemInstructions', () => {
    it('lists instruction texts by priority, highest first, config order among equals', () => {
      const config = configOf(
        { type: 'system_instruction', content: 'low', priority: -1 },
        terms(['x']),
        { type: 'system_instruction', content: 'first of ten', priority: 10 },
        { type: 'system_instruction', content: 'default' },
        { type: 'system_instruction', content: 'second of ten', priority: 10 },
      );
      expect(engine.systemInstructions(config)).toEqual([
        'first of ten',
        'second of ten',
        'default',
        'low',
      ]);
    });

    it('is empty for a config without instructions, and instructions never touch text', () => {
      expect(engine.systemInstructions(configOf(terms(['x'])))).toEqual([]);
      const config = configOf({ type: 'system_instruction', content: 'Be kind.' });
      expect(engine.checkInput(config, 'Be kind.')).toEqual({
        text: 'Be kind.',
        blocked: false,
        firings: [],
      });
    });
  });

  // Every text rule type, with a text it matches and what redaction makes of it.
  const RULE_CASES: Array<{
    type: string;
    rule: (extra: object) => unknown;
    text: string;
    redacted: string;
  }> = [
    {
      type: 'blocked_terms',
      rule: (extra) => terms(['darn'], extra),
      text: 'oh Darn it',
      redacted: `oh ${REDACTED} it`,
    },
    {
      type: 'regex',
      rule: (extra) => regex('order\\s+#?\\d{6}', { flags: 'i', ...extra }),
      text: 'my ORDER #123456 is late',
      redacted: `my ${REDACTED} is late`,
    },
    {
      type: 'pii',
      rule: (extra) => pii(['email'], extra),
      text: 'write mia@example.com now',
      redacted: `write ${REDACTED} now`,
    },
    {
      type: 'max_length',
      rule: (extra) => maxLength(10, extra),
      text: 'twelve chars',
      redacted: 'twelve cha',
    },
  ];

  describe.each(RULE_CASES)('$type rules', ({ type, rule, text, redacted }) => {
    describe.each(RULE_STAGES.map((stage) => [stage]))('on stage %s', (stage: RuleStage) => {
      it.each(RULE_ACTIONS.map((action) => [action]))('%s', (action: RuleAction) => {
        const config = configOf(rule({ stage, action }));
        for (const checked of ['input', 'output'] as const) {
          const result: GuardrailCheck =
            checked === 'input'
              ? engine.checkInput(config, text)
              : engine.checkOutput(config, text);
          if (stage !== 'both' && stage !== checked) {
            expect(result).toEqual({ text, blocked: false, firings: [] });
            continue;
          }
          const firing = {
            rule_index: 0,
            rule_type: type,
            action,
            stage: checked,
            excerpt: expect.any(String),
          };
          expect(result.firings).toEqual([firing]);
          if (action === 'block') {
            expect(result).toMatchObject({
              blocked: true,
              blockingRule: firing,
              text: checked === 'output' ? FALLBACK : '',
            });
          } else {
            expect(result.blocked).toBe(false);
            expect(result.blockingRule).toBeUndefined();
            expect(result.text).toBe(action === 'redact' ? redacted : text);
          }
        }
      });
    });
  });

  it('turns an input block into the 422 guardrail_blocked the chat answers with', () => {
    const config = configOf(terms(['darn'], { action: 'block', stage: 'input' }));
    const { blockingRule } = engine.checkInput(config, 'oh darn');
    const error = new GuardrailBlockedError('strict', blockingRule!, { message_stored: true });
    expect(error).toMatchObject({
      status: 422,
      code: 'guardrail_blocked',
      message: 'The message was blocked by guardrail config "strict"',
      details: {
        guardrail_config: 'strict',
        rule_index: 0,
        rule_type: 'blocked_terms',
        message_stored: true,
      },
    });
  });

  describe('blocked terms', () => {
    const check = (list: string[], text: string) =>
      engine.checkInput(configOf(terms(list)), text).text;

    it('matches whole words only, in any case', () => {
      expect(check(['darn'], 'Darn, DARN! darn.')).toBe(`${REDACTED}, ${REDACTED}! ${REDACTED}.`);
      expect(check(['darn'], 'darning undarn darn_it darn2 2darn')).toBe(
        'darning undarn darn_it darn2 2darn',
      );
      expect(check(['darn'], 'darn-it (darn) "darn"')).toBe(
        `${REDACTED}-it (${REDACTED}) "${REDACTED}"`,
      );
    });

    it('knows the word boundaries of every script', () => {
      expect(check(['café'], 'CAFÉ cafés Café!')).toBe(`${REDACTED} cafés ${REDACTED}!`);
      expect(check(['привет'], 'Привет! приветствую')).toBe(`${REDACTED}! приветствую`);
      expect(check(['naïve'], 'naïvely NAÏVE')).toBe(`naïvely ${REDACTED}`);
      // A combining accent belongs to the word it follows.
      expect(check(['cafe'], 'cafe\u0301 cafe')).toBe(`cafe\u0301 ${REDACTED}`);
      // Without spaces between words, a term inside a longer run of letters is not a word.
      expect(check(['日本'], '日本語 日本')).toBe(`日本語 ${REDACTED}`);
    });

    it('treats terms as text, not patterns', () => {
      expect(check(['c++', 'a.b', '(hi)', '$5'], 'c++ axb a.b (hi) $5')).toBe(
        `${REDACTED} axb ${REDACTED} ${REDACTED} ${REDACTED}`,
      );
      expect(check(['.*'], 'anything at all')).toBe('anything at all');
    });

    it('matches phrases across up to three whitespace characters, longest term first', () => {
      expect(check(['bad', 'bad word'], 'bad  word, bad\nword, bad word!')).toBe(
        `${REDACTED}, ${REDACTED}, ${REDACTED}!`,
      );
      expect(check(['bad word'], 'bad    word')).toBe('bad    word');
    });

    it('matches every occurrence and ignores duplicate terms', () => {
      expect(check(['x', 'X'], 'x y x z x')).toBe(`${REDACTED} y ${REDACTED} z ${REDACTED}`);
    });
  });

  describe('regex rules', () => {
    const check = (pattern: string, flags: string, text: string) =>
      engine.checkInput(configOf(regex(pattern, { flags })), text).text;

    it('honours the flags', () => {
      expect(check('secret', '', 'Secret secret')).toBe(`Secret ${REDACTED}`);
      expect(check('secret', 'i', 'Secret secret')).toBe(`${REDACTED} ${REDACTED}`);
      expect(check('^key:', 'm', 'key: a\nkey: b')).toBe(`${REDACTED} a\n${REDACTED} b`);
      expect(check('^key:', '', 'key: a\nkey: b')).toBe(`${REDACTED} a\nkey: b`);
      expect(check('a.b', 's', 'a\nb')).toBe(REDACTED);
      expect(check('a.b', '', 'a\nb')).toBe('a\nb');
      expect(check('\\p{Lu}{3}', 'u', 'ok ÄÖÜ ok')).toBe(`ok ${REDACTED} ok`);
    });

    it('skips matches that are empty', () => {
      expect(check('x?y', '', 'a y b')).toBe(`a ${REDACTED} b`);
    });
  });

  describe('pii rules', () => {
    it('redacts only the kinds asked for', () => {
      const config = configOf(pii(['phone', 'credit_card']));
      expect(
        engine.checkOutput(config, 'mail a@b.io, call +49 151 1234 5678, pay 4111111111111111')
          .text,
      ).toBe(`mail a@b.io, call ${REDACTED}, pay ${REDACTED}`);
    });

    it('leaves numbers alone that are not personal data', () => {
      const text = 'In 2024, 1999-2001, order 12345, card 4111 1111 1111 1112, v1.2.3';
      expect(engine.checkOutput(configOf(pii(['phone', 'credit_card', 'ip'])), text).text).toBe(
        text,
      );
    });
  });

  describe('max_length', () => {
    const check = (maxChars: number, text: string, action = 'block') =>
      engine.checkInput(configOf(maxLength(maxChars, { action })), text);

    it('fires only above the limit', () => {
      expect(check(5, 'abcde').firings).toEqual([]);
      expect(check(5, 'abcdef')).toMatchObject({ blocked: true, text: '' });
      expect(check(5, 'abcdef', 'flag')).toMatchObject({ blocked: false, text: 'abcdef' });
    });

    it('truncates with redact, never splitting a character', () => {
      expect(check(5, 'abcdefgh', 'redact').text).toBe('abcde');
      expect(check(5, 'abcd😀efgh', 'redact').text).toBe('abcd');
      expect(check(6, 'abcd😀efgh', 'redact').text).toBe('abcd😀');
    });

    it('counts the whole text, across chunks of any size', () => {
      const text = 'y'.repeat(5000);
      expect(check(4999, text, 'redact').text).toBe('y'.repeat(4999));
      expect(check(4999, text).blocked).toBe(true);
      expect(check(5000, text).blocked).toBe(false);
    });

    it('shows the text before the cut as the excerpt', () => {
      const { firings } = check(10, 'abcdefghij and more', 'flag');
      expect(firings[0]?.excerpt).toBe('abcdefghij');
    });
  });

  describe('priorities', () => {
    it('runs rules by priority: a higher redaction hides text from a lower block', () => {
      const config = configOf(
        terms(['secret'], { action: 'block' }),
        pii(['email'], { priority: 10 }),
      );
      const result = engine.checkInput(config, 'mail secret@example.com');
      expect(result).toMatchObject({ blocked: false, text: `mail ${REDACTED}` });
      expect(result.firings.map((firing) => firing.rule_index)).toEqual([1]);
    });

    it('a higher block wins over a lower redaction, and stops all later rules', () => {
      const config = configOf(
        pii(['email'], { action: 'redact' }),
        terms(['secret'], { action: 'block', priority: 10 }),
        regex('mail', { action: 'flag', priority: 5 }),
      );
      const result = engine.checkOutput(config, 'mail secret@example.com');
      expect(result).toMatchObject({ blocked: true, text: FALLBACK });
      expect(result.blockingRule?.rule_index).toBe(1);
      expect(result.firings.map((firing) => firing.rule_index)).toEqual([1]);
    });

    it('keeps config order among equal priorities', () => {
      const config = configOf(
        regex('ab', { action: 'flag' }),
        regex('abc', { action: 'redact' }),
        regex('bc', { action: 'block' }),
      );
      // Rule 0 flags "ab", rule 1 redacts "abc", rule 2's "bc" is gone.
      const result = engine.checkInput(config, 'xabcx');
      expect(result).toMatchObject({ blocked: false, text: `x${REDACTED}x` });
      expect(result.firings.map((firing) => firing.rule_index)).toEqual([0, 1]);
    });

    it('applies a truncation before lower rules: text past the cut cannot fire them', () => {
      const config = configOf(
        maxLength(10, { action: 'redact', priority: 1 }),
        terms(['darn'], { action: 'block' }),
      );
      expect(engine.checkOutput(config, 'all fine, darn')).toMatchObject({
        blocked: false,
        text: 'all fine, ',
      });
      const before = configOf(
        maxLength(10, { action: 'redact' }),
        terms(['darn'], { action: 'block', priority: 1 }),
      );
      expect(engine.checkOutput(before, 'all fine, darn').blocked).toBe(true);
    });
  });

  describe('excerpts', () => {
    it('show the match with up to 40 characters around it, whitespace collapsed', () => {
      const text = `${'a'.repeat(60)} the\n\nword darn here ${'z'.repeat(60)}`;
      const [firing] = engine.checkInput(
        configOf(terms(['darn'], { action: 'flag' })),
        text,
      ).firings;
      expect(firing?.excerpt).toBe(`${'a'.repeat(29)} the word darn here ${'z'.repeat(34)}`);
    });

    it('mask personal data, whole, even where the excerpt cuts through it', () => {
      const text = 'reach me at +49 151 1234 5678 or mia.rossi@example.com about darn stuff';
      const [firing] = engine.checkInput(
        configOf(terms(['darn'], { action: 'flag' })),
        text,
      ).firings;
      expect(firing?.excerpt).toBe('[phone] or [email] about darn stuff');
      const [piiFiring] = engine.checkInput(
        configOf(pii(['email'], { action: 'flag' })),
        text,
      ).firings;
      expect(piiFiring?.excerpt).not.toMatch(/rossi|example/);
    });

    it('stay within 200 characters', () => {
      const config = configOf(regex('x{150,}', { action: 'flag' }));
      const [firing] = engine.checkInput(config, `${'a'.repeat(50)}${'x'.repeat(300)}`).firings;
      expect(firing?.excerpt.length).toBeLessThanOrEqual(200);
      expect(firing?.excerpt.endsWith('…')).toBe(true);
    });
  });

  describe('output scanner', () => {
    const mixed = configOf(
      terms(['darn', 'bad word'], { action: 'redact' }),
      pii(['email', 'phone', 'credit_card', 'ip'], { priority: 5 }),
      regex('secret-\\d+', { flags: 'i', action: 'flag' }),
      terms(['forbidden'], { action: 'block', priority: -1 }),
    );
    const text =
      'Darn, mail mia@example.com or call +49 151 1234 5678; card 4111 1111 1111 1111, ' +
      'host fe80::1, SECRET-42, bad  word, darning.';

    it('gives the same text and firings for a split at every position', () => {
      for (let split = 0; split <= text.length; split += 1) {
        expectSameAsWhole(mixed, text, [text.slice(0, split), text.slice(split)]);
      }
    });

    it('gives the same for every pair of split positions around each match', () => {
      const short = 'a darn b mia@example.com c SECRET-7 d';
      for (let first = 0; first <= short.length; first += 1) {
        for (let second = first; second <= short.length; second += 1) {
          expectSameAsWhole(mixed, short, [
            short.slice(0, first),
            short.slice(first, second),
            short.slice(second),
          ]);
        }
      }
    });

    it('gives the same one character at a time, and in random chunks', () => {
      const long = Array.from({ length: 40 }, (_, index) => `${index}: ${text}`).join('\n');
      expectSameAsWhole(mixed, long, [...long]);
      let seed = 7;
      const random = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
      for (let round = 0; round < 20; round += 1) {
        const chunks: string[] = [];
        for (let position = 0; position < long.length;) {
          const size = 1 + Math.floor(random() * 40);
          chunks.push(long.slice(position, position + size));
          position += size;
        }
        expectSameAsWhole(mixed, long, chunks);
      }
    });

    it('never emits text that a later chunk turns into a match', () => {
      const scanner = engine.createOutputScanner(mixed);
      const whole = engine.checkOutput(mixed, text).text;
      let emitted = '';
      for (const char of text) {
        emitted += scanner.push(char).emit;
        expect(whole.startsWith(emitted)).toBe(true);
        expect(emitted).not.toMatch(/mia@|4111 1111|\+49 151/);
      }
      emitted += scanner.end().emit;
      expect(emitted).toBe(whole);
    });

    it('does not match a word whose letters continue in the next chunk', () => {
      expect(stream(mixed, ['well darn', 'ing, darn', '!']).emitted).toBe(
        `well darning, ${REDACTED}!`,
      );
    });

    it('holds back only as much as the rules need', () => {
      const noOutputRules = configOf(terms(['darn'], { stage: 'input' }), maxLength(1000));
      expect(engine.createOutputScanner(noOutputRules).push('darn it').emit).toBe('darn it');

      const shortTerms = configOf(terms(['darn']));
      const scanner = engine.createOutputScanner(shortTerms);
      const long = 'word '.repeat(100);
      const emit = scanner.push(long).emit;
      expect(emit.length).toBeGreaterThan(long.length - 120);
      expect(emit + scanner.end().emit).toBe(long);
    });

    it('stops at a block: nothing more is emitted', () => {
      const scanner = engine.createOutputScanner(mixed);
      const first = scanner.push(`fine text ${'x '.repeat(200)}`);
      expect(first.blocked).toBe(false);
      const blocked = scanner.push(`then forbidden ${'y '.repeat(200)}`);
      expect(blocked).toMatchObject({ emit: '', blocked: true });
      expect(blocked.blockingRule).toMatchObject({ rule_index: 3, action: 'block' });
      expect(scanner.push('more')).toEqual({
        emit: '',
        blocked: true,
        blockingRule: blocked.blockingRule,
        firings: [],
      });
      expect(scanner.end()).toMatchObject({ emit: '', blocked: true, firings: [] });
    });

    it('finds a block in the held-back tail at end()', () => {
      const scanner = engine.createOutputScanner(mixed);
      expect(scanner.push('that is forbidden')).toMatchObject({ emit: '', blocked: false });
      expect(scanner.end()).toMatchObject({ emit: '', blocked: true });
    });

    it('truncates a stream at max_length and records it once', () => {
      const config = configOf(maxLength(20, { action: 'redact' }));
      const result = stream(config, ['0123456789', '0123456789', 'abc', 'def']);
      expect(result.emitted).toBe('01234567890123456789');
      expect(result.firings).toHaveLength(1);
      const blocking = stream(configOf(maxLength(20)), ['0123456789', '0123456789', 'a']);
      expect(blocking).toMatchObject({ blocked: true, emitted: '01234567890123456789' });
    });

    it('is safe to end twice and to push nothing', () => {
      const scanner = engine.createOutputScanner(mixed);
      expect(scanner.push('').emit).toBe('');
      expect(scanner.end()).toEqual({ emit: '', blocked: false, firings: [] });
      expect(scanner.end()).toEqual({ emit: '', blocked: false, firings: [] });
    });

    it('releases a match that keeps growing once it is very long', () => {
      const config = configOf(regex('x+', { action: 'redact' }));
      const scanner = engine.createOutputScanner(config);
      const first = scanner.push('x'.repeat(5000)).emit;
      expect(first).toBe('');
      const second = scanner.push('x'.repeat(5000)).emit;
      expect(second).toBe(REDACTED);
      expect(second + scanner.end().emit).toBe(`${REDACTED}${REDACTED}`);
    });
  });

  it('checks long texts quickly with every rule type', () => {
    const config = configOf(
      terms(Array.from({ length: 500 }, (_, index) => `term${index}`)),
      pii(['email', 'phone', 'credit_card', 'ip']),
      regex('[^x]*x[^y]*y'),
      regex('\\bsecret\\b', { flags: 'i' }),
      regex('(a+)+$'),
      regex('(.*a){20}'),
      maxLength(100_000),
    );
    const started = performance.now();
    const text = 'lorem ipsum 12345 dolor term499 sit a@b.io amet 10.0.0.1 '.repeat(1500);
    const result = engine.checkInput(config, text);
    expect(result.firings.length).toBeGreaterThan(4000);
    for (const filler of ['x', 'a', '1', ' ', '@', '.'])
      engine.checkOutput(config, filler.repeat(20_000));
    expect(performance.now() - started).toBeLessThan(3000);
  });
});
