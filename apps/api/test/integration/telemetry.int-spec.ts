import { Client } from 'pg';
import { ValidationFailedError } from '../../src/core/errors/domain-error';
import { InvalidCursorError } from '../../src/modules/memory/memory.errors';
import { toStatsOverviewDto } from '../../src/modules/telemetry/dto/stats.dto';
import { LlmRequestLog } from '../../src/modules/telemetry/llm-request-log.service';
import { StatsAggregationSchedule } from '../../src/modules/telemetry/stats-aggregation.schedule';
import {
  AGGREGATION_LOCK,
  StatsAggregator,
} from '../../src/modules/telemetry/stats-aggregator.service';
import { bucketStartOf, round2 } from '../../src/modules/telemetry/stats-buckets';
import { StatsService } from '../../src/modules/telemetry/stats.service';
import {
  AggregationRunningError,
  UserNotFoundError,
} from '../../src/modules/telemetry/telemetry.errors';
import { aUserId } from '../factories/memory';
import {
  at,
  LlmRequestSeed,
  mean,
  percentileCont,
  seedLlmRequests,
  seedMessages,
  storedRollups,
} from '../factories/telemetry';
import { eventually } from '../setup/sse';
import { startTestApp, TestApp } from '../setup/test-app';

const HOUR = 3_600_000;

describe('telemetry against PostgreSQL', () => {
  let api: TestApp;
  let stats: StatsService;
  let aggregator: StatsAggregator;
  let log: LlmRequestLog;

  beforeAll(async () => {
    api = await startTestApp();
    stats = api.app.get(StatsService);
    aggregator = api.app.get(StatsAggregator);
    log = api.app.get(LlmRequestLog);
  });
  afterAll(() => api.close());

  // Each block works on its own day, so their rows never meet in one bucket.
  describe('overview and aggregation', () => {
    const day = '2025-03-10';
    const now = at(day, '14:25');
    const early = aUserId('early');
    const recent = aUserId('recent');
    const yesterdayOnly = aUserId('yesterday');
    const operatorOnly = aUserId('operator-only');
    const preHalted = aUserId('pre-halted');
    const okLatenciesLastHour = [100, 200, 300, 400, 1000];
    const requests: LlmRequestSeed[] = [
      // The last 60 minutes (13:25, 14:25]: five ok, one error, one blocked.
      ...['13:30', '13:45', '14:00', '14:10', '14:15'].map((time, index) => ({
        userId: early,
        at: at(day, time),
        latencyMs: okLatenciesLastHour[index]!,
        templateName: 'alpha',
      })),
      {
        userId: recent,
        at: at(day, '14:12'),
        status: 'error',
        latencyMs: 5000,
        templateName: 'beta',
      },
      {
        userId: recent,
        at: at(day, '14:14'),
        status: 'blocked',
        latencyMs: 3,
        templateName: 'beta',
      },
      // Earlier today.
      { userId: early, at: at(day, '09:15'), latencyMs: 50, templateName: 'alpha' },
      { userId: early, at: at(day, '09:16'), latencyMs: 70, templateName: 'gamma' },
      { userId: operatorOnly, at: at(day, '11:05'), status: 'error', templateName: 'gamma' },
      { userId: operatorOnly, at: at(day, '11:06'), templateName: null },
      { userId: operatorOnly, at: at(day, '11:07'), templateName: 'gamma' },
      // Yesterday: enough beta calls to top the ranking if they counted.
      ...[1, 2, 3, 4].map((minute) => ({
        userId: yesterdayOnly,
        at: at('2025-03-09', `23:5${minute}`),
        templateName: 'beta',
      })),
    ];
    const expected = {
      active_users_today: 3,
      active_users_hour: 2,
      total_messages_today: 6,
      messages_per_hour: 3,
      avg_response_time_ms: round2(mean(okLatenciesLastHour)),
      p95_response_time_ms: round2(percentileCont(okLatenciesLastHour, 0.95)),
      error_rate_percent: 14.29,
      halted_users: 2,
      llm_requests_today: 12,
      top_templates: [
        { name: 'alpha', count: 6 },
        { name: 'gamma', count: 3 },
        { name: 'beta', count: 2 },
      ],
      as_of: now.toISOString(),
    };
    const overviewNumbers = async () => toStatsOverviewDto(await stats.overview(now));

    beforeAll(async () => {
      await seedMessages(api, [
        { userId: early, at: at(day, '09:10') },
        { userId: early, at: at(day, '09:11'), source: 'llm' },
        { userId: early, at: at(day, '09:20') },
        { userId: early, at: at(day, '09:21'), source: 'llm' },
        { userId: early, at: at(day, '13:50') },
        { userId: early, at: at(day, '13:51'), source: 'llm' },
        { userId: recent, at: at(day, '14:05') },
        { userId: recent, at: at(day, '14:06'), source: 'llm' },
        { userId: recent, at: at(day, '14:20') },
        { userId: yesterdayOnly, at: at('2025-03-09', '23:30') },
        { userId: yesterdayOnly, at: at('2025-03-09', '23:31'), source: 'llm' },
        { userId: operatorOnly, at: at(day, '11:00') },
        { userId: operatorOnly, at: at(day, '12:40'), source: 'operator' },
      ]);
      await seedLlmRequests(api, requests);
      await api.sql(`UPDATE user_state SET mode = 'halted' WHERE user_id = $1`, [early]);
      // Halted before ever writing: counted as halted, never as active.
      await api.sql(`INSERT INTO user_state (user_id, mode) VALUES ($1, 'halted')`, [preHalted]);
    });

    it('answers the seeded numbers from the raw rows before any aggregation', async () => {
      expect(await api.sql('SELECT 1 FROM metrics_aggregated')).toEqual([]);
      expect(await overviewNumbers()).toEqual(expected);
    });

    it('aggregates the last 48 hours and answers the same numbers from the rollups', async () => {
      const result = await aggregator.aggregate({}, now);
      expect(result.windows).toEqual({ hour: 49, day: 3 });
      expect(result.range).toEqual({ from: new Date(now.getTime() - 48 * HOUR), to: now });
      expect(await overviewNumbers()).toEqual(expected);

      const [nine] = await api.sql(
        `SELECT * FROM metrics_aggregated WHERE bucket = 'hour' AND bucket_start = $1`,
        [at(day, '09:00')],
      );
      expect(nine).toMatchObject({
        messages: 2,
        llm_requests: 2,
        active_users: 1,
        errors: 0,
        avg_latency_ms: 60,
        p50_latency_ms: 60,
        top_templates: [
          { name: 'alpha', count: 1 },
          { name: 'gamma', count: 1 },
        ],
      });
      const [today] = await api.sql(
        `SELECT * FROM metrics_aggregated WHERE bucket = 'day' AND bucket_start = $1`,
        [at(day, '00:00')],
      );
      expect(today).toMatchObject({ messages: 6, llm_requests: 12, active_users: 3, errors: 2 });
    });

    it('reads final rollups of complete hours and recomputes rollups made before their hour ended', async () => {
      await aggregator.aggregate({}, now);
      const nine = [at(day, '09:00')];
      await api.sql(
        `UPDATE metrics_aggregated SET messages = messages + 100
          WHERE bucket = 'hour' AND bucket_start = $1`,
        nine,
      );
      expect((await stats.overview(now)).messagesToday).toBe(106);

      await api.sql(
        `UPDATE metrics_aggregated SET computed_at = bucket_start + interval '30 minutes'
          WHERE bucket = 'hour' AND bucket_start = $1`,
        nine,
      );
      expect((await stats.overview(now)).messagesToday).toBe(6);

      await aggregator.aggregate({}, now);
      expect((await stats.overview(now)).messagesToday).toBe(6);
    });

    it('is idempotent: a second run leaves the same rows', async () => {
      await aggregator.aggregate({}, now);
      const first = await storedRollups(api);
      expect(first.length).toBeGreaterThanOrEqual(52);
      await aggregator.aggregate({}, now);
      expect(await storedRollups(api)).toEqual(first);
    });

    it('gives the same rows when two instances aggregate at once', async () => {
      await aggregator.aggregate({}, now);
      const single = await storedRollups(api);
      const other = await startTestApp({}, { database: api.database });
      try {
        const otherAggregator = other.app.get(StatsAggregator);
        for (let round = 0; round < 5; round += 1) {
          const outcomes = await Promise.allSettled([
            aggregator.aggregate({}, now),
            otherAggregator.aggregate({}, now),
          ]);
          const failures = outcomes.flatMap((outcome) =>
            outcome.status === 'rejected' ? [outcome.reason as unknown] : [],
          );
          expect(failures.length).toBeLessThan(2);
          for (const failure of failures) expect(failure).toBeInstanceOf(AggregationRunningError);
        }
      } finally {
        await other.close();
      }
      expect(await storedRollups(api)).toEqual(single);
    });

    // The embedded database is one session: no second session can hold the lock there.
    const onServer = process.env.PD_TEST_DB_MODE === 'embedded' ? it.skip : it;
    onServer('refuses to run while another run holds the lock', async () => {
      const before = await storedRollups(api);
      const holder = new Client({ connectionString: api.database.target.url });
      await holder.connect();
      try {
        await holder.query('BEGIN');
        await holder.query('SELECT pg_advisory_xact_lock($1)', [AGGREGATION_LOCK]);
        await expect(aggregator.aggregate({}, now)).rejects.toBeInstanceOf(AggregationRunningError);
        await holder.query('ROLLBACK');
      } finally {
        await holder.end();
      }
      expect(await storedRollups(api)).toEqual(before);
      await expect(aggregator.aggregate({}, now)).resolves.toBeDefined();
    });

    it('refuses a range in the wrong order or longer than 31 days', async () => {
      await expect(
        aggregator.aggregate({ from: at(day, '10:00'), to: at(day, '09:00') }, now),
      ).rejects.toBeInstanceOf(ValidationFailedError);
      await expect(
        aggregator.aggregate({ from: at('2025-01-01', '00:00'), to: at(day, '00:00') }, now),
      ).rejects.toBeInstanceOf(ValidationFailedError);
    });
  });

  describe('timeseries', () => {
    const day = '2025-04-20';
    const now = at(day, '05:30');
    const userId = aUserId('series');

    beforeAll(async () => {
      await seedMessages(api, [
        { userId, at: at(day, '01:10') },
        { userId, at: at(day, '01:11'), source: 'llm' },
        { userId, at: at(day, '01:20') },
        { userId, at: at(day, '03:45') },
      ]);
      await seedLlmRequests(api, [
        { userId, at: at(day, '01:11'), latencyMs: 100, promptTokens: 120, completionTokens: 30 },
        { userId, at: at(day, '01:21'), latencyMs: 300, promptTokens: 80, completionTokens: 10 },
        { userId, at: at(day, '03:46'), status: 'error', latencyMs: 9000 },
        { userId, at: at(day, '05:10'), latencyMs: 200 },
      ]);
    });

    const empty = {
      messages: 0,
      llmRequests: 0,
      errors: 0,
      avgLatencyMs: null,
      p95LatencyMs: null,
      activeUsers: 0,
      topTemplates: [],
    };

    it('answers every hour of the last day, gaps as zeros, the current hour included', async () => {
      const series = await stats.timeseries('hour', {}, now);
      expect(series.range).toEqual({ from: at('2025-04-19', '06:00'), to: now });
      expect(series.points).toHaveLength(24);
      expect(series.points[0]!.bucketStart).toEqual(at('2025-04-19', '06:00'));
      const byHour = (time: string) =>
        series.points.find((point) => point.bucketStart.getTime() === at(day, time).getTime());
      expect(byHour('00:00')).toMatchObject(empty);
      expect(byHour('01:00')).toMatchObject({
        messages: 2,
        llmRequests: 2,
        errors: 0,
        p50LatencyMs: 200,
        p95LatencyMs: expect.closeTo(percentileCont([100, 300], 0.95), 6),
        promptTokens: 200,
        completionTokens: 40,
        activeUsers: 1,
      });
      expect(byHour('02:00')).toMatchObject(empty);
      expect(byHour('03:00')).toMatchObject({
        messages: 1,
        llmRequests: 1,
        errors: 1,
        errorRatePercent: 100,
        p50LatencyMs: null,
      });
      expect(series.points.at(-1)).toMatchObject({
        bucketStart: at(day, '05:00'),
        llmRequests: 1,
        p50LatencyMs: 200,
      });
    });

    it('answers the same whether buckets come from rollups or from the raw rows', async () => {
      const raw = await stats.timeseries('hour', { from: at(day, '00:00') }, now);
      await aggregator.aggregate({ from: at(day, '00:30'), to: at(day, '02:30') }, now);
      const rolledUp = await api.sql(
        `SELECT bucket_start FROM metrics_aggregated
          WHERE bucket = 'hour' AND bucket_start >= $1 AND bucket_start < $2
          ORDER BY bucket_start`,
        [at(day, '00:00'), at(day, '06:00')],
      );
      expect(rolledUp).toEqual([0, 1, 2].map((hour) => ({ bucket_start: at(day, `0${hour}:00`) })));
      expect(await stats.timeseries('hour', { from: at(day, '00:00') }, now)).toEqual(raw);
    });

    it('answers days, starting at the bucket holding from', async () => {
      const series = await stats.timeseries(
        'day',
        { from: at('2025-04-18', '12:00'), to: now },
        now,
      );
      expect(series.points.map((point) => point.bucketStart)).toEqual([
        at('2025-04-18', '00:00'),
        at('2025-04-19', '00:00'),
        at(day, '00:00'),
      ]);
      expect(series.points[2]).toMatchObject({
        messages: 3,
        llmRequests: 4,
        errors: 1,
        activeUsers: 1,
        p50LatencyMs: 200,
        errorRatePercent: 25,
      });
    });

    it('answers up to 1000 buckets and refuses more, or a range in the wrong order', async () => {
      const from = new Date(now.getTime() - 999 * HOUR);
      expect((await stats.timeseries('hour', { from }, now)).points).toHaveLength(1000);
      await expect(
        stats.timeseries('hour', { from: new Date(from.getTime() - HOUR) }, now),
      ).rejects.toBeInstanceOf(ValidationFailedError);
      await expect(
        stats.timeseries('hour', { from: now, to: at(day, '01:00') }, now),
      ).rejects.toBeInstanceOf(ValidationFailedError);
    });
  });

  describe('user stats', () => {
    it("answers a user's activity and LLM figures", async () => {
      const userId = aUserId('stats');
      await seedMessages(api, [
        { userId, at: at('2025-05-01', '08:00') },
        { userId, at: at('2025-05-01', '08:01'), source: 'llm' },
        { userId, at: at('2025-05-02', '19:30') },
      ]);
      await seedLlmRequests(api, [
        { userId, at: at('2025-05-01', '08:01'), latencyMs: 100 },
        { userId, at: at('2025-05-02', '19:31'), latencyMs: 301 },
        { userId, at: at('2025-05-02', '19:32'), status: 'error', latencyMs: 5000 },
        { userId, at: at('2025-05-02', '19:33'), status: 'blocked', latencyMs: 1 },
      ]);
      expect(await stats.userStats(userId)).toEqual({
        userId,
        mode: 'active',
        firstSeen: at('2025-05-01', '08:00'),
        lastSeen: at('2025-05-02', '19:30'),
        messages: 3,
        llmRequests: 4,
        errors: 1,
        avgLatencyMs: 200.5,
      });
    });

    it('answers a user without LLM calls with zeros and no latency', async () => {
      const userId = aUserId('quiet');
      await seedMessages(api, [{ userId, at: at('2025-05-03', '10:00') }]);
      expect(await stats.userStats(userId)).toMatchObject({
        messages: 1,
        llmRequests: 0,
        errors: 0,
        avgLatencyMs: null,
      });
    });

    it('refuses a user never seen', async () => {
      await expect(stats.userStats(aUserId('ghost'))).rejects.toBeInstanceOf(UserNotFoundError);
    });
  });

  describe('LLM request log', () => {
    const day = '2025-05-05';
    const userId = aUserId('log');
    const statuses = ['ok', 'ok', 'error', 'blocked', 'interrupted'] as const;
    const seeds: LlmRequestSeed[] = Array.from({ length: 23 }, (_, index) => ({
      userId,
      at: new Date(at(day, '10:00').getTime() + index * 60_000),
      status: statuses[index % statuses.length],
      templateName: index % 3 === 0 ? 'alpha' : 'beta',
    }));
    let ids: number[];

    beforeAll(async () => {
      await seedLlmRequests(api, seeds);
      await seedLlmRequests(api, [{ userId: aUserId('someone-else'), at: at(day, '10:05') }]);
      ids = (
        await api.sql<{ id: number }>(
          'SELECT id FROM llm_requests WHERE user_id = $1 ORDER BY id DESC',
          [userId],
        )
      ).map((row) => row.id);
    });

    async function walk(query: Omit<Parameters<LlmRequestLog['list']>[0], 'cursor'>) {
      const seen: number[] = [];
      const counts = new Set<number>();
      let cursor: string | undefined;
      do {
        const page = await log.list({ ...query, cursor });
        seen.push(...page.requests.map((request) => request.id));
        counts.add(page.totalCount);
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
      return { seen, counts: [...counts] };
    }

    it("walks every one of a user's calls once, newest first", async () => {
      const { seen, counts } = await walk({ limit: 5, userId });
      expect(seen).toEqual(ids);
      expect(counts).toEqual([23]);
    });

    it('combines the template, status and time filters', async () => {
      const alpha = await walk({ limit: 2, userId, template: 'alpha' });
      expect(alpha.seen).toHaveLength(seeds.filter((seed) => seed.templateName === 'alpha').length);
      expect(alpha.counts).toEqual([alpha.seen.length]);

      const errors = await log.list({ limit: 50, userId, status: 'error' });
      expect(errors.totalCount).toBe(5);
      expect(errors.requests.every((request) => request.status === 'error')).toBe(true);

      const window = await log.list({
        limit: 50,
        userId,
        from: at(day, '10:05'),
        to: at(day, '10:10'),
      });
      expect(window.requests.map((request) => request.createdAt)).toEqual(
        [9, 8, 7, 6, 5].map((minute) => at(day, `10:0${minute}`)),
      );

      const everyone = await log.list({ limit: 50, from: at(day, '10:05'), to: at(day, '10:06') });
      expect(everyone.totalCount).toBe(2);
    });

    it('refuses a cursor it did not make and a range in the wrong order', async () => {
      await expect(log.list({ limit: 5, cursor: 'nope' })).rejects.toBeInstanceOf(
        InvalidCursorError,
      );
      await expect(
        log.list({ limit: 5, from: at(day, '11:00'), to: at(day, '10:00') }),
      ).rejects.toBeInstanceOf(ValidationFailedError);
    });
  });

  describe('schedule', () => {
    it('refreshes the current and previous hour and day on each tick', async () => {
      await api.app.get(StatsAggregationSchedule).tick();
      const now = new Date();
      const rows = await api.sql<{ bucket: string; bucket_start: Date }>(
        `SELECT bucket, bucket_start FROM metrics_aggregated WHERE bucket_start >= $1
          ORDER BY bucket, bucket_start`,
        [new Date(bucketStartOf('day', now).getTime() - 24 * HOUR)],
      );
      const hour = bucketStartOf('hour', now).getTime();
      const today = bucketStartOf('day', now).getTime();
      expect(
        rows.filter((row) => row.bucket === 'day').map((row) => row.bucket_start.getTime()),
      ).toEqual([today - 24 * HOUR, today]);
      expect(
        rows.filter((row) => row.bucket === 'hour').map((row) => row.bucket_start.getTime()),
      ).toEqual([hour - HOUR, hour]);
    });

    it('runs on its own every STATS_AGGREGATION_INTERVAL_MS', async () => {
      await api.sql('DELETE FROM metrics_aggregated WHERE bucket_start >= $1', [
        bucketStartOf('hour', new Date()),
      ]);
      const scheduled = await startTestApp(
        { STATS_AGGREGATION_INTERVAL_MS: '1000' },
        { database: api.database },
      );
      try {
        await eventually(async () => {
          const rows = await api.sql('SELECT 1 FROM metrics_aggregated WHERE bucket_start >= $1', [
            bucketStartOf('hour', new Date()),
          ]);
          expect(rows.length).toBeGreaterThan(0);
        }, 5000);
      } finally {
        await scheduled.close();
      }
    });
  });
});
