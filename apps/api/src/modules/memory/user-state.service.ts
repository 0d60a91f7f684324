import { TransactionHost } from '@nestjs-cls/transactional';
import { TransactionalAdapterTypeOrm } from '@nestjs-cls/transactional-adapter-typeorm';
import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { decodeUserCursor, encodeUserCursor } from './pagination';
import { UserStateEntity } from './entities/user-state.entity';
import { HALTED_MODE } from './user-mode';
import type { UserState } from './memory.types';
import { entityColumns } from '../../core/database/entity-columns';
import { clampLimit, keysetPage } from '../../core/http/pagination';
import { InvalidCursorError, StateNotFoundError } from './memory.errors';

export interface ModeChange {
  reason?: string | null;
  operator?: string | null;
}

export interface UserListQuery {
  limit: number;
  /** next_cursor of the previous page. */
  cursor?: string;
  /** Case-insensitive substring of the user id. */
  search?: string;
  mode?: string;
}

export interface UserPage {
  /** Most recently active first. */
  users: UserStateEntity[];
  /** Users matching search and mode, over all pages. */
  totalCount: number;
  nextCursor: string | null;
}

/**
 * The statement that counts one message of user `userParam` at time `at` (SQL expressions):
 * creates the user on their first message, else adds one and moves last_activity forward.
 * One statement, so concurrent calls never lose a count; the table is aliased `state`.
 */
export function countMessageSql(userParam: string, at: string): string {
  return `INSERT INTO user_state AS state (user_id, first_seen, last_activity, message_count)
       VALUES (${userParam}, ${at}, ${at}, 1)
       ON CONFLICT (user_id) DO UPDATE
         SET message_count = state.message_count + 1,
             last_activity = GREATEST(state.last_activity, EXCLUDED.last_activity)`;
}

/** The users the product has seen: their mode and their activity. */
@Injectable()
export class UserStateService {
  constructor(
    @InjectRepository(UserStateEntity) private readonly states: Repository<UserStateEntity>,
    private readonly txHost: TransactionHost<TransactionalAdapterTypeOrm>,
  ) {}

  private readonly returning = entityColumns(this.states.metadata);

  /** Null for a user never seen; inside the caller's transaction when there is one. */
  get(userId: string): Promise<UserStateEntity | null> {
    return this.txHost.tx.getRepository(UserStateEntity).findOneBy({ userId });
  }

  async require(userId: string): Promise<UserStateEntity> {
    const state = await this.get(userId);
    if (!state) throw new StateNotFoundError(userId);
    return state;
  }

  /** Sets the mode and who set it why (both cleared when not given); creates the user if new. */
  async setMode(userId: string, mode: string, change: ModeChange = {}): Promise<UserStateEntity> {
    const rows = await this.txHost.tx.query<UserStateEntity[]>(
      `INSERT INTO user_state AS state (user_id, mode, reason, operator)
       VALUES ($1, $2, $3, $4)
       ON CONFLICT (user_id) DO UPDATE
         SET mode = EXCLUDED.mode, reason = EXCLUDED.reason, operator = EXCLUDED.operator,
             updated_at = now()
       RETURNING ${this.returning}`,
      [userId, mode, change.reason ?? null, change.operator ?? null],
    );
    return this.states.create(rows[0]!);
  }

  /**
   * Counts one message and moves last_activity forward; creates the user on their first
   * message. One statement, so concurrent calls never lose a count.
   */
  async recordMessage(userId: string, at?: Date): Promise<UserStateEntity> {
    const rows = await this.txHost.tx.query<UserStateEntity[]>(
      `${countMessageSql('$1', 'COALESCE($2::timestamptz, now())')} RETURNING ${this.returning}`,
      [userId, at ?? null],
    );
    return this.states.create(rows[0]!);
  }

  isHalted(userId: string): Promise<boolean> {
    return this.states.existsBy({ userId, mode: HALTED_MODE });
  }

  /**
   * The user's state (null for a user never seen), with their row locked until the caller's
   * transaction ends: a concurrent second resume waits and then sees the first one's result.
   */
  lockState(userId: string): Promise<UserState | null> {
    return this.txHost.tx.findOne(UserStateEntity, {
      where: { userId },
      lock: { mode: 'pessimistic_write' },
    });
  }

  /** Halted users, longest halted first. */
  listHalted(): Promise<UserState[]> {
    return this.states.find({ where: { mode: HALTED_MODE }, order: { updatedAt: 'ASC' } });
  }

  /** Served by the partial index user_state_halted (hence the literal, not a parameter). */
  async haltedUserCount(): Promise<number> {
    const [row] = await this.states.query<{ count: number }[]>(
      `SELECT count(*) AS count FROM user_state WHERE mode = '${HALTED_MODE}'`,
    );
    return row?.count ?? 0;
  }

  /** Users by last activity, newest first, with keyset pagination. */
  async listUsers({ limit, cursor, search, mode }: UserListQuery): Promise<UserPage> {
    const after = cursor === undefined ? undefined : decodeUserCursor(cursor);
    if (cursor !== undefined && !after) throw new InvalidCursorError('cursor');
    const size = clampLimit(limit);

    const query = this.states.createQueryBuilder('state');
    if (search) {
      query.andWhere(`state.userId ILIKE :pattern`, { pattern: `%${escapeLike(search)}%` });
    }
    if (mode) query.andWhere('state.mode = :mode', { mode });
    const totalCount = await query.clone().getCount();

    if (after) {
      query.andWhere(
        '(state.lastActivity, state.userId) < (CAST(:afterActivity AS timestamptz), :afterUserId)',
        { afterActivity: after.lastActivity, afterUserId: after.userId },
      );
    }
    const { entities, raw } = await query
      // Microsecond text, because a JS Date would round last_activity and skip or repeat users.
      .addSelect(
        `to_char(state.last_activity AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`,
        'cursor_activity',
      )
      .orderBy('state.lastActivity', 'DESC')
      .addOrderBy('state.userId', 'DESC')
      .limit(size + 1)
      .getRawAndEntities<{ cursor_activity: string }>();

    const { items, nextCursor } = keysetPage(entities, size, (last, index) =>
      encodeUserCursor({ lastActivity: raw[index]!.cursor_activity, userId: last.userId }),
    );
    return { users: items, totalCount, nextCursor };
  }
}

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (character) => `\\${character}`);
}
