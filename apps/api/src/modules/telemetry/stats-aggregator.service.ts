import { TransactionHost } from '@nestjs-cls/transactional';
import { TransactionalAdapterTypeOrm } from '@nestjs-cls/transactional-adapter-typeorm';
import { Injectable } from '@nestjs/common';
import { AuditService } from '../audit/audit.service';
import { UPSERT_ROLLUPS_SQL, WITHOUT_JIT } from './rollup-sql';
import {
  aggregationRange,
  BUCKET_INTERVAL,
  BUCKET_MS,
  bucketEndOf,
  bucketStarts,
  OptionalRange,
  StatsBucket,
  TimeRange,
} from './stats-buckets';
import { AggregationRunningError } from './telemetry.errors';

/** Advisory lock key of the rollup writer (the migration lock is 7_311_001). */
export const AGGREGATION_LOCK = 7_311_002;

export interface AggregationResult {
  range: TimeRange;
  /** Buckets written per size. */
  windows: Record<StatsBucket, number>;
}

/**
 * Rolls the raw telemetry up into `metrics_aggregated`, one INSERT … SELECT … ON CONFLICT
 * per bucket size. One run at a time across instances: a run that finds the lock taken
 * fails fast with AggregationRunningError instead of waiting, since the running one writes
 * the same rows. Everything happens on the transaction's own connection, so a pool of one
 * (the embedded database) never waits for itself.
 */
@Injectable()
export class StatsAggregator {
  constructor(
    private readonly txHost: TransactionHost<TransactionalAdapterTypeOrm>,
    private readonly audit: AuditService,
  ) {}

  /** Every hour and UTC day touching the range (default: the last 48 hours). */
  async aggregate(input: OptionalRange, now = new Date()): Promise<AggregationResult> {
    const range = aggregationRange(input, now);
    return this.run(range, { hour: range, day: range }, true);
  }

  /** What the schedule refreshes: the current and previous hour and UTC day. */
  aggregateRecent(now = new Date()): Promise<AggregationResult> {
    const hours = { from: new Date(now.getTime() - BUCKET_MS.hour), to: now };
    const days = { from: new Date(now.getTime() - BUCKET_MS.day), to: now };
    return this.run({ from: days.from, to: now }, { hour: hours, day: days });
  }

  private run(
    range: TimeRange,
    windows: Record<StatsBucket, TimeRange>,
    audited = false,
  ): Promise<AggregationResult> {
    return this.txHost.withTransaction(async () => {
      const [{ locked }] = await this.txHost.tx.query<[{ locked: boolean }]>(
        'SELECT pg_try_advisory_xact_lock($1) AS locked',
        [AGGREGATION_LOCK],
      );
      if (!locked) throw new AggregationRunningError();
      await this.txHost.tx.query(WITHOUT_JIT);
      const result = {
        range,
        windows: {
          hour: await this.upsert('hour', windows.hour),
          day: await this.upsert('day', windows.day),
        },
      };
      // The schedule's runs are routine; an operator's recomputation is worth a row.
      if (audited) {
        await this.audit.record({
          action: 'stats.aggregate',
          targetType: 'stats',
          after: { from: range.from, to: range.to },
        });
      }
      return result;
    });
  }

  private async upsert(bucket: StatsBucket, window: TimeRange): Promise<number> {
    const starts = bucketStarts(bucket, window);
    const first = starts[0];
    const last = starts.at(-1);
    if (!first || !last) return 0;
    const [{ buckets }] = await this.txHost.tx.query<[{ buckets: number }]>(UPSERT_ROLLUPS_SQL, [
      first,
      bucketEndOf(bucket, last),
      BUCKET_INTERVAL[bucket],
      bucket,
    ]);
    return buckets;
  }
}
