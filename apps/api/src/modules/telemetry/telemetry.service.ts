import { BeforeApplicationShutdown, Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { isDatabaseUnavailable } from '../../core/database/database-errors';
import { deleteBatchOlderThan } from '../../core/database/delete-older-than';
import { MetricsService } from '../metrics/metrics.service';
import { LlmRequestEntity } from './entities/llm-request.entity';

export type LlmRequestRecord = Omit<LlmRequestEntity, 'id' | 'createdAt'>;

/** Rows are written together once this many wait, or this long after the first of them. */
const BATCH_ROWS = 200;
const BATCH_WAIT_MS = 100;

/**
 * Records LLM calls off the chat turn's path: rows are buffered and written in batches (one
 * statement for many turns). `flush` writes what waits; shutdown flushes before the database
 * closes, so nothing recorded is lost.
 */
@Injectable()
export class TelemetryService implements BeforeApplicationShutdown {
  private readonly logger = new Logger('Telemetry');
  private readonly pending = new Set<Promise<void>>();
  private buffered: LlmRequestRecord[] = [];
  /** [property, column] of every column a record sets (not the id, not created_at). */
  private readonly columns = this.llmRequests.metadata.columns
    .filter((column) => !column.isGenerated && !column.isCreateDate)
    .map((column) => [column.propertyName as keyof LlmRequestRecord, column.databaseName] as const);
  private readonly insertSql = `INSERT INTO llm_requests (${this.columns.map(([, c]) => c).join(', ')})
     SELECT ${this.columns.map(([, c]) => c).join(', ')}
       FROM json_populate_recordset(NULL::llm_requests, $1::json)`;
  private batchTimer?: NodeJS.Timeout;

  constructor(
    @InjectRepository(LlmRequestEntity) private readonly llmRequests: Repository<LlmRequestEntity>,
    private readonly metrics: MetricsService,
  ) {}

  recordLlmRequest(record: LlmRequestRecord): void {
    this.metrics.observeLlmCall(record);
    this.buffered.push(record);
    if (this.buffered.length >= BATCH_ROWS) this.writeBuffered();
    else if (!this.batchTimer) {
      this.batchTimer = setTimeout(() => this.writeBuffered(), BATCH_WAIT_MS);
      // Shutdown flushes; a pending batch alone must not keep the process alive.
      this.batchTimer.unref();
    }
  }

  /**
   * For readers of llm_requests: writes what is buffered and waits for the writes started so
   * far (not for later ones), so a read sees every call recorded before it.
   */
  async written(): Promise<void> {
    this.writeBuffered();
    await Promise.all([...this.pending]);
  }

  /** Writes what is buffered, and resolves once every write started so far has finished. */
  async flush(): Promise<void> {
    this.writeBuffered();
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }

  private writeBuffered(): void {
    clearTimeout(this.batchTimer);
    this.batchTimer = undefined;
    if (this.buffered.length === 0) return;
    const rows = this.buffered;
    this.buffered = [];
    const write = this.insert(rows)
      .catch(async (error: unknown) => {
        // One bad row must not cost the batch: each row again, alone (unless the database is
        // away, when they would all fail the same way).
        if (rows.length === 1 || isDatabaseUnavailable(error)) return this.failed(rows, error);
        const results = await Promise.allSettled(rows.map((row) => this.insert([row])));
        const refused = results.filter((result) => result.status === 'rejected');
        if (refused.length > 0) this.failed(refused, refused[0]!.reason);
      })
      .finally(() => this.pending.delete(write));
    this.pending.add(write);
  }

  private failed(rows: readonly unknown[], error: unknown): void {
    this.logger.error(
      `could not record ${rows.length} LLM request(s): ${error instanceof Error ? error.message : String(error)}`,
    );
  }

  /** One statement for the batch, its rows as one JSON parameter. */
  private async insert(rows: LlmRequestRecord[]): Promise<void> {
    const values = rows.map((row) =>
      Object.fromEntries(this.columns.map(([property, column]) => [column, row[property]])),
    );
    await this.llmRequests.query(this.insertSql, [JSON.stringify(values)]);
  }

  /** Retention: one batch of LLM call records older than `cutoff`; returns how many went. */
  deleteLlmRequestsOlderThan(cutoff: Date, limit: number): Promise<number> {
    return deleteBatchOlderThan(this.llmRequests.manager, 'llm_requests', cutoff, limit);
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.flush();
  }
}
