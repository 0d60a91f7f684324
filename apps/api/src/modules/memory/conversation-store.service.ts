import { TransactionHost } from '@nestjs-cls/transactional';
import { TransactionalAdapterTypeOrm } from '@nestjs-cls/transactional-adapter-typeorm';
import { Injectable } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { DataSource, Repository } from 'typeorm';
import { ConversationMessageEntity } from './entities/conversation-message.entity';
import { AuditService } from '../audit/audit.service';
import { UserMemoryEntity } from './entities/user-memory.entity';
import { UserStateEntity } from './entities/user-state.entity';
import { MessageEventOutbox } from '../events/message-event-outbox';
import {
  AppendedRow,
  AppendedUserState,
  appendMessageSql,
  appendParameters,
  EXCLUDED_FROM_PROMPT,
  NewMessage,
  stateOf,
} from './message-statements';
import { deleteBatchOlderThan } from '../../core/database/delete-older-than';
import { entityColumns } from '../../core/database/entity-columns';
import { PreparedStatements } from '../../core/database/prepared-statements';
import { clampLimit, keysetPage } from '../../core/http/pagination';
import { InvalidCursorError } from './memory.errors';
import { decodeMessageCursor, encodeMessageCursor } from './pagination';

export interface MessagePageQuery {
  limit: number;
  /** next_cursor of the previous page: continue with older messages. */
  before?: string;
  /** Only what the end user may see (default true). */
  visibleOnly?: boolean;
}

export interface MessagePage {
  /** Oldest first. */
  messages: ConversationMessageEntity[];
  /** Messages of the user matching visibleOnly, over all pages. */
  totalCount: number;
  /** Cursor for the next, older page; null on the oldest page. */
  nextCursor: string | null;
}

export { EXCLUDED_FROM_PROMPT } from './message-statements';
export type { AppendedUserState, NewMessage } from './message-statements';

/** Every message of every conversation, in the order it was stored (by id). */
@Injectable()
export class ConversationStore {
  constructor(
    @InjectRepository(ConversationMessageEntity)
    private readonly messages: Repository<ConversationMessageEntity>,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly audit: AuditService,
    private readonly txHost: TransactionHost<TransactionalAdapterTypeOrm>,
    private readonly outbox: MessageEventOutbox,
    private readonly statements: PreparedStatements,
  ) {}

  private readonly appendSql = appendMessageSql(
    this.outbox,
    entityColumns(this.messages.metadata, 'stored'),
  );

  /**
   * Stores the message, counts it in the user's state (creating the user on their first
   * message) and announces it (message.created), in one statement: callers do not call
   * recordMessage or publish anything too.
   */
  async append(message: NewMessage): Promise<ConversationMessageEntity> {
    return (await this.appendWithState(message)).message;
  }

  /**
   * `append`, also answering with the user's state as it is once the message is counted. With
   * `hideIfHalted`, a message stored while the user is halted is hidden from them and marked
   * `withheld_by_halt`: decided in the same statement, so no halt can slip in between.
   */
  async appendWithState(
    message: NewMessage,
    { hideIfHalted = false }: { hideIfHalted?: boolean } = {},
  ): Promise<{ message: ConversationMessageEntity; state: AppendedUserState }> {
    const [row] = await this.outbox.writing(() =>
      this.statements.query<AppendedRow>(
        'conversation_append',
        this.appendSql,
        appendParameters(message, hideIfHalted),
      ),
    );
    return this.appended(row!);
  }

  /**
   * The stored message and the user's state from an append's row; its event is delivered on
   * this instance now, unless a transaction still has to commit it (then NOTIFY brings it).
   */
  appended(row: AppendedRow): { message: ConversationMessageEntity; state: AppendedUserState } {
    // create() keeps the entity's columns only, so the other columns of the row stay out.
    const message = this.messages.create(row as Partial<ConversationMessageEntity>);
    if (!this.txHost.isTransactionActive())
      this.outbox.stored(message.userId, message.content, row);
    return { message, state: stateOf(row) };
  }

  /** Adds flags to a stored message's metadata (e.g. blocked by a guardrail). */
  async updateMetadata(messageId: number, flags: Record<string, unknown>): Promise<void> {
    await this.messages.query(
      'UPDATE conversation_history SET metadata = metadata || $2::jsonb WHERE id = $1',
      [messageId, JSON.stringify(flags)],
    );
  }

  /**
   * The last `limit` messages, oldest first, as history for the prompt. Operator notes hidden
   * from the user are included (the AI must see them) unless `includeHidden` is false;
   * messages flagged `excluded_from_prompt` in their metadata never are.
   */
  async recent(
    userId: string,
    limit: number,
    { includeHidden = true }: { includeHidden?: boolean } = {},
  ): Promise<ConversationMessageEntity[]> {
    if (limit <= 0) return [];
    const query = this.messages
      .createQueryBuilder('message')
      .where('message.userId = :userId', { userId })
      .andWhere('NOT (message.metadata @> CAST(:excluded AS jsonb))', {
        excluded: JSON.stringify({ [EXCLUDED_FROM_PROMPT]: true }),
      });
    if (!includeHidden) query.andWhere('message.visibleToUser');
    const newestFirst = await query.orderBy('message.id', 'DESC').limit(limit).getMany();
    return newestFirst.reverse();
  }

  /** One page of the conversation, walking back from the newest message. */
  async page(
    userId: string,
    { limit, before, visibleOnly = true }: MessagePageQuery,
  ): Promise<MessagePage> {
    const beforeId = before === undefined ? undefined : decodeMessageCursor(before);
    if (before !== undefined && beforeId === undefined) throw new InvalidCursorError('before');
    const size = clampLimit(limit);

    const query = this.messages
      .createQueryBuilder('message')
      .where('message.userId = :userId', { userId });
    if (visibleOnly) query.andWhere('message.visibleToUser');
    const totalCount = await query.clone().getCount();
    if (beforeId !== undefined) query.andWhere('message.id < :beforeId', { beforeId });
    const newestFirst = await query
      .orderBy('message.id', 'DESC')
      .limit(size + 1)
      .getMany();

    const { items, nextCursor } = keysetPage(newestFirst, size, (oldest) =>
      encodeMessageCursor(oldest.id),
    );
    return { messages: items.reverse(), totalCount, nextCursor };
  }

  /** The whole conversation with every role and hidden note, oldest first (operator view). */
  listAll(userId: string): Promise<ConversationMessageEntity[]> {
    return this.messages.find({ where: { userId }, order: { id: 'ASC' } });
  }

  count(userId: string, { visibleOnly = false }: { visibleOnly?: boolean } = {}): Promise<number> {
    return this.messages.countBy(visibleOnly ? { userId, visibleToUser: true } : { userId });
  }

  /** The content of each of these messages that still exists, by id (for live events). */
  async contentsOf(ids: number[]): Promise<Map<number, string>> {
    const rows = await this.dataSource.query<Array<{ id: number; content: string }>>(
      `SELECT id, content FROM conversation_history WHERE id = ANY($1::bigint[])`,
      [ids],
    );
    return new Map(rows.map((row) => [row.id, row.content]));
  }

  /** Retention: one batch of messages older than `cutoff`; returns how many went. */
  deleteMessagesOlderThan(cutoff: Date, limit: number): Promise<number> {
    return deleteBatchOlderThan(this.dataSource, 'conversation_history', cutoff, limit);
  }

  /**
   * Erases the user's messages and resets their message count; with includeMemory also their
   * memory and state (which also lifts a halt). One transaction. Returns the messages deleted.
   */
  deleteForUser(
    userId: string,
    { includeMemory = false }: { includeMemory?: boolean } = {},
  ): Promise<number> {
    return this.txHost.withTransaction(async () => {
      const { affected } = await this.txHost.tx.delete(ConversationMessageEntity, { userId });
      if (includeMemory) {
        await this.txHost.tx.delete(UserMemoryEntity, { userId });
        await this.txHost.tx.delete(UserStateEntity, { userId });
      } else {
        await this.txHost.tx.update(UserStateEntity, { userId }, { messageCount: 0 });
      }
      await this.audit.record({
        action: 'chat_history.delete',
        targetType: 'user',
        targetId: userId,
        after: { deleted_count: affected ?? 0, include_memory: includeMemory },
      });
      return affected ?? 0;
    });
  }
}
