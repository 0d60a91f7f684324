import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { clampLimit, decodeIdCursor, encodeIdCursor, keysetPage } from '../../core/http/pagination';
import { InvalidCursorError } from '../memory/memory.errors';
import { LlmRequestEntity, LlmRequestStatus } from './entities/llm-request.entity';
import { TelemetryService } from './telemetry.service';
import { checkRange } from './stats-buckets';

/** Tags this list's cursors: the id of the oldest request already seen. */
const CURSOR_LIST = 'r';

export interface LlmRequestQuery {
  limit: number;
  /** next_cursor of the previous page. */
  cursor?: string;
  userId?: string;
  template?: string;
  status?: LlmRequestStatus;
  /** created_at at or after. */
  from?: Date;
  /** created_at before. */
  to?: Date;
}

export interface LlmRequestPage {
  /** Newest first. */
  requests: LlmRequestEntity[];
  /** Requests matching the filters, over all pages. */
  totalCount: number;
  nextCursor: string | null;
}

/** The log of LLM calls, newest first; each filter has an index that keeps its pages by id. */
@Injectable()
export class LlmRequestLog {
  constructor(
    @InjectRepository(LlmRequestEntity) private readonly requests: Repository<LlmRequestEntity>,
    private readonly telemetry: TelemetryService,
  ) {}

  async list({
    limit,
    cursor,
    userId,
    template,
    status,
    from,
    to,
  }: LlmRequestQuery): Promise<LlmRequestPage> {
    const before = cursor === undefined ? undefined : decodeIdCursor(CURSOR_LIST, cursor);
    if (cursor !== undefined && before === undefined) throw new InvalidCursorError('cursor');
    checkRange({ from, to });
    const size = clampLimit(limit);
    await this.telemetry.written();

    const query = this.requests.createQueryBuilder('request');
    if (userId !== undefined) query.andWhere('request.userId = :userId', { userId });
    if (template !== undefined) query.andWhere('request.templateName = :template', { template });
    if (status !== undefined) query.andWhere('request.status = :status', { status });
    if (from) query.andWhere('request.createdAt >= :from', { from });
    if (to) query.andWhere('request.createdAt < :to', { to });
    // COUNT(*), not getCount()'s COUNT(DISTINCT id): the same answer without a sort.
    const counted = await query.clone().select('count(*)', 'count').getRawOne<{ count: number }>();

    if (before !== undefined) query.andWhere('request.id < :before', { before });
    const rows = await query
      .orderBy('request.id', 'DESC')
      .limit(size + 1)
      .getMany();
    const page = keysetPage(rows, size, (last) => encodeIdCursor(CURSOR_LIST, last.id));
    return { requests: page.items, totalCount: counted?.count ?? 0, nextCursor: page.nextCursor };
  }
}
