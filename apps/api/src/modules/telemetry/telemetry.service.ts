import { BeforeApplicationShutdown, Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { deleteBatchOlderThan } from '../../core/database/delete-older-than';
import { MetricsService } from '../metrics/metrics.service';
import { LlmRequestEntity } from './entities/llm-request.entity';

export type LlmRequestRecord = Omit<LlmRequestEntity, 'id' | 'createdAt'>;

/**
 * Records LLM calls without making the chat turn wait for the insert. Pending writes are
 * awaited before the database closes on shutdown, so nothing recorded is lost.
 */
@Injectable()
export class TelemetryService implements BeforeApplicationShutdown {
  private readonly logger = new Logger('Telemetry');
  private readonly pending = new Set<Promise<void>>();

  constructor(
    @InjectRepository(LlmRequestEntity) private readonly llmRequests: Repository<LlmRequestEntity>,
    private readonly metrics: MetricsService,
  ) {}

  recordLlmRequest(record: LlmRequestRecord): void {
    this.metrics.observeLlmCall(record);
    const write = this.llmRequests
      .insert(record)
      .then(() => undefined)
      .catch((error: unknown) => {
        this.logger.error(
          `could not record an LLM request: ${error instanceof Error ? error.message : String(error)}`,
        );
      })
      .finally(() => this.pending.delete(write));
    this.pending.add(write);
  }

  /** Resolves once every write started so far has finished. */
  async flush(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }

  /** Retention: one batch of LLM call records older than `cutoff`; returns how many went. */
  deleteLlmRequestsOlderThan(cutoff: Date, limit: number): Promise<number> {
    return deleteBatchOlderThan(this.llmRequests.manager, 'llm_requests', cutoff, limit);
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.flush();
  }
}
