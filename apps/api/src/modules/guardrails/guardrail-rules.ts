import { FieldProblem, ValidationFailedError } from '../../core/errors/domain-error';
import { isStorableText } from '../../core/validation/storable-text';
import { PII_KINDS, PiiKind } from './pii-detectors';
import { compileRulePattern } from './rule-pattern';

export const RULE_TYPES = [
  'system_instruction',
  'blocked_terms',
  'regex',
  'pii',
  'max_length',
] as const;
export type RuleType = (typeof RULE_TYPES)[number];

export const RULE_STAGES = ['input', 'output', 'both'] as const;
export type RuleStage = (typeof RULE_STAGES)[number];

export const RULE_ACTIONS = ['block', 'redact', 'flag'] as const;
export type RuleAction = (typeof RULE_ACTIONS)[number];

export const MAX_RULES = 100;
export const MAX_PRIORITY = 1_000_000;
export const MAX_INSTRUCTION_CHARS = 4000;
export const MAX_TERMS = 500;
export const MAX_TERM_CHARS = 100;
export const MAX_PATTERN_CHARS = 500;
export const MAX_LENGTH_LIMIT = 100_000;
/** Replaces a blocked reply unless the config says otherwise. */
export const DEFAULT_FALLBACK_MESSAGE = "I'm sorry, I can't help with that.";
/** Regex flags a rule may set; `g` is always added by the engine, `y` would anchor it. */
export const REGEX_FLAGS = 'imsu';

export interface SystemInstructionRule {
  type: 'system_instruction';
  priority: number;
  content: string;
}

export interface BlockedTermsRule {
  type: 'blocked_terms';
  priority: number;
  terms: string[];
  stage: RuleStage;
  action: RuleAction;
}

export interface RegexRule {
  type: 'regex';
  priority: number;
  pattern: string;
  flags: string;
  stage: RuleStage;
  action: RuleAction;
}

export interface PiiRule {
  type: 'pii';
  priority: number;
  kinds: PiiKind[];
  stage: RuleStage;
  action: RuleAction;
}

export interface MaxLengthRule {
  type: 'max_length';
  priority: number;
  max_chars: number;
  stage: RuleStage;
  /** block (default), redact = truncate to max_chars, or flag. */
  action: RuleAction;
}

/** One rule as stored in guardrail_configs.rules and shown by the API (defaults filled in). */
export type GuardrailRule =
  SystemInstructionRule | BlockedTermsRule | RegexRule | PiiRule | MaxLengthRule;

/** A rule that looks at text (every type but system_instruction). */
export type TextRule = Exclude<GuardrailRule, SystemInstructionRule>;

const RULE_FIELDS: Record<RuleType, readonly string[]> = {
  system_instruction: ['content'],
  blocked_terms: ['terms', 'stage', 'action'],
  regex: ['pattern', 'flags', 'stage', 'action'],
  pii: ['kinds', 'stage', 'action'],
  max_length: ['max_chars', 'stage', 'action'],
};

const quoteList = (values: readonly string[]) => values.join(', ');

/**
 * Reads one problem at a time per field and keeps going, so a client fixing a config sees every
 * bad field of every rule at once, each named like `rules[2].pattern`.
 */
class RuleReader {
  readonly problems: FieldProblem[] = [];

  constructor(
    private readonly source: Record<string, unknown>,
    private readonly path: string,
  ) {}

  problem(field: string, message: string): undefined {
    const name = `${this.path}.${field}`;
    this.problems.push({ field: name, errors: [`${name} ${message}`] });
    return undefined;
  }

  raw(field: string): unknown {
    return this.source[field];
  }

  text(field: string, maxChars: number): string | undefined {
    const value = this.source[field];
    if (value === undefined || value === null) return this.problem(field, 'is required');
    if (typeof value !== 'string') return this.problem(field, 'must be a string');
    if (value.trim() === '') return this.problem(field, 'must not be empty');
    if (value.length > maxChars) {
      return this.problem(field, `must be at most ${maxChars} characters`);
    }
    if (!isStorableText(value)) {
      return this.problem(field, 'must not contain NUL or unpaired surrogate characters');
    }
    return value;
  }

  choice<T extends string>(field: string, allowed: readonly T[], fallback?: T): T | undefined {
    const value = this.source[field];
    if (value === undefined && fallback !== undefined) return fallback;
    if (typeof value === 'string' && (allowed as readonly string[]).includes(value)) {
      return value as T;
    }
    return this.problem(
      field,
      value === undefined
        ? `is required (${quoteList(allowed)})`
        : `must be one of ${quoteList(allowed)}`,
    );
  }

  integer(field: string, min: number, max: number, fallback?: number): number | undefined {
    const value = this.source[field];
    if (value === undefined && fallback !== undefined) return fallback;
    if (typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max) {
      return value;
    }
    return this.problem(
      field,
      value === undefined
        ? `is required (a whole number from ${min} to ${max})`
        : `must be a whole number from ${min} to ${max}`,
    );
  }

  array(field: string, min: number, max: number): unknown[] | undefined {
    const value = this.source[field];
    if (value === undefined || value === null) return this.problem(field, 'is required');
    if (!Array.isArray(value)) return this.problem(field, 'must be an array');
    const items: unknown[] = value;
    if (items.length < min || items.length > max) {
      return this.problem(field, `must have ${min} to ${max} items`);
    }
    return items;
  }

  /** Reports fields the rule type does not have: a typo must not be silently ignored. */
  unknownFields(allowed: readonly string[]): void {
    for (const key of Object.keys(this.source)) {
      if (!allowed.includes(key)) {
        this.problem(key, `is not a field of a ${String(this.source.type)} rule`);
      }
    }
  }
}

function readRule(
  value: unknown,
  path: string,
  problems: FieldProblem[],
): GuardrailRule | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    problems.push({ field: path, errors: [`${path} must be an object with a type`] });
    return undefined;
  }
  const reader = new RuleReader(value as Record<string, unknown>, path);
  const rule = readKnownRule(reader);
  problems.push(...inFieldOrder(reader.problems, path, (value as { type?: unknown }).type));
  return reader.problems.length === 0 ? rule : undefined;
}

/** Unknown fields first (likely typos), then the rule's fields in their documented order. */
function inFieldOrder(problems: FieldProblem[], path: string, type: unknown): FieldProblem[] {
  const known = RULE_TYPES.includes(type as RuleType) ? RULE_FIELDS[type as RuleType] : [];
  const order = ['type', 'priority', ...known];
  const rank = (problem: FieldProblem) =>
    order.indexOf(problem.field.slice(path.length + 1).replace(/\[.*$/, ''));
  return [...problems].sort((left, right) => rank(left) - rank(right));
}

function readKnownRule(reader: RuleReader): GuardrailRule | undefined {
  const type = reader.choice('type', RULE_TYPES);
  if (!type) return undefined;
  reader.unknownFields(['type', 'priority', ...RULE_FIELDS[type]]);
  const priority = reader.integer('priority', -MAX_PRIORITY, MAX_PRIORITY, 0) ?? 0;

  if (type === 'system_instruction') {
    const content = reader.text('content', MAX_INSTRUCTION_CHARS);
    return content === undefined ? undefined : { type, priority, content };
  }
  const readStage = () => reader.choice('stage', RULE_STAGES);
  if (type === 'max_length') {
    const maxChars = reader.integer('max_chars', 1, MAX_LENGTH_LIMIT);
    const stage = readStage();
    const action = reader.choice('action', RULE_ACTIONS, 'block');
    if (maxChars === undefined || !stage || !action) return undefined;
    return { type, priority, max_chars: maxChars, stage, action };
  }
  const stage = readStage();
  const action = reader.choice('action', RULE_ACTIONS);
  if (type === 'blocked_terms') {
    const terms = readTerms(reader);
    if (!terms || !stage || !action) return undefined;
    return { type, priority, terms, stage, action };
  }
  if (type === 'regex') {
    const regex = readRegex(reader);
    if (!regex || !stage || !action) return undefined;
    return { type, priority, ...regex, stage, action };
  }
  const kinds = readKinds(reader);
  if (!kinds || !stage || !action) return undefined;
  return { type, priority, kinds, stage, action };
}

function readTerms(reader: RuleReader): string[] | undefined {
  const items = reader.array('terms', 1, MAX_TERMS);
  if (!items) return undefined;
  const terms: string[] = [];
  items.forEach((item, index) => {
    const field = `terms[${index}]`;
    if (typeof item !== 'string') return reader.problem(field, 'must be a string');
    const term = item.trim();
    if (term === '') return reader.problem(field, 'must not be empty');
    if (term.length > MAX_TERM_CHARS) {
      return reader.problem(field, `must be at most ${MAX_TERM_CHARS} characters`);
    }
    if (!isStorableText(term)) {
      return reader.problem(field, 'must not contain NUL or unpaired surrogate characters');
    }
    terms.push(term);
  });
  return terms.length === items.length ? terms : undefined;
}

function readRegex(reader: RuleReader): { pattern: string; flags: string } | undefined {
  const pattern = reader.text('pattern', MAX_PATTERN_CHARS);
  const flags = readFlags(reader);
  if (pattern === undefined) return undefined;
  // With bad flags the pattern is still checked, as written without flags.
  const compiled = compileRulePattern(pattern, flags ?? '');
  if ('problem' in compiled) return reader.problem('pattern', compiled.problem);
  if (compiled.regex.test('')) {
    return reader.problem('pattern', 'must not match empty text (it would match everywhere)');
  }
  return flags === undefined ? undefined : { pattern, flags };
}

function readFlags(reader: RuleReader): string | undefined {
  const flags = reader.raw('flags');
  if (flags === undefined) return '';
  if (typeof flags !== 'string') return reader.problem('flags', 'must be a string');
  const letters = [...flags];
  if (letters.some((letter) => !REGEX_FLAGS.includes(letter))) {
    return reader.problem(
      'flags',
      `may only contain ${[...REGEX_FLAGS].join(', ')} (g is always on, y is not allowed)`,
    );
  }
  if (new Set(letters).size !== letters.length) return reader.problem('flags', 'repeats a flag');
  // Canonical order, so equal rules are stored equally.
  return [...REGEX_FLAGS].filter((letter) => letters.includes(letter)).join('');
}

function readKinds(reader: RuleReader): PiiKind[] | undefined {
  const items = reader.array('kinds', 1, PII_KINDS.length);
  if (!items) return undefined;
  const kinds: PiiKind[] = [];
  items.forEach((item, index) => {
    const field = `kinds[${index}]`;
    if (typeof item !== 'string' || !(PII_KINDS as readonly string[]).includes(item)) {
      return reader.problem(field, `must be one of ${quoteList(PII_KINDS)}`);
    }
    if (kinds.includes(item as PiiKind)) return reader.problem(field, `repeats ${item}`);
    kinds.push(item as PiiKind);
  });
  return kinds.length === items.length ? kinds : undefined;
}

/**
 * Checks a config's rules as received (any JSON) and returns them with defaults filled in.
 * Every problem names the exact field, e.g. `rules[2].pattern`.
 */
export function readGuardrailRules(
  value: unknown,
  path = 'rules',
): { rules: GuardrailRule[]; problems: FieldProblem[] } {
  if (!Array.isArray(value)) {
    return {
      rules: [],
      problems: [{ field: path, errors: [`${path} must be an array of rules`] }],
    };
  }
  if (value.length > MAX_RULES) {
    return {
      rules: [],
      problems: [{ field: path, errors: [`${path} must have at most ${MAX_RULES} rules`] }],
    };
  }
  const problems: FieldProblem[] = [];
  const rules = value.flatMap((item, index) => readRule(item, `${path}[${index}]`, problems) ?? []);
  return { rules, problems };
}

/** readGuardrailRules that throws 422 validation_failed when anything is wrong. */
export function parseGuardrailRules(value: unknown, path = 'rules'): GuardrailRule[] {
  const { rules, problems } = readGuardrailRules(value, path);
  if (problems.length > 0) throw new ValidationFailedError(problems);
  return rules;
}

export function appliesTo(rule: TextRule, stage: 'input' | 'output'): boolean {
  return rule.stage === 'both' || rule.stage === stage;
}
