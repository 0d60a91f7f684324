import { EmbeddedPostgres } from '../../src/core/database/embedded-postgres';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { dockerAvailable } = require('./docker-available.cjs') as { dockerAvailable: () => boolean };

export type TestDatabaseMode = 'server' | 'embedded';

export interface TestDatabaseServer {
  /** URL of a maintenance database on the server (used to create per-file databases). */
  adminUrl: string;
  mode: TestDatabaseMode;
  description: string;
  stop(): Promise<void>;
}

/** TEST_DATABASE_URL first, then testcontainers when Docker answers, else embedded PGlite. */
export async function startTestDatabaseServer(): Promise<TestDatabaseServer> {
  const explicit = process.env.TEST_DATABASE_URL;
  if (explicit) {
    return {
      adminUrl: explicit,
      mode: 'server',
      description: 'TEST_DATABASE_URL',
      stop: async () => undefined,
    };
  }
  if (dockerAvailable()) {
    const { PostgreSqlContainer } = await import('@testcontainers/postgresql');
    const container = await new PostgreSqlContainer('postgres:16-alpine').start();
    return {
      adminUrl: container.getConnectionUri(),
      mode: 'server',
      description: 'testcontainers postgres:16-alpine',
      stop: async () => {
        await container.stop();
      },
    };
  }
  const embedded = await EmbeddedPostgres.start(undefined);
  return {
    adminUrl: embedded.url,
    mode: 'embedded',
    description: 'embedded PGlite',
    stop: () => embedded.stop(),
  };
}
