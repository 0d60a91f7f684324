import { loadConfig } from '../../core/config/app-config';
import { TemplateRenderError } from './template-error';
import { TemplateRenderer } from './template-renderer';

function renderError(render: () => unknown): TemplateRenderError {
  try {
    render();
  } catch (error) {
    expect(error).toBeInstanceOf(TemplateRenderError);
    return error as TemplateRenderError;
  }
  throw new Error('expected the render to fail');
}

const NESTED_LOOPS =
  '{% for i in range(0, 10000) %}{% for j in range(0, 10000) %}{% for k in range(0, 10000) %}{% endfor %}{% endfor %}{% endfor %}';

describe('TemplateRenderer (interpreted, within budgets)', () => {
  const renderer = new TemplateRenderer(loadConfig({ NODE_ENV: 'test' }));

  it('renders on the calling thread with the interpreter', () => {
    const result = renderer.render('Hi {{ name }}{{ range.constructor }}!', { name: 'Alex' });
    expect(result.output).toBe('Hi Alex!');
    expect(result.renderTimeMs).toBeGreaterThanOrEqual(0);
  });

  it('stops a runaway render at its loop budget, quickly', () => {
    const started = performance.now();
    const error = renderError(() => renderer.render(NESTED_LOOPS, {}));
    expect(error.toProblem()).toEqual({
      kind: 'budget',
      budget: 'loop_iterations',
      reason: "the template's loops run more than 10000 iterations",
      line: 1,
      column: expect.any(Number),
    });
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it('uses the budgets of the configuration', () => {
    const strict = new TemplateRenderer(
      loadConfig({
        NODE_ENV: 'test',
        TEMPLATE_MAX_LOOP_ITERATIONS: '10',
        TEMPLATE_MAX_STEPS: '1000',
      }),
    );
    expect(strict.render('{% for i in range(10) %}{{ i }}{% endfor %}', {}).output).toBe(
      '0123456789',
    );
    expect(
      renderError(() => strict.render('{% for i in range(11) %}{% endfor %}', {})).budget,
    ).toBe('loop_iterations');
    expect(() => loadConfig({ NODE_ENV: 'test', TEMPLATE_MAX_STEPS: 'lots' })).toThrow(
      /TEMPLATE_MAX_STEPS/,
    );
  });

  it('stays fast for many renders in a row', () => {
    const outputs = Array.from(
      { length: 40 },
      (_, index) => renderer.render('{{ n * 2 }}', { n: index }).output,
    );
    expect(outputs).toEqual(Array.from({ length: 40 }, (_, index) => String(index * 2)));
    const started = performance.now();
    renderer.render('{{ x }}', { x: 1 });
    expect(performance.now() - started).toBeLessThan(100);
  });

  it('fails cleanly on render errors, with a position', () => {
    const error = renderError(() => renderer.render('Hi\n{{ user.greet() }}', { user: {} }));
    expect(error.toProblem()).toMatchObject({ kind: 'render', line: 2 });
    expect(error.reason).toContain('Unable to call');
  });

  it('fails cleanly, before allocating, when a template would build a huge string', () => {
    const error = renderError(() =>
      renderer.render(
        '{% set s = "xxxxxxxxxxxxxxxx" %}{% for i in range(0, 23) %}{% set s = s + s %}{% endfor %}{{ s | upper | length }}',
        {},
      ),
    );
    expect(error.toProblem()).toMatchObject({
      kind: 'budget',
      budget: 'string_chars',
      reason: 'the template builds a string longer than 1000000 characters',
    });
    expect(renderer.render('ok', {}).output).toBe('ok');
  });

  describe('validate', () => {
    it('accepts a template that renders against the sample context', () => {
      expect(
        renderer.validate('Hi {{ name }}, {{ conversation_history }} {{ user_context }}'),
      ).toBeUndefined();
    });

    it('rejects syntax errors, template loads and runaway templates with a reason', () => {
      expect(renderError(() => renderer.validate('a\n{{ name | }}')).toProblem()).toEqual({
        kind: 'syntax',
        reason: 'expected symbol, got variable-end',
        line: 2,
        column: 11,
      });
      expect(renderError(() => renderer.validate('x\n  {% include "a" %}')).toProblem()).toEqual({
        kind: 'syntax',
        reason: '{% include %} is not available: a template cannot load other templates',
        line: 2,
        column: 6,
      });
      expect(
        renderError(() =>
          renderer.validate(
            '{% for i in range(0, 10000) %}{% for j in range(0, 10000) %}{% endfor %}{% endfor %}',
          ),
        ).kind,
      ).toBe('budget');
    });
  });
});
