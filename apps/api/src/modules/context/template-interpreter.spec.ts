import { existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import nunjucks from 'nunjucks';
import { TemplateRenderError } from './template-error';
import { TemplateEngine } from './template-interpreter';
import { DEFAULT_TEMPLATE_BUDGETS } from './template-values';

const MAX_RANGE_ITEMS = DEFAULT_TEMPLATE_BUDGETS.maxListItems;

// Each payload tries to run this; if it ever ran, the marker global is set and the Node
// version is printed.
const CODE = 'globalThis.__pdPwned = true; return process.version';
const PAYLOAD = `range.constructor("${CODE}")()`;

declare global {
  var __pdPwned: boolean | undefined;
}

const renderer = new TemplateEngine();

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

describe('the template interpreter', () => {
  // Stock Nunjucks proves each payload is a real attack (it is never used to render here).
  const stockNunjucks = new nunjucks.Environment([]);
  afterEach(() => {
    delete globalThis.__pdPwned;
    jest.restoreAllMocks();
  });

  it("never compiles a template: Nunjucks' compiler and renderers are not called", () => {
    const compiler = (nunjucks as unknown as { compiler: { compile: () => string } }).compiler;
    const compile = jest.spyOn(compiler, 'compile');
    const renderString = jest.spyOn(nunjucks.Environment.prototype, 'renderString');
    const render = jest.spyOn(nunjucks.Template.prototype, 'render');
    expect(new TemplateEngine().render('{% for x in [1, 2] %}{{ x }}{% endfor %}', {})).toBe('12');
    expect(compile).not.toHaveBeenCalled();
    expect(renderString).not.toHaveBeenCalled();
    expect(render).not.toHaveBeenCalled();
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

  // Compiler injections: stock Nunjucks pastes these strings into the JavaScript it generates.
  const INJECTED = 'globalThis.__pdPwned = true';
  const KEY = `'\\\\",context,[])),false);${INJECTED};//'`;
  const injections: Array<[string, string]> = [
    ['the name of an is test', `{{ 1 is 'defined")&&(${INJECTED})||env.getTest("defined' }}`],
    [
      'the name of an is test with arguments',
      `{% if 4 is 'divisibleby")&&(${INJECTED})||env.getTest("divisibleby'(2) %}y{% endif %}`,
    ],
    [
      'a called lookup whose key ends in a backslash',
      `{% set x = {${KEY}: joiner} %}{{ x[${KEY}]() }}`,
    ],
    ['a called lookup of range', `{% set x = {${KEY}: range} %}{{ x[${KEY}](3) }}`],
  ];

  // Variants that do not run on stock Nunjucks as written, but must fail cleanly here too.
  const injectionVariants: Array<[string, string]> = [
    [
      'the name of an is test, negated',
      `{{ 1 is not 'defined")&&(${INJECTED})||env.getTest("defined' }}`,
    ],
    ['a called lookup of a cycler', `{% set x = {${KEY}: cycler} %}{{ x[${KEY}](1, 2).next() }}`],
    ['a test name from a variable', `{% set t = 'defined' %}{{ 1 is t }}`],
    ['a filter name with a dot', `{{ 1 | constructor.constructor }}`],
  ];

  it.each(injectionVariants)('runs no code injected through %s', (_name, source) => {
    expectNoExecution(attempt(source));
  });

  it.each(injections)('runs no code injected through %s', (_name, source) => {
    try {
      stockNunjucks.renderString(source, {});
    } catch {
      // Some forms throw after the injected code ran.
    }
    expect(globalThis.__pdPwned).toBe(true);
    delete globalThis.__pdPwned;

    expectNoExecution(attempt(source));
  });

  it('rejects an is test named by a string when the template is compiled, at its position', () => {
    expect(() => renderer.compile(`Hi\n  {{ 1 is 'defined")&&(${INJECTED})||x("' }}`)).toThrow(
      expect.objectContaining({
        kind: 'syntax',
        line: 2,
        reason: 'a test name is expected after "is"',
      }),
    );
    expect(globalThis.__pdPwned).toBeUndefined();
  });

  const file = path.join(tmpdir(), `pd-template-${process.pid}.txt`);
  const WRITE = `process.mainModule.require("fs").writeFileSync(${JSON.stringify(file)}, "x")`;
  // Payloads that would write a file if any JavaScript ran.
  const writers: string[] = [
    `{{ range.constructor('${WRITE}')() }}`,
    `{{ 1 is 'defined")&&(${WRITE})||env.getTest("defined' }}`,
    `{% set x = {'\\\\",context,[])),false);${WRITE};//': joiner} %}{{ x['\\\\",context,[])),false);${WRITE};//']() }}`,
    `{{ ''.repeat.constructor('${WRITE}')() }}`,
  ];

  it.each(writers)('writes no file from %s', (source) => {
    rmSync(file, { force: true });
    expectNoExecution(attempt(source));
    expect(existsSync(file)).toBe(false);
  });

  it('has no JavaScript methods: repeat and friends do not exist', () => {
    for (const source of [
      "{{ 'ab'.repeat(250000000).split('').length }}",
      "{{ 'a'.repeat(60000000) }}",
      "{{ 'a'.padEnd(100000000, 'b') }}",
      '{{ [1].concat([2]) }}',
      "{{ 'x'.toString() }}",
    ]) {
      expect(() => renderer.render(source, {})).toThrow(/Unable to call/);
    }
  });

  it('bounds the Jinja methods and filters that can multiply a string', () => {
    const budget = (source: string, variables: Record<string, unknown> = {}) => {
      try {
        renderer.render(source, variables);
      } catch (error) {
        expect(error).toBeInstanceOf(TemplateRenderError);
        return (error as TemplateRenderError).budget;
      }
      throw new Error(`expected ${source} to exceed a budget`);
    };
    const big = 'a'.repeat(100_000);
    expect(budget('{{ s.replace("a", s) }}', { s: big })).toBe('string_chars');
    expect(budget('{{ s | replace("a", s) }}', { s: big })).toBe('string_chars');
    expect(budget('{{ s | replace("", s) }}', { s: big })).toBe('string_chars');
    expect(budget('{{ ",".join([s, s, s, s, s, s, s, s, s, s, s]) }}', { s: big })).toBe(
      'string_chars',
    );
    expect(budget('{{ [s, s, s, s, s, s, s, s, s, s, s] | join }}', { s: big })).toBe(
      'string_chars',
    );
    expect(budget('{{ s | center(2000000000) }}', { s: 'x' })).toBe('string_chars');
    expect(budget('{{ s | indent(200000000) }}', { s: 'x\ny' })).toBe('string_chars');
    expect(budget('{{ s.split("a") | length }}', { s: big })).toBe('list_items');
    expect(budget('{{ (s ~ s).split(" ") }}', { s: 'a '.repeat(300_000) })).toBe('string_chars');
    expect(
      budget('{% set s = "ab" %}{% for i in range(40) %}{% set s = s ~ s %}{% endfor %}', {}),
    ).toBe('string_chars');
    expect(budget('{{ [s, s, s, s, s, s, s, s, s, s, s] }}', { s: big })).toBe('string_chars');
    expect(budget('{{ [s, s, s, s, s, s, s, s, s, s, s] | dump }}', { s: big })).toBe(
      'string_chars',
    );
  });

  it('stops every kind of runaway template with the budget it exceeded', () => {
    const small = new TemplateEngine({
      maxSteps: 5_000,
      maxLoopIterations: 100,
      maxOutputChars: 1_000,
      maxStringChars: 500,
      maxListItems: 50,
      maxCallDepth: 5,
    });
    const problem = (source: string) => {
      try {
        small.render(source, {});
      } catch (error) {
        return (error as TemplateRenderError).toProblem();
      }
      throw new Error(`expected ${source} to exceed a budget`);
    };
    expect(
      problem('{% for i in range(50) %}{% for j in range(50) %}{% endfor %}{% endfor %}'),
    ).toMatchObject({
      kind: 'budget',
      budget: 'loop_iterations',
      reason: "the template's loops run more than 100 iterations",
    });
    expect(problem('{% for i in range(51) %}{% endfor %}')).toMatchObject({ budget: 'list_items' });
    expect(problem('{% for i in range(40) %}{{ "x" | center(40) }}{% endfor %}')).toMatchObject({
      budget: 'output_chars',
    });
    expect(problem('{{ "x" | center(600) }}')).toMatchObject({ budget: 'string_chars', line: 1 });
    expect(problem('{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}\n{{ f(0) }}')).toMatchObject({
      budget: 'call_depth',
      line: 1,
    });
    const fewSteps = new TemplateEngine({ ...DEFAULT_TEMPLATE_BUDGETS, maxSteps: 5_000 });
    expect(() => fewSteps.render('{% for i in range(1000) %}{{ i ~ i }}{% endfor %}', {})).toThrow(
      expect.objectContaining({ kind: 'budget', budget: 'steps' }),
    );
    // Whatever the template, the render is short.
    const started = performance.now();
    for (const source of [
      '{% for i in range(10000) %}{% for j in range(10000) %}{% endfor %}{% endfor %}',
      '{% macro f() %}{{ f() }}{{ f() }}{% endmacro %}{{ f() }}',
    ]) {
      expect(() => renderer.render(source, {})).toThrow(TemplateRenderError);
    }
    expect(performance.now() - started).toBeLessThan(2000);
  });

  describe('globals and variables of the same name (memory keys range, cycler, joiner)', () => {
    const memory = { range: '5 km', cycler: 'yes', joiner: ['a'], lower: 'L', upper: 'U' };

    it('prints the data, and still calls the globals and filters', () => {
      expect(
        renderer.render(
          '{{ range }}|{{ cycler }}|{{ joiner[0] }}|{{ range(3) | join }}|{% set c = cycler("a", "b") %}{{ c.next() }}{{ c.next() }}|{% set j = joiner("+") %}{{ j() }}1{{ j() }}2|{{ lower | lower }}{{ upper | lower }}',
          memory,
        ),
      ).toBe('5 km|yes|a|012|ab|1+2|lu');
    });

    it("lets a template's own macro of that name win over the global", () => {
      expect(
        renderer.render('{% macro range(n) %}[{{ n }}]{% endmacro %}{{ range(3) }}', memory),
      ).toBe('[3]');
    });

    it('gives built-in variables precedence over memory (variables are built that way)', () => {
      expect(renderer.render('{{ range }} {{ user_id }}', { range: 7, user_id: 'u1' })).toBe(
        '7 u1',
      );
    });
  });

  describe('Jinja2-style methods', () => {
    it('supports the dict and string methods of templates written for the Python product', () => {
      const output = renderer.render(
        [
          '{% for k, v in prefs.items() %}{{ k }}={{ v }};{% endfor %}',
          '{{ prefs.keys() | join(",") }}|{{ prefs.values() | join(",") }}',
          '{{ prefs.get("tone") }}|{{ prefs.get("nope", "n/a") }}|{{ prefs.get("nope") }}',
          '{{ name.upper() }} {{ name.lower() }} [{{ pad.strip() }}] [{{ pad.lstrip() }}] [{{ pad.rstrip() }}]',
          '{{ name.startswith("Al") }} {{ name.endswith("x") }} {{ "a,b,,c".split(",") | length }} {{ " a  b ".split() | join("|") }}',
          '{{ "a-b-c".split("-", 1) | join("|") }} {{ "xax".replace("x", "yy") }} {{ "hello world".capitalize() }} {{ "hello world".title() }}',
          '{{ ", ".join(["a", "b"]) }} {{ items.length }} {{ name.length }} {{ "xxy".strip("x") }}',
        ].join('\n'),
        {
          prefs: { tone: 'warm', level: 2 },
          name: 'Alex',
          pad: '  p  ',
          items: [1, 2, 3],
        },
      );
      expect(output.split('\n')).toEqual([
        'tone=warm;level=2;',
        'tone,level|warm,2',
        'warm|n/a|',
        'ALEX alex [p] [p  ] [  p]',
        'true true 4 a|b',
        'a|b-c yyayy Hello world Hello World',
        'a, b 3 4 y',
      ]);
    });

    it('calls no method of the wrong type and no method that does not exist', () => {
      expect(() => renderer.render('{{ items.upper() }}', { items: [1] })).toThrow(
        /Unable to call/,
      );
      expect(() => renderer.render('{{ d.pop("a") }}', { d: { a: 1 } })).toThrow(/Unable to call/);
    });
  });

  it('rejects unknown filters, tests and tags when compiling, at their position', () => {
    const problem = (source: string) => {
      try {
        renderer.compile(source);
      } catch (error) {
        return (error as TemplateRenderError).toProblem();
      }
      throw new Error(`expected ${source} not to compile`);
    };
    expect(problem('Hi\n{{ name | shout }}')).toMatchObject({
      kind: 'syntax',
      reason: 'filter not found: shout',
      line: 2,
    });
    expect(problem('{% if x is prime %}{% endif %}')).toMatchObject({
      reason: 'test not found: prime',
    });
    expect(problem('{{ x | random }}')).toMatchObject({ reason: 'filter not found: random' });
    expect(problem('{% block b %}{% endblock %}')).toMatchObject({ line: 1 });
    expect(problem('{{ "a" | replace(r/a+/g, "b") }}')).toMatchObject({
      reason: 'regular expression literals are not supported',
    });
    expect(problem('{% set x.y = 1 %}')).toMatchObject({
      reason: 'set can only assign to plain names',
    });
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
    for (const [source, tag] of [
      ['{% include "/etc/passwd" %}', 'include'],
      ['{% import "macros.njk" as m %}', 'import'],
      ['{% from "macros.njk" import m %}', 'from … import'],
      ['{% extends "base.njk" %}', 'extends'],
    ]) {
      expect(() => renderer.render(source!, {})).toThrow(
        `{% ${tag} %} is not available: a template cannot load other templates`,
      );
    }
    // The words alone are ordinary variables and text.
    expect(renderer.render('{{ include }} {{ "import" }}', { include: 'x' })).toBe('x import');
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
