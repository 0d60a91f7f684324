import { loadConfig } from '../../core/config/app-config';
import { TemplateRenderError } from './template-error';
import { TemplateRenderer } from './template-renderer';

async function renderError(promise: Promise<unknown>): Promise<TemplateRenderError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(TemplateRenderError);
    return error as TemplateRenderError;
  }
  throw new Error('expected the render to fail');
}

describe('TemplateRenderer (worker threads)', () => {
  const renderer = new TemplateRenderer(loadConfig({ NODE_ENV: 'test' }));

  beforeAll(() => renderer.onApplicationBootstrap());
  afterAll(() => renderer.onModuleDestroy());

  it('renders in a worker with the hardened environment', async () => {
    const result = await renderer.renderWithTimeout('Hi {{ name }}{{ range.constructor }}!', {
      name: 'Alex',
    });
    expect(result.output).toBe('Hi Alex!');
    expect(result.renderTimeMs).toBeGreaterThanOrEqual(0);
  });

  it('stops a render that runs past the deadline without blocking this thread', async () => {
    const started = performance.now();
    let ticks = 0;
    const ticker = setInterval(() => (ticks += 1), 10);
    const error = await renderError(
      renderer.renderWithTimeout(
        '{% for i in range(0, 10000) %}{% for j in range(0, 10000) %}{% for k in range(0, 10000) %}{% endfor %}{% endfor %}{% endfor %}',
        {},
        200,
      ),
    );
    clearInterval(ticker);
    expect(error.toProblem()).toEqual({
      kind: 'timeout',
      reason: 'rendering took longer than 200 ms',
      line: null,
      column: null,
    });
    expect(performance.now() - started).toBeLessThan(2000);
    // The event loop kept running while the worker was busy.
    expect(ticks).toBeGreaterThan(5);
  });

  it('stays fast after replacing a timed-out worker, and for many renders at once', async () => {
    await renderError(
      renderer.renderWithTimeout(
        '{% for i in range(0, 10000) %}{% for j in range(0, 10000) %}{% endfor %}{% endfor %}',
        {},
        50,
      ),
    );
    const results = await Promise.all(
      Array.from({ length: 40 }, (_, index) =>
        renderer.renderWithTimeout('{{ n * 2 }}', { n: index }),
      ),
    );
    expect(results.map((result) => result.output)).toEqual(
      Array.from({ length: 40 }, (_, index) => String(index * 2)),
    );
    const started = performance.now();
    await renderer.renderWithTimeout('{{ x }}', { x: 1 });
    expect(performance.now() - started).toBeLessThan(100);
  });

  it('fails cleanly on render errors, with a position', async () => {
    const error = await renderError(
      renderer.renderWithTimeout('Hi\n{{ user.greet() }}', { user: {} }),
    );
    expect(error.toProblem()).toMatchObject({ kind: 'render', line: 2 });
    expect(error.reason).toContain('Unable to call');
  });

  it('fails cleanly when a template exhausts the worker memory', async () => {
    const error = await renderError(
      renderer.renderWithTimeout(
        '{% set s = "xxxxxxxxxxxxxxxx" %}{% for i in range(0, 23) %}{% set s = s + s %}{% endfor %}{{ s | upper | length }}',
        {},
        5000,
      ),
    );
    expect(error.toProblem()).toEqual({
      kind: 'resources',
      reason: 'rendering used too much memory',
      line: null,
      column: null,
    });
    expect((await renderer.renderWithTimeout('ok', {})).output).toBe('ok');
  });

  describe('validate', () => {
    it('accepts a template that renders against the sample context', async () => {
      await expect(
        renderer.validate('Hi {{ name }}, {{ conversation_history }} {{ user_context }}'),
      ).resolves.toBeUndefined();
    });

    it('rejects syntax errors, template loads and slow templates with a reason', async () => {
      expect((await renderError(renderer.validate('a\n{{ name | }}'))).toProblem()).toEqual({
        kind: 'syntax',
        reason: 'expected symbol, got variable-end',
        line: 2,
        column: 11,
      });
      expect((await renderError(renderer.validate('x\n  {% include "a" %}'))).toProblem()).toEqual({
        kind: 'syntax',
        reason: '{% include %} is not available: a template cannot load other templates',
        line: 2,
        column: 6,
      });
      expect(
        (
          await renderError(
            renderer.validate(
              '{% for i in range(0, 10000) %}{% for j in range(0, 10000) %}{% endfor %}{% endfor %}',
            ),
          )
        ).kind,
      ).toBe('timeout');
    });
  });
});
