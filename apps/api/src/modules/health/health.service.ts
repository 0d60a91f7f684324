import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { ServiceUnavailableError } from '../../core/errors/domain-error';
import { LlmClient } from '../llm/llm.client';

export interface ReadinessCheck {
  /** `degraded`: a dependency the API can work without for a while (the LLM) is failing. */
  status: 'ok' | 'failed' | 'degraded';
  circuit?: string;
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
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly llm: LlmClient,
  ) {}

  /** Ready when the database answers and every migration is applied; else 503 with the checks. */
  async readiness(): Promise<Readiness> {
    const database = await this.checkDatabase();
    const migrations =
      database.status === 'ok'
        ? await this.checkMigrations()
        : { status: 'failed' as const, error: 'database not reachable' };
    const llm = await this.checkLlm();
    const checks = { database, migrations, llm };
    if (database.status !== 'ok' || migrations.status !== 'ok') {
      throw new ServiceUnavailableError('not_ready', 'The service is not ready', { checks });
    }
    return { status: 'ready', checks };
  }

  /** Operators can still work while the LLM is down, so it degrades readiness, never fails it. */
  private async checkLlm(): Promise<ReadinessCheck> {
    const circuit = this.llm.circuit();
    const probe = await this.llm.probe();
    const healthy = probe.reachable && circuit.state === 'closed';
    return {
      status: healthy ? 'ok' : 'degraded',
      circuit: circuit.state,
      ...(probe.latency_ms !== undefined ? { latency_ms: probe.latency_ms } : {}),
      ...(probe.error ? { error: `LLM not reachable: ${probe.error}` } : {}),
    };
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
