import { TemplateBudgetName, TemplateRenderError } from './template-error';

/**
 * What a template computes with: JSON data plus a few values of the interpreter's own
 * (macros, cyclers, joiners). No JavaScript function is ever a template value.
 */
export type Value =
  undefined | null | boolean | number | string | Markup | Value[] | Dict | Native | Opaque;

export type Dict = { [key: string]: Value };

/** Anything of the input that is not JSON data (a Date, a class instance): never looked into. */
export interface Opaque {
  readonly __opaque: unique symbol;
}

/** Nunjucks' SafeString: macro output and `| safe`; `escape` leaves it alone. */
export class Markup {
  constructor(readonly value: string) {}
}

/** Values the interpreter defines; a template can call them but never look inside. */
export abstract class Native {}

export class Joiner extends Native {
  private used = false;
  constructor(readonly separator: string) {
    super();
  }
  next(): string {
    if (this.used) return this.separator;
    this.used = true;
    return '';
  }
}

export class Cycler extends Native {
  private index = -1;
  current: Value = null;
  constructor(private readonly items: Value[]) {
    super();
  }
  next(): Value {
    this.index += 1;
    if (this.index >= this.items.length) this.index = 0;
    this.current = this.items[this.index];
    return this.current;
  }
  reset(): null {
    this.index = -1;
    this.current = null;
    return null;
  }
}

/** A global (`range`, `cycler`, `joiner`) passed as a value: callable, nothing else. */
export class GlobalFunction extends Native {
  constructor(readonly name: string) {
    super();
  }
}

/** Member names a template may never read, whatever the value (spec section 4, step 6). */
export const BLOCKED_MEMBERS: ReadonlySet<string> = new Set([
  'constructor',
  'prototype',
  '__proto__',
  '__defineGetter__',
  '__defineSetter__',
  '__lookupGetter__',
  '__lookupSetter__',
  'caller',
  'callee',
  'arguments',
  'call',
  'apply',
  'bind',
]);

export interface TemplateBudgets {
  /** Evaluation steps; building or scanning long strings and lists costs extra steps. */
  maxSteps: number;
  /** Iterations of all `for` loops together. */
  maxLoopIterations: number;
  /** Characters of the rendered output (and of any capture block). */
  maxOutputChars: number;
  /** Length of any one string a template builds. */
  maxStringChars: number;
  /** Items of any one list a template builds (`range`, `split`, `list`, …). */
  maxListItems: number;
  /** Nesting of macro calls. */
  maxCallDepth: number;
}

export const DEFAULT_TEMPLATE_BUDGETS: TemplateBudgets = {
  maxSteps: 100_000,
  maxLoopIterations: 10_000,
  maxOutputChars: 1_000_000,
  maxStringChars: 1_000_000,
  maxListItems: 10_000,
  maxCallDepth: 50,
};

/** Characters of work that cost one extra step: a long string is paid for by its length. */
const CHARS_PER_STEP = 64;

const BUDGET_DESCRIPTIONS: Record<TemplateBudgetName, (limit: number) => string> = {
  steps: (limit) => `the template needs more than ${limit} evaluation steps`,
  loop_iterations: (limit) => `the template's loops run more than ${limit} iterations`,
  output_chars: (limit) => `the rendered output would be longer than ${limit} characters`,
  string_chars: (limit) => `the template builds a string longer than ${limit} characters`,
  list_items: (limit) => `the template builds a list of more than ${limit} items`,
  call_depth: (limit) => `macro calls are nested more than ${limit} deep`,
};

/** Counts the work of one render against its budgets. */
export class Meter {
  private steps = 0;
  private iterations = 0;
  depth = 0;
  /** Position of the node being evaluated, for errors. */
  line: number | null = null;
  column: number | null = null;

  constructor(readonly budgets: TemplateBudgets) {}

  fail(budget: TemplateBudgetName, limit: number, reason?: string): never {
    throw new TemplateRenderError({
      kind: 'budget',
      budget,
      reason: reason ?? BUDGET_DESCRIPTIONS[budget](limit),
      line: this.line,
      column: this.column,
    });
  }

  step(count = 1): void {
    this.steps += count;
    if (this.steps > this.budgets.maxSteps) this.fail('steps', this.budgets.maxSteps);
  }

  /** Pays for handling `chars` characters (scanning or building). */
  work(chars: number): void {
    if (chars >= CHARS_PER_STEP) this.step(Math.floor(chars / CHARS_PER_STEP));
  }

  iteration(): void {
    this.iterations += 1;
    if (this.iterations > this.budgets.maxLoopIterations) {
      this.fail('loop_iterations', this.budgets.maxLoopIterations);
    }
    this.step();
  }

  /** Checks a string's length before it is built, then pays for building it. */
  string(length: number): void {
    this.fits(length);
    this.work(length);
  }

  /** Checks the length a string being assembled piece by piece has reached. */
  fits(length: number): void {
    if (length > this.budgets.maxStringChars) {
      this.fail('string_chars', this.budgets.maxStringChars);
    }
  }

  list(length: number): void {
    if (length > this.budgets.maxListItems) this.fail('list_items', this.budgets.maxListItems);
    this.step(1 + Math.floor(length / 16));
  }

  output(length: number): void {
    if (length > this.budgets.maxOutputChars)
      this.fail('output_chars', this.budgets.maxOutputChars);
  }
}

export function renderError(reason: string, meter: Meter): TemplateRenderError {
  return new TemplateRenderError({
    kind: 'render',
    reason,
    line: meter.line,
    column: meter.column,
  });
}

const objectPrototype = Object.prototype;

export function isDict(value: unknown): value is Dict {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  if (value instanceof Markup || value instanceof Native) return false;
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === objectPrototype || prototype === null;
}

export const isList = (value: unknown): value is Value[] => Array.isArray(value);

export const isText = (value: unknown): value is string | Markup =>
  typeof value === 'string' || value instanceof Markup;

export const isCallable = (value: unknown): boolean =>
  value instanceof Native && !(value instanceof Cycler);

/** A string, or a Markup's string. */
export const unwrap = (value: Value): Value => (value instanceof Markup ? value.value : value);

export function newDict(): Dict {
  return Object.create(null) as Dict;
}

/** Own data property of JSON data, never anything from a prototype or a getter. */
export function ownValue(target: object, key: string): Value {
  const descriptor = Object.getOwnPropertyDescriptor(target, key);
  return descriptor && 'value' in descriptor ? (descriptor.value as Value) : undefined;
}

export function dictKeys(dict: Dict): string[] {
  return Object.keys(dict);
}

/** JavaScript's String(value), as compiled Nunjucks templates convert values; length-checked. */
export function toJsString(value: Value, meter: Meter, depth = 0): string {
  if (typeof value === 'string') return value;
  if (value instanceof Markup) return value.value;
  if (value === undefined) return 'undefined';
  if (value === null) return 'null';
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) {
    if (depth > 100) throw renderError('a list is nested too deeply to show', meter);
    const items = value as Value[];
    meter.step(items.length);
    const parts: string[] = [];
    let length = 0;
    for (const item of items) {
      const part = item === undefined || item === null ? '' : toJsString(item, meter, depth + 1);
      length += part.length + 1;
      meter.fits(length);
      meter.work(part.length);
      parts.push(part);
    }
    return parts.join(',');
  }
  if (value instanceof Native) return value instanceof Cycler ? '[object Object]' : '';
  return '[object Object]';
}

/** What `{{ value }}` prints: nothing for undefined and null. */
export function toOutput(value: Value, meter: Meter): string {
  return value === undefined || value === null ? '' : toJsString(value, meter);
}

/** JavaScript's ToNumber for template values. */
export function toNumber(value: Value, meter: Meter): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (value === null) return 0;
  if (value === undefined) return NaN;
  if (typeof value === 'string' || value instanceof Markup || Array.isArray(value)) {
    return Number(toJsString(value, meter));
  }
  return NaN;
}

export function truthy(value: Value): boolean {
  if (value instanceof Markup) return true;
  return Boolean(value);
}

type Primitive = string | number | boolean | null | undefined;

/** JavaScript's ToPrimitive for template values (objects become their string form). */
function toPrimitive(value: Value, meter: Meter): Primitive {
  if (value === null || value === undefined) return value;
  if (typeof value === 'object') return toJsString(value, meter);
  return value;
}

/** JavaScript's `==`, which compiled Nunjucks templates use. */
export function looseEquals(left: Value, right: Value, meter: Meter): boolean {
  if (left === right) return true;
  const leftIsObject = typeof left === 'object' && left !== null && !(left instanceof Markup);
  const rightIsObject = typeof right === 'object' && right !== null && !(right instanceof Markup);
  if (leftIsObject && rightIsObject) return false;
  const a = left instanceof Markup ? left.value : leftIsObject ? toPrimitive(left, meter) : left;
  const b =
    right instanceof Markup ? right.value : rightIsObject ? toPrimitive(right, meter) : right;
  chargeComparison(a as Primitive, b as Primitive, meter);
  // Primitives: JavaScript's own `==` is exactly the rule.
  return a == b;
}

export function strictEquals(left: Value, right: Value, meter?: Meter): boolean {
  if (meter && typeof left === 'string' && typeof right === 'string') {
    meter.work(Math.min(left.length, right.length));
  }
  return left === right;
}

/** JavaScript's relational comparison (`<`, `>`, …) on template values. */
export function compare(
  op: '<' | '>' | '<=' | '>=',
  left: Value,
  right: Value,
  meter: Meter,
): boolean {
  const a = toPrimitive(unwrap(left), meter);
  const b = toPrimitive(unwrap(right), meter);
  chargeComparison(a, b, meter);
  switch (op) {
    case '<':
      return (a as number) < (b as number);
    case '>':
      return (a as number) > (b as number);
    case '<=':
      return (a as number) <= (b as number);
    default:
      return (a as number) >= (b as number);
  }
}

/** Comparing two strings reads up to the shorter one's length. */
function chargeComparison(a: Primitive, b: Primitive, meter: Meter): void {
  if (typeof a === 'string' && typeof b === 'string') meter.work(Math.min(a.length, b.length));
}

/** JavaScript's `+`: numbers add, anything else concatenates as strings (length-checked). */
export function add(left: Value, right: Value, meter: Meter): Value {
  const a = toPrimitive(unwrap(left), meter);
  const b = toPrimitive(unwrap(right), meter);
  if (typeof a === 'string' || typeof b === 'string') {
    return concat(a, b, meter);
  }
  return (a as number) + (b as number);
}

/** Joins two values as strings, checking the length first. */
export function concat(left: Value, right: Value, meter: Meter): string {
  const a = toJsString(left, meter);
  const b = toJsString(right, meter);
  meter.string(a.length + b.length);
  return a + b;
}

/** JSON.stringify for template values, with the length checked as it grows. */
export function toJson(value: Value, indent: string, meter: Meter): string | undefined {
  const encode = (item: Value, prefix: string, depth: number): string | undefined => {
    meter.step();
    if (depth > 100) throw renderError('dump: the value is nested too deeply', meter);
    if (item === null) return 'null';
    if (item === undefined || item instanceof GlobalFunction || item instanceof Joiner) {
      return undefined;
    }
    if (typeof item === 'boolean') return String(item);
    if (typeof item === 'number') return Number.isFinite(item) ? String(item) : 'null';
    if (typeof item === 'string' || item instanceof Markup) {
      const text = typeof item === 'string' ? item : item.value;
      meter.string(text.length * 2);
      return JSON.stringify(text);
    }
    if (item instanceof Native && !(item instanceof Cycler)) return undefined;
    const inner = prefix + indent;
    const open = indent ? `\n${inner}` : '';
    const close = indent ? `\n${prefix}` : '';
    const separator = indent ? `,\n${inner}` : ',';
    let length = 0;
    const parts: string[] = [];
    const keep = (part: string) => {
      length += part.length + separator.length;
      meter.fits(length);
      meter.work(part.length);
      parts.push(part);
    };
    if (Array.isArray(item)) {
      for (const element of item) keep(encode(element, inner, depth + 1) ?? 'null');
      return parts.length === 0 ? '[]' : `[${open}${parts.join(separator)}${close}]`;
    }
    if (item instanceof Cycler) {
      const current = encode(item.current, inner, depth + 1);
      if (current !== undefined) keep(`"current":${indent ? ' ' : ''}${current}`);
    } else if (isDict(item)) {
      for (const key of dictKeys(item)) {
        const encoded = encode(ownValue(item, key), inner, depth + 1);
        if (encoded !== undefined) keep(`${JSON.stringify(key)}:${indent ? ' ' : ''}${encoded}`);
      }
    } else {
      return '{}';
    }
    return parts.length === 0 ? '{}' : `{${open}${parts.join(separator)}${close}}`;
  };
  return encode(value, '', 0);
}
