import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A user's messages are read newest-first by id (prompt history, history pages, cursors):
 * an index on (user_id, id) serves those reads without a sort.
 */
export class ConversationOrder1764100002000 implements MigrationInterface {
  name = 'ConversationOrder1764100002000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(
      `CREATE INDEX conversation_history_user_id ON conversation_history (user_id, id)`,
    );
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP INDEX conversation_history_user_id');
  }
}
