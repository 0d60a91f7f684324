import nunjucks from 'nunjucks';
import { MAX_RANGE_ITEMS, SandboxedRenderer } from './nunjucks-sandbox';
import { TemplateRenderError } from './template-error';

// Each payload tries to run this; if it ever ran, the marker global is set and the Node
// version is printed.
const CODE = 'globalThis.__pdPwned = true; return process.version';
const PAYLOAD = `range.constructor("${CODE}")()`;

declare global {
  var __pdPwned: boolean | undefined;
}

const renderer = new SandboxedRenderer();

/** Renders a payload; a clean render error is as good as output without execution. */
function attempt(source: string, variables: Record<string, unknown> = {}): string {
  try {
    return renderer.render(source, variables);
  } catch (error) {
    expect(error).toBeInstanceOf(TemplateRenderError);
    return '';
  }
}

function expectNoExecution(output: string): void {
  expect(globalThis.__pdPwned).toBeUndefined();
  expect(output).not.toContain(process.version);
}

describe('the hardened Nunjucks renderer', () => {
  // A fresh, unpatched copy of Nunjucks proves each payload is a real attack.
  let stockNunjucks: nunjucks.Environment;
  beforeAll(() => {
    jest.isolateModules(() => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const stock = require('nunjucks') as typeof nunjucks;
      stockNunjucks = new stock.Environment([]);
    });
  });
  afterEach(() => {
    delete globalThis.__pdPwned;
  });

  it('protects every Nunjucks environment in the process', () => {
    // The hardened runtime is one module object shared by all environments, stock ones too.
    const patched = new nunjucks.Environment([], { autoescape: false });
    expect(() => patched.renderString(`{{ ${PAYLOAD} }}`, {})).toThrow(/Unable to call/);
    expect(globalThis.__pdPwned).toBeUndefined();
  });

  // Each of these runs code on stock Nunjucks (checked below).
  const live: Array<[string, string]> = [
    ['dotted', `{{ ${PAYLOAD} }}`],
    ['bracketed', `{{ range["constructor"]("${CODE}")() }}`],
    ['single-quoted', `{{ range['constructor']("${CODE}")() }}`],
    ['concatenated with +', `{{ range["con" + "structor"]("${CODE}")() }}`],
    ['concatenated with ~', `{{ range["con" ~ "structor"]("${CODE}")() }}`],
    ['key from a variable', `{% set k = "constructor" %}{{ range[k]("${CODE}")() }}`],
    ['key from a capture block', `{% set k %}constructor{% endset %}{{ range[k]("${CODE}")() }}`],
    ['key from a macro', `{% macro k() %}constructor{% endmacro %}{{ range[k()]("${CODE}")() }}`],
    ['key as a list', `{{ range[["constructor"]]("${CODE}")() }}`],
    ['key from the replace filter', `{{ range["cXnstructor" | replace("X", "o")]("${CODE}")() }}`],
    ['key from join', `{{ range[["con", "structor"] | join]("${CODE}")() }}`],
    ['stored in a variable', `{% set f = range.constructor %}{{ f("${CODE}")() }}`],
    [
      'stored via set block',
      `{% set f = range["constructor"] %}{% set g = f("${CODE}") %}{{ g() }}`,
    ],
    ['cycler', `{{ cycler.constructor("${CODE}")() }}`],
    ['a cycler object', `{{ cycler(1, 2).next.constructor("${CODE}")() }}`],
    ['joiner', `{{ joiner.constructor("${CODE}")() }}`],
    ['a joiner function', `{{ joiner()["constructor"]("${CODE}")() }}`],
    ['a string literal', `{{ "".constructor.constructor("${CODE}")() }}`],
    ['a string method', `{{ "".toString.constructor("${CODE}")() }}`],
    ['a list literal', `{{ [].constructor.constructor("${CODE}")() }}`],
    ['a dict literal', `{% set o = {} %}{{ o.constructor.constructor("${CODE}")() }}`],
    ['a number', `{% set n = 1 %}{{ n.constructor.constructor("${CODE}")() }}`],
    ['a regex literal', `{{ r/x/.constructor.constructor("${CODE}")() }}`],
    ['__proto__ chain', `{{ range.__proto__.constructor("${CODE}")() }}`],
    ['__proto__ bracketed', `{{ range["__proto__"]["constructor"]("${CODE}")() }}`],
    ['prototype', `{{ range.prototype.constructor.constructor("${CODE}")() }}`],
    ['a dict with __proto__', `{% set o = {"__proto__": range} %}{{ o.constructor("${CODE}")() }}`],
    ['call', `{{ range.call.constructor("${CODE}")() }}`],
    ['apply', `{{ range.constructor.apply(null, ["${CODE}"])() }}`],
    ['bind', `{{ range.bind(null).constructor("${CODE}")() }}`],
    ['valueOf', `{{ range.valueOf().constructor("${CODE}")() }}`],
    [
      'the loop object',
      `{% for i in [1] %}{{ loop.constructor.constructor("${CODE}")() }}{% endfor %}`,
    ],
    ['a macro', `{% macro m() %}{% endmacro %}{{ m.constructor("${CODE}")() }}`],
    [
      'caller',
      `{% macro m() %}{{ caller.constructor("${CODE}")() }}{% endmacro %}{% call m() %}x{% endcall %}`,
    ],
    ['a top-level constructor name', `{{ constructor.constructor("${CODE}")() }}`],
    [
      'Object statics via the context',
      `{{ constructor.getOwnPropertyDescriptor(constructor.getPrototypeOf(range), "constructor").value("${CODE}")() }}`,
    ],
    ['a top-level __proto__ name', `{{ __proto__.constructor.constructor("${CODE}")() }}`],
    ['hasOwnProperty as a variable', `{{ hasOwnProperty.constructor("${CODE}")() }}`],
    [
      'groupby an attribute',
      `{% for k, v in [range] | groupby("constructor") %}{{ v[0].constructor("${CODE}")() }}{% endfor %}`,
    ],
    [
      'sort by attribute',
      `{{ ([range] | sort(false, false, "constructor") | first).constructor("${CODE}")() }}`,
    ],
    ['selectattr', `{{ ([range] | selectattr("constructor") | first).constructor("${CODE}")() }}`],
    [
      'dictsort',
      `{% for pair in {"a": range} | dictsort %}{{ pair[1].constructor("${CODE}")() }}{% endfor %}`,
    ],
    [
      'list of a dict',
      `{% for item in {"a": range} | list %}{{ item.value.constructor("${CODE}")() }}{% endfor %}`,
    ],
  ];
  // Filters, tests and other routes that do not run code on stock Nunjucks either.
  const probes: Array<[string, string]> = [
    ['__lookupGetter__', `{% set g = range.__lookupGetter__("__proto__") %}{{ g().constructor }}`],
    ['__defineGetter__', `{% set o = {} %}{{ o.__defineGetter__("x", range) }}{{ o.x }}`],
    ['a filter named constructor', `{{ "${CODE}" | constructor }}`],
    ['a filter named __lookupGetter__', `{% set g = "__proto__" | __lookupGetter__ %}{{ g() }}`],
    ['a test named constructor', `{% if range is constructor %}yes{% endif %}`],
    ['an attr filter', `{{ range | attr("constructor") }}`],
    ['join by attribute', `{% set f = [range] | join("", "constructor") %}{{ f }}`],
    ['sum by attribute', `{{ [range] | sum("constructor") }}`],
    [
      'globals of the process',
      `{{ process.version }}{{ global.process.version }}{{ globalThis.process.version }}{{ require("fs") }}`,
    ],
    ['lipsum (not a global here)', `{{ lipsum(1) }}`],
  ];

  it.each(live)('blocks code execution via %s', (_name, source) => {
    expect(stockNunjucks.renderString(source, {})).toBe(process.version);
    expect(globalThis.__pdPwned).toBe(true);
    delete globalThis.__pdPwned;

    expectNoExecution(attempt(source));
  });

  it.each(probes)('blocks code execution via %s', (_name, source) => {
    expectNoExecution(attempt(source));
  });

  it('renders blocked members as nothing, like any undefined value', () => {
    const source = [
      '{{ range.constructor }}',
      '{{ "".__proto__ }}',
      '{{ constructor }}',
      '{{ range.call }}{{ range.apply }}{{ range.bind }}',
      '{% set o = {} %}{{ o.__lookupGetter__ }}{{ o.__defineSetter__ }}',
      '{{ range.prototype }}{{ range.caller }}{{ range.arguments }}',
    ].join('|');
    expect(renderer.render(source, {})).toBe('|||||');
  });

  it('treats payloads inside variables as data, never as template source', () => {
    const payload = `{{ ${PAYLOAD} }}`;
    const output = renderer.render('{{ user_id }}|{{ message }}|{{ memory.note }}|{{ note }}', {
      user_id: payload,
      message: `{% set x = ${PAYLOAD} %}{{ x }}`,
      memory: { note: payload },
      note: payload,
    });
    expect(output).toBe(`${payload}|{% set x = ${PAYLOAD} %}{{ x }}|${payload}|${payload}`);
    expectNoExecution(output);
  });

  it('cannot look up blocked members of variables either', () => {
    const output = attempt(
      `{{ memory.constructor.constructor("${CODE}")() }}{{ memory.__proto__ }}`,
      {
        memory: JSON.parse('{"__proto__": {"constructor": "x"}}') as unknown,
      },
    );
    expectNoExecution(output);
  });

  it('cannot include, import or extend other templates (no loaders, no filesystem)', () => {
    for (const source of [
      '{% include "/etc/passwd" %}',
      '{% import "macros.njk" as m %}',
      '{% from "macros.njk" import m %}',
      '{% extends "base.njk" %}',
    ]) {
      expect(() => renderer.render(source, {})).toThrow(/template not found/);
    }
  });

  it('bounds range() so a template cannot allocate unbounded memory', () => {
    expect(
      renderer.render(
        '{{ range(3) | join(",") }}|{{ range(1, 10, 4) | join(",") }}|{{ range(3, 0, -1) | join(",") }}',
        {},
      ),
    ).toBe('0,1,2|1,5,9|3,2,1');
    expect(renderer.render(`{{ range(${MAX_RANGE_ITEMS}) | length }}`, {})).toBe(
      String(MAX_RANGE_ITEMS),
    );
    expect(() => renderer.render(`{{ range(0, ${MAX_RANGE_ITEMS + 1}) | length }}`, {})).toThrow(
      /range\(\) is limited/,
    );
    expect(() => renderer.render('{{ range(0, 1000000000) }}', {})).toThrow(/range\(\) is limited/);
  });

  it('still renders ordinary templates as Nunjucks does', () => {
    const source = [
      'Hello {{ name | upper }}! {{ name.toLowerCase() }} {{ missing }}{{ missing.deeper }}',
      '{% for item in items %}{{ loop.index }}:{{ item.label }}{{ "," if not loop.last }}{% endfor %}',
      '{% set sep = joiner(" / ") %}{% for t in tags %}{{ sep() }}{{ t }}{% endfor %}',
      '{% set c = cycler("odd", "even") %}{{ c.next() }} {{ c.next() }} {{ c.next() }}',
      '{% macro greet(who, punct="!") %}Hi {{ who }}{{ punct }}{% endmacro %}{{ greet("Sam") }}',
      '{% macro box() %}[{{ caller() }}]{% endmacro %}{% call box() %}inside{% endcall %}',
      '{% for k, v in settings %}{{ k }}={{ v }};{% endfor %} {{ settings | dump }}',
      '{{ "<b>" }} {{ history | length }} {{ nothing is undefined }}',
    ].join('\n');
    const output = renderer.render(source, {
      name: 'Alex',
      items: [{ label: 'a' }, { label: 'b' }],
      tags: ['x', 'y'],
      settings: { tone: 'warm', level: 2 },
      history: [1, 2, 3],
    });
    expect(output.split('\n')).toEqual([
      'Hello ALEX! alex ',
      '1:a,2:b',
      'x / y',
      'odd even odd',
      'Hi Sam!',
      '[inside]',
      'tone=warm;level=2; {"tone":"warm","level":2}',
      '<b> 3 true',
    ]);
  });

  it('reports syntax errors with their position, or the end of the template', () => {
    const problem = (source: string) => {
      try {
        renderer.compile(source);
      } catch (error) {
        expect(error).toBeInstanceOf(TemplateRenderError);
        return (error as TemplateRenderError).toProblem();
      }
      throw new Error('expected a syntax error');
    };
    expect(problem('Hello\n\n{{ a.b[ }}')).toEqual({
      kind: 'syntax',
      reason: 'unexpected token: }}',
      line: 3,
      column: 9,
    });
    expect(problem('Hello\n{% if x %}\nabc')).toEqual({
      kind: 'syntax',
      reason: 'parseIf: expected elif, else, or endif, got end of file',
      line: 3,
      column: 4,
    });
  });
});
