import { existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { RunningStubServer } from '@promptdev/llm-stub';
import { aUserId } from '../factories/memory';
import { aTemplateBody, createTemplate, storedTemplateRows } from '../factories/templates';
import { startLlmStub } from '../setup/llm-stub';
import { expectError, startTestApp, TestApp } from '../setup/test-app';

declare global {
  var __pdPwned: boolean | undefined;
}

// Templates as an attacker writes them: each would run JavaScript, stall or exhaust the
// server under a compiling engine. The interpreter must answer 4xx (or render harmlessly),
// keep /health fast meanwhile, and store nothing.
const FILE = path.join(tmpdir(), `pd-template-attack-${process.pid}.txt`);
const WRITE = `process.mainModule.require("fs").writeFileSync(${JSON.stringify(FILE)}, "x")`;
const FLAG = 'globalThis.__pdPwned = true';
const KEY = `'\\\\",context,[])),false);${FLAG};${WRITE};//'`;

const CODE_PAYLOADS = [
  `{{ 1 is 'defined")&&(${FLAG})&&(${WRITE})||env.getTest("defined' }}`,
  `{% set x = {${KEY}: joiner} %}{{ x[${KEY}]() }}`,
  `{{ range.constructor('${FLAG}; ${WRITE}')() }}`,
  `{{ cycler.constructor('${FLAG}')() }}`,
  `{% set k = "constr" ~ "uctor" %}{{ joiner[k]('${FLAG}')() }}`,
  `{{ "".__proto__.constructor.constructor('${FLAG}')() }}`,
];

const RESOURCE_PAYLOADS = [
  "{{ 'ab'.repeat(250000000).split('').length }}",
  "{{ 'a'.repeat(60000000) }}",
  '{% set s = "ab" %}{% for i in range(64) %}{% set s = s ~ s %}{% endfor %}{{ s | length }}',
  '{% for i in range(10000) %}{% for j in range(10000) %}{% endfor %}{% endfor %}',
  '{% macro f() %}{{ f() }}{{ f() }}{% endmacro %}{{ f() }}',
  '{{ "x" | center(2000000000) }}',
  '{{ range(0, 1000000000) | length }}',
];

describe('template attacks over HTTP', () => {
  let stub: RunningStubServer;
  let api: TestApp;

  beforeAll(async () => {
    stub = await startLlmStub();
    api = await startTestApp({
      LLM_BASE_URL: stub.url,
      LLM_RETRY_BASE_MS: '5',
      LLM_MAX_RETRIES: '1',
    });
  });
  beforeEach(() => {
    stub.control.reset();
    stub.control.clearRequests();
  });
  afterEach(() => {
    delete globalThis.__pdPwned;
    rmSync(FILE, { force: true });
  });
  afterAll(async () => {
    await api.close();
    await stub.close();
  });

  /** Runs requests while timing /health; returns their results and /health's time. */
  async function whileTimingHealth<T>(attack: () => Promise<T>) {
    const attacking = attack();
    const started = performance.now();
    const health = await api.http('GET', '/health');
    const healthMs = performance.now() - started;
    expect(health.status).toBe(200);
    return { results: await attacking, healthMs };
  }

  it.each([...CODE_PAYLOADS, ...RESOURCE_PAYLOADS])(
    'rejects %s on save, preview and update, storing nothing',
    async (payload) => {
      const target = await createTemplate(api);
      const before = await storedTemplateRows(api);
      const { results, healthMs } = await whileTimingHealth(() =>
        Promise.all([
          api.http(
            'POST',
            '/admin/templates',
            aTemplateBody({ content: `Hi {{ name }} ${payload}` }),
          ),
          api.http('PUT', `/admin/templates/${target.id}`, {
            content: payload,
            updated_by: 'mallory',
          }),
          api.http('POST', `/admin/templates/${target.id}/preview`, { content: payload }),
        ]),
      );
      for (const result of results) expectError(result, 422, 'template_invalid');
      expect(healthMs).toBeLessThan(1000);
      expect(await storedTemplateRows(api)).toEqual(before);
      expect(globalThis.__pdPwned).toBeUndefined();
      expect(existsSync(FILE)).toBe(false);
    },
  );

  it('names the budget a template exceeded', async () => {
    const target = await createTemplate(api);
    const loops = await api.http('POST', `/admin/templates/${target.id}/preview`, {
      content: RESOURCE_PAYLOADS[3],
    });
    expect(expectError(loops, 422, 'template_invalid').details).toMatchObject({
      kind: 'budget',
      budget: 'loop_iterations',
      line: 1,
    });
    const long = await api.http('POST', `/admin/templates/${target.id}/preview`, {
      content: RESOURCE_PAYLOADS[2],
    });
    expect(expectError(long, 422, 'template_invalid').details).toMatchObject({
      kind: 'budget',
      budget: 'string_chars',
    });
  });

  it('fails a hidden runaway template on chat with 422 and the budget, storing no reply', async () => {
    // Validation renders as preview-user: the loop hides from it and the template is saved.
    const template = await createTemplate(api, {
      content: `Hello{% if user_id != 'preview-user' %}${RESOURCE_PAYLOADS[3]}{% endif %}`,
    });
    const userId = aUserId('victim');
    const { results, healthMs } = await whileTimingHealth(() =>
      api.http('POST', '/chat', { user_id: userId, message: 'hi', template_name: template.name }),
    );
    expect(expectError(results, 422, 'template_render_failed').details).toMatchObject({
      template: template.name,
      budget: 'loop_iterations',
    });
    expect(healthMs).toBeLessThan(1000);
    const replies = await api.sql(
      "SELECT id FROM conversation_history WHERE user_id = $1 AND role = 'assistant'",
      [userId],
    );
    expect(replies).toEqual([]);
    expect(stub.control.requests()).toHaveLength(0);
  });

  it('fails a hidden JavaScript method cleanly on chat, never running it', async () => {
    const template = await createTemplate(api, {
      content: `Hello{% if user_id != 'preview-user' %}${RESOURCE_PAYLOADS[0]}{% endif %}`,
    });
    const chat = await api.http('POST', '/chat', {
      user_id: aUserId('victim'),
      message: 'hi',
      template_name: template.name,
    });
    expect(expectError(chat, 422, 'template_render_failed').details.reason).toContain(
      'Unable to call',
    );
    expect((await api.http('GET', '/health')).status).toBe(200);
  });

  it('keeps /chat and /health fast while forty heavy previews run at once', async () => {
    const heavy = await createTemplate(api, {
      content:
        '{% for i in range(3000) %}{{ (i ~ "-" ~ i) | upper | replace("-", "+") }}{% endfor %}',
    });
    const chatTemplate = await createTemplate(api, { content: 'Plain persona for {{ user_id }}' });
    const previews = Promise.all(
      Array.from({ length: 40 }, () =>
        api.http('POST', `/admin/templates/${heavy.id}/preview`, {}),
      ),
    );
    let started = performance.now();
    const health = await api.http('GET', '/health');
    const healthMs = performance.now() - started;
    started = performance.now();
    const chat = await api.http('POST', '/chat', {
      user_id: aUserId('bystander'),
      message: 'hello',
      template_name: chatTemplate.name,
    });
    const chatMs = performance.now() - started;
    const results = await previews;
    // What a single render may cost is bounded by the step budget (deterministic, see the
    // interpreter's budget tests), not by a clock; here only what users notice is timed.
    expect(health.status).toBe(200);
    expect(healthMs).toBeLessThan(1000);
    expect(chat.status).toBe(200);
    // Generous: on the embedded database the forty previews' queries share one thread with
    // the chat's. Before, the chat waited behind every render in the worker queue (7.8 s).
    expect(chatMs).toBeLessThan(6000);
    for (const result of results) {
      expect(result.status).toBe(200);
      const body = result.body as { rendered: string };
      expect(body.rendered).toContain('2999+2999');
    }
  });

  describe('memory keys named like globals (range, cycler, joiner)', () => {
    const content =
      '{{ range }}/{{ cycler }}/{{ joiner }}|{{ range(3) | join(",") }}|{% set c = cycler("a", "b") %}{{ c.next() }}{{ c.next() }}|{% set j = joiner("+") %}{{ j() }}x{{ j() }}y|{{ user_id }}';

    it('renders both the memory values and the globals, in preview and chat', async () => {
      const template = await createTemplate(api, { content });
      const userId = aUserId('globals');
      for (const [key, value] of [
        ['range', '5 km'],
        ['cycler', 'road bike'],
        ['joiner', 'Sam'],
        ['user_id', 'spoofed'],
      ]) {
        const stored = await api.http('PUT', `/admin/memory/${userId}/${key}`, { value });
        expect(stored.status).toBe(200);
      }
      const expected = `5 km/road bike/Sam|0,1,2|ab|x+y|${userId}`;
      const preview = await api.http('POST', `/admin/templates/${template.id}/preview`, {
        user_id: userId,
      });
      expect(preview.status).toBe(200);
      expect(preview.body.rendered).toBe(expected);

      const chat = await api.http('POST', '/chat', {
        user_id: userId,
        message: 'hi',
        template_name: template.name,
      });
      expect(chat.status).toBe(200);
      const [request] = stub.control.requests();
      expect(JSON.stringify(request)).toContain(expected);
    });
  });
});
