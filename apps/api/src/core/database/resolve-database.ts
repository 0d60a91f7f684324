import path from 'node:path';
import { AppConfig } from '../config/app-config';
import { DatabaseTarget } from './database-target';
import { EmbeddedPostgres } from './embedded-postgres';

export interface ResolvedDatabase {
  target: DatabaseTarget;
  embedded?: EmbeddedPostgres;
}

/** DATABASE_URL when set; otherwise the embedded PostgreSQL persisted under DATA_DIR/pg. */
export async function resolveDatabase(config: AppConfig): Promise<ResolvedDatabase> {
  const common = {
    connectTimeoutMs: config.databaseConnectTimeoutMs,
    poolWaitMs: config.databasePoolWaitMs,
  };
  if (config.databaseUrl) {
    return {
      target: {
        ...common,
        url: config.databaseUrl,
        kind: 'external',
        poolSize: config.databasePoolSize,
      },
    };
  }
  const embedded = await EmbeddedPostgres.start(path.join(config.dataDir, 'pg'));
  return { target: { ...common, url: embedded.url, kind: 'embedded', poolSize: 1 }, embedded };
}
