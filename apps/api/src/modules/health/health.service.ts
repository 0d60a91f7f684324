import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { ServiceUnavailableError } from '../../core/errors/domain-error';

export interface ReadinessCheck {
  status: 'ok' | 'failed';
  latency_ms?: number;
  pending?: number;
  error?: string;
}

export interface Readiness {
  status: 'ready';
  checks: Record<string, ReadinessCheck>;
}

@Injectable()
export class HealthService {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Ready when the database answers and every migration is applied; else 503 with the checks. */
  async readiness(): Promise<Readiness> {
    const database = await this.checkDatabase();
    const migrations =
      database.status === 'ok'
        ? await this.checkMigrations()
        : { status: 'failed' as const, error: 'database not reachable' };
    const checks = { database, migrations };
    if (database.status !== 'ok' || migrations.status !== 'ok') {
      throw new ServiceUnavailableError('not_ready', 'The service is not ready', { checks });
    }
    return { status: 'ready', checks };
  }

  private async checkDatabase(): Promise<ReadinessCheck> {
    const started = performance.now();
    try {
      await this.dataSource.query('SELECT 1');
      return { status: 'ok', latency_ms: Math.round(performance.now() - started) };
    } catch {
      return { status: 'failed', error: 'database not reachable' };
    }
  }

  private async checkMigrations(): Promise<ReadinessCheck> {
    try {
      const applied = new Set(
        (await this.dataSource.query<{ name: string }[]>('SELECT name FROM schema_migrations')).map(
          (row) => row.name,
        ),
      );
      const pending = this.dataSource.migrations.filter(
        (migration) => !applied.has(migration.name ?? migration.constructor.name),
      ).length;
      return pending === 0
        ? { status: 'ok', pending }
        : { status: 'failed', pending, error: `${pending} migration(s) not applied` };
    } catch {
      return { status: 'failed', error: 'migrations table not readable' };
    }
  }
}
