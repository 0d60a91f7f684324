import { TransactionHost } from '@nestjs-cls/transactional';
import { TransactionalAdapterTypeOrm } from '@nestjs-cls/transactional-adapter-typeorm';
import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { entityColumns } from '../../core/database/entity-columns';
import { clampLimit, decodeIdCursor, encodeIdCursor, keysetPage } from '../../core/http/pagination';
import { AuditService } from '../audit/audit.service';
import { excerpt } from '../audit/audit-summary';
import { EventsService } from '../events/events.service';
import { ConversationStore } from '../memory/conversation-store.service';
import { InvalidCursorError } from '../memory/memory.errors';
import type { ConversationMessage, UserState } from '../memory/memory.types';
import { ACTIVE_MODE, HALTED_MODE } from '../memory/user-mode';
import { UserStateService } from '../memory/user-state.service';
import { InjectRole, InterventionEntity, InterventionKind } from './entities/intervention.entity';
import { NotHaltedError } from './interventions.errors';

/** Tags this list's cursors: "m" (like message cursors) since the first release. */
const CURSOR_LIST = 'm';

export interface HaltResult {
  state: UserState;
  intervention: InterventionEntity;
}

export interface InjectResult {
  message: ConversationMessage;
  intervention: InterventionEntity;
}

interface NewIntervention {
  userId: string;
  kind: InterventionKind;
  operator: string;
  reason?: string | null;
  content?: string;
  role?: InjectRole;
  messageId?: number;
}

export interface InterventionQuery {
  limit: number;
  cursor?: string;
  userId?: string;
  kind?: InterventionKind;
}

/** Operators stepping into a conversation: halt the AI, resume it, or inject a message. */
@Injectable()
export class InterventionsService {
  constructor(
    @InjectRepository(InterventionEntity)
    private readonly interventions: Repository<InterventionEntity>,
    private readonly txHost: TransactionHost<TransactionalAdapterTypeOrm>,
    private readonly userState: UserStateService,
    private readonly conversations: ConversationStore,
    private readonly events: EventsService,
    private readonly audit: AuditService,
  ) {}

  /** Stops the AI for the user (creating them if never seen); logged, atomically. */
  async halt(userId: string, operator: string, reason: string | null): Promise<HaltResult> {
    const result = await this.txHost.withTransaction(async () => {
      const previous = await this.userState.get(userId);
      const state = await this.userState.setMode(userId, HALTED_MODE, { reason, operator });
      const intervention = await this.log({ userId, kind: 'halt', operator, reason });
      await this.recordState('user.halt', previous, state);
      return { state, intervention };
    });
    this.announce(result);
    return result;
  }

  /**
   * Lets the AI answer again; 400 not_halted when it was not halted. `change` is what the
   * state keeps (PUT /admin/state may name another mode, or no one).
   */
  async resume(
    userId: string,
    operator: string,
    change: { mode: string; reason?: string | null; operator?: string | null } = {
      mode: ACTIVE_MODE,
      operator,
    },
  ): Promise<HaltResult> {
    const result = await this.txHost.withTransaction(async () => {
      // The row lock (held until this transaction ends) makes a concurrent second resume see
      // the first one's result.
      const current = await this.userState.lockState(userId);
      if (current?.mode !== HALTED_MODE) throw new NotHaltedError(userId, current?.mode);
      const state = await this.userState.setMode(userId, change.mode, change);
      const intervention = await this.log({ userId, kind: 'resume', operator });
      await this.recordState('user.resume', current, state);
      return { state, intervention };
    });
    this.announce(result);
    return result;
  }

  /**
   * Sets any mode label. `halted` is a halt; leaving `halted` is a resume; both are logged
   * like the dedicated routes. Other labels only change what templates see as user_mode.
   */
  async changeMode(
    userId: string,
    mode: string,
    change: { reason?: string; operator?: string },
  ): Promise<UserState> {
    const operator = change.operator ?? 'operator';
    if (mode === HALTED_MODE)
      return (await this.halt(userId, operator, change.reason ?? null)).state;
    if (await this.userState.isHalted(userId)) {
      const kept = { mode, reason: change.reason ?? null, operator: change.operator ?? null };
      const { state } = await this.resume(userId, operator, kept).catch((error: unknown) => {
        if (error instanceof NotHaltedError) return { state: undefined };
        throw error;
      });
      if (state) return state;
    }
    const state = await this.txHost.withTransaction(async () => {
      const previous = await this.userState.get(userId);
      const changed = await this.userState.setMode(userId, mode, change);
      await this.recordState('user.set_mode', previous, changed);
      return changed;
    });
    this.announceState(state);
    return state;
  }

  /**
   * A `system` note is stored as "[Operator: NAME] content", hidden from the end user, and the
   * AI sees it in its next turn. An `assistant` message is the operator speaking as the AI.
   */
  async inject(
    userId: string,
    operator: string,
    content: string,
    role: InjectRole,
  ): Promise<InjectResult> {
    const result = await this.txHost.withTransaction(async () => {
      const message = await this.conversations.append({
        userId,
        role,
        content: role === 'system' ? `[Operator: ${operator}] ${content}` : content,
        source: 'operator',
        operator,
        visibleToUser: role === 'assistant',
      });
      const intervention = await this.log({
        userId,
        kind: 'inject',
        operator,
        content,
        role,
        messageId: message.id,
      });
      await this.audit.record({
        action: 'user.inject',
        targetType: 'user',
        targetId: userId,
        after: { role, message_id: message.id, content: excerpt(content, 100) },
      });
      return { message, intervention };
    });
    this.announceIntervention(result.intervention);
    return result;
  }

  private recordState(action: string, before: UserState | null, after: UserState): Promise<void> {
    return this.audit.record({
      action,
      targetType: 'user',
      targetId: after.userId,
      before: before && { mode: before.mode, reason: before.reason },
      after: { mode: after.mode, reason: after.reason },
    });
  }

  private announce({ state, intervention }: HaltResult): void {
    this.announceState(state);
    this.announceIntervention(intervention);
  }

  private announceState(state: UserState): void {
    this.events.publish('user.state_changed', {
      userId: state.userId,
      data: {
        mode: state.mode,
        reason: state.reason,
        operator: state.operator,
        halted: state.mode === HALTED_MODE,
      },
    });
  }

  private announceIntervention(intervention: InterventionEntity): void {
    this.events.publish('intervention.created', {
      userId: intervention.userId,
      data: {
        intervention_id: intervention.id,
        kind: intervention.kind,
        operator: intervention.operator,
        reason: intervention.reason,
        role: intervention.role,
        message_id: intervention.messageId,
      },
    });
  }

  /** Halted users (longest halted first) and the intervention log, newest first. */
  async overview(query: InterventionQuery): Promise<{
    halted: UserState[];
    recent: InterventionEntity[];
    nextCursor: string | null;
  }> {
    const halted = await this.userState.listHalted();
    const beforeId =
      query.cursor === undefined ? undefined : decodeIdCursor(CURSOR_LIST, query.cursor);
    if (query.cursor !== undefined && beforeId === undefined)
      throw new InvalidCursorError('cursor');
    const size = clampLimit(query.limit);
    const builder = this.interventions.createQueryBuilder('intervention');
    if (query.userId) builder.andWhere('intervention.userId = :userId', { userId: query.userId });
    if (query.kind) builder.andWhere('intervention.kind = :kind', { kind: query.kind });
    if (beforeId !== undefined) builder.andWhere('intervention.id < :beforeId', { beforeId });
    const rows = await builder
      .orderBy('intervention.id', 'DESC')
      .limit(size + 1)
      .getMany();
    const page = keysetPage(rows, size, (last) => encodeIdCursor(CURSOR_LIST, last.id));
    return { halted, recent: page.items, nextCursor: page.nextCursor };
  }

  private async log(entry: NewIntervention): Promise<InterventionEntity> {
    // Raw INSERT: TypeORM's save would hand the bigint id back as a string.
    const rows = await this.txHost.tx.query<InterventionEntity[]>(
      `INSERT INTO interventions (user_id, kind, operator, reason, content, role, message_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7)
       RETURNING ${entityColumns(this.interventions.metadata)}`,
      [
        entry.userId,
        entry.kind,
        entry.operator,
        entry.reason ?? null,
        entry.content ?? null,
        entry.role ?? null,
        entry.messageId ?? null,
      ],
    );
    return this.interventions.create(rows[0]!);
  }
}
