import { Client } from 'pg';
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

  beforeAll(async () => {
    api = await startTestApp({ DATABASE_CONNECT_TIMEOUT_MS: '1000' });
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
});
