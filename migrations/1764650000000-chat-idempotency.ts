import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Idempotency keys of chat turns (owned by the chat module). One row per (user, key): the
 * body's fingerprint, whether the turn is still running (with a lease, so a crashed instance
 * does not block the key forever), the user message it stored, and the outcome to replay.
 * Rows expire after 24 h; an hourly sweep deletes them.
 */
export class ChatIdempotency1764650000000 implements MigrationInterface {
  name = 'ChatIdempotency1764650000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE chat_idempotency_keys (
        user_id          varchar(128) NOT NULL,
        idempotency_key  varchar(255) NOT NULL,
        request_hash     char(64) NOT NULL,
        state            varchar(16) NOT NULL CHECK (state IN ('running', 'done')),
        request_id       varchar(128) NOT NULL,
        user_message_id  bigint,
        response_status  integer,
        response_body    jsonb,
        locked_until     timestamptz,
        created_at       timestamptz NOT NULL DEFAULT now(),
        expires_at       timestamptz NOT NULL,
        PRIMARY KEY (user_id, idempotency_key)
      )`);
    await db.query(
      `CREATE INDEX chat_idempotency_keys_expires_at ON chat_idempotency_keys (expires_at)`,
    );
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP TABLE chat_idempotency_keys');
  }
}
