import { createTemplate } from '../factories/templates';
import { aUserId } from '../factories/memory';
import { expectError, httpRequest, startTestApp, TestApp } from '../setup/test-app';

const fieldNames = (error: { details: { fields: Array<{ field: string }> } }): string[] =>
  error.details.fields.map((problem) => problem.field);

/** Sends raw bytes, which `fetch` with a string body could not (invalid UTF-8). */
async function sendBytes(api: TestApp, method: string, path: string, bytes: Uint8Array) {
  const response = await fetch(`${api.baseUrl}${path}`, {
    method,
    body: bytes,
    headers: { ...api.authHeaders, 'content-type': 'application/json' },
  });
  return {
    status: response.status,
    body: await response.json(),
    headers: response.headers,
    text: '',
  };
}

/** Runs `attack` while checking that /health keeps answering within a second. */
async function healthStaysFast(api: TestApp, attack: Promise<unknown>): Promise<number> {
  let done = false;
  let slowest = 0;
  const watch = (async () => {
    while (!done) {
      const started = performance.now();
      const health = await api.http('GET', '/health');
      expect(health.status).toBe(200);
      slowest = Math.max(slowest, performance.now() - started);
    }
  })();
  await attack.finally(() => {
    done = true;
  });
  await watch;
  return slowest;
}

describe('hostile input', () => {
  let api: TestApp;
  let templateId: number;

  beforeAll(async () => {
    // Saving a 6,000-line template renders it once; a busy machine needs more than 200 ms.
    api = await startTestApp({ CHAT_MAX_CHARS: '1000' });
    templateId = (await createTemplate(api)).id;
  });
  afterAll(() => api.close());

  describe('diffs of very different versions', () => {
    const numbered = (prefix: string) =>
      Array.from({ length: 6000 }, (_, index) => `${prefix}${index}`).join('\n');

    it('answers 200 too_large quickly, and /health stays under a second meanwhile', async () => {
      const created = await createTemplate(api, { content: numbered('a') });
      const saved = await api.http('PUT', `/admin/templates/${created.id}`, {
        content: numbered('b'),
        updated_by: 'mallory',
      });
      expect(saved.status).toBe(200);
      const diffs = Promise.all(
        Array.from({ length: 6 }, () => api.http('GET', `/admin/templates/${created.id}/diff`)),
      );
      const slowest = await healthStaysFast(api, diffs);
      expect(slowest).toBeLessThan(1000);
      for (const result of await diffs) {
        expect(result.status).toBe(200);
        expect(result.body).toMatchObject({
          from: 1,
          to: 2,
          too_large: true,
          max_edits: 1000,
          diff: '',
          changes: [],
          config_changed: false,
        });
        expect(result.body.message).toContain('too different to diff line by line');
      }
    });
  });

  describe('bodies', () => {
    const deep = (levels: number) => `${'{"x":'.repeat(levels)}1${'}'.repeat(levels)}`;

    it('refuses deeply nested JSON before parsing it, and /health stays fast', async () => {
      const attacks = Promise.all(
        Array.from({ length: 8 }, () => api.http('POST', '/admin/templates', deep(170_000))),
      );
      expect(await healthStaysFast(api, attacks)).toBeLessThan(1000);
      for (const result of await attacks) {
        const error = expectError(result, 422, 'validation_failed');
        expect(fieldNames(error)).toEqual(['body']);
        expect(error.message).toContain('nested deeper than 64 levels');
      }
      // Brackets inside strings are not nesting.
      const created = await api.http('POST', '/admin/templates', {
        name: `brackets-${process.pid}`,
        content: `${'[{'.repeat(200)} {{ user_id }}`,
        created_by: 'alice',
      });
      expect(created.status).toBe(201);
    });

    it('limits chat bodies far below template saves', async () => {
      // CHAT_MAX_CHARS=1000 here: the chat limit is 1000 * 4 + 16384 bytes.
      const chat = await api.http('POST', '/chat', {
        user_id: aUserId(),
        message: 'x'.repeat(30_000),
      });
      expectError(chat, 413, 'payload_too_large');
      const template = await api.http('POST', '/admin/templates', {
        name: `big-${process.pid}`,
        content: 'x'.repeat(90_000),
        created_by: 'alice',
      });
      expect(template.status).toBe(201);
    });

    it('answers invalid UTF-8 with 400 malformed_json and stores nothing', async () => {
      const name = `utf8-${process.pid}`;
      const prefix = new TextEncoder().encode(`{"name":"${name}","created_by":"a","content":"bad `);
      const bytes = new Uint8Array([...prefix, 0xff, 0xfe, 0x22, 0x7d]);
      const error = expectError(
        await sendBytes(api, 'POST', '/admin/templates', bytes),
        400,
        'malformed_json',
      );
      expect(error.message).toContain('UTF-8');
      expect(await api.sql('SELECT 1 FROM system_prompt WHERE name = $1', [name])).toEqual([]);
    });

    it('answers text/plain and forms with 415 like any non-JSON type', async () => {
      for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'application/xml']) {
        expectError(
          await api.http('POST', '/admin/templates', 'name=x', { 'content-type': type }),
          415,
          'unsupported_media_type',
        );
      }
    });

    it('does not echo a huge key into the error', async () => {
      const key = 'k'.repeat(20_000);
      const result = await api.http('POST', '/admin/templates', {
        name: 'n',
        content: 'c',
        created_by: 'a',
        [key]: 1,
      });
      expectError(result, 422, 'validation_failed');
      expect(result.text.length).toBeLessThan(4000);
      const many = Object.fromEntries(Array.from({ length: 500 }, (_, index) => [`f${index}`, 1]));
      const crowded = await api.http('POST', '/admin/templates', many);
      const error = expectError(crowded, 422, 'validation_failed');
      expect(error.details.fields.length).toBeLessThanOrEqual(20);
      expect(error.message).toMatch(/and \d+ more fields/);
    });
  });

  describe('nulls and parameters', () => {
    it('refuses null in optional fields with 422 naming the field', async () => {
      const state = await api.http('PUT', `/admin/state/${aUserId()}`, { mode: null });
      expect(fieldNames(expectError(state, 422, 'validation_failed'))).toEqual(['mode']);
      const preview = await api.http('POST', `/admin/templates/${templateId}/preview`, {
        user_id: null,
      });
      expect(fieldNames(expectError(preview, 422, 'validation_failed'))).toEqual(['user_id']);
    });

    it('still lets an explicitly nullable field be null', async () => {
      const created = await api.http('POST', '/admin/guardrails', {
        name: `nullable-${process.pid}`,
        rules: [],
        created_by: 'alice',
      });
      expect(created.status).toBe(201);
      const cleared = await api.http('PUT', `/admin/guardrails/${created.body.id}`, {
        description: null,
        updated_by: 'alice',
      });
      expect(cleared.status).toBe(200);
      expect(cleared.body.config.description).toBeNull();
    });

    it('refuses NUL and control characters in path and query parameters', async () => {
      for (const path of [
        '/admin/templates/%00',
        '/admin/guardrails/a%01b',
        `/admin/memory/${aUserId()}/k%00`,
        '/admin/templates?cursor=%00',
        '/chat/history?user_id=a%0Ab',
      ]) {
        const result = await api.http('GET', path);
        expectError(result, 422, 'validation_failed');
      }
      const overlong = await api.http('GET', `/admin/users?search=${'s'.repeat(5000)}`);
      expectError(overlong, 422, 'validation_failed');
      expect(overlong.text.length).toBeLessThan(2000);
    });

    it('answers ids outside int4 with 422 and unknown ones with 404', async () => {
      expectError(
        await api.http('GET', '/admin/templates/2147483648/history'),
        422,
        'validation_failed',
      );
      expectError(
        await api.http('GET', '/admin/guardrails/id/99999999999'),
        422,
        'validation_failed',
      );
      expectError(
        await api.http('GET', '/admin/templates/2147483647/history'),
        404,
        'template_not_found',
      );
      expectError(
        await api.http('GET', '/admin/templates/no-such-name'),
        404,
        'template_not_found',
      );
    });
  });

  it('answers a path the router cannot decode with a 4xx in the error shape', async () => {
    const result = await httpRequest(api.baseUrl, 'GET', '/admin/templates/%E0%A4%A');
    expect(result.status).toBeGreaterThanOrEqual(400);
    expect(result.status).toBeLessThan(500);
    expect(result.body).toMatchObject({ statusCode: result.status, requestId: expect.any(String) });
  });
});
