import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The audit trail (owned by the audit module): one row per mutation, written in the mutation's
 * own transaction. Pages go newest first by id; each filter has an index that keeps that order.
 */
export class AuditLog1764700000000 implements MigrationInterface {
  name = 'AuditLog1764700000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE audit_log (
        id           bigserial PRIMARY KEY,
        actor        varchar(160) NOT NULL,
        action       varchar(64) NOT NULL,
        target_type  varchar(32) NOT NULL,
        target_id    varchar(300),
        before       jsonb,
        after        jsonb,
        request_id   varchar(128),
        created_at   timestamptz NOT NULL DEFAULT now()
      )`);
    await db.query('CREATE INDEX audit_log_created_at ON audit_log (created_at)');
    await db.query('CREATE INDEX audit_log_actor ON audit_log (actor, id)');
    await db.query('CREATE INDEX audit_log_action ON audit_log (action, id)');
    await db.query('CREATE INDEX audit_log_target ON audit_log (target_type, target_id, id)');
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP TABLE audit_log');
  }
}
