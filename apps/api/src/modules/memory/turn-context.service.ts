import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { entityColumns } from '../../core/database/entity-columns';
import { PreparedStatements } from '../../core/database/prepared-statements';
import { MessageEventOutbox } from '../events/message-event-outbox';
import { ConversationStore } from './conversation-store.service';
import { ConversationMessageEntity } from './entities/conversation-message.entity';
import {
  AppendedRow,
  AppendedUserState,
  appendMessageSql,
  appendParameters,
  ContextColumns,
  contextColumns,
  historyOf,
  memoryOf,
  NewMessage,
  readContextSql,
  StateColumns,
  stateOf,
  TurnHistoryMessage,
} from './message-statements';
import type { ConversationMessage } from './memory.types';

type NullStateColumns = { [Column in keyof StateColumns]: null };

/** What a turn's prompt is built from. */
export interface TurnContext {
  memory: Record<string, unknown>;
  /** The last messages before the one being answered, oldest first. */
  history: TurnHistoryMessage[];
}

export interface BegunTurn extends TurnContext {
  message: ConversationMessage;
  state: AppendedUserState;
}

/**
 * The reads and writes of a chat turn, each one statement: beginning a turn stores the user's
 * message (with its event) and reads the user's state, memory and recent history with it.
 */
@Injectable()
export class TurnContextService {
  constructor(
    @InjectRepository(ConversationMessageEntity)
    messages: Repository<ConversationMessageEntity>,
    private readonly statements: PreparedStatements,
    private readonly conversations: ConversationStore,
    private readonly outbox: MessageEventOutbox,
  ) {
    this.beginSql = appendMessageSql(
      this.outbox,
      entityColumns(messages.metadata, 'stored'),
      contextColumns('$1', '$11'),
    );
  }

  private readonly beginSql: string;
  private readonly readSql = readContextSql();

  /** Stores the user's message and reads what the prompt needs: one round trip. */
  async begin(message: NewMessage, historyLimit: number): Promise<BegunTurn> {
    const [row] = await this.outbox.writing(() =>
      this.statements.query<AppendedRow & ContextColumns>('chat_turn_begin', this.beginSql, [
        ...appendParameters(message, false),
        Math.max(0, historyLimit),
      ]),
    );
    const appended = this.conversations.appended(row!);
    return { ...appended, memory: memoryOf(row!), history: historyOf(row!) };
  }

  /**
   * The state, memory and history of a user without storing anything; `answering` (a stored
   * message) is left out of the history. State is null for a user never seen.
   */
  async read(
    userId: string,
    historyLimit: number,
    answering?: number,
  ): Promise<TurnContext & { state: AppendedUserState | null }> {
    const [row] = await this.statements.query<(StateColumns | NullStateColumns) & ContextColumns>(
      'chat_turn_read',
      this.readSql,
      [userId, Math.max(0, historyLimit), answering ?? 0],
    );
    // A user never seen has no user_state row: the LEFT JOIN gives null state columns.
    const state = row!.stateMode === null ? null : stateOf(row as StateColumns);
    return { state, memory: memoryOf(row!), history: historyOf(row!) };
  }
}
