import { Propagation, TransactionHost } from '@nestjs-cls/transactional';
import { TransactionalAdapterTypeOrm } from '@nestjs-cls/transactional-adapter-typeorm';
import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { actorOf } from '../../core/auth/principal';
import { deleteBatchOlderThan } from '../../core/database/delete-older-than';
import { clampLimit, decodeIdCursor, encodeIdCursor, keysetPage } from '../../core/http/pagination';
import { currentPrincipal, currentRequestId } from '../../core/logging/request-context';
import { AuditRangeError, InvalidAuditCursorError } from './audit.errors';
import { AuditSummary, boundedSummary } from './audit-summary';
import { AuditEntryEntity } from './entities/audit-entry.entity';

/** Tags this list's cursors: the id of the oldest row already seen. */
const CURSOR_LIST = 'audit';
/** Changes made outside any request (first start, schedules). */
export const SYSTEM_ACTOR = 'system';

export interface AuditEntry {
  /** `<target type>.<verb>`, e.g. `template.update`. */
  action: string;
  targetType: string;
  targetId?: string | number | null;
  before?: AuditSummary | null;
  after?: AuditSummary | null;
  /** Defaults to the request's principal (who logs in is known only after the check). */
  actor?: string;
}

export interface AuditQuery {
  limit: number;
  cursor?: string;
  actor?: string;
  action?: string;
  targetType?: string;
  targetId?: string;
  /** created_at at or after. */
  since?: Date;
  /** created_at before. */
  until?: Date;
}

export interface AuditPage {
  /** Newest first. */
  entries: AuditEntryEntity[];
  nextCursor: string | null;
}

/** The audit trail: every mutation, recorded in the transaction that makes it. */
@Injectable()
export class AuditService {
  constructor(
    @InjectRepository(AuditEntryEntity) private readonly entries: Repository<AuditEntryEntity>,
    private readonly txHost: TransactionHost<TransactionalAdapterTypeOrm>,
  ) {}

  /**
   * Records a change inside the transaction that makes it (and refuses to run outside one), so a
   * change that rolls back leaves no row and a row never describes a change that did not happen.
   */
  async record(entry: AuditEntry): Promise<void> {
    await this.txHost.withTransaction(Propagation.Mandatory, () => this.insert(entry));
  }

  /** A security event that changes nothing else (a failed login): its own statement. */
  async recordEvent(entry: AuditEntry): Promise<void> {
    await this.txHost.withTransaction(Propagation.NotSupported, () => this.insert(entry));
  }

  private async insert(entry: AuditEntry): Promise<void> {
    const principal = currentPrincipal();
    const targetId = entry.targetId ?? null;
    await this.txHost.tx.query(
      `INSERT INTO audit_log (actor, action, target_type, target_id, before, after, request_id)
       VALUES ($1, $2, $3, $4, $5::jsonb, $6::jsonb, $7)`,
      [
        entry.actor ?? (principal ? actorOf(principal) : SYSTEM_ACTOR),
        entry.action,
        entry.targetType,
        targetId === null ? null : String(targetId),
        entry.before ? JSON.stringify(boundedSummary(entry.before)) : null,
        entry.after ? JSON.stringify(boundedSummary(entry.after)) : null,
        currentRequestId() ?? null,
      ],
    );
  }

  async list(query: AuditQuery): Promise<AuditPage> {
    const before =
      query.cursor === undefined ? undefined : decodeIdCursor(CURSOR_LIST, query.cursor);
    if (query.cursor !== undefined && before === undefined) throw new InvalidAuditCursorError();
    if (query.since && query.until && query.since.getTime() >= query.until.getTime()) {
      throw new AuditRangeError();
    }
    const size = clampLimit(query.limit);
    const builder = this.entries.createQueryBuilder('entry');
    if (query.actor !== undefined) builder.andWhere('entry.actor = :actor', { actor: query.actor });
    if (query.action !== undefined) {
      builder.andWhere('entry.action = :action', { action: query.action });
    }
    if (query.targetType !== undefined) {
      builder.andWhere('entry.targetType = :targetType', { targetType: query.targetType });
    }
    if (query.targetId !== undefined) {
      builder.andWhere('entry.targetId = :targetId', { targetId: query.targetId });
    }
    if (query.since) builder.andWhere('entry.createdAt >= :since', { since: query.since });
    if (query.until) builder.andWhere('entry.createdAt < :until', { until: query.until });
    if (before !== undefined) builder.andWhere('entry.id < :before', { before });
    const rows = await builder
      .orderBy('entry.id', 'DESC')
      .limit(size + 1)
      .getMany();
    const page = keysetPage(rows, size, (last) => encodeIdCursor(CURSOR_LIST, Number(last.id)));
    return { entries: page.items, nextCursor: page.nextCursor };
  }

  /** Retention: one batch of rows older than `cutoff`; returns how many went. */
  deleteOlderThan(cutoff: Date, limit: number): Promise<number> {
    return deleteBatchOlderThan(this.entries.manager, 'audit_log', cutoff, limit);
  }
}
