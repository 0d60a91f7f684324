import { RunningStubServer } from '@promptdev/llm-stub';
import { aUserId } from '../factories/memory';
import { createTemplate } from '../factories/templates';
import { QUICK_LLM_ENV, startLlmStub } from '../setup/llm-stub';
import { parsePrometheusText, PromMetrics, total } from '../setup/prometheus-text';
import { eventually, openSse, readSse } from '../setup/sse';
import { expectError, startTestApp, TestApp } from '../setup/test-app';

const HTTP_COUNT = 'promptdev_http_request_duration_seconds_count';

describe('GET /metrics', () => {
  let stub: RunningStubServer;
  let api: TestApp;

  const scrape = async (app: TestApp = api): Promise<PromMetrics> => {
    const result = await app.http('GET', '/metrics');
    expect(result.status).toBe(200);
    return parsePrometheusText(result.text);
  };
  const chat = (app: TestApp, message: string, userId = aUserId()) =>
    app.http('POST', '/chat', { user_id: userId, message });

  beforeAll(async () => {
    stub = await startLlmStub();
    api = await startTestApp({ LLM_BASE_URL: stub.url, ...QUICK_LLM_ENV });
    await createTemplate(api, {});
  });
  beforeEach(() => stub.control.reset());
  afterAll(async () => {
    await api.close();
    await stub.close();
  });

  it('serves the Prometheus text format, with HELP and TYPE for every family', async () => {
    const result = await api.http('GET', '/metrics');
    expect(result.status).toBe(200);
    expect(result.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    const metrics = parsePrometheusText(result.text);
    expect([...metrics.keys()]).toEqual(
      expect.arrayContaining([
        'promptdev_http_request_duration_seconds',
        'promptdev_chat_turn_duration_seconds',
        'promptdev_llm_request_duration_seconds',
        'promptdev_llm_time_to_first_token_seconds',
        'promptdev_llm_errors_total',
        'promptdev_llm_tokens_total',
        'promptdev_llm_retries_total',
        'promptdev_guardrail_firings_total',
        'promptdev_halted_users',
        'promptdev_open_event_streams',
        'promptdev_db_pool_connections',
        'promptdev_llm_circuit_state',
        'process_cpu_user_seconds_total',
        'nodejs_heap_size_used_bytes',
      ]),
    );
    expect(metrics.get('promptdev_llm_errors_total')).toMatchObject({ type: 'counter' });
    expect(metrics.get('promptdev_http_request_duration_seconds')).toMatchObject({
      type: 'histogram',
    });
    for (const kind of ['chat', 'admin_events', 'chat_events']) {
      expect(total(metrics, 'promptdev_open_event_streams', { kind })).toBe(0);
    }
    expect(total(metrics, 'promptdev_llm_circuit_state')).toBe(0);
  });

  it('counts LLM calls, tokens, retries, time to first token and errors of chat turns', async () => {
    const before = await scrape();
    const ok = await chat(api, 'hello there');
    stub.control.configure({ failures: [{ mode: 'status', status: 503, count: 1 }] });
    const retried = await chat(api, 'and again');
    const streamed = await fetch(`${api.baseUrl}/chat/stream`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...api.authHeaders },
      body: JSON.stringify({ user_id: aUserId(), message: 'stream it' }),
    });
    const done = (await readSse(streamed)).find((event) => event.event === 'done');
    stub.control.configure({ failures: [{ mode: 'status', status: 500, count: 10 }] });
    expectError(await chat(api, 'are you there?'), 502, 'llm_unavailable');
    const after = await scrape();

    const replies = [ok.body.metadata, retried.body.metadata, done?.data.metadata];
    const increase = (name: string, labels: Record<string, string> = {}) =>
      total(after, name, labels) - total(before, name, labels);
    expect(increase('promptdev_llm_errors_total', { kind: 'llm_unavailable' })).toBe(1);
    expect(increase('promptdev_llm_tokens_total', { type: 'prompt' })).toBe(
      replies.reduce((sum, reply) => sum + reply.prompt_tokens, 0),
    );
    expect(increase('promptdev_llm_tokens_total', { type: 'completion' })).toBe(
      replies.reduce((sum, reply) => sum + reply.completion_tokens, 0),
    );
    expect(increase('promptdev_llm_retries_total')).toBe(1 + 3);
    expect(increase('promptdev_llm_request_duration_seconds_count', { status: 'ok' })).toBe(3);
    expect(increase('promptdev_llm_request_duration_seconds_count', { status: 'error' })).toBe(1);
    expect(increase('promptdev_llm_time_to_first_token_seconds_count')).toBe(1);
    expect(increase(HTTP_COUNT, { route: '/chat', method: 'POST', status: '200' })).toBe(2);
    expect(increase(HTTP_COUNT, { route: '/chat', method: 'POST', status: '502' })).toBe(1);
    expect(increase(HTTP_COUNT, { route: '/chat/stream', method: 'POST' })).toBe(1);
  });

  it('labels HTTP requests with the route pattern, never the raw URL', async () => {
    const template = await createTemplate(api, {});
    const userId = aUserId();
    expect((await api.http('GET', `/admin/templates/${template.id}/history`)).status).toBe(200);
    expect((await api.http('PUT', `/admin/memory/${userId}/color`, { value: 'teal' })).status).toBe(
      200,
    );
    expect((await api.http('GET', `/no/such/path/${userId}`)).status).toBe(404);
    const metrics = await scrape();

    expect(
      total(metrics, HTTP_COUNT, {
        route: '/admin/templates/:template_id/history',
        method: 'GET',
        status: '200',
      }),
    ).toBe(1);
    expect(
      total(metrics, HTTP_COUNT, { route: '/admin/memory/:user_id/:key', method: 'PUT' }),
    ).toBe(1);
    expect(total(metrics, HTTP_COUNT, { route: 'unmatched', status: '404' })).toBe(1);
    const routes = metrics
      .get('promptdev_http_request_duration_seconds')!
      .samples.map((sample) => sample.labels.route);
    expect(routes.filter((route) => route?.includes(userId))).toEqual([]);
    expect(routes.filter((route) => route?.includes(String(template.id)))).toEqual([]);
  });

  it('reports halted users and the database pool; a second app keeps its own counters', async () => {
    const userId = aUserId();
    const halt = await api.http('POST', `/admin/interventions/${userId}/halt`, {
      operator: 'alice',
      reason: 'Safety review',
    });
    expect(halt.status).toBe(200);
    const [{ halted } = { halted: 0 }] = await api.sql<{ halted: number }>(
      `SELECT count(*) AS halted FROM user_state WHERE mode = 'halted'`,
    );
    expect(halted).toBeGreaterThanOrEqual(1);
    expect((await chat(api, 'counted by the first app only')).status).toBe(200);

    const second = await startTestApp(
      { LLM_BASE_URL: stub.url, ...QUICK_LLM_ENV },
      { database: api.database },
    );
    try {
      const fresh = await scrape(second);
      expect(total(fresh, 'promptdev_halted_users')).toBe(halted);
      const pool = (state: string) => total(fresh, 'promptdev_db_pool_connections', { state });
      expect(pool('total')).toBeGreaterThanOrEqual(1);
      expect(pool('idle')).toBeLessThanOrEqual(pool('total'));
      expect(pool('waiting')).toBeGreaterThanOrEqual(0);
      expect(total(fresh, 'promptdev_llm_tokens_total')).toBe(0);
      expect(total(fresh, HTTP_COUNT, { route: '/chat' })).toBe(0);

      const firstBefore = total(await scrape(), 'promptdev_llm_tokens_total');
      expect((await chat(second, 'counted by the second app only')).status).toBe(200);
      expect(total(await scrape(second), 'promptdev_llm_tokens_total')).toBeGreaterThan(0);
      expect(total(await scrape(), 'promptdev_llm_tokens_total')).toBe(firstBefore);
    } finally {
      await second.close();
    }
  });

  it('shows the LLM circuit open while the LLM is down', async () => {
    const fragile = await startTestApp(
      {
        LLM_BASE_URL: stub.url,
        ...QUICK_LLM_ENV,
        LLM_MAX_RETRIES: '0',
        LLM_CIRCUIT_FAILURES: '1',
        LLM_CIRCUIT_RESET_MS: '600000',
      },
      { database: api.database },
    );
    try {
      stub.control.configure({ failures: [{ mode: 'status', status: 500, count: 10 }] });
      expectError(await chat(fragile, 'anyone?'), 502, 'llm_unavailable');
      expect(total(await scrape(fragile), 'promptdev_llm_circuit_state')).toBe(2);
      expect(total(await scrape(), 'promptdev_llm_circuit_state')).toBe(0);
    } finally {
      await fragile.close();
    }
  });

  it('times chat turns by outcome and counts open event streams', async () => {
    const turns = (outcome: string, stream: string) =>
      total(scraped, 'promptdev_chat_turn_duration_seconds_count', { outcome, stream });
    let scraped = await scrape();
    const okBefore = turns('ok', 'false');
    const haltedBefore = turns('conversation_halted', 'false');
    const streamedBefore = turns('ok', 'true');
    const userId = aUserId();
    expect((await chat(api, 'hi', userId)).status).toBe(200);
    await api.http('POST', `/admin/interventions/${userId}/halt`, { operator: 'a', reason: 'r' });
    expectError(await chat(api, 'hi again', userId), 423, 'conversation_halted');
    await readSse(
      await fetch(`${api.baseUrl}/chat/stream`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...api.authHeaders },
        body: JSON.stringify({ user_id: aUserId(), message: 'stream' }),
      }),
    );
    scraped = await scrape();
    expect(turns('ok', 'false')).toBe(okBefore + 1);
    expect(turns('conversation_halted', 'false')).toBe(haltedBefore + 1);
    expect(turns('ok', 'true')).toBe(streamedBefore + 1);
    expect(total(scraped, 'promptdev_open_event_streams', { kind: 'chat' })).toBe(0);

    const feed = await openSse(`${api.baseUrl}/admin/events`, api.authHeaders);
    try {
      await feed.waitForText(': connected');
      expect(total(await scrape(), 'promptdev_open_event_streams', { kind: 'admin_events' })).toBe(
        1,
      );
    } finally {
      feed.close();
    }
    await eventually(async () => {
      expect(total(await scrape(), 'promptdev_open_event_streams', { kind: 'admin_events' })).toBe(
        0,
      );
    });
  });
});
