import { Injectable } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { DataSource, EntityManager, Repository } from 'typeorm';
import {
  ConversationMessageEntity,
  MessageRole,
  MessageSource,
} from './entities/conversation-message.entity';
import { UserMemoryEntity } from './entities/user-memory.entity';
import { UserStateEntity } from './entities/user-state.entity';
import { entityColumns } from '../../core/database/entity-columns';
import { clampLimit } from '../../core/http/pagination';
import { InvalidCursorError } from './memory.errors';
import { decodeMessageCursor, encodeMessageCursor } from './pagination';
import { UserStateService } from './user-state.service';

export interface NewMessage {
  userId: string;
  role: MessageRole;
  content: string;
  source: MessageSource;
  templateName?: string | null;
  templateVersion?: number | null;
  operator?: string | null;
  /** False for operator notes only the AI and operators see. Default true. */
  visibleToUser?: boolean;
  metadata?: Record<string, unknown>;
}

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

/** Metadata flag of a message the prompt must never show the AI (e.g. a blocked input). */
export const EXCLUDED_FROM_PROMPT = 'excluded_from_prompt';

/** Every message of every conversation, in the order it was stored (by id). */
@Injectable()
export class ConversationStore {
  constructor(
    @InjectRepository(ConversationMessageEntity)
    private readonly messages: Repository<ConversationMessageEntity>,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly userState: UserStateService,
  ) {}

  private readonly returning = entityColumns(this.messages.metadata);

  /**
   * Stores the message and, in the same transaction, counts it in the user's state
   * (creating the user on their first message): callers do not call recordMessage too.
   */
  async append(message: NewMessage, manager?: EntityManager): Promise<ConversationMessageEntity> {
    // Inside the caller's transaction when one is given, else in a new one.
    if (!manager) return this.dataSource.transaction((own) => this.append(message, own));
    const rows = await manager.query<ConversationMessageEntity[]>(
      `INSERT INTO conversation_history
           (user_id, role, content, source, template_name, template_version, operator,
            visible_to_user, metadata)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::jsonb)
         RETURNING ${this.returning}`,
      [
        message.userId,
        message.role,
        message.content,
        message.source,
        message.templateName ?? null,
        message.templateVersion ?? null,
        message.operator ?? null,
        message.visibleToUser ?? true,
        JSON.stringify(message.metadata ?? {}),
      ],
    );
    await this.userState.recordMessage(message.userId, undefined, manager);
    return this.messages.create(rows[0]!);
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

    const messages = newestFirst.slice(0, size).reverse();
    const oldest = messages[0];
    const nextCursor = newestFirst.length > size && oldest ? encodeMessageCursor(oldest.id) : null;
    return { messages, totalCount, nextCursor };
  }

  /** The whole conversation with every role and hidden note, oldest first (operator view). */
  listAll(userId: string): Promise<ConversationMessageEntity[]> {
    return this.messages.find({ where: { userId }, order: { id: 'ASC' } });
  }

  count(userId: string, { visibleOnly = false }: { visibleOnly?: boolean } = {}): Promise<number> {
    return this.messages.countBy(visibleOnly ? { userId, visibleToUser: true } : { userId });
  }

  /**
   * Erases the user's messages and resets their message count; with includeMemory also their
   * memory and state (which also lifts a halt). One transaction. Returns the messages deleted.
   */
  deleteForUser(
    userId: string,
    { includeMemory = false }: { includeMemory?: boolean } = {},
  ): Promise<number> {
    return this.dataSource.transaction(async (manager) => {
      const { affected } = await manager.delete(ConversationMessageEntity, { userId });
      if (includeMemory) {
        await manager.delete(UserMemoryEntity, { userId });
        await manager.delete(UserStateEntity, { userId });
      } else {
        await manager.update(UserStateEntity, { userId }, { messageCount: 0 });
      }
      return affected ?? 0;
    });
  }
}
