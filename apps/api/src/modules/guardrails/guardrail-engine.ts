import { Injectable, Logger } from '@nestjs/common';
import type { RE2JS } from 're2js';
import {
  appliesTo,
  BlockedTermsRule,
  GuardrailRule,
  MaxLengthRule,
  PiiRule,
  RegexRule,
  RuleAction,
  RuleType,
  SystemInstructionRule,
  TextRule,
} from './guardrail-rules';
import { findPii, PII_KINDS, piiReach } from './pii-detectors';
import { compileRulePattern } from './rule-pattern';

export type CheckStage = 'input' | 'output';

/** One rule that matched: what the chat pipeline records in guardrail_events. */
export interface GuardrailFiring {
  rule_index: number;
  rule_type: RuleType;
  action: RuleAction;
  stage: CheckStage;
  /** The match with up to 40 characters around it, personal data masked; at most 200 characters. */
  excerpt: string;
}

export interface GuardrailCheck {
  /** What goes on: redactions applied; when blocked, the fallback message (output) or '' (input). */
  text: string;
  blocked: boolean;
  /** The firing that blocked, when blocked. */
  blockingRule?: GuardrailFiring;
  firings: GuardrailFiring[];
}

export interface ScanStep {
  /** Text that is final and may be sent to the client (never anything once blocked). */
  emit: string;
  blocked: boolean;
  blockingRule?: GuardrailFiring;
  /** Firings decided in this step only. */
  firings: GuardrailFiring[];
}

export interface OutputScanner {
  push(delta: string): ScanStep;
  end(): ScanStep;
}

/** What the engine needs of a config. */
export interface GuardrailRuleSet {
  readonly rules: readonly GuardrailRule[];
  readonly fallbackMessage: string;
}

export const REDACTED = '[REDACTED]';
export const EXCERPT_MAX_CHARS = 200;
/** How much of a user regex's match the streaming scanner can see at once (see RuleScanner). */
export const REGEX_REACH = 256;

const EXCERPT_CONTEXT = 40;
/** Personal data near an excerpt is looked for this far beyond it, so none is cut in half. */
const EXCERPT_PII_MARGIN = 64;
/** Already-released text kept for lookbehind, word boundaries and excerpts. */
const CONTEXT_CHARS = 256;
/** Text checked at once by checkInput/checkOutput: regexes only ever see bounded input. */
const CHECK_CHUNK_CHARS = 1024;
/** Held text beyond this is released even if a match still spans it (a pathological regex). */
const MAX_PENDING_CHARS = 8192;

interface Span {
  start: number;
  end: number;
}

interface SpanMatcher {
  kind: 'spans';
  index: number;
  rule: Exclude<TextRule, MaxLengthRule>;
  /** Longest text a match (with its lookahead) can span. */
  reach: number;
  find(window: string, from: number): Span[];
}

interface LengthLimit {
  kind: 'length';
  index: number;
  rule: MaxLengthRule;
}

interface StagePlan {
  /** Priority order, highest first; ties keep config order. */
  checks: Array<SpanMatcher | LengthLimit>;
  /** Characters the scanner holds back (0 when no rule looks for matches). */
  hold: number;
}

interface CompiledRules {
  input: StagePlan;
  output: StagePlan;
}

/**
 * Applies guardrail rules to text. Pure: no I/O; compiled rules are cached per rules array,
 * so a cached config compiles its regexes once.
 *
 * Every rule looks at the original text, in priority order. A match overlapping text that a
 * higher-priority rule already redacted or truncated is skipped (that text is gone); a block
 * stops everything.
 */
@Injectable()
export class GuardrailEngine {
  private readonly compiled = new WeakMap<readonly GuardrailRule[], CompiledRules>();

  /** system_instruction texts, highest priority first (config order among equals). */
  systemInstructions(config: GuardrailRuleSet): string[] {
    return byPriority(
      config.rules
        .map((rule, index) => ({ rule, index }))
        .filter(
          (entry): entry is { rule: SystemInstructionRule; index: number } =>
            entry.rule.type === 'system_instruction',
        ),
    ).map(({ rule }) => rule.content);
  }

  checkInput(config: GuardrailRuleSet, text: string): GuardrailCheck {
    return this.check(config, text, 'input');
  }

  checkOutput(config: GuardrailRuleSet, text: string): GuardrailCheck {
    return this.check(config, text, 'output');
  }

  /** For streamed replies: push deltas as they come, end() when the reply is complete. */
  createOutputScanner(config: GuardrailRuleSet): OutputScanner {
    return new RuleScanner(this.compile(config.rules).output, 'output');
  }

  // The same scanner as streaming, fed in bounded chunks, so both paths decide alike.
  private check(config: GuardrailRuleSet, text: string, stage: CheckStage): GuardrailCheck {
    const scanner = new RuleScanner(this.compile(config.rules)[stage], stage);
    let emitted = '';
    const firings: GuardrailFiring[] = [];
    let step: ScanStep | undefined;
    for (let position = 0; position < text.length; position += CHECK_CHUNK_CHARS) {
      step = scanner.push(text.slice(position, position + CHECK_CHUNK_CHARS));
      emitted += step.emit;
      firings.push(...step.firings);
      if (step.blocked) break;
    }
    if (!step?.blocked) {
      step = scanner.end();
      emitted += step.emit;
      firings.push(...step.firings);
    }
    if (step.blocked) {
      return {
        text: stage === 'output' ? config.fallbackMessage : '',
        blocked: true,
        blockingRule: step.blockingRule,
        firings,
      };
    }
    return { text: emitted, blocked: false, firings };
  }

  private compile(rules: readonly GuardrailRule[]): CompiledRules {
    let compiled = this.compiled.get(rules);
    if (!compiled) {
      compiled = { input: planFor(rules, 'input'), output: planFor(rules, 'output') };
      this.compiled.set(rules, compiled);
    }
    return compiled;
  }
}

function byPriority<T extends { rule: GuardrailRule }>(entries: T[]): T[] {
  // Array.prototype.sort is stable: equal priorities keep config order.
  return [...entries].sort((left, right) => right.rule.priority - left.rule.priority);
}

function planFor(rules: readonly GuardrailRule[], stage: CheckStage): StagePlan {
  const entries = rules
    .map((rule, index) => ({ rule, index }))
    .filter((entry): entry is { rule: TextRule; index: number } => {
      return entry.rule.type !== 'system_instruction' && appliesTo(entry.rule, stage);
    });
  const checks = byPriority(entries).map(({ rule, index }): SpanMatcher | LengthLimit =>
    rule.type === 'max_length' ? { kind: 'length', index, rule } : spanMatcher(rule, index),
  );
  const reaches = checks.map((check) => (check.kind === 'spans' ? check.reach : 0));
  const hold = reaches.some((reach) => reach > 0)
    ? Math.max(...reaches, EXCERPT_CONTEXT + EXCERPT_PII_MARGIN)
    : 0;
  return { checks, hold };
}

function spanMatcher(rule: SpanMatcher['rule'], index: number): SpanMatcher {
  switch (rule.type) {
    case 'blocked_terms':
      return termsMatcher(rule, index);
    case 'regex':
      return { kind: 'spans', index, rule, reach: REGEX_REACH, find: ruleFinder(rule) };
    case 'pii':
      return piiMatcher(rule, index);
  }
}

// Letters, digits, combining marks and _ in any script make up words.
const WORD_CHAR = '[\\p{L}\\p{N}\\p{M}_]';
/** A space in a term matches a run of up to three whitespace characters. */
const TERM_SPACE = '\\s{1,3}';

function termsMatcher(rule: BlockedTermsRule, index: number): SpanMatcher {
  const terms = [...new Map(rule.terms.map((term) => [term.toLowerCase(), term])).values()];
  // Longest first, so "bad word" wins over "bad" at the same position.
  terms.sort((left, right) => right.length - left.length);
  const alternatives = terms.map((term) =>
    term
      .split(/\s+/)
      .map((part) => part.replace(/[\\^$.*+?()[\]{}|/]/g, '\\$&'))
      .join(TERM_SPACE),
  );
  const pattern = new RegExp(
    `(?<!${WORD_CHAR})(?:${alternatives.join('|')})(?!${WORD_CHAR})`,
    'giu',
  );
  const reach = Math.max(
    ...terms.map((term) => term.replace(/\s+/g, ' ').length + 2 * (term.split(/\s+/).length - 1)),
  );
  return { kind: 'spans', index, rule, reach: reach + 1, find: regexFinder(pattern) };
}

function piiMatcher(rule: PiiRule, index: number): SpanMatcher {
  return {
    kind: 'spans',
    index,
    rule,
    reach: piiReach(rule.kinds),
    find: (window, from) => findPii(window, rule.kinds, from),
  };
}

const logger = new Logger('GuardrailEngine');

function regexFinder(pattern: RegExp): SpanMatcher['find'] {
  return (window, from) => {
    const spans: Span[] = [];
    pattern.lastIndex = from;
    for (let match = pattern.exec(window); match; match = pattern.exec(window)) {
      const start = match.index;
      const end = start + match[0].length;
      if (end === start) {
        // Empty matches mean nothing to redact; step past them as String.prototype.matchAll does.
        pattern.lastIndex = start + (isSurrogatePairAt(window, start) ? 2 : 1);
        continue;
      }
      spans.push({ start, end });
    }
    return spans;
  };
}

/** A regex rule runs on RE2: linear in the window whatever the pattern. */
function ruleFinder(rule: RegexRule): SpanMatcher['find'] {
  const compiled = compileRulePattern(rule.pattern, rule.flags);
  if ('problem' in compiled) {
    // Only a rule stored before RE2 (saving checks the same): it cannot run, say so once.
    logger.warn(`Regex rule /${rule.pattern}/ is skipped: pattern ${compiled.problem}`);
    return () => [];
  }
  return re2Finder(compiled.regex);
}

function re2Finder(pattern: RE2JS): SpanMatcher['find'] {
  return (window, from) => {
    const spans: Span[] = [];
    const matcher = pattern.matcher(window);
    let position = from;
    // find(position) still sees the text before position for ^, $ and \b.
    while (position <= window.length && matcher.find(position)) {
      const start = matcher.start();
      const end = matcher.end();
      if (end === start) {
        position = start + (isSurrogatePairAt(window, start) ? 2 : 1);
        continue;
      }
      spans.push({ start, end });
      position = end;
    }
    return spans;
  };
}

function isSurrogatePairAt(text: string, index: number): boolean {
  const high = text.charCodeAt(index);
  const low = text.charCodeAt(index + 1);
  return high >= 0xd800 && high <= 0xdbff && low >= 0xdc00 && low <= 0xdfff;
}

interface Removal {
  start: number;
  end: number;
  replacement: string;
}

/**
 * Checks text that arrives in pieces, releasing only what no later piece can change.
 *
 * The scanner keeps `pending` (text not yet released) and `context` (the last released
 * characters, for lookbehind, word boundaries and excerpts). On each step it runs every rule
 * over context + pending and releases all but the last `hold` characters, where `hold` is the
 * longest match any rule can make (terms: their length, PII: per kind, regex: REGEX_REACH).
 * A match that crosses the release point pulls it back to the match's start, so a match is
 * always redacted or judged whole, with enough text after it to be sure it is complete (a
 * term followed by more letters is not a whole word). Matches are only decided once fully
 * released, so splitting a text anywhere gives the same result as checking it at once, as
 * long as matches are at most `hold` characters long; longer regex matches are still caught
 * whole if they already match while their start is held. max_length counts every character
 * and needs no hold. Once blocked, nothing more is emitted.
 */
class RuleScanner implements OutputScanner {
  private context = '';
  private pending = '';
  /** Position of pending[0] in the whole text. */
  private offset = 0;
  private readonly firedLengthLimits = new Set<number>();
  private finished = false;
  private blockingRule: GuardrailFiring | undefined;
  /** While a long match holds text back, rescan only once pending doubled (see push). */
  private nextScanAt = 0;

  constructor(
    private readonly plan: StagePlan,
    private readonly stage: CheckStage,
  ) {}

  push(delta: string): ScanStep {
    if (this.finished) return this.afterEnd();
    this.pending += delta;
    // Rescanning held text on every delta would cost O(held × deltas); waiting until it doubles
    // keeps the work linear in the reply. Waiting only means coarser chunks, which decide alike.
    if (this.pending.length < this.nextScanAt) return { emit: '', blocked: false, firings: [] };
    return this.step(false);
  }

  end(): ScanStep {
    if (this.finished) return this.afterEnd();
    const step = this.step(true);
    this.finished = true;
    return step;
  }

  private afterEnd(): ScanStep {
    return {
      emit: '',
      blocked: this.blockingRule !== undefined,
      blockingRule: this.blockingRule,
      firings: [],
    };
  }

  private step(final: boolean): ScanStep {
    const window = this.context + this.pending;
    const from = this.context.length;
    const total = this.offset + this.pending.length;
    let boundary = final ? window.length : Math.max(from, window.length - this.plan.hold);

    const spans = new Map<SpanMatcher, Span[]>();
    if (boundary > from) {
      for (const check of this.plan.checks) {
        if (check.kind === 'spans') spans.set(check, check.find(window, from));
      }
      const pulledBack = pullBack(boundary, [...spans.values()].flat());
      if (window.length - pulledBack <= MAX_PENDING_CHARS) boundary = pulledBack;
    }

    const removals: Removal[] = [];
    const firings: GuardrailFiring[] = [];
    const fire = (check: SpanMatcher | LengthLimit, excerpt: string): GuardrailFiring => {
      const firing: GuardrailFiring = {
        rule_index: check.index,
        rule_type: check.rule.type,
        action: check.rule.action,
        stage: this.stage,
        excerpt,
      };
      firings.push(firing);
      return firing;
    };

    decide: for (const check of this.plan.checks) {
      if (check.kind === 'length') {
        const limit = check.rule.max_chars;
        if (total <= limit) continue;
        let cut = from + limit - this.offset;
        // Never keep half of a surrogate pair: PostgreSQL would refuse the text.
        if (isSurrogatePairAt(window, cut - 1)) cut -= 1;
        if (!this.firedLengthLimits.has(check.index)) {
          this.firedLengthLimits.add(check.index);
          const firing = fire(check, excerptAt(window, cut - 2 * EXCERPT_CONTEXT, cut));
          if (check.rule.action === 'block') {
            this.blockingRule = firing;
            break decide;
          }
        }
        if (check.rule.action === 'redact') {
          removals.push({ start: cut, end: Infinity, replacement: '' });
        }
        continue;
      }
      for (const span of spans.get(check) ?? []) {
        if (span.start >= boundary) break;
        const end = Math.min(span.end, boundary);
        if (removals.some((removal) => span.start < removal.end && removal.start < end)) continue;
        const firing = fire(
          check,
          excerptAt(window, span.start - EXCERPT_CONTEXT, span.end + EXCERPT_CONTEXT),
        );
        if (check.rule.action === 'block') {
          this.blockingRule = firing;
          break decide;
        }
        if (check.rule.action === 'redact') {
          removals.push({ start: span.start, end, replacement: REDACTED });
        }
      }
    }

    if (this.blockingRule) {
      this.finished = true;
      return { emit: '', blocked: true, blockingRule: this.blockingRule, firings };
    }
    const emit = render(window, from, boundary, removals);
    this.context = window.slice(Math.max(0, boundary - CONTEXT_CHARS), boundary);
    this.pending = window.slice(boundary);
    this.offset += boundary - from;
    this.nextScanAt =
      this.pending.length > this.plan.hold
        ? Math.min(2 * this.pending.length, MAX_PENDING_CHARS + 1)
        : 0;
    return { emit, blocked: false, firings };
  }
}

/** Moves the release point back to the start of any match that crosses it, until none does. */
function pullBack(boundary: number, spans: Span[]): number {
  let point = boundary;
  let moved = true;
  while (moved) {
    moved = false;
    for (const span of spans) {
      if (span.start < point && span.end > point) {
        point = span.start;
        moved = true;
      }
    }
  }
  return point;
}

/** window[from, to) with each removal replaced (a removal overlapping an earlier one adds nothing). */
function render(window: string, from: number, to: number, removals: Removal[]): string {
  let text = '';
  let position = from;
  for (const removal of [...removals].sort((left, right) => left.start - right.start)) {
    if (removal.start >= to) break;
    if (removal.start >= position) {
      text += window.slice(position, removal.start) + removal.replacement;
    }
    position = Math.max(position, Math.min(removal.end, to));
  }
  return text + window.slice(position, to);
}

/** window[start, end) for an operator to read: personal data masked, whitespace collapsed. */
function excerptAt(window: string, start: number, end: number): string {
  const excerptStart = Math.max(0, start);
  const excerptEnd = Math.min(window.length, end);
  const regionStart = Math.max(0, excerptStart - EXCERPT_PII_MARGIN);
  const region = window.slice(
    regionStart,
    Math.min(window.length, excerptEnd + EXCERPT_PII_MARGIN),
  );
  let excerpt = '';
  let position = excerptStart - regionStart;
  const last = excerptEnd - regionStart;
  for (const match of findPii(region, PII_KINDS)) {
    if (match.end <= position) continue;
    if (match.start >= last) break;
    excerpt += `${region.slice(position, Math.max(position, match.start))}[${match.kind}]`;
    position = match.end;
  }
  excerpt += region.slice(position, Math.max(position, last));
  excerpt = excerpt.replace(/\s+/g, ' ').trim();
  if (excerpt.length <= EXCERPT_MAX_CHARS) return excerpt;
  // Cut on a code point boundary.
  return `${Array.from(excerpt.slice(0, EXCERPT_MAX_CHARS - 1))
    .join('')
    .replace(/[\ud800-\udbff]$/, '')}…`;
}
