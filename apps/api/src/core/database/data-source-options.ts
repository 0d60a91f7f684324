import { Logger as NestLogger } from '@nestjs/common';
import { Client, ClientConfig, types as pgTypes } from 'pg';
import { DataSource, DataSourceOptions, Logger as TypeOrmLogger } from 'typeorm';
import { allMigrations } from '@promptdev/migrations';
import { redact } from '../config/app-config';
import { DatabaseTarget } from './database-target';
import { SnakeNamingStrategy } from './snake-naming.strategy';

// bigint ids and COUNT(*) arrive as numbers, not strings (values stay far below 2^53).
pgTypes.setTypeParser(pgTypes.builtins.INT8, (value) => Number(value));

function clientWithConnectTimeout(connectTimeoutMs: number): typeof Client {
  return class extends Client {
    constructor(config?: ClientConfig) {
      super({ ...config, connectionTimeoutMillis: connectTimeoutMs });
    }
  };
}

class TypeOrmToNestLogger implements TypeOrmLogger {
  private readonly logger = new NestLogger('Database');
  logQuery(): void {}
  logQueryError(error: string | Error, query: string): void {
    this.logger.warn(
      { query: query.slice(0, 500) },
      `query failed: ${error instanceof Error ? error.message : error}`,
    );
  }
  logQuerySlow(time: number, query: string): void {
    this.logger.warn({ query: query.slice(0, 500), ms: time }, 'slow query');
  }
  logSchemaBuild(): void {}
  logMigration(message: string): void {
    this.logger.log(message);
  }
  log(level: 'log' | 'info' | 'warn', message: unknown): void {
    if (level === 'warn') this.logger.warn(String(message));
  }
}

export function dataSourceOptions(
  target: DatabaseTarget,
  entities: DataSourceOptions['entities'] = [],
): DataSourceOptions {
  return {
    type: 'postgres',
    url: target.url,
    entities,
    migrations: allMigrations,
    migrationsTableName: 'schema_migrations',
    migrationsTransactionMode: 'each',
    migrationsRun: false,
    synchronize: false,
    namingStrategy: new SnakeNamingStrategy(),
    logger: new TypeOrmToNestLogger(),
    maxQueryExecutionTime: 1000,
    applicationName: 'promptdev-api',
    connectTimeoutMS: target.connectTimeoutMs,
    poolSize: target.poolSize,
    extra: {
      max: target.poolSize,
      idleTimeoutMillis: 30000,
      // pg-pool has one timeout for connecting and for waiting in its queue: the queue gets
      // the longer wait (a burst of turns is not an outage), each connection its own timeout.
      connectionTimeoutMillis: Math.max(target.poolWaitMs, target.connectTimeoutMs),
      Client: clientWithConnectTimeout(target.connectTimeoutMs),
    },
  };
}

/** Initializes the pool, watches it for errors and applies pending migrations. */
export async function openDataSource(
  options: DataSourceOptions,
  target: DatabaseTarget,
): Promise<DataSource> {
  const logger = new NestLogger('Database');
  const dataSource = await new DataSource(options).initialize();
  const pool = (
    dataSource.driver as unknown as {
      master?: { on(event: 'error', listener: (error: Error) => void): void };
    }
  ).master;
  // An idle client dropped by the server must not crash the process; the pool replaces it.
  pool?.on('error', (error) => logger.warn(`database pool error: ${error.message}`));
  await runMigrations(dataSource, target);
  logger.log(
    target.kind === 'embedded'
      ? `using the embedded PostgreSQL (PGlite) at ${target.url}`
      : `using PostgreSQL at ${redact(target.url)} (pool of ${target.poolSize})`,
  );
  return dataSource;
}

const MIGRATION_LOCK = 7_311_001;

/** Several instances may boot at once: an advisory lock lets one migrate while the others wait. */
export async function runMigrations(dataSource: DataSource, target: DatabaseTarget): Promise<void> {
  // Embedded mode is one process with one connection: no lock is needed, and none could be held.
  if (target.kind === 'embedded' || target.poolSize < 2) {
    await dataSource.runMigrations({ transaction: 'each' });
    return;
  }
  const runner = dataSource.createQueryRunner();
  try {
    await runner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    await dataSource.runMigrations({ transaction: 'each' });
  } finally {
    await runner.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => undefined);
    await runner.release();
  }
}
