import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { dataSourceOptions, runMigrations } from '../../src/core/database/data-source-options';
import { DatabaseTarget } from '../../src/core/database/database-target';

export interface TestDatabase {
  target: DatabaseTarget;
  /** Removes the database (server mode) or leaves the shared embedded one for the next file. */
  drop(): Promise<void>;
}

let embeddedInUse = false;

export function databaseUrlFor(adminUrl: string, database: string): string {
  const url = new URL(adminUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

function requireEnv(name: string): string {
  const value = process.env[name];
  if (!value)
    throw new Error(`${name} is not set: run tests through jest so the global setup runs`);
  return value;
}

/**
 * A fresh, migrated database for one test file. On a real server it is cloned from the
 * migrated template (fast, and files run in parallel); on the embedded server, which has a
 * single database, the schema is rebuilt instead and files run one at a time.
 */
export async function createTestDatabase(): Promise<TestDatabase> {
  const mode = requireEnv('PD_TEST_DB_MODE');
  const adminUrl = requireEnv('PD_TEST_DB_ADMIN_URL');
  if (mode === 'embedded') {
    if (embeddedInUse) {
      throw new Error(
        'The embedded test database is a single database: open one per test file, and pass ' +
          '{ database } to startTestApp to run a second app on it.',
      );
    }
    const target: DatabaseTarget = {
      url: adminUrl,
      kind: 'embedded',
      poolSize: 1,
      connectTimeoutMs: 10000,
      poolWaitMs: 30000,
    };
    await resetEmbedded(target);
    embeddedInUse = true;
    return {
      target,
      drop: async () => {
        embeddedInUse = false;
      },
    };
  }
  const name = `pd_test_${randomBytes(6).toString('hex')}`;
  await withClient(adminUrl, (client) =>
    client.query(`CREATE DATABASE ${name} TEMPLATE ${requireEnv('PD_TEST_DB_TEMPLATE')}`),
  );
  return {
    target: {
      url: databaseUrlFor(adminUrl, name),
      kind: 'external',
      poolSize: 10,
      connectTimeoutMs: 10000,
      poolWaitMs: 30000,
    },
    drop: () =>
      withClient(adminUrl, (client) =>
        client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
      ).then(() => undefined),
  };
}

/** Applies every migration to the database at `target` (also seeds what migrations seed). */
export async function migrateDatabase(target: DatabaseTarget): Promise<void> {
  const dataSource = await new DataSource(dataSourceOptions(target)).initialize();
  try {
    await runMigrations(dataSource, target);
  } finally {
    await dataSource.destroy();
  }
}

/** Back to a freshly migrated state, seeds included. */
async function resetEmbedded(target: DatabaseTarget): Promise<void> {
  await withClient(target.url, (client) =>
    client.query('DROP SCHEMA public CASCADE; CREATE SCHEMA public'),
  );
  await migrateDatabase(target);
}

async function withClient<T>(url: string, work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}
