import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Every message insert maintained conversation_history_user_time (user_id, created_at, id)
 * and every event insert events_user (user_id, id), which no query uses: reads of a user's
 * messages go by id (conversation_history_user_id), reads by time by created_at, events are
 * read by id. Four index updates per chat turn for nothing.
 */
export class DropUnusedIndexes1764800000000 implements MigrationInterface {
  name = 'DropUnusedIndexes1764800000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query('DROP INDEX IF EXISTS conversation_history_user_time');
    await db.query('DROP INDEX IF EXISTS events_user');
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`CREATE INDEX events_user ON events (user_id, id)`);
    await db.query(
      `CREATE INDEX conversation_history_user_time ON conversation_history (user_id, created_at, id)`,
    );
  }
}
