import { aConfigName, aGuardrailConfig } from '../factories/guardrails';
import { aUserId } from '../factories/memory';
import { createTemplate } from '../factories/templates';
import { startTestApp, TestApp } from '../setup/test-app';

// Every operation of the OpenAPI document, fed malformed values in every place it reads
// input: none may answer 500, and every error has the documented shape.

interface Parameter {
  in: 'path' | 'query' | 'header';
  name: string;
}
interface Operation {
  operationId: string;
  parameters?: Parameter[];
  requestBody?: { content: Record<string, { schema: { $ref?: string } }> };
}
interface OpenApiDocument {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, { properties?: Record<string, unknown> }> };
}

interface Probe {
  label: string;
  method: string;
  path: string;
  query?: string;
  headers?: Record<string, string>;
  body?: string | Uint8Array;
}

const PATH_VALUES = [
  '%00',
  'a%01b',
  '%7F',
  'x'.repeat(255),
  'x'.repeat(300),
  '-1',
  '0',
  '1.5',
  '1e3',
  '2147483648',
  '99999999999999999999',
  'null',
  '%E0%A4%A',
  '%FF',
  '__proto__',
];
const QUERY_VALUES = [
  '%00',
  'a%0Ab',
  'x'.repeat(5000),
  '-1',
  '2147483648',
  '99999999999999999999',
  '1e309',
  'null',
  '',
  '%FF',
  '%E0%A4%A',
];
const HEADER_VALUES = ['-1', 'abc', '99999999999999999999', 'x'.repeat(2000), '1.5'];
const WRONG_TYPES: unknown[] = [null, {}, [], 12345, -1, 2147483648, true, 'x'.repeat(200_000)];
const WHOLE_BODIES = ['null', '[]', '"text"', '123', 'true', '{"a":', '{}'];
const deepBody = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
const invalidUtf8 = new Uint8Array([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xc3, 0x28, 0x22, 0x7d]);

const TIMEOUT_MS = 5000;

async function send(api: TestApp, probe: Probe): Promise<string | undefined> {
  const url = `${api.baseUrl}${probe.path}${probe.query ? `?${probe.query}` : ''}`;
  // As an admin, so every probe reaches validation instead of stopping at 401.
  const headers: Record<string, string> = { ...api.authHeaders, ...probe.headers };
  if (probe.body !== undefined) headers['content-type'] ??= 'application/json';
  let response: Response;
  try {
    response = await fetch(url, {
      method: probe.method,
      headers,
      body: probe.body,
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
  } catch (error) {
    return `no answer within ${TIMEOUT_MS} ms (${String(error)})`;
  }
  if (response.headers.get('content-type')?.includes('text/event-stream')) {
    // A stream that opened took the input as valid: nothing to check in its body.
    await response.body?.cancel();
    return response.status === 200 ? undefined : `stream with status ${response.status}`;
  }
  const text = await response.text();
  // No LLM runs here, so a preview that calls it may answer 502 llm_unavailable: documented.
  if (response.status === 500 || text.includes('internal_error')) {
    return `${response.status} ${text.slice(0, 200)}`;
  }
  if (response.status < 400) return undefined;
  if (response.status >= 500 && !text.includes('"code":"llm_')) {
    return `${response.status} ${text.slice(0, 200)}`;
  }
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    return `${response.status} without a JSON error body: ${text.slice(0, 100)}`;
  }
  const shaped =
    body.statusCode === response.status &&
    typeof body.code === 'string' &&
    typeof body.message === 'string' &&
    body.detail === body.message &&
    typeof body.details === 'object' &&
    typeof body.requestId === 'string';
  if (!shaped) return `${response.status} not in the error shape: ${text.slice(0, 200)}`;
  if (text.length > 10_000) return `${response.status} error body of ${text.length} characters`;
  return undefined;
}

/** Runs the probes `width` at a time. */
async function runAll(api: TestApp, probes: Probe[], width: number): Promise<string[]> {
  const failures: string[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < probes.length) {
        const probe = probes[next]!;
        next += 1;
        const problem = await send(api, probe);
        if (problem) failures.push(`${probe.label}: ${problem}`);
      }
    }),
  );
  return failures;
}

describe('every operation of the OpenAPI document, given malformed input', () => {
  let api: TestApp;
  let document: OpenApiDocument;
  const valid: Record<string, string> = {};

  beforeAll(async () => {
    api = await startTestApp();
    document = (await api.http<OpenApiDocument>('GET', '/docs-json')).body;
    const template = await createTemplate(api);
    const config = await api.http(
      'POST',
      '/admin/guardrails',
      aGuardrailConfig({ name: aConfigName() }),
    );
    expect(config.status).toBe(201);
    const userId = aUserId();
    expect((await api.http('PUT', `/admin/memory/${userId}/color`, { value: 'blue' })).status).toBe(
      200,
    );
    Object.assign(valid, {
      template_id: String(template.id),
      version: '1',
      config_id: String(config.body.id),
      templateName: template.name,
      configName: config.body.name as string,
      user_id: userId,
      key: 'color',
    });
  });
  afterAll(() => api.close());

  function pathWith(template: string, override?: [string, string]): string {
    return template.replace(/\{([^}]+)\}/g, (_match, name: string) => {
      if (override && override[0] === name) return override[1];
      if (name === 'name') {
        return encodeURIComponent(
          template.startsWith('/admin/templates') ? valid.templateName! : valid.configName!,
        );
      }
      return encodeURIComponent(valid[name] ?? 'x');
    });
  }

  function probesOf(template: string, method: string, operation: Operation): Probe[] {
    const verb = method.toUpperCase();
    const label = (what: string) => `${verb} ${template} ${what}`;
    const probes: Probe[] = [];
    const parameters = operation.parameters ?? [];
    const content = operation.requestBody?.content['application/json'];
    // Routes that read a body get a well-formed one beside a bad parameter, so the
    // parameter is what is judged.
    const body = content ? '{}' : undefined;

    for (const parameter of parameters) {
      if (parameter.in === 'path') {
        for (const value of PATH_VALUES) {
          probes.push({
            label: label(`path ${parameter.name}=${value.slice(0, 20)}`),
            method: verb,
            path: pathWith(template, [parameter.name, value]),
            body,
          });
        }
      } else if (parameter.in === 'query') {
        for (const value of [...QUERY_VALUES, ['1', '2']]) {
          const query = Array.isArray(value)
            ? value.map((item) => `${parameter.name}=${item}`).join('&')
            : `${parameter.name}=${value}`;
          probes.push({
            label: label(`query ${query.slice(0, 40)}`),
            method: verb,
            path: pathWith(template),
            query,
            body,
          });
        }
      } else {
        for (const value of HEADER_VALUES) {
          probes.push({
            label: label(`header ${parameter.name}=${value.slice(0, 20)}`),
            method: verb,
            path: pathWith(template),
            // Malformed alongside a malformed query, so no valid stream stays open.
            query: 'user_id=%00',
            headers: { [parameter.name]: value },
          });
        }
      }
    }
    probes.push({
      label: label('unknown query parameter with a huge name'),
      method: verb,
      path: pathWith(template),
      query: `${'q'.repeat(1500)}=1`,
      body,
    });

    if (content) {
      const ref = content.schema.$ref?.split('/').at(-1);
      const properties = Object.keys((ref && document.components.schemas[ref]?.properties) ?? {});
      const path = pathWith(template);
      const post = (what: string, payload: string | Uint8Array, headers?: Record<string, string>) =>
        probes.push({ label: label(what), method: verb, path, body: payload, headers });
      for (const property of properties) {
        for (const value of WRONG_TYPES) {
          post(
            `body ${property}=${JSON.stringify(value).slice(0, 20)}`,
            JSON.stringify({ [property]: value }),
          );
        }
      }
      post(
        'every field null',
        JSON.stringify(Object.fromEntries(properties.map((p) => [p, null]))),
      );
      for (const whole of WHOLE_BODIES) post(`body ${whole}`, whole);
      post('deeply nested body', deepBody);
      post('invalid UTF-8', invalidUtf8);
      post('huge unknown key', JSON.stringify({ ['k'.repeat(20_000)]: 1 }));
      for (const type of ['text/plain', 'application/xml', 'application/x-www-form-urlencoded']) {
        post(`content-type ${type}`, 'a=1', { 'content-type': type });
      }
    }
    return probes;
  }

  it('answers every probe with a 2xx or a 4xx in the error shape, never a 500', async () => {
    const started = performance.now();
    const probes = Object.entries(document.paths).flatMap(([template, operations]) =>
      Object.entries(operations).flatMap(([method, operation]) =>
        probesOf(template, method, operation),
      ),
    );
    const operations = Object.values(document.paths).flatMap((item) => Object.keys(item));
    expect(operations.length).toBeGreaterThanOrEqual(40);
    expect(probes.length).toBeGreaterThan(1000);

    const failures = await runAll(api, probes, 4);
    expect(failures).toEqual([]);
    expect((await api.http('GET', '/health')).status).toBe(200);
    // The walk is bounded: a slow or hung route shows here too.
    expect(performance.now() - started).toBeLessThan(60_000);
  }, 120_000);
});
