import { Client } from 'pg';

export default async function globalTeardown(): Promise<void> {
  const server = globalThis.__promptdevTestDatabase;
  if (!server) return;
  globalThis.__promptdevTestDatabase = undefined;
  if (server.mode === 'server' && process.env.PD_TEST_DB_TEMPLATE) {
    const admin = new Client({ connectionString: server.adminUrl });
    await admin.connect();
    await admin
      .query(`DROP DATABASE IF EXISTS ${process.env.PD_TEST_DB_TEMPLATE}`)
      .catch(() => undefined);
    await admin.end();
  }
  await server.stop();
  delete process.env.PD_TEST_DB_MODE;
}
