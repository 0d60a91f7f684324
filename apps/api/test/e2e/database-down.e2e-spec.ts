import { Writable } from 'node:stream';
import { Client } from 'pg';
import pino from 'pino';
import { aUserId } from '../factories/memory';
import { eventually } from '../setup/sse';
import { expectError, startTestApp, TestApp } from '../setup/test-app';

// Cutting one database off needs a real server (the embedded database is inside this process).
const onServer = process.env.PD_TEST_DB_MODE === 'server' ? describe : describe.skip;

onServer('when the database goes away', () => {
  let api: TestApp;
  let admin: Client;
  let database: string;

  const setConnections = async (allowed: boolean) => {
    await admin.query(`ALTER DATABASE ${database} WITH ALLOW_CONNECTIONS ${allowed}`);
    if (!allowed) {
      await admin.query(
        'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
        [database],
      );
    }
  };

  const logLines: Array<{ level: number; msg?: string; err?: unknown; stack?: unknown }> = [];
  const logStream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) {
        logLines.push(JSON.parse(line));
      }
      callback();
    },
  });

  beforeAll(async () => {
    api = await startTestApp(
      { DATABASE_CONNECT_TIMEOUT_MS: '1000' },
      { logger: pino({ level: 'info' }, logStream) },
    );
    database = new URL(api.database.target.url).pathname.slice(1);
    admin = new Client({ connectionString: process.env.PD_TEST_DB_ADMIN_URL });
    await admin.connect();
  });
  afterAll(async () => {
    await setConnections(true).catch(() => undefined);
    await admin.end();
    await api.close();
  });

  it('answers 503 database_unavailable, reports not ready, stays alive, and recovers', async () => {
    const userId = aUserId();
    expect((await api.http('PUT', `/admin/memory/${userId}/k`, { value: 1 })).status).toBe(200);

    await setConnections(false);
    const failed = await api.http('GET', `/admin/memory/${userId}`);
    expectError(failed, 503, 'database_unavailable');
    expect(failed.text).not.toMatch(/pg_|SELECT|terminat/i);
    const ready = await api.http('GET', '/health/ready');
    expect(expectError(ready, 503, 'not_ready').details.checks.database.status).toBe('failed');
    expect((await api.http('GET', '/health')).status).toBe(200);

    await setConnections(true);
    await eventually(async () => {
      expect((await api.http('GET', `/admin/memory/${userId}`)).body.memory).toEqual({ k: 1 });
    }, 10000);
    expect((await api.http('GET', '/health/ready')).status).toBe(200);
  });

  it('logs an outage once at warn when it starts and once when it ends, not per request', async () => {
    const reachable = (line: { msg?: string }) => line.msg === 'database reachable again';
    // The outage of the test before ends with its own recovery line.
    await eventually(async () => expect(logLines.some(reachable)).toBe(true), 10000);
    const userId = aUserId();
    expect((await api.http('PUT', `/admin/memory/${userId}/k`, { value: 1 })).status).toBe(200);
    const from = logLines.length;
    await setConnections(false);
    for (let attempt = 0; attempt < 20; attempt += 1) {
      expectError(await api.http('GET', `/admin/memory/${userId}`), 503, 'database_unavailable');
    }
    await setConnections(true);
    await eventually(async () => {
      expect(logLines.slice(from).some(reachable)).toBe(true);
    }, 10000);
    expect((await api.http('GET', `/admin/memory/${userId}`)).status).toBe(200);

    const lines = logLines.slice(from).filter((line) => line.msg !== 'request completed');
    const messages = lines.map((line) => line.msg ?? '');
    expect(messages.filter((msg) => msg.startsWith('database unavailable'))).toHaveLength(1);
    expect(messages.filter((msg) => msg === 'database reachable again')).toHaveLength(1);
    for (const line of lines.filter((entry) => entry.msg?.startsWith('database '))) {
      expect(line.level).toBe(40);
    }
    // No request's failure is logged on its own, with or without a stack.
    expect(messages.filter((msg) => msg.includes('failed: database_unavailable'))).toEqual([]);
    expect(lines.filter((line) => line.level >= 50)).toEqual([]);
  });
});
