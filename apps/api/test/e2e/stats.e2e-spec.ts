import { RunningStubServer } from '@promptdev/llm-stub';
import { Client } from 'pg';
import { AGGREGATION_LOCK } from '../../src/modules/telemetry/stats-aggregator.service';
import { TelemetryService } from '../../src/modules/telemetry/telemetry.service';
import { aUserId } from '../factories/memory';
import { createTemplate } from '../factories/templates';
import { QUICK_LLM_ENV, startLlmStub } from '../setup/llm-stub';
import { expectError, HttpResult, startTestApp, TestApp } from '../setup/test-app';

describe('stats and the LLM request log over HTTP', () => {
  let stub: RunningStubServer;
  let api: TestApp;
  let templateName: string;

  const get = (path: string) => api.http('GET', path);
  const aggregate = (body?: unknown) => api.http('POST', '/admin/stats/aggregate', body);
  const chat = (userId: string, message: string) =>
    api.http('POST', '/chat', { user_id: userId, message, template_name: templateName });
  const expectInvalid = (result: HttpResult, field: string) => {
    const body = expectError(result, 422, 'validation_failed');
    expect(body.details.fields).toEqual(
      expect.arrayContaining([expect.objectContaining({ field })]),
    );
  };

  beforeAll(async () => {
    stub = await startLlmStub();
    api = await startTestApp({ LLM_BASE_URL: stub.url, ...QUICK_LLM_ENV });
    templateName = (await createTemplate(api, { content: 'You are Luna. Talk to {{ user_id }}.' }))
      .name;
  });
  beforeEach(() => stub.control.reset());
  afterAll(async () => {
    await api.close();
    await stub.close();
  });

  describe('after a few chats, one of them failing', () => {
    const alice = aUserId('alice');
    const bob = aUserId('bob');
    let failedRequestId: string | null;

    beforeAll(async () => {
      for (const message of ['hi', 'how are you?', 'tell me a joke']) {
        expect((await chat(alice, message)).status).toBe(200);
      }
      expect((await chat(bob, 'hello')).status).toBe(200);
      stub.control.configure({ failures: [{ mode: 'status', status: 400, count: 1 }] });
      const failed = await chat(bob, 'are you there?');
      expectError(failed, 502, 'llm_rejected');
      failedRequestId = failed.headers.get('x-request-id');
      await api.app.get(TelemetryService).flush();
    });

    it('shows them in the overview', async () => {
      const overview = await get('/admin/stats/overview');
      expect(overview.status).toBe(200);
      expect(overview.body).toEqual({
        active_users_today: 2,
        active_users_hour: 2,
        total_messages_today: 5,
        messages_per_hour: 5,
        avg_response_time_ms: expect.any(Number),
        p95_response_time_ms: expect.any(Number),
        error_rate_percent: 20,
        halted_users: 0,
        top_templates: [{ name: templateName, count: 5 }],
        llm_requests_today: 5,
        as_of: expect.any(String),
      });
      expect(overview.body.p95_response_time_ms).toBeGreaterThanOrEqual(
        overview.body.avg_response_time_ms,
      );
    });

    it("lists each call newest first, with the failure's code and request id", async () => {
      const list = await get(`/admin/llm-requests?user_id=${bob}`);
      expect(list.status).toBe(200);
      expect(list.body.count).toBe(2);
      expect(list.body.next_cursor).toBeNull();
      expect(list.body.requests).toEqual([
        expect.objectContaining({
          user_id: bob,
          request_id: failedRequestId,
          template_name: templateName,
          template_version: 1,
          status: 'error',
          error_code: 'llm_rejected',
          attempts: 1,
          stream: false,
          api: 'openai',
        }),
        expect.objectContaining({ user_id: bob, status: 'ok', error_code: null, error: null }),
      ]);
      const [failed] = list.body.requests;
      expect(Object.keys(failed).sort()).toEqual(
        [
          'id',
          'request_id',
          'user_id',
          'template_name',
          'template_version',
          'guardrail_config',
          'model',
          'api',
          'stream',
          'prompt_tokens',
          'completion_tokens',
          'latency_ms',
          'ttft_ms',
          'attempts',
          'status',
          'error_code',
          'error',
          'created_at',
        ].sort(),
      );
    });

    it('pages through the log with the cursor, every call once', async () => {
      const seen: number[] = [];
      let path = `/admin/llm-requests?template=${templateName}&limit=2`;
      for (;;) {
        const page = await get(path);
        expect(page.body.count).toBe(5);
        seen.push(...page.body.requests.map((request: { id: number }) => request.id));
        if (!page.body.next_cursor) break;
        path = `/admin/llm-requests?template=${templateName}&limit=2&cursor=${page.body.next_cursor}`;
      }
      expect(seen).toHaveLength(5);
      expect([...seen].sort((a, b) => b - a)).toEqual(seen);
      expect((await get('/admin/llm-requests?status=error')).body.count).toBe(1);
    });

    it('shows them in the current hour of the timeseries', async () => {
      const series = await get('/admin/stats/timeseries');
      expect(series.status).toBe(200);
      expect(series.body).toMatchObject({ bucket: 'hour', from: expect.any(String) });
      expect(series.body.points).toHaveLength(24);
      expect(series.body.points.at(-1)).toEqual({
        bucket_start: expect.any(String),
        messages: 5,
        llm_requests: 5,
        errors: 1,
        error_rate_percent: 20,
        avg_latency_ms: expect.any(Number),
        p50_latency_ms: expect.any(Number),
        p95_latency_ms: expect.any(Number),
        prompt_tokens: expect.any(Number),
        completion_tokens: expect.any(Number),
        active_users: 2,
      });
      expect(series.body.points[0]).toMatchObject({
        messages: 0,
        llm_requests: 0,
        p50_latency_ms: null,
      });

      const days = await get('/admin/stats/timeseries?bucket=day');
      expect(days.body.points).toHaveLength(30);
      expect(days.body.points.at(-1)).toMatchObject({ messages: 5, llm_requests: 5 });
    });

    it("answers a user's stats", async () => {
      const stats = await get(`/admin/stats/users/${alice}`);
      expect(stats.status).toBe(200);
      expect(stats.body).toEqual({
        user_id: alice,
        first_seen: expect.any(String),
        last_seen: expect.any(String),
        total_messages: 6,
        total_errors: 0,
        avg_response_time_ms: expect.any(Number),
        total_llm_requests: 3,
        mode: 'active',
      });
      expect((await get(`/admin/stats/users/${bob}`)).body).toMatchObject({
        total_messages: 3,
        total_errors: 1,
        total_llm_requests: 2,
      });
    });

    it('aggregates on demand and answers the same overview from the rollups', async () => {
      const before = await get('/admin/stats/overview');
      const result = await aggregate();
      expect(result.status).toBe(200);
      expect(result.body).toEqual({
        status: 'success',
        message: expect.stringMatching(/^Aggregated \d+ hourly and \d+ daily buckets$/),
        windows: { hour: expect.any(Number), day: expect.any(Number) },
        from: expect.any(String),
        to: expect.any(String),
      });
      expect(result.body.windows.hour).toBeGreaterThanOrEqual(48);
      expect(result.body.windows.day).toBeGreaterThanOrEqual(2);
      expect(Date.parse(result.body.to) - Date.parse(result.body.from)).toBe(48 * 3_600_000);

      const after = await get('/admin/stats/overview');
      expect({ ...after.body, as_of: undefined }).toEqual({ ...before.body, as_of: undefined });

      const ranged = await aggregate({ from: '2025-01-01', to: '2025-01-02T00:00:00Z' });
      expect(ranged.body).toMatchObject({
        windows: { hour: 24, day: 1 },
        from: '2025-01-01T00:00:00.000Z',
        to: '2025-01-02T00:00:00.000Z',
      });
    });

    it('counts a halted user', async () => {
      await api.http('POST', `/admin/interventions/${bob}/halt`, {
        operator: 'alice',
        reason: 'Review',
      });
      expect((await get('/admin/stats/overview')).body.halted_users).toBe(1);
      expect((await get(`/admin/stats/users/${bob}`)).body.mode).toBe('halted');
    });
  });

  it('counts a call in the overview, the request log and user stats as soon as its turn answered', async () => {
    const carol = aUserId('carol');
    const before = (await get('/admin/stats/overview')).body.llm_requests_today as number;
    expect((await chat(carol, 'hi')).status).toBe(200);
    // No flush here: reads of llm_requests first write what this instance has buffered.
    expect((await get('/admin/stats/overview')).body.llm_requests_today).toBe(before + 1);
    expect((await get(`/admin/llm-requests?user_id=${carol}`)).body.count).toBe(1);
    expect((await get(`/admin/stats/users/${carol}`)).body.total_llm_requests).toBe(1);
  });

  describe('errors', () => {
    it('answers 404 for a user never seen and 422 for a bad user id', async () => {
      expectError(await get(`/admin/stats/users/${aUserId('ghost')}`), 404, 'user_not_found');
      expectInvalid(await get('/admin/stats/users/not%20valid'), 'user_id');
    });

    it.each([
      ['an unknown bucket', 'bucket=week', 'bucket'],
      ['a date that does not exist', 'from=2026-02-30', 'from'],
      ['a time without a zone', 'from=2026-01-15T09:30:00', 'from'],
      ['words', 'to=yesterday', 'to'],
      ['from after to', 'from=2026-01-15T10:00:00Z&to=2026-01-15T09:00:00Z', 'from'],
      ['more than 1000 buckets', 'from=2020-01-01&to=2026-01-01&bucket=hour', 'from'],
      ['an unknown parameter', 'color=teal', 'color'],
    ])('refuses a timeseries with %s', async (_label, query, field) => {
      expectInvalid(await get(`/admin/stats/timeseries?${query}`), field);
    });

    it('answers 1000 daily buckets', async () => {
      const result = await get('/admin/stats/timeseries?bucket=day&from=2023-05-01&to=2026-01-25');
      expect(result.status).toBe(200);
      expect(result.body.points).toHaveLength(1000);
    });

    it.each([
      ['a bad from', { from: 'soon' }, 'from'],
      ['from after to', { from: '2026-01-02', to: '2026-01-01' }, 'from'],
      ['more than 31 days', { from: '2025-01-01', to: '2025-03-01' }, 'from'],
      ['a from in the future', { from: '2999-01-01' }, 'from'],
      ['an unknown field', { window: 'day' }, 'window'],
    ])('refuses an aggregation with %s', async (_label, body, field) => {
      expectInvalid(await aggregate(body), field);
    });

    it('answers 400 for a malformed aggregation body', async () => {
      expectError(await aggregate('{"from":'), 400, 'malformed_json');
    });

    // The embedded database is one session: no second session can hold the lock there.
    const onServer = process.env.PD_TEST_DB_MODE === 'embedded' ? it.skip : it;
    onServer('answers 409 while another run holds the aggregation lock', async () => {
      const holder = new Client({ connectionString: api.database.target.url });
      await holder.connect();
      try {
        await holder.query('BEGIN');
        await holder.query('SELECT pg_advisory_xact_lock($1)', [AGGREGATION_LOCK]);
        expectError(await aggregate(), 409, 'aggregation_running');
        await holder.query('ROLLBACK');
      } finally {
        await holder.end();
      }
      expect((await aggregate()).status).toBe(200);
    });

    it.each([
      ['limit 0', 'limit=0', 'limit'],
      ['limit 201', 'limit=201', 'limit'],
      ['a fractional limit', 'limit=1.5', 'limit'],
      ['a cursor it did not make', 'cursor=bm9wZQ', 'cursor'],
      ['a bad user id', 'user_id=a%20b', 'user_id'],
      ['an empty template', 'template=', 'template'],
      ['an unknown status', 'status=failed', 'status'],
      ['a bad from', 'from=2026-13-01', 'from'],
      ['from after to', 'from=2026-01-02&to=2026-01-01', 'from'],
      ['an unknown parameter', 'sort=asc', 'sort'],
    ])('refuses an LLM request list with %s', async (_label, query, field) => {
      expectInvalid(await get(`/admin/llm-requests?${query}`), field);
    });
  });

  it('documents every route with its operationId', async () => {
    const { body } = await get('/docs-json');
    expect({
      overview: body.paths['/admin/stats/overview'].get.operationId,
      user: body.paths['/admin/stats/users/{user_id}'].get.operationId,
      timeseries: body.paths['/admin/stats/timeseries'].get.operationId,
      aggregate: body.paths['/admin/stats/aggregate'].post.operationId,
      log: body.paths['/admin/llm-requests'].get.operationId,
    }).toEqual({
      overview: 'getStatsOverview',
      user: 'getUserStats',
      timeseries: 'getStatsTimeseries',
      aggregate: 'aggregateStats',
      log: 'listLlmRequests',
    });
    expect(body.paths['/admin/stats/aggregate'].post.responses['409']).toBeDefined();
  });
});
