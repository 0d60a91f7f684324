import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { HALTED_MODE } from './user-mode';

/** What the dashboard overview counts from memory's tables. */
export interface UserActivity {
  activeUsersToday: number;
  activeUsersHour: number;
  haltedUsers: number;
  messagesLastHour: number;
}

/**
 * The user counts come from user_state: last_activity moves with every stored message, so
 * "active since T" is one index range instead of a DISTINCT over the messages.
 */
const USER_ACTIVITY_SQL = `
  SELECT (SELECT count(*) FROM user_state
           WHERE message_count > 0 AND last_activity >= $1 AND last_activity <= $3)
           AS "activeUsersToday",
         (SELECT count(*) FROM user_state
           WHERE message_count > 0 AND last_activity > $2 AND last_activity <= $3)
           AS "activeUsersHour",
         (SELECT count(*) FROM user_state WHERE mode = $4) AS "haltedUsers",
         (SELECT count(*) FROM conversation_history
           WHERE source = 'user' AND created_at > $2 AND created_at <= $3) AS "messagesLastHour"`;

/**
 * Read model for telemetry's rollups, composed into its bucket statement so a rollup stays one
 * statement: per bucket and user, the messages the user sent (`bucket_start`, `user_id`,
 * `sent`), for messages from `from` (inclusive) to `to`, buckets `interval` long (SQL
 * expressions). Memory owns the SQL of its tables; no other module names them.
 */
export function userMessagesByBucketSql(from: string, to: string, interval: string): string {
  return `SELECT date_bin(${interval}::interval, created_at, '2000-01-01 00:00:00+00') AS bucket_start,
           user_id,
           count(*) FILTER (WHERE source = 'user') AS sent
      FROM conversation_history
     WHERE created_at >= ${from} AND created_at < ${to}
     GROUP BY 1, 2`;
}

/** Counts over users and messages for the dashboard. */
@Injectable()
export class MemoryStatsService {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Users active since `midnight` and since `hourAgo`, halted users, messages since `hourAgo`. */
  async activity(midnight: Date, hourAgo: Date, now: Date): Promise<UserActivity> {
    const [row] = await this.dataSource.query<[UserActivity]>(USER_ACTIVITY_SQL, [
      midnight,
      hourAgo,
      now,
      HALTED_MODE,
    ]);
    return row;
  }
}
