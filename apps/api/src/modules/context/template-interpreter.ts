import { FILTERS, GLOBALS, memberOf, methodOf, TESTS, Builtin } from './template-builtins';
import { parseTemplate, TemplateNode } from './template-ast';
import { TemplateRenderError } from './template-error';
import {
  add,
  compare,
  concat,
  DEFAULT_TEMPLATE_BUDGETS,
  Dict,
  dictKeys,
  GlobalFunction,
  isCallable,
  isDict,
  isList,
  isText,
  Joiner,
  looseEquals,
  Markup,
  Meter,
  Native,
  newDict,
  ownValue,
  renderError,
  strictEquals,
  TemplateBudgets,
  toJsString,
  toNumber,
  toOutput,
  truthy,
  unwrap,
  Value,
} from './template-values';

/**
 * The template engine: Nunjucks syntax, parsed by Nunjucks' parser, rendered by walking the
 * parse tree here. Nothing is ever compiled to JavaScript, no JavaScript function is reachable
 * from a template, and every render runs within budgets (spec section 4, step 6).
 */

/** Node types the interpreter runs; anything else is rejected when the template is compiled. */
export const ALLOWED_NODES: ReadonlySet<string> = new Set([
  'Root',
  'NodeList',
  'Output',
  'TemplateData',
  'Literal',
  'Symbol',
  'Group',
  'Array',
  'Dict',
  'Pair',
  'KeywordArgs',
  'LookupVal',
  'FunCall',
  'Filter',
  'If',
  'InlineIf',
  'For',
  'Set',
  'Capture',
  'Macro',
  'Caller',
  'Switch',
  'Case',
  'Is',
  'In',
  'Or',
  'And',
  'Not',
  'Compare',
  'CompareOperand',
  'Add',
  'Sub',
  'Mul',
  'Div',
  'FloorDiv',
  'Mod',
  'Pow',
  'Neg',
  'Pos',
  'Concat',
]);

const TAG_NAMES: Record<string, string> = {
  Include: 'include',
  Import: 'import',
  FromImport: 'from … import',
  Extends: 'extends',
  Block: 'block',
  Super: 'super',
  IfAsync: 'ifAsync',
  AsyncEach: 'asyncEach',
  AsyncAll: 'asyncAll',
  FilterAsync: 'filter (async)',
  CallExtension: 'extension',
  CallExtensionAsync: 'extension',
};
const LOADING = new Set(['Include', 'Import', 'FromImport', 'Extends']);

/** A parsed template that passed the allowlist; render it any number of times. */
export class CompiledTemplate {
  constructor(readonly root: TemplateNode) {}
}

function compileError(node: TemplateNode, reason: string): TemplateRenderError {
  return new TemplateRenderError({
    kind: 'syntax',
    reason,
    line: node.lineno + 1,
    column: node.colno + 1,
  });
}

const isNode = (value: unknown): value is TemplateNode =>
  typeof value === 'object' &&
  value !== null &&
  typeof (value as TemplateNode).typename === 'string' &&
  Array.isArray((value as TemplateNode).fields);

// The parser's node lists hold only nodes (checked when the template is compiled).
const children = (node: TemplateNode): TemplateNode[] =>
  Array.isArray(node.children) ? (node.children as TemplateNode[]) : [];

/** The test name of `x is name` / `x is name(args)`; `none` parses as a literal null. */
function testName(node: TemplateNode): string | undefined {
  const named = node.typename === 'FunCall' && isNode(node.name) ? node.name : node;
  if (named.typename === 'Symbol' && typeof named.value === 'string') return named.value;
  if (named.typename === 'Literal' && named.value === null) return 'null';
  return undefined;
}

function check(node: TemplateNode): void {
  const { typename } = node;
  if (!ALLOWED_NODES.has(typename)) {
    const tag = TAG_NAMES[typename];
    if (tag && LOADING.has(typename)) {
      throw compileError(
        node,
        `{% ${tag} %} is not available: a template cannot load other templates`,
      );
    }
    throw compileError(node, `${tag ? `{% ${tag} %}` : typename} is not supported in templates`);
  }
  switch (typename) {
    case 'Literal': {
      const value = node.value;
      if (value !== null && !['string', 'number', 'boolean'].includes(typeof value)) {
        throw compileError(node, 'regular expression literals are not supported');
      }
      break;
    }
    case 'Filter': {
      const name = (node.name as TemplateNode).value as string;
      if (!FILTERS.has(name)) throw compileError(node, `filter not found: ${name}`);
      break;
    }
    case 'Is': {
      const name = testName(node.right as TemplateNode);
      if (name === undefined) throw compileError(node, 'a test name is expected after "is"');
      if (!TESTS.has(name)) throw compileError(node, `test not found: ${name}`);
      break;
    }
    case 'Set':
      for (const target of node.targets as TemplateNode[]) {
        if (target.typename !== 'Symbol') {
          throw compileError(target, 'set can only assign to plain names');
        }
      }
      break;
    case 'For': {
      const name = node.name as TemplateNode;
      const names = name.typename === 'Array' ? children(name) : [name];
      for (const each of names) {
        if (each.typename !== 'Symbol') throw compileError(each, 'for expects plain names');
      }
      break;
    }
    case 'Macro':
    case 'Caller': {
      const args = children(node.args as TemplateNode);
      args.forEach((arg, index) => {
        const last = index === args.length - 1;
        if (arg.typename === 'KeywordArgs' && last) {
          for (const pair of children(arg)) {
            if ((pair.key as TemplateNode).typename !== 'Symbol') {
              throw compileError(pair, 'macro parameters must be plain names');
            }
          }
        } else if (arg.typename !== 'Symbol') {
          throw compileError(arg, 'macro parameters must be plain names');
        }
      });
      break;
    }
    case 'Dict':
    case 'KeywordArgs':
      for (const pair of children(node)) {
        const key = pair.key as TemplateNode;
        const named = key.typename === 'Symbol';
        const literal = key.typename === 'Literal' && typeof key.value === 'string';
        if (!named && !literal) throw compileError(pair, 'dict keys must be strings or names');
      }
      break;
    default:
      break;
  }
}

function checkTree(node: TemplateNode): void {
  const pending: TemplateNode[] = [node];
  while (pending.length > 0) {
    const current = pending.pop()!;
    check(current);
    for (const field of current.fields) {
      const value = current[field];
      for (const child of Array.isArray(value) ? (value as unknown[]) : [value]) {
        if (isNode(child)) pending.push(child);
        else if (field === 'children') throw compileError(current, 'unexpected template content');
      }
    }
  }
}

/** Parses and checks a template; throws TemplateRenderError (kind `syntax`) with its position. */
export function compileTemplate(source: string): CompiledTemplate {
  const root = parseTemplate(source);
  checkTree(root);
  return new CompiledTemplate(root);
}

/** Nunjucks' scopes: a `for` body gets a child frame, a macro body a fresh one. */
class Frame {
  private readonly variables = new Map<string, Value>();
  topLevel = false;

  constructor(
    readonly parent?: Frame,
    private readonly isolateWrites = false,
  ) {}

  set(name: string, value: Value, resolveUp = false): void {
    if (resolveUp) {
      const owner = this.resolve(name, true);
      if (owner) {
        owner.variables.set(name, value);
        return;
      }
    }
    this.variables.set(name, value);
  }

  lookup(name: string): Value {
    const value = this.variables.get(name);
    return value !== undefined ? value : this.parent?.lookup(name);
  }

  /** Whether the template itself declared `name` (set, loop variable, macro, argument). */
  declares(name: string): boolean {
    return this.lookup(name) !== undefined;
  }

  private resolve(name: string, forWrite: boolean): Frame | undefined {
    if (this.variables.get(name) !== undefined) return this;
    const parent = forWrite && this.isolateWrites ? undefined : this.parent;
    return parent?.resolve(name, false);
  }

  push(isolateWrites = false): Frame {
    return new Frame(this, isolateWrites);
  }
}

/** A macro, or the body of a `{% call %}` block (`caller`). */
class Macro extends Native {
  constructor(
    readonly node: TemplateNode,
    /** A `caller` sees the frame it was defined in; a macro starts from a fresh frame. */
    readonly closure: Frame | undefined,
  ) {
    super();
  }
}

interface Arguments {
  positional: Value[];
  keywords: Map<string, Value>;
}

/** Nunjucks' name for a called expression, used in "Unable to call" errors. */
function nodeName(node: TemplateNode): string {
  switch (node.typename) {
    case 'Symbol':
      return String(node.value);
    case 'FunCall':
      return `the return value of (${nodeName(node.name as TemplateNode)})`;
    case 'LookupVal':
      return `${nodeName(node.target as TemplateNode)}["${nodeName(node.val as TemplateNode)}"]`;
    case 'Literal':
      return String(node.value);
    default:
      return '--expression--';
  }
}

const templateData = (node: TemplateNode): string =>
  typeof node.value === 'string' ? node.value : '';

class Render {
  private readonly context = new Map<string, Value>();

  constructor(
    private readonly meter: Meter,
    variables: Record<string, unknown>,
  ) {
    for (const key of Object.keys(variables)) {
      this.context.set(key, ownValue(variables, key));
    }
  }

  run(root: TemplateNode): string {
    const frame = new Frame();
    frame.topLevel = true;
    const output = { text: '' };
    this.execute(root, frame, output);
    return output.text;
  }

  private at(node: TemplateNode): void {
    this.meter.line = node.lineno + 1;
    this.meter.column = node.colno + 1;
  }

  private write(output: { text: string }, text: string): void {
    if (text === '') return;
    this.meter.output(output.text.length + text.length);
    this.meter.work(text.length);
    output.text += text;
  }

  private execute(node: TemplateNode, frame: Frame, output: { text: string }): void {
    this.meter.step();
    switch (node.typename) {
      case 'Root':
      case 'NodeList':
        for (const child of children(node)) this.execute(child, frame, output);
        return;
      case 'Output':
        for (const child of children(node)) {
          if (child.typename === 'TemplateData') this.write(output, templateData(child));
          else this.write(output, toOutput(this.evaluate(child, frame), this.meter));
        }
        return;
      case 'If':
        if (truthy(this.evaluate(node.cond as TemplateNode, frame))) {
          this.execute(node.body as TemplateNode, frame, output);
        } else if (isNode(node.else_)) {
          this.execute(node.else_, frame, output);
        }
        return;
      case 'For':
        this.executeFor(node, frame, output);
        return;
      case 'Set':
        this.executeSet(node, frame);
        return;
      case 'Macro': {
        const name = (node.name as TemplateNode).value as string;
        const macro = new Macro(node, undefined);
        if (frame.parent) frame.set(name, macro);
        else this.context.set(name, macro);
        return;
      }
      case 'Switch':
        this.executeSwitch(node, frame, output);
        return;
      default:
        // An expression used as a statement (`{% call %}` output and the like).
        this.write(output, toOutput(this.evaluate(node, frame), this.meter));
    }
  }

  private executeFor(node: TemplateNode, outer: Frame, output: { text: string }): void {
    const frame = outer.push();
    const items = this.evaluate(node.arr as TemplateNode, frame);
    const name = node.name as TemplateNode;
    let length: number | undefined;
    const body = node.body as TemplateNode;
    const bind = (index: number, count: number) => {
      const loop: Dict = {
        index: index + 1,
        index0: index,
        revindex: count - index,
        revindex0: count - index - 1,
        first: index === 0,
        last: index === count - 1,
        length: count,
      };
      frame.set('loop', loop);
    };
    if (truthy(items)) {
      if (name.typename === 'Array') {
        const names = children(name).map((child) => child.value as string);
        if (isList(items)) {
          length = items.length;
          items.forEach((item, index) => {
            this.meter.iteration();
            names.forEach((each, position) =>
              frame.set(each, memberOf(item, position, this.meter)),
            );
            bind(index, items.length);
            this.execute(body, frame, output);
          });
        } else {
          const keys = isDict(items)
            ? dictKeys(items)
            : isText(items)
              ? Object.keys(unwrap(items) as string)
              : [];
          length = keys.length;
          keys.forEach((key, index) => {
            this.meter.iteration();
            frame.set(names[0]!, key);
            if (names[1] !== undefined) frame.set(names[1], memberOf(items, key, this.meter));
            bind(index, keys.length);
            this.execute(body, frame, output);
          });
        }
      } else if (isList(items) || isText(items)) {
        const list = isList(items) ? items : (unwrap(items) as string).split('');
        length = list.length;
        list.forEach((item, index) => {
          this.meter.iteration();
          frame.set(name.value as string, item);
          bind(index, list.length);
          this.execute(body, frame, output);
        });
      }
    }
    if (isNode(node.else_) && !length) this.execute(node.else_, frame, output);
  }

  private executeSet(node: TemplateNode, frame: Frame): void {
    const value = isNode(node.value)
      ? this.evaluate(node.value, frame)
      : this.evaluate(node.body as TemplateNode, frame);
    for (const target of node.targets as TemplateNode[]) {
      const name = target.value as string;
      frame.set(name, value, true);
      if (frame.topLevel) this.context.set(name, value);
    }
  }

  private executeSwitch(node: TemplateNode, frame: Frame, output: { text: string }): void {
    const subject = this.evaluate(node.expr as TemplateNode, frame);
    const cases = (node.cases as TemplateNode[]) ?? [];
    let matched = false;
    for (const each of cases) {
      if (!matched)
        matched = strictEquals(
          subject,
          this.evaluate(each.cond as TemplateNode, frame),
          this.meter,
        );
      if (!matched) continue;
      const body = each.body as TemplateNode;
      // As in JavaScript's switch: an empty case falls through to the next one.
      if (children(body).length > 0) {
        this.execute(body, frame, output);
        return;
      }
    }
    if (!matched && isNode(node.default)) this.execute(node.default, frame, output);
  }

  private lookup(name: string, frame: Frame): Value {
    const local = frame.lookup(name);
    if (local !== undefined) return local;
    return this.context.get(name);
  }

  private evaluate(node: TemplateNode, frame: Frame): Value {
    const meter = this.meter;
    meter.step();
    switch (node.typename) {
      case 'Literal':
        return node.value as Value;
      case 'TemplateData':
        return templateData(node);
      case 'Symbol':
        return this.lookup(node.value as string, frame);
      case 'Group': {
        let last: Value;
        for (const child of children(node)) last = this.evaluate(child, frame);
        return last;
      }
      case 'Array': {
        const items = children(node);
        meter.list(items.length);
        return items.map((child) => this.evaluate(child, frame));
      }
      case 'Dict': {
        const dict = newDict();
        for (const pair of children(node)) {
          const key = pair.key as TemplateNode;
          dict[String(key.value)] = this.evaluate(pair.value as TemplateNode, frame);
        }
        return dict;
      }
      case 'LookupVal': {
        const target = this.evaluate(node.target as TemplateNode, frame);
        const key = this.evaluate(node.val as TemplateNode, frame);
        return memberOf(target, key, meter);
      }
      case 'FunCall':
        return this.call(node, frame);
      case 'Filter':
        return this.filter(node, frame);
      case 'Capture': {
        const output = { text: '' };
        this.execute(node.body as TemplateNode, frame, output);
        return output.text;
      }
      case 'Caller':
        return new Macro(node, frame);
      case 'InlineIf':
        if (truthy(this.evaluate(node.cond as TemplateNode, frame))) {
          return this.evaluate(node.body as TemplateNode, frame);
        }
        return isNode(node.else_) ? this.evaluate(node.else_, frame) : '';
      case 'Or': {
        const left = this.evaluate(node.left as TemplateNode, frame);
        return truthy(left) ? left : this.evaluate(node.right as TemplateNode, frame);
      }
      case 'And': {
        const left = this.evaluate(node.left as TemplateNode, frame);
        return truthy(left) ? this.evaluate(node.right as TemplateNode, frame) : left;
      }
      case 'Not':
        return !truthy(this.evaluate(node.target as TemplateNode, frame));
      case 'In':
        return this.contains(
          this.evaluate(node.right as TemplateNode, frame),
          this.evaluate(node.left as TemplateNode, frame),
          node,
        );
      case 'Is':
        return this.test(node, frame);
      case 'Compare':
        return this.compareChain(node, frame);
      case 'Add':
        return add(this.left(node, frame), this.right(node, frame), meter);
      case 'Concat':
        return concat(this.left(node, frame), this.right(node, frame), meter);
      case 'Sub':
        return this.number(node, frame, (a, b) => a - b);
      case 'Mul':
        return this.number(node, frame, (a, b) => a * b);
      case 'Div':
        return this.number(node, frame, (a, b) => a / b);
      case 'FloorDiv':
        return this.number(node, frame, (a, b) => Math.floor(a / b));
      case 'Mod':
        return this.number(node, frame, (a, b) => a % b);
      case 'Pow':
        return this.number(node, frame, (a, b) => Math.pow(a, b));
      case 'Neg':
        return -toNumber(this.evaluate(node.target as TemplateNode, frame), meter);
      case 'Pos':
        return toNumber(this.evaluate(node.target as TemplateNode, frame), meter);
      default:
        this.at(node);
        throw renderError(`${node.typename} is not supported in templates`, meter);
    }
  }

  private left(node: TemplateNode, frame: Frame): Value {
    return this.evaluate(node.left as TemplateNode, frame);
  }

  private right(node: TemplateNode, frame: Frame): Value {
    return this.evaluate(node.right as TemplateNode, frame);
  }

  private number(node: TemplateNode, frame: Frame, operation: (a: number, b: number) => number) {
    const a = toNumber(this.left(node, frame), this.meter);
    const b = toNumber(this.right(node, frame), this.meter);
    return operation(a, b);
  }

  private compareChain(node: TemplateNode, frame: Frame): Value {
    // Compiled Nunjucks chains comparisons as JavaScript does: ((a < b) < c).
    let result = this.evaluate(node.expr as TemplateNode, frame);
    for (const operand of (node.ops as TemplateNode[]) ?? []) {
      const right = this.evaluate(operand.expr as TemplateNode, frame);
      const op = operand.type as string;
      switch (op) {
        case '==':
          result = looseEquals(result, right, this.meter);
          break;
        case '!=':
          result = !looseEquals(result, right, this.meter);
          break;
        case '===':
          result = strictEquals(result, right, this.meter);
          break;
        case '!==':
          result = !strictEquals(result, right, this.meter);
          break;
        case '<':
        case '>':
        case '<=':
        case '>=':
          result = compare(op, result, right, this.meter);
          break;
        default:
          this.at(operand);
          throw renderError(`unknown comparison ${op}`, this.meter);
      }
    }
    return result;
  }

  private contains(container: Value, item: Value, node: TemplateNode): boolean {
    if (isList(container)) {
      this.meter.step(container.length);
      return container.some((each) => strictEquals(each, item, this.meter));
    }
    if (isText(container)) {
      const text = unwrap(container) as string;
      const part = toJsString(unwrap(item), this.meter);
      this.meter.work(text.length + part.length);
      return text.includes(part);
    }
    if (isDict(container)) return Object.hasOwn(container, toJsString(unwrap(item), this.meter));
    this.at(node);
    throw renderError(
      `Cannot use "in" operator to search for "${toJsString(item, this.meter).slice(0, 80)}" in unexpected types.`,
      this.meter,
    );
  }

  private test(node: TemplateNode, frame: Frame): boolean {
    const right = node.right as TemplateNode;
    const name = testName(right)!;
    const test = TESTS.get(name)!;
    const value = this.evaluate(node.left as TemplateNode, frame);
    const args =
      right.typename === 'FunCall'
        ? this.argumentsOf(right.args as TemplateNode, frame)
        : undefined;
    return truthy(this.invoke(test, [value, ...(args?.positional ?? [])], args?.keywords));
  }

  private argumentsOf(list: TemplateNode, frame: Frame, skip = 0): Arguments {
    const positional: Value[] = [];
    const keywords = new Map<string, Value>();
    children(list)
      .slice(skip)
      .forEach((arg) => {
        if (arg.typename === 'KeywordArgs') {
          for (const pair of children(arg)) {
            const key = pair.key as TemplateNode;
            const value = pair.value as TemplateNode;
            keywords.set(String(key.value), this.evaluate(value, frame));
          }
        } else {
          positional.push(this.evaluate(arg, frame));
        }
      });
    this.meter.list(positional.length + keywords.size);
    return { positional, keywords };
  }

  /** Runs a filter or test with its arguments; keyword arguments fill named parameters. */
  private invoke(builtin: Builtin, positional: Value[], keywords?: Map<string, Value>): Value {
    const args = [...positional];
    if (keywords) {
      for (const [key, value] of keywords) {
        const index = builtin.params.indexOf(key);
        if (index >= 0) args[index] = value;
      }
    }
    return builtin.run(this.meter, args);
  }

  private filter(node: TemplateNode, frame: Frame): Value {
    const name = (node.name as TemplateNode).value as string;
    const filter = FILTERS.get(name)!;
    const list = node.args as TemplateNode;
    const [target] = children(list);
    const value = target ? this.evaluate(target, frame) : undefined;
    const args = this.argumentsOf(list, frame, 1);
    this.at(node);
    return this.invoke(filter, [value, ...args.positional], args.keywords);
  }

  private call(node: TemplateNode, frame: Frame): Value {
    const callee = node.name as TemplateNode;
    const describe = () => nodeName(callee);
    let target: Value;
    let method: ReturnType<typeof methodOf>;
    let self: Value;
    if (callee.typename === 'Symbol') {
      const name = callee.value as string;
      target = this.lookup(name, frame);
      // Globals are found by calling them: data of the same name (a memory key called
      // `range`) never hides them, and a template's own macro of that name comes first.
      if (!isCallable(target) && GLOBALS.has(name) && !frame.declares(name)) {
        target = new GlobalFunction(name);
      }
    } else if (callee.typename === 'LookupVal') {
      self = this.evaluate(callee.target as TemplateNode, frame);
      const key = this.evaluate(callee.val as TemplateNode, frame);
      target = memberOf(self, key, this.meter);
      if (!isCallable(target) && (typeof key === 'string' || key instanceof Markup)) {
        method = methodOf(self, unwrap(key) as string);
      }
    } else {
      target = this.evaluate(callee, frame);
    }
    const args = this.argumentsOf(node.args as TemplateNode, frame);
    this.at(node);
    if (method) return method(this.meter, self, args.positional);
    if (
      target === undefined ||
      target === null ||
      target === false ||
      target === 0 ||
      target === ''
    ) {
      throw renderError(
        `Unable to call \`${describe()}\`, which is undefined or falsey`,
        this.meter,
      );
    }
    if (!isCallable(target)) {
      throw renderError(`Unable to call \`${describe()}\`, which is not a function`, this.meter);
    }
    if (target instanceof GlobalFunction) {
      return GLOBALS.get(target.name)!(this.meter, args.positional);
    }
    if (target instanceof Joiner) return target.next();
    if (target instanceof Macro) return this.callMacro(target, args, node);
    throw renderError(`Unable to call \`${describe()}\``, this.meter);
  }

  private callMacro(macro: Macro, args: Arguments, site: TemplateNode): Markup {
    const meter = this.meter;
    meter.depth += 1;
    if (meter.depth > meter.budgets.maxCallDepth)
      meter.fail('call_depth', meter.budgets.maxCallDepth);
    const { node } = macro;
    const declared = children(node.args as TemplateNode);
    const names: string[] = [];
    let defaults: TemplateNode[] = [];
    for (const arg of declared) {
      if (arg.typename === 'KeywordArgs') defaults = children(arg);
      else names.push(arg.value as string);
    }
    const keywordNames = defaults.map((pair) => (pair.key as TemplateNode).value as string);
    // Nunjucks' makeMacro: extra positional arguments fill keyword parameters in order, and
    // missing positional ones may come as keywords.
    const keywords = new Map(args.keywords);
    const positional = args.positional.slice(0, names.length);
    args.positional.slice(names.length).forEach((value, index) => {
      if (index < keywordNames.length) keywords.set(keywordNames[index]!, value);
    });
    for (let index = positional.length; index < names.length; index += 1) {
      positional.push(keywords.get(names[index]!));
      keywords.delete(names[index]!);
    }
    const frame = macro.closure ? macro.closure.push(true) : new Frame();
    if (keywords.has('caller')) frame.set('caller', keywords.get('caller'));
    names.forEach((name, index) => frame.set(name, positional[index]));
    for (const pair of defaults) {
      const name = (pair.key as TemplateNode).value as string;
      frame.set(
        name,
        keywords.has(name) ? keywords.get(name) : this.evaluate(pair.value as TemplateNode, frame),
      );
    }
    const output = { text: '' };
    this.execute(node.body as TemplateNode, frame, output);
    meter.depth -= 1;
    this.at(site);
    return new Markup(output.text);
  }
}

/** Renders a compiled template with JSON data; throws TemplateRenderError. */
export function renderTemplate(
  template: CompiledTemplate,
  variables: Record<string, unknown>,
  budgets: TemplateBudgets = DEFAULT_TEMPLATE_BUDGETS,
): string {
  const meter = new Meter(budgets);
  try {
    return new Render(meter, variables).run(template.root);
  } catch (error) {
    if (error instanceof TemplateRenderError) throw error;
    // Only a bug of the interpreter (or a stack overflow on absurd nesting) gets here.
    const reason =
      error instanceof RangeError
        ? 'the template is nested too deeply'
        : 'the template could not be rendered';
    throw new TemplateRenderError({
      kind: 'render',
      reason,
      line: meter.line,
      column: meter.column,
    });
  }
}

const CACHE_SIZE = 200;

/** Compiles (cached by source) and renders templates within budgets. */
export class TemplateEngine {
  private readonly compiled = new Map<string, CompiledTemplate>();

  constructor(readonly budgets: TemplateBudgets = DEFAULT_TEMPLATE_BUDGETS) {}

  compile(source: string): CompiledTemplate {
    const cached = this.compiled.get(source);
    if (cached) return cached;
    const template = compileTemplate(source);
    if (this.compiled.size >= CACHE_SIZE) this.compiled.clear();
    this.compiled.set(source, template);
    return template;
  }

  render(source: string, variables: Record<string, unknown>): string {
    return renderTemplate(this.compile(source), variables, this.budgets);
  }
}
