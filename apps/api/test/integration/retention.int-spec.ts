import { Logger } from '@nestjs/common';
import { Client } from 'pg';
import { RETENTION_LOCK, RetentionService } from '../../src/modules/retention/retention.service';
import { aUserId } from '../factories/memory';
import { seedLlmRequests, seedMessages } from '../factories/telemetry';
import { startTestApp, TestApp } from '../setup/test-app';

const DAY = 86_400_000;
const now = new Date('2026-06-30T12:00:00Z');
const daysAgo = (days: number) => new Date(now.getTime() - days * DAY);

describe('retention against PostgreSQL', () => {
  let api: TestApp;
  let retention: RetentionService;

  beforeAll(async () => {
    api = await startTestApp({ RETENTION_DAYS: '30' });
    retention = api.app.get(RetentionService);
  });
  afterAll(() => api.close());

  const seedEvents = (userId: string, times: Date[]) =>
    api.sql(
      `INSERT INTO events (type, user_id, data, created_at)
       SELECT 'user.state_changed', $1, '{}'::jsonb, t FROM unnest($2::timestamptz[]) AS t`,
      [userId, times.map((time) => time.toISOString())],
    );
  const seedAuditRows = (userId: string, times: Date[]) =>
    api.sql(
      `INSERT INTO audit_log (actor, action, target_type, target_id, created_at)
       SELECT 'operator:admin', 'user.halt', 'user', $1, t FROM unnest($2::timestamptz[]) AS t`,
      [userId, times.map((time) => time.toISOString())],
    );
  // The audit log names the user as its target.
  const userColumn = (table: string) => (table === 'audit_log' ? 'target_id' : 'user_id');
  const count = async (table: string, userId: string) =>
    Number(
      (
        await api.sql<{ n: string }>(
          `SELECT count(*) AS n FROM ${table} WHERE ${userColumn(table)} = $1`,
          [userId],
        )
      )[0]?.n,
    );
  /** Rows older than the cutoff for this user, per table, and the newer ones kept. */
  const seed = async (userId: string, old: number, recent: number) => {
    const oldTimes = Array.from({ length: old }, (_, i) => daysAgo(31 + i));
    const recentTimes = Array.from({ length: recent }, (_, i) => daysAgo(29 - i));
    const times = [...oldTimes, ...recentTimes];
    await seedMessages(
      api,
      times.map((at) => ({ userId, at })),
    );
    await seedLlmRequests(
      api,
      times.map((at) => ({ userId, at })),
    );
    await seedEvents(userId, times);
    await seedAuditRows(userId, times);
  };
  const tables = ['conversation_history', 'llm_requests', 'events', 'audit_log'];
  const countsOf = async (userId: string) =>
    Object.fromEntries(await Promise.all(tables.map(async (t) => [t, await count(t, userId)])));

  it('deletes rows older than RETENTION_DAYS in batches, keeps newer ones, and logs the counts', async () => {
    const userId = aUserId();
    await seed(userId, 7, 3);
    const log = jest.spyOn(Logger.prototype, 'log');
    try {
      const result = await retention.run({ now, batchSize: 3 });
      expect(result).toEqual({
        status: 'done',
        cutoff: daysAgo(30),
        deleted: { conversation_history: 7, llm_requests: 7, events: 7, audit_log: 7 },
        // 7 rows in batches of 3: 3 + 3 + 1, for each of the four tables.
        batches: 12,
      });
      const line = log.mock.calls
        .map(([message]) => String(message))
        .find((m) => m.includes('conversation_history='));
      expect(line).toContain(
        'conversation_history=7 llm_requests=7 events=7 audit_log=7 in 12 batches',
      );
    } finally {
      log.mockRestore();
    }
    expect(await countsOf(userId)).toEqual({
      conversation_history: 3,
      llm_requests: 3,
      events: 3,
      audit_log: 3,
    });

    // Nothing left to delete: one (empty) batch per table.
    expect(await retention.run({ now, batchSize: 3 })).toMatchObject({
      deleted: { conversation_history: 0, llm_requests: 0, events: 0, audit_log: 0 },
      batches: 4,
    });
  });

  it('leaves the lifetime message count of the user state as it was', async () => {
    const userId = aUserId();
    await seed(userId, 2, 1);
    await retention.run({ now });
    const [state] = await api.sql('SELECT message_count FROM user_state WHERE user_id = $1', [
      userId,
    ]);
    // The per-user count is a lifetime total, not a count of what is kept.
    expect(state).toEqual({ message_count: 3 });
    expect(await count('conversation_history', userId)).toBe(1);
  });

  // The embedded database is one session: no second session can hold the lock there.
  const onServer = process.env.PD_TEST_DB_MODE === 'embedded' ? it.skip : it;

  onServer(
    'skips while another instance runs, and one of two instances does the work',
    async () => {
      const userId = aUserId();
      await seed(userId, 4, 1);
      const holder = new Client({ connectionString: api.database.target.url });
      await holder.connect();
      try {
        await holder.query('SELECT pg_advisory_lock($1)', [RETENTION_LOCK]);
        expect(await retention.run({ now })).toEqual({ status: 'skipped' });
        expect(await count('conversation_history', userId)).toBe(5);
        await holder.query('SELECT pg_advisory_unlock($1)', [RETENTION_LOCK]);
      } finally {
        await holder.end();
      }

      // A second instance of the API on the same database; both start a run at once.
      const other = await startTestApp({ RETENTION_DAYS: '30' }, { database: api.database });
      try {
        const results = await Promise.all([
          retention.run({ now, batchSize: 1 }),
          other.app.get(RetentionService).run({ now, batchSize: 1 }),
        ]);
        const deleted = results.map((result) =>
          result.status === 'done' ? result.deleted.conversation_history : 0,
        );
        // Each old row is deleted once, by whichever instance held the lock at the time.
        expect(deleted[0]! + deleted[1]!).toBe(4);
        expect(results.map((result) => result.status)).toContain('done');
      } finally {
        await other.close();
      }
      expect(await countsOf(userId)).toEqual({
        conversation_history: 1,
        llm_requests: 1,
        events: 1,
        audit_log: 1,
      });
    },
  );

  it('does nothing when RETENTION_DAYS is unset', async () => {
    const off = await startTestApp({}, { database: api.database });
    try {
      expect(await off.app.get(RetentionService).run({ now })).toEqual({ status: 'off' });
    } finally {
      await off.close();
    }
  });
});
