import 'reflect-metadata';
import { Client } from 'pg';
import { DatabaseTarget } from '../../src/core/database/database-target';
import { startTestDatabaseServer, TestDatabaseServer } from './database-server';
import { databaseUrlFor, migrateDatabase } from './test-database';

declare global {
  var __promptdevTestDatabase: TestDatabaseServer | undefined;
}

/** Starts (or finds) PostgreSQL once per run and migrates a template database that test files clone. */
export default async function globalSetup(): Promise<void> {
  // Both the int and e2e projects name this setup; the first one does the work.
  if (process.env.PD_TEST_DB_MODE) return;
  const server = await startTestDatabaseServer();
  globalThis.__promptdevTestDatabase = server;

  const template = `pd_template_${process.pid}`;
  let targetUrl = server.adminUrl;
  if (server.mode === 'server') {
    const admin = new Client({ connectionString: server.adminUrl });
    await admin.connect();
    try {
      await admin.query(`DROP DATABASE IF EXISTS ${template}`);
      await admin.query(`CREATE DATABASE ${template}`);
    } finally {
      await admin.end();
    }
    targetUrl = databaseUrlFor(server.adminUrl, template);
  }
  const target: DatabaseTarget = {
    url: targetUrl,
    kind: server.mode === 'embedded' ? 'embedded' : 'external',
    poolSize: 2,
    connectTimeoutMs: 10000,
    poolWaitMs: 30000,
  };
  await migrateDatabase(target);

  process.env.PD_TEST_DB_MODE = server.mode;
  process.env.PD_TEST_DB_ADMIN_URL = server.adminUrl;
  process.env.PD_TEST_DB_TEMPLATE = template;
  process.stdout.write(`\n[test database] ${server.description} (${server.mode})\n`);
}
