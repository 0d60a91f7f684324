import { createHash } from 'node:crypto';
import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AppConfig } from '../../core/config/app-config';
import { DomainError } from '../../core/errors/domain-error';
import {
  IDEMPOTENCY_KEY_MAX_LENGTH,
  IdempotencyInProgressError,
  IdempotencyKeyInvalidError,
  IdempotencyKeyReusedError,
} from './chat.errors';

/** How long a key answers with its first outcome. */
export const IDEMPOTENCY_TTL_HOURS = 24;
const SWEEP_INTERVAL_MS = 3_600_000;
const KEY_PATTERN = new RegExp(`^[\\x21-\\x7e]{1,${IDEMPOTENCY_KEY_MAX_LENGTH}}$`);

/** What a finished turn answered: replayed as it was for the same key. */
export interface StoredOutcome {
  status: number;
  body: unknown;
}

/** The fields of a chat request that must match for a key to mean the same turn. */
export interface IdempotentRequest {
  userId: string;
  key: string;
  message: string;
  templateName?: string;
  guardrailConfig?: string;
}

export type IdempotencyClaim =
  /** This request runs the turn; `userMessageId` is set when an earlier run stored the message. */
  { kind: 'run'; userMessageId: number | null } | { kind: 'replay'; outcome: StoredOutcome };

interface KeyRow {
  request_hash: string;
  state: 'running' | 'done';
  user_message_id: string | number | null;
  response_status: number | null;
  response_body: unknown;
  claimed: boolean;
}

/**
 * Idempotency-Key for chat turns, in PostgreSQL so that it holds across instances and restarts.
 * A key is scoped to its user. The first request claims it (one INSERT … ON CONFLICT, so two
 * concurrent duplicates cannot both run); a duplicate meanwhile gets 409, later ones the stored
 * outcome. A 5xx (or cancelled) outcome may be retried: the retry runs the turn again but reuses
 * the user message the first run stored. A running claim is a lease, so a crashed instance
 * frees the key once the LLM deadline has surely passed.
 */
@Injectable()
export class ChatIdempotencyService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('ChatIdempotency');
  private sweeper?: NodeJS.Timeout;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.sweeper = setInterval(() => void this.removeExpired(), SWEEP_INTERVAL_MS);
    this.sweeper.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.sweeper);
  }

  /** A header value as a key: undefined when absent; 422 when malformed. */
  static parseKey(header: string | string[] | undefined): string | undefined {
    if (header === undefined) return undefined;
    if (typeof header !== 'string' || !KEY_PATTERN.test(header)) {
      throw new IdempotencyKeyInvalidError();
    }
    return header;
  }

  async claim(request: IdempotentRequest, requestId: string): Promise<IdempotencyClaim> {
    const hash = fingerprint(request);
    // Claimed when new, expired, abandoned (lease over) or ended in a failure worth retrying;
    // the row lock of ON CONFLICT makes a concurrent duplicate see the winner's claim.
    const rows = await this.dataSource.query<KeyRow[]>(
      `INSERT INTO chat_idempotency_keys AS k
         (user_id, idempotency_key, request_hash, state, request_id, locked_until, expires_at)
       VALUES ($1, $2, $3, 'running', $4, now() + $5 * interval '1 millisecond',
               now() + $6 * interval '1 hour')
       ON CONFLICT (user_id, idempotency_key) DO UPDATE SET
         state = 'running',
         request_id = EXCLUDED.request_id,
         locked_until = EXCLUDED.locked_until,
         response_status = NULL,
         response_body = NULL,
         user_message_id = CASE WHEN k.expires_at < now() THEN NULL ELSE k.user_message_id END,
         request_hash = EXCLUDED.request_hash,
         created_at = CASE WHEN k.expires_at < now() THEN now() ELSE k.created_at END,
         expires_at = CASE WHEN k.expires_at < now() THEN EXCLUDED.expires_at ELSE k.expires_at END
       WHERE k.expires_at < now()
          OR (k.request_hash = EXCLUDED.request_hash
              AND ((k.state = 'running' AND k.locked_until < now())
                   OR (k.state = 'done' AND k.response_status >= 499)))
       RETURNING user_message_id, true AS claimed`,
      [request.userId, request.key, hash, requestId, this.leaseMs, IDEMPOTENCY_TTL_HOURS],
    );
    const claimed = rows[0];
    if (claimed) {
      return { kind: 'run', userMessageId: toId(claimed.user_message_id) };
    }
    const [existing] = await this.dataSource.query<KeyRow[]>(
      `SELECT request_hash, state, response_status, response_body
         FROM chat_idempotency_keys WHERE user_id = $1 AND idempotency_key = $2`,
      [request.userId, request.key],
    );
    // Gone meanwhile (erased with the user's history): a rare race; the client may retry.
    if (!existing) throw new IdempotencyInProgressError();
    if (existing.request_hash !== hash) throw new IdempotencyKeyReusedError();
    if (existing.state === 'running' || existing.response_status === null) {
      throw new IdempotencyInProgressError();
    }
    return {
      kind: 'replay',
      outcome: { status: existing.response_status, body: existing.response_body },
    };
  }

  /** Remembers the stored user message, so a retry of a failed run does not store it again. */
  async recordUserMessage(userId: string, key: string, requestId: string, messageId: number) {
    await this.dataSource.query(
      `UPDATE chat_idempotency_keys SET user_message_id = $4
        WHERE user_id = $1 AND idempotency_key = $2 AND request_id = $3`,
      [userId, key, requestId, messageId],
    );
  }

  /** Stores the outcome; only the request holding the claim may (a taken-over one may not). */
  async complete(userId: string, key: string, requestId: string, outcome: StoredOutcome) {
    await this.dataSource
      .query(
        `UPDATE chat_idempotency_keys
            SET state = 'done', response_status = $4, response_body = $5::jsonb, locked_until = NULL
          WHERE user_id = $1 AND idempotency_key = $2 AND request_id = $3`,
        [userId, key, requestId, outcome.status, JSON.stringify(outcome.body)],
      )
      .catch((error: unknown) => {
        // The turn is over either way; the lease frees the key for a retry.
        this.logger.warn(`could not store the outcome of key ${key}: ${String(error)}`);
      });
  }

  /** Erasing a user's history erases the outcomes kept for their keys (they hold replies). */
  async forgetUser(userId: string): Promise<void> {
    await this.dataSource.query('DELETE FROM chat_idempotency_keys WHERE user_id = $1', [userId]);
  }

  async removeExpired(): Promise<void> {
    await this.dataSource
      .query('DELETE FROM chat_idempotency_keys WHERE expires_at < now()')
      .catch((error: unknown) =>
        this.logger.warn(`could not remove expired idempotency keys: ${String(error)}`),
      );
  }

  /** Longer than any turn can run: the LLM deadline bounds it, plus room for the rest. */
  private get leaseMs(): number {
    return this.config.llmDeadlineMs + 30_000;
  }
}

/** The outcome of a failed turn, in the fields of the documented error shape. */
export function outcomeOfError(error: unknown): StoredOutcome {
  if (error instanceof DomainError) {
    return {
      status: error.status,
      body: { code: error.code, message: error.message, details: error.details },
    };
  }
  return {
    status: 500,
    body: { code: 'internal_error', message: 'Internal server error', details: {} },
  };
}

function fingerprint(request: IdempotentRequest): string {
  const fields = [request.message, request.templateName ?? null, request.guardrailConfig ?? null];
  return createHash('sha256').update(JSON.stringify(fields)).digest('hex');
}

function toId(value: string | number | null): number | null {
  return value === null ? null : Number(value);
}
