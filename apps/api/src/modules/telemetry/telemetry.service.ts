import { BeforeApplicationShutdown, Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
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
    const write = this.llmRequests
      .insert(rows)
      .then(() => undefined)
      .catch((error: unknown) => {
        this.logger.error(
          `could not record ${rows.length} LLM request(s): ${error instanceof Error ? error.message : String(error)}`,
        );
      })
      .finally(() => this.pending.delete(write));
    this.pending.add(write);
  }

  /** Retention: one batch of LLM call records older than `cutoff`; returns how many went. */
  deleteLlmRequestsOlderThan(cutoff: Date, limit: number): Promise<number> {
    return deleteBatchOlderThan(this.llmRequests.manager, 'llm_requests', cutoff, limit);
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.flush();
  }
}
