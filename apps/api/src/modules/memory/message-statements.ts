import type { MessageEventOutbox, StoredEventColumns } from '../events/message-event-outbox';
import { countMessageSql } from './user-state.service';
import { HALTED_MODE } from './user-mode';
import type { MessageRole, MessageSource } from './memory.types';

// The chat turn's statements: each is one round trip, so a turn costs two (begin and reply).

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

/** Metadata flag of a message the prompt must never show the AI (e.g. a blocked input). */
export const EXCLUDED_FROM_PROMPT = 'excluded_from_prompt';

/** One message of the history a turn's prompt shows, oldest first. */
export interface TurnHistoryMessage {
  id: number;
  role: MessageRole;
  content: string;
  createdAt: Date;
}

const STATE_COLUMNS = `state.mode AS "stateMode", state.reason AS "stateReason",
  state.operator AS "stateOperator", state.message_count AS "stateMessageCount"`;

/** The columns every statement below returns about the user's state. */
export interface StateColumns {
  stateMode: string;
  stateReason: string | null;
  stateOperator: string | null;
  stateMessageCount: number;
}

/** What a turn's prompt is built from, read in the statement that stores its message. */
export interface ContextColumns {
  memoryPairs: Array<[string, unknown]> | null;
  historyRows: Array<{ id: number; role: MessageRole; content: string; created_at: string }> | null;
}

/** Parameters $1..$10 of `appendMessageSql`. */
export function appendParameters(message: NewMessage, hideIfHalted: boolean): unknown[] {
  return [
    message.userId,
    message.role,
    message.content,
    message.source,
    message.templateName ?? null,
    message.templateVersion ?? null,
    message.operator ?? null,
    message.visibleToUser ?? true,
    JSON.stringify(message.metadata ?? {}),
    hideIfHalted,
  ];
}

/**
 * Counts the message in the user's state (creating the user), stores it (hidden and marked
 * `withheld_by_halt` when $10 asks and the user is halted), stores its message.created event
 * and NOTIFYs it: one statement, so no halt slips in between and nothing is half stored.
 * `messageColumns` is the message's select list over `stored`; `extraColumns` adds reads,
 * which see the database as it was before this statement (so not the new message).
 */
export function appendMessageSql(
  outbox: MessageEventOutbox,
  messageColumns: string,
  extraColumns = '',
): string {
  return `WITH state AS (
       ${countMessageSql('$1', 'now()')}
       RETURNING state.mode, state.reason, state.operator, state.message_count
     ), stored AS (
       INSERT INTO conversation_history
         (user_id, role, content, source, template_name, template_version, operator,
          visible_to_user, metadata)
       SELECT $1, $2, $3, $4, $5, $6, $7,
              $8 AND NOT ($10 AND state.mode = '${HALTED_MODE}'),
              CASE WHEN $10 AND state.mode = '${HALTED_MODE}'
                   THEN $9::jsonb || '{"withheld_by_halt": true}'::jsonb ELSE $9::jsonb END
         FROM state
       RETURNING *
     ), ${outbox.ctes('stored')}
     SELECT ${messageColumns}, ${STATE_COLUMNS}, ${outbox.eventColumns}${extraColumns}
       FROM stored, state, ${outbox.eventFrom}`;
}

/**
 * The user's memory (key order) and their last `limitParam` messages for the prompt: hidden
 * operator notes included (the AI must see them), messages excluded from prompts never, and
 * not message `skipParam` (the one being answered, when it is already stored).
 */
export function contextColumns(userParam: string, limitParam: string, skipParam?: string): string {
  return `,
       (SELECT json_agg(json_build_array(m.key, m.value) ORDER BY m.key)
          FROM user_memory m WHERE m.user_id = ${userParam}) AS "memoryPairs",
       (SELECT json_agg(h ORDER BY h.id) FROM (
          SELECT c.id, c.role, c.content, c.created_at
            FROM conversation_history c
           WHERE c.user_id = ${userParam}
             AND NOT (c.metadata @> '{"${EXCLUDED_FROM_PROMPT}": true}')
             ${skipParam ? `AND c.id <> ${skipParam}` : ''}
           ORDER BY c.id DESC LIMIT ${limitParam}) h) AS "historyRows"`;
}

/** The same reads without storing anything: the state, memory and history of a user. */
export function readContextSql(): string {
  return `SELECT ${STATE_COLUMNS} ${contextColumns('$1', '$2', '$3')}
            FROM (SELECT 1) one LEFT JOIN user_state state ON state.user_id = $1`;
}

/** The user's state right after a message was stored (see appendMessageSql). */
export interface AppendedUserState {
  mode: string;
  reason: string | null;
  operator: string | null;
  messageCount: number;
}

export function stateOf(columns: StateColumns): AppendedUserState {
  return {
    mode: columns.stateMode,
    reason: columns.stateReason,
    operator: columns.stateOperator,
    messageCount: columns.stateMessageCount,
  };
}

export function memoryOf(columns: ContextColumns): Record<string, unknown> {
  // fromEntries defines own properties, so no key can reach the object's prototype.
  return Object.fromEntries(columns.memoryPairs ?? []);
}

export function historyOf(columns: ContextColumns): TurnHistoryMessage[] {
  return (columns.historyRows ?? []).map((row) => ({
    id: row.id,
    role: row.role,
    content: row.content,
    createdAt: new Date(row.created_at),
  }));
}

export type AppendedRow = Record<string, unknown> & StateColumns & StoredEventColumns;
