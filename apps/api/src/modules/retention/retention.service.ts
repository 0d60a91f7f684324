import {
  BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
} from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AppConfig } from '../../core/config/app-config';
import { DATABASE_TARGET } from '../../core/database/database.module';
import type { DatabaseTarget } from '../../core/database/database-target';
import { AuditService } from '../audit/audit.service';
import { EventsService } from '../events/events.service';
import { ConversationStore } from '../memory/conversation-store.service';
import { TelemetryService } from '../telemetry/telemetry.service';

export const RETENTION_LOCK = 7_311_003;
const RETENTION_JOB = 'retention';
// The first run waits for the instance to settle after a start (deploys restart every instance).
const FIRST_RUN_DELAY_MS = 60_000;
export const DEFAULT_BATCH_SIZE = 5000;

/** One table's share of the clean-up, deleted by the module that owns the table. */
interface RetentionTarget {
  table: string;
  deleteBatch: (cutoff: Date, limit: number) => Promise<number>;
}

export type RetentionResult =
  | { status: 'off' }
  /** Another instance holds the lock and is doing it. */
  | { status: 'skipped' }
  | {
      status: 'done';
      cutoff: Date;
      /** Rows deleted per table. */
      deleted: Record<string, number>;
      batches: number;
    };

export interface RetentionRunOptions {
  now?: Date;
  batchSize?: number;
}

/**
 * RETENTION_DAYS: deletes older conversation messages, LLM call records, events and audit rows daily, in
 * bounded batches, one instance at a time (a PostgreSQL advisory lock held for the run).
 */
@Injectable()
export class RetentionService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('Retention');
  private readonly targets: RetentionTarget[];
  private running?: Promise<RetentionResult>;
  private stopped = false;

  constructor(
    private readonly config: AppConfig,
    private readonly scheduler: SchedulerRegistry,
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(DATABASE_TARGET) private readonly target: DatabaseTarget,
    conversations: ConversationStore,
    telemetry: TelemetryService,
    events: EventsService,
    audit: AuditService,
  ) {
    this.targets = [
      {
        table: 'conversation_history',
        deleteBatch: (cutoff, limit) => conversations.deleteMessagesOlderThan(cutoff, limit),
      },
      {
        table: 'llm_requests',
        deleteBatch: (cutoff, limit) => telemetry.deleteLlmRequestsOlderThan(cutoff, limit),
      },
      { table: 'events', deleteBatch: (cutoff, limit) => events.deleteOlderThan(cutoff, limit) },
      { table: 'audit_log', deleteBatch: (cutoff, limit) => audit.deleteOlderThan(cutoff, limit) },
    ];
  }

  onApplicationBootstrap(): void {
    const every = this.config.retentionIntervalMs;
    if (this.config.retentionDays === undefined || every === 0) return;
    const tick = () => void this.run().catch((error: unknown) => this.warn(error));
    this.scheduler.addTimeout(RETENTION_JOB, setTimeout(tick, FIRST_RUN_DELAY_MS));
    this.scheduler.addInterval(RETENTION_JOB, setInterval(tick, every));
  }

  /** Runs now (tests, operators); a run already in progress in this process is joined. */
  run(options: RetentionRunOptions = {}): Promise<RetentionResult> {
    const days = this.config.retentionDays;
    if (days === undefined) return Promise.resolve({ status: 'off' });
    this.running ??= this.locked(() => this.purge(days, options)).finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    if (this.scheduler.doesExist('timeout', RETENTION_JOB)) {
      this.scheduler.deleteTimeout(RETENTION_JOB);
    }
    if (this.scheduler.doesExist('interval', RETENTION_JOB)) {
      this.scheduler.deleteInterval(RETENTION_JOB);
    }
    await this.running?.catch(() => undefined);
  }

  private async purge(
    days: number,
    { now = new Date(), batchSize = DEFAULT_BATCH_SIZE }: RetentionRunOptions,
  ): Promise<RetentionResult> {
    const started = performance.now();
    const cutoff = new Date(now.getTime() - days * 86_400_000);
    const deleted: Record<string, number> = {};
    let batches = 0;
    for (const { table, deleteBatch } of this.targets) {
      deleted[table] = 0;
      let count: number;
      do {
        if (this.stopped) break;
        count = await deleteBatch(cutoff, batchSize);
        deleted[table] += count;
        batches++;
      } while (count === batchSize);
    }
    const counts = Object.entries(deleted)
      .map(([table, count]) => `${table}=${count}`)
      .join(' ');
    this.logger.log(
      `deleted rows older than ${cutoff.toISOString()} (${days} days): ${counts} ` +
        `in ${batches} batches, ${Math.round(performance.now() - started)} ms`,
    );
    return { status: 'done', cutoff, deleted, batches };
  }

  /**
   * A session lock on its own connection, held across the batches. The embedded database is
   * one process by construction, and a pool of one connection could not spare one.
   */
  private async locked(work: () => Promise<RetentionResult>): Promise<RetentionResult> {
    if (this.target.kind === 'embedded' || this.target.poolSize < 2) return work();
    const runner = this.dataSource.createQueryRunner();
    try {
      const [{ locked }] = (await runner.query('SELECT pg_try_advisory_lock($1) AS locked', [
        RETENTION_LOCK,
      ])) as [{ locked: boolean }];
      if (!locked) return { status: 'skipped' };
      try {
        return await work();
      } finally {
        await runner.query('SELECT pg_advisory_unlock($1)', [RETENTION_LOCK]);
      }
    } finally {
      await runner.release();
    }
  }

  private warn(error: unknown): void {
    this.logger.warn(`retention failed: ${error instanceof Error ? error.message : String(error)}`);
  }
}
