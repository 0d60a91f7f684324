import { TransactionHost } from '@nestjs-cls/transactional';
import { TransactionalAdapterTypeOrm } from '@nestjs-cls/transactional-adapter-typeorm';
import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { MemoryStatsService, UserActivity } from '../memory/memory-stats.service';
import { TelemetryService } from './telemetry.service';
import { UserStateService } from '../memory/user-state.service';
import { BucketStats, StatsRollupEntity } from './entities/stats-rollup.entity';
import { FINAL_ROLLUPS_SQL, LIVE_BUCKETS_SQL, WITHOUT_JIT } from './rollup-sql';
import {
  BUCKET_INTERVAL,
  BUCKET_MS,
  bucketEndOf,
  bucketStartOf,
  bucketStarts,
  mergeTopTemplates,
  OptionalRange,
  StatsBucket,
  TemplateCount,
  timeseriesRange,
  TimeRange,
} from './stats-buckets';
import { UserNotFoundError } from './telemetry.errors';

/** Templates the overview ranks. */
const OVERVIEW_TOP_TEMPLATES = 5;

export interface StatsOverview {
  at: Date;
  activeUsersToday: number;
  activeUsersHour: number;
  messagesToday: number;
  messagesLastHour: number;
  llmRequestsToday: number;
  llmRequestsLastHour: number;
  errorsLastHour: number;
  avgLatencyMs: number | null;
  p95LatencyMs: number | null;
  haltedUsers: number;
  topTemplates: TemplateCount[];
}

export interface UserStats {
  userId: string;
  mode: string;
  firstSeen: Date;
  lastSeen: Date;
  messages: number;
  llmRequests: number;
  errors: number;
  avgLatencyMs: number | null;
}

export interface Timeseries {
  bucket: StatsBucket;
  range: TimeRange;
  points: BucketStats[];
}

type LastHour = Omit<
  StatsOverview,
  'at' | 'messagesToday' | 'llmRequestsToday' | 'topTemplates' | keyof UserActivity
>;

/** The LLM calls of the last 60 minutes from the raw rows (through their created_at index). */
const LAST_HOUR_SQL = `
  SELECT count(*) AS "llmRequestsLastHour",
         count(*) FILTER (WHERE status = 'error') AS "errorsLastHour",
         (avg(latency_ms) FILTER (WHERE status = 'ok'))::float8 AS "avgLatencyMs",
         percentile_cont(0.95) WITHIN GROUP (ORDER BY latency_ms)
           FILTER (WHERE status = 'ok') AS "p95LatencyMs"
    FROM llm_requests
   WHERE created_at > $1 AND created_at <= $2`;

type UserRequests = Pick<UserStats, 'llmRequests' | 'errors' | 'avgLatencyMs'>;

const USER_REQUESTS_SQL = `
  SELECT count(*) AS "llmRequests",
         count(*) FILTER (WHERE status = 'error') AS errors,
         (avg(latency_ms) FILTER (WHERE status = 'ok'))::float8 AS "avgLatencyMs"
    FROM llm_requests
   WHERE user_id = $1`;

/** Dashboard numbers: final rollups where there are, the raw rows for the rest. */
@Injectable()
export class StatsService {
  constructor(
    @InjectRepository(StatsRollupEntity)
    private readonly rollups: Repository<StatsRollupEntity>,
    private readonly memoryStats: MemoryStatsService,
    private readonly userState: UserStateService,
    private readonly txHost: TransactionHost<TransactionalAdapterTypeOrm>,
    private readonly telemetry: TelemetryService,
  ) {}

  async overview(now = new Date()): Promise<StatsOverview> {
    await this.telemetry.written();
    const midnight = bucketStartOf('day', now);
    const hourAgo = new Date(now.getTime() - BUCKET_MS.hour);
    const [today, [lastHour], activity] = await Promise.all([
      this.series('hour', { from: midnight, to: now }, now),
      this.rollups.query<[LastHour]>(LAST_HOUR_SQL, [hourAgo, now]),
      this.memoryStats.activity(midnight, hourAgo, now),
    ]);
    return {
      ...activity,
      ...lastHour,
      at: now,
      messagesToday: sum(today, 'messages'),
      llmRequestsToday: sum(today, 'llmRequests'),
      topTemplates: mergeTopTemplates(
        today.map((hour) => hour.topTemplates),
        OVERVIEW_TOP_TEMPLATES,
      ),
    };
  }

  async userStats(userId: string): Promise<UserStats> {
    await this.telemetry.written();
    const [state, [requests]] = await Promise.all([
      this.userState.get(userId),
      this.rollups.query<[UserRequests]>(USER_REQUESTS_SQL, [userId]),
    ]);
    if (!state) throw new UserNotFoundError(userId);
    return {
      userId: state.userId,
      mode: state.mode,
      firstSeen: state.firstSeen,
      lastSeen: state.lastActivity,
      messages: state.messageCount,
      ...requests,
    };
  }

  async timeseries(
    bucket: StatsBucket,
    input: OptionalRange,
    now = new Date(),
  ): Promise<Timeseries> {
    const range = timeseriesRange(bucket, input, now);
    await this.telemetry.written();
    return { bucket, range, points: await this.series(bucket, range, now) };
  }

  /**
   * Every bucket the range touches, in order. A rollup is used only when it was computed
   * after its bucket ended (so never for the current bucket); the other buckets are computed
   * from the raw rows in one query spanning them.
   */
  private async series(bucket: StatsBucket, range: TimeRange, now: Date): Promise<BucketStats[]> {
    const starts = bucketStarts(bucket, range);
    const first = starts[0];
    const last = starts.at(-1);
    if (!first || !last) return [];
    const interval = BUCKET_INTERVAL[bucket];
    const end = bucketEndOf(bucket, last);
    const completeEnd = new Date(Math.min(end.getTime(), bucketStartOf(bucket, now).getTime()));

    const stored = await this.rollups.query<BucketStats[]>(FINAL_ROLLUPS_SQL, [
      bucket,
      first,
      completeEnd,
      interval,
    ]);
    const byStart = new Map(stored.map((stats) => [stats.bucketStart.getTime(), stats]));
    const missing = starts.filter((start) => !byStart.has(start.getTime()));
    const firstMissing = missing[0];
    const lastMissing = missing.at(-1);
    if (firstMissing && lastMissing) {
      // SET LOCAL lasts only until this transaction ends.
      const computed = await this.txHost.withTransaction(async () => {
        await this.txHost.tx.query(WITHOUT_JIT);
        return this.txHost.tx.query<BucketStats[]>(LIVE_BUCKETS_SQL, [
          firstMissing,
          bucketEndOf(bucket, lastMissing),
          interval,
        ]);
      });
      for (const stats of computed) byStart.set(stats.bucketStart.getTime(), stats);
    }
    return starts.map((start) => byStart.get(start.getTime())!);
  }
}

function sum(buckets: BucketStats[], field: 'messages' | 'llmRequests'): number {
  return buckets.reduce((total, bucket) => total + bucket[field], 0);
}
