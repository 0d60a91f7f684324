import { ValidationFailedError } from '../../core/errors/domain-error';
import { RULES_EXAMPLE } from './dto/guardrail-rule.dto';
import { parseGuardrailRules, readGuardrailRules } from './guardrail-rules';

const terms = { type: 'blocked_terms', terms: ['darn'], stage: 'both', action: 'redact' };
const regex = { type: 'regex', pattern: 'order\\s+\\d{6}', stage: 'input', action: 'flag' };
const pii = { type: 'pii', kinds: ['email'], stage: 'output', action: 'redact' };
const maxLength = { type: 'max_length', max_chars: 100, stage: 'input' };
const instruction = { type: 'system_instruction', content: 'Be kind.' };

/** The fields named by the problems, with the first message of each. */
function problemsOf(rules: unknown): Record<string, string> {
  const { problems } = readGuardrailRules(rules);
  return Object.fromEntries(problems.map((problem) => [problem.field, problem.errors[0]!]));
}

describe('guardrail rule validation', () => {
  it('accepts one rule of every type and fills in defaults', () => {
    expect(parseGuardrailRules([instruction, terms, regex, pii, maxLength])).toEqual([
      { type: 'system_instruction', priority: 0, content: 'Be kind.' },
      { type: 'blocked_terms', priority: 0, terms: ['darn'], stage: 'both', action: 'redact' },
      {
        type: 'regex',
        priority: 0,
        pattern: 'order\\s+\\d{6}',
        flags: '',
        stage: 'input',
        action: 'flag',
      },
      { type: 'pii', priority: 0, kinds: ['email'], stage: 'output', action: 'redact' },
      { type: 'max_length', priority: 0, max_chars: 100, stage: 'input', action: 'block' },
    ]);
  });

  it('accepts no rules, and the documented example', () => {
    expect(parseGuardrailRules([])).toEqual([]);
    expect(parseGuardrailRules(RULES_EXAMPLE)).toHaveLength(RULES_EXAMPLE.length);
  });

  it('keeps priorities, trims terms and orders flags', () => {
    const [termRule, regexRule] = parseGuardrailRules([
      { ...terms, priority: -5, terms: ['  bad word  ', 'ünïcödé'] },
      { ...regex, priority: 1_000_000, flags: 'ui' },
    ]);
    expect(termRule).toMatchObject({ priority: -5, terms: ['bad word', 'ünïcödé'] });
    expect(regexRule).toMatchObject({ priority: 1_000_000, flags: 'iu' });
  });

  it('rejects anything but an array of at most 100 rules', () => {
    expect(problemsOf({ rules: [] })).toEqual({ rules: 'rules must be an array of rules' });
    expect(problemsOf(null)).toEqual({ rules: 'rules must be an array of rules' });
    expect(problemsOf(Array.from({ length: 101 }, () => instruction))).toEqual({
      rules: 'rules must have at most 100 rules',
    });
    expect(problemsOf(Array.from({ length: 100 }, () => instruction))).toEqual({});
  });

  it('throws 422 validation_failed naming every bad field of every rule', () => {
    const rules = [instruction, { ...regex, pattern: '(' }, { ...pii, kinds: [] }];
    let error: unknown;
    try {
      parseGuardrailRules(rules);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ValidationFailedError);
    const failure = error as ValidationFailedError;
    expect(failure.status).toBe(422);
    expect(failure.details.fields).toEqual([
      {
        field: 'rules[1].pattern',
        errors: [expect.stringMatching(/^rules\[1\]\.pattern is not a valid regular expression: /)],
      },
      { field: 'rules[2].kinds', errors: ['rules[2].kinds must have 1 to 4 items'] },
    ]);
    expect(failure.message).toMatch(
      /^Validation failed: rules\[1\]\.pattern .*\(and 1 more field\)$/,
    );
  });

  // Each malformed shape, with the exact field it must name.
  it.each<[string, unknown, Record<string, RegExp>]>([
    ['a rule that is not an object', ['x'], { 'rules[0]': /must be an object with a type/ }],
    ['a null rule', [null], { 'rules[0]': /must be an object/ }],
    ['an array as a rule', [[terms]], { 'rules[0]': /must be an object/ }],
    ['no type', [{ content: 'x' }], { 'rules[0].type': /is required \(system_instruction, / }],
    [
      'an unknown type',
      [{ type: 'profanity' }],
      {
        'rules[0].type': /must be one of system_instruction, blocked_terms, regex, pii, max_length/,
      },
    ],
    ['a type that is not a string', [{ type: 3 }], { 'rules[0].type': /must be one of/ }],
    [
      'an unknown field',
      [{ ...terms, mode: 'strict' }],
      { 'rules[0].mode': /is not a field of a blocked_terms rule/ },
    ],
    [
      'a field of another type',
      [{ ...instruction, stage: 'input' }],
      { 'rules[0].stage': /is not a field of a system_instruction rule/ },
    ],
    [
      'a fractional priority',
      [{ ...terms, priority: 1.5 }],
      { 'rules[0].priority': /whole number from -1000000 to 1000000/ },
    ],
    ['a priority as text', [{ ...terms, priority: '1' }], { 'rules[0].priority': /whole number/ }],
    ['a huge priority', [{ ...terms, priority: 1e7 }], { 'rules[0].priority': /whole number/ }],
    [
      'instruction without content',
      [{ type: 'system_instruction' }],
      { 'rules[0].content': /is required/ },
    ],
    [
      'blank instruction',
      [{ ...instruction, content: '  \n' }],
      { 'rules[0].content': /must not be empty/ },
    ],
    [
      'instruction too long',
      [{ ...instruction, content: 'x'.repeat(4001) }],
      { 'rules[0].content': /at most 4000 characters/ },
    ],
    [
      'instruction with NUL',
      [{ ...instruction, content: 'a\u0000b' }],
      { 'rules[0].content': /NUL/ },
    ],
    [
      'instruction not text',
      [{ ...instruction, content: ['x'] }],
      { 'rules[0].content': /must be a string/ },
    ],
    ['terms missing', [{ ...terms, terms: undefined }], { 'rules[0].terms': /is required/ }],
    ['terms not an array', [{ ...terms, terms: 'darn' }], { 'rules[0].terms': /must be an array/ }],
    ['no terms', [{ ...terms, terms: [] }], { 'rules[0].terms': /1 to 500 items/ }],
    [
      '501 terms',
      [{ ...terms, terms: Array.from({ length: 501 }, (_, i) => `t${i}`) }],
      { 'rules[0].terms': /1 to 500 items/ },
    ],
    [
      'a blank term',
      [{ ...terms, terms: ['ok', ' '] }],
      { 'rules[0].terms[1]': /must not be empty/ },
    ],
    [
      'a term too long',
      [{ ...terms, terms: ['x'.repeat(101)] }],
      { 'rules[0].terms[0]': /at most 100/ },
    ],
    [
      'a term not text',
      [{ ...terms, terms: ['ok', 7] }],
      { 'rules[0].terms[1]': /must be a string/ },
    ],
    [
      'a term with a lone surrogate',
      [{ ...terms, terms: ['\ud800'] }],
      { 'rules[0].terms[0]': /surrogate/ },
    ],
    [
      'stage missing',
      [{ ...terms, stage: undefined }],
      { 'rules[0].stage': /is required \(input, output, both\)/ },
    ],
    [
      'an unknown stage',
      [{ ...terms, stage: 'reply' }],
      { 'rules[0].stage': /must be one of input, output, both/ },
    ],
    [
      'action missing',
      [{ ...terms, action: undefined }],
      { 'rules[0].action': /is required \(block, redact, flag\)/ },
    ],
    [
      'an unknown action',
      [{ ...pii, action: 'mask' }],
      { 'rules[0].action': /must be one of block, redact, flag/ },
    ],
    ['pattern missing', [{ ...regex, pattern: undefined }], { 'rules[0].pattern': /is required/ }],
    [
      'an invalid pattern',
      [{ ...regex, pattern: '[a-' }],
      { 'rules[0].pattern': /not a valid regular expression/ },
    ],
    [
      'a pattern too long',
      [{ ...regex, pattern: 'a'.repeat(501) }],
      { 'rules[0].pattern': /at most 500/ },
    ],
    [
      'a pattern matching empty text',
      [{ ...regex, pattern: 'a*' }],
      { 'rules[0].pattern': /must not match empty text/ },
    ],
    [
      'a backreference',
      [{ ...regex, pattern: '(a)\\1' }],
      { 'rules[0].pattern': /uses backreferences .* \(RE2\) does not support/ },
    ],
    [
      'lookahead',
      [{ ...regex, pattern: 'secret(?=\\W)' }],
      { 'rules[0].pattern': /uses lookahead .* does not support/ },
    ],
    [
      'lookbehind',
      [{ ...regex, pattern: '(?<!\\w)secret' }],
      { 'rules[0].pattern': /uses lookbehind .* does not support/ },
    ],
    [
      'a pattern compiling too large',
      [{ ...regex, pattern: '\\d{1,1000}\\d{1,1000}\\d{1,1000}x' }],
      { 'rules[0].pattern': /is too large: .* instructions/ },
    ],
    [
      'an escape RE2 does not know',
      [{ ...regex, pattern: '\\q', flags: 'u' }],
      { 'rules[0].pattern': /not a valid regular expression/ },
    ],
    [
      'the g flag',
      [{ ...regex, flags: 'gi' }],
      { 'rules[0].flags': /may only contain i, m, s, u \(g is always on, y is not allowed\)/ },
    ],
    ['the y flag', [{ ...regex, flags: 'y' }], { 'rules[0].flags': /may only contain/ }],
    ['a repeated flag', [{ ...regex, flags: 'ii' }], { 'rules[0].flags': /repeats a flag/ }],
    ['flags not text', [{ ...regex, flags: ['i'] }], { 'rules[0].flags': /must be a string/ }],
    ['kinds missing', [{ ...pii, kinds: undefined }], { 'rules[0].kinds': /is required/ }],
    ['no kinds', [{ ...pii, kinds: [] }], { 'rules[0].kinds': /1 to 4 items/ }],
    [
      'an unknown kind',
      [{ ...pii, kinds: ['email', 'ssn'] }],
      { 'rules[0].kinds[1]': /must be one of email, phone, credit_card, ip/ },
    ],
    ['a repeated kind', [{ ...pii, kinds: ['ip', 'ip'] }], { 'rules[0].kinds[1]': /repeats ip/ }],
    [
      'max_chars missing',
      [{ ...maxLength, max_chars: undefined }],
      { 'rules[0].max_chars': /is required \(a whole number from 1 to 100000\)/ },
    ],
    [
      'max_chars zero',
      [{ ...maxLength, max_chars: 0 }],
      { 'rules[0].max_chars': /from 1 to 100000/ },
    ],
    [
      'max_chars too big',
      [{ ...maxLength, max_chars: 100001 }],
      { 'rules[0].max_chars': /from 1 to 100000/ },
    ],
    [
      'max_chars as text',
      [{ ...maxLength, max_chars: '100' }],
      { 'rules[0].max_chars': /whole number/ },
    ],
    [
      'a bad max_length action',
      [{ ...maxLength, action: 'truncate' }],
      { 'rules[0].action': /must be one of/ },
    ],
  ])('rejects %s', (_label, rules, expected) => {
    const problems = problemsOf(rules);
    expect(Object.keys(problems)).toEqual(Object.keys(expected));
    for (const [field, message] of Object.entries(expected)) {
      expect(problems[field]).toMatch(new RegExp(`^${field.replace(/[[\].]/g, '\\$&')} `));
      expect(problems[field]).toMatch(message);
    }
  });

  it('names the index of the bad rule among good ones, and every bad field of a rule', () => {
    expect(
      Object.keys(
        problemsOf([instruction, terms, { type: 'regex', pattern: '(', flags: 'g', extra: 1 }]),
      ),
    ).toEqual([
      'rules[2].extra',
      'rules[2].pattern',
      'rules[2].flags',
      'rules[2].stage',
      'rules[2].action',
    ]);
  });

  it('uses a custom path for the field names', () => {
    expect(readGuardrailRules([{ type: 'x' }], 'config.rules').problems[0]?.field).toBe(
      'config.rules[0].type',
    );
  });
});
