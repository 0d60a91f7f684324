import nunjucks from 'nunjucks';
import { parseTemplateError } from './template-error';

/**
 * Member names a template may never read. Each one leads from an ordinary value to
 * `Function` (and so to code execution: `range.constructor("return process")()`), to a
 * prototype, or to a way of calling a function with another `this`.
 */
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

/** Largest list `range()` builds; a prompt never needs more, and memory stays bounded. */
export const MAX_RANGE_ITEMS = 10_000;

const constructorOf = (value: unknown): unknown =>
  (Object.getPrototypeOf(value) as { constructor: unknown }).constructor;

// Second line of defence: should a new path ever reach one of these, it is neither returned
// nor called nor looked into. (The functions below exist only to reach their constructors.)
const FORBIDDEN_VALUES: ReadonlySet<unknown> = new Set([
  Function,
  // eslint-disable-next-line @typescript-eslint/require-await
  constructorOf(async () => undefined),
  constructorOf(function* () {
    yield undefined;
  }),
  // eslint-disable-next-line @typescript-eslint/require-await
  constructorOf(async function* () {
    yield undefined;
  }),
  Object,
  Reflect,
  Proxy,
  globalThis,
  globalThis.eval,
  process,
]);

type Callable = (...args: unknown[]) => unknown;

interface NunjucksFrame {
  lookup(name: string): unknown;
}

interface NunjucksContext {
  ctx: Record<string, unknown>;
  env: { globals: Record<string, unknown> };
}

/** The parts of `nunjucks.runtime` that compiled templates call for lookups and calls. */
interface NunjucksRuntime {
  memberLookup(target: unknown, key: unknown): unknown;
  callWrap(target: unknown, name: string, context: unknown, args: unknown[]): unknown;
  contextOrFrameLookup(context: NunjucksContext, frame: NunjucksFrame, name: string): unknown;
  SafeString: new (value: string) => { val: string };
  hardenedByPromptDev?: true;
}

interface NunjucksEnvironmentInternals {
  globals: Record<string, unknown>;
  filters: object;
  tests: object;
  extensions: object;
}

const runtime = nunjucks.runtime as unknown as NunjucksRuntime;
const hasOwn = (target: object, key: string) => Object.prototype.hasOwnProperty.call(target, key);

function toPropertyKey(key: unknown): string | number | undefined {
  if (typeof key === 'string' || typeof key === 'number') return key;
  if (typeof key === 'boolean') return String(key);
  // Read once: an object key's toString could answer differently on a second call.
  if (key instanceof runtime.SafeString && typeof key.val === 'string') return key.val;
  return undefined;
}

function memberLookup(target: unknown, key: unknown): unknown {
  if (target === undefined || target === null || FORBIDDEN_VALUES.has(target)) return undefined;
  const property = toPropertyKey(key);
  if (property === undefined || (typeof property === 'string' && BLOCKED_MEMBERS.has(property))) {
    return undefined;
  }
  const value = (target as Record<string | number, unknown>)[property];
  if (FORBIDDEN_VALUES.has(value)) return undefined;
  if (typeof value === 'function') {
    // As Nunjucks does: methods stay bound to their object (`name.upper()` style calls).
    const method = value as Callable;
    return (...args: unknown[]) => Reflect.apply(method, target, args);
  }
  return value;
}

function callWrap(target: unknown, name: string, context: unknown, args: unknown[]): unknown {
  if (!target) throw new Error(`Unable to call \`${name}\`, which is undefined or falsey`);
  if (typeof target !== 'function') {
    throw new Error(`Unable to call \`${name}\`, which is not a function`);
  }
  if (FORBIDDEN_VALUES.has(target)) throw new Error(`Unable to call \`${name}\``);
  return Reflect.apply(target as Callable, context, args);
}

/**
 * Variables come from the frame, then the render context, then the environment's globals,
 * and only from their own properties: `{{ constructor }}` must not find Object.prototype's.
 */
function contextOrFrameLookup(
  context: NunjucksContext,
  frame: NunjucksFrame,
  name: string,
): unknown {
  const fromFrame = frame.lookup(name);
  let value: unknown;
  if (fromFrame !== undefined) value = fromFrame;
  else if (hasOwn(context.ctx, name)) value = context.ctx[name];
  else if (hasOwn(context.env.globals, name)) value = context.env.globals[name];
  return FORBIDDEN_VALUES.has(value) ? undefined : value;
}

/**
 * Replaces the lookups compiled templates call. `nunjucks.runtime` is one module object
 * shared by every environment in the process; the replacements keep Nunjucks' behaviour for
 * ordinary data, so the patch is safe for any other user of Nunjucks too.
 */
export function hardenNunjucksRuntime(): void {
  if (runtime.hardenedByPromptDev) return;
  runtime.memberLookup = memberLookup;
  runtime.callWrap = callWrap;
  runtime.contextOrFrameLookup = contextOrFrameLookup;
  runtime.hardenedByPromptDev = true;
}

function boundedRange(start: unknown, stop?: unknown, step?: unknown): number[] {
  let from = Number(start);
  let to = Number(stop);
  let by = Number(step);
  if (stop === undefined) {
    to = from;
    from = 0;
    by = 1;
  } else if (!by) {
    by = 1;
  }
  const count = Math.ceil((to - from) / by);
  if (count > MAX_RANGE_ITEMS) {
    throw new Error(`range() is limited to ${MAX_RANGE_ITEMS} numbers`);
  }
  const numbers: number[] = [];
  for (let index = 0; index < count; index += 1) numbers.push(from + index * by);
  return numbers;
}

/**
 * A Nunjucks environment for prompt templates: plain text (no autoescape), undefined values
 * render as empty, no loaders (so include/import/extends fail), and no globals besides the
 * language's own `range` (bounded), `cycler` and `joiner`.
 */
export function createSandboxedEnvironment(): nunjucks.Environment {
  hardenNunjucksRuntime();
  const environment = new nunjucks.Environment([], {
    autoescape: false,
    throwOnUndefined: false,
  });
  const internals = environment as unknown as NunjucksEnvironmentInternals;
  const { cycler, joiner } = internals.globals;
  internals.globals = Object.assign(Object.create(null) as Record<string, unknown>, {
    range: boundedRange,
    cycler,
    joiner,
  });
  // Filter and test names come from template source: `x | constructor` must find nothing.
  for (const registry of [internals.filters, internals.tests, internals.extensions]) {
    Object.setPrototypeOf(registry, null);
  }
  return environment;
}

const COMPILED_CACHE_SIZE = 200;

/** Compiles and renders template source; compiled templates are reused by source text. */
export class SandboxedRenderer {
  private readonly environment = createSandboxedEnvironment();
  private readonly compiled = new Map<string, nunjucks.Template>();

  /** Throws TemplateRenderError (kind `syntax`) with the position of the problem. */
  compile(source: string): nunjucks.Template {
    const cached = this.compiled.get(source);
    if (cached) return cached;
    let template: nunjucks.Template;
    try {
      template = new nunjucks.Template(source, this.environment, undefined, true);
    } catch (error) {
      throw parseTemplateError(error, 'compile', source);
    }
    if (this.compiled.size >= COMPILED_CACHE_SIZE) this.compiled.clear();
    this.compiled.set(source, template);
    return template;
  }

  /** Variables are data: they are looked up by the template, never compiled. */
  render(source: string, variables: Record<string, unknown>): string {
    const template = this.compile(source);
    try {
      return template.render(variables);
    } catch (error) {
      throw parseTemplateError(error, 'render');
    }
  }
}
