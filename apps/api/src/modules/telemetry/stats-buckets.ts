import { ValidationFailedError } from '../../core/errors/domain-error';

export type StatsBucket = 'hour' | 'day';
export const STATS_BUCKETS: readonly StatsBucket[] = ['hour', 'day'];

/** Buckets are UTC hours and UTC days; a UTC day has no daylight-saving shift. */
export const BUCKET_MS: Record<StatsBucket, number> = { hour: 3_600_000, day: 86_400_000 };
export const BUCKET_INTERVAL: Record<StatsBucket, string> = { hour: '1 hour', day: '24 hours' };

/** The most points one timeseries answers. */
export const MAX_TIMESERIES_BUCKETS = 1000;
/** Points of a timeseries when `from` is not given: the last day by hour, a month by day. */
export const DEFAULT_TIMESERIES_POINTS: Record<StatsBucket, number> = { hour: 24, day: 30 };
/** POST /admin/stats/aggregate without `from` rolls up the last 48 hours. */
export const DEFAULT_AGGREGATION_MS = 48 * BUCKET_MS.hour;
/** One run is a single transaction: a month at most keeps it short (call again to backfill). */
export const MAX_AGGREGATION_MS = 31 * BUCKET_MS.day;

export interface TimeRange {
  from: Date;
  to: Date;
}

export interface OptionalRange {
  from?: Date;
  to?: Date;
}

export function bucketStartOf(bucket: StatsBucket, at: Date): Date {
  const size = BUCKET_MS[bucket];
  return new Date(Math.floor(at.getTime() / size) * size);
}

export function bucketEndOf(bucket: StatsBucket, start: Date): Date {
  return new Date(start.getTime() + BUCKET_MS[bucket]);
}

/** Starts of the buckets a range touches: from the one holding `from` up to the last before `to`. */
export function bucketStarts(bucket: StatsBucket, { from, to }: TimeRange): Date[] {
  const size = BUCKET_MS[bucket];
  const starts: Date[] = [];
  for (let at = bucketStartOf(bucket, from).getTime(); at < to.getTime(); at += size) {
    starts.push(new Date(at));
  }
  return starts;
}

export function bucketCount(bucket: StatsBucket, { from, to }: TimeRange): number {
  const start = bucketStartOf(bucket, from).getTime();
  return Math.max(0, Math.ceil((to.getTime() - start) / BUCKET_MS[bucket]));
}

function outOfOrder(): ValidationFailedError {
  return new ValidationFailedError([
    { field: 'from', errors: ['from must be before to (to defaults to now)'] },
  ]);
}

/** Optional filter bounds of a list: either may be missing, but not in the wrong order. */
export function checkRange({ from, to }: OptionalRange): void {
  if (from && to && from.getTime() >= to.getTime()) throw outOfOrder();
}

export function timeseriesRange(bucket: StatsBucket, input: OptionalRange, now: Date): TimeRange {
  const to = input.to ?? now;
  const from =
    input.from ??
    new Date(
      bucketStartOf(bucket, to).getTime() -
        (DEFAULT_TIMESERIES_POINTS[bucket] - 1) * BUCKET_MS[bucket],
    );
  const range = { from, to };
  checkRange(range);
  const count = bucketCount(bucket, range);
  if (count > MAX_TIMESERIES_BUCKETS) {
    throw new ValidationFailedError([
      {
        field: 'from',
        errors: [
          `from and to span ${count} ${bucket} buckets; at most ${MAX_TIMESERIES_BUCKETS} are answered`,
        ],
      },
    ]);
  }
  return range;
}

/** What a run rolls up: never past now, since a future bucket has nothing to count yet. */
export function aggregationRange(input: OptionalRange, now: Date): TimeRange {
  const to = new Date(Math.min((input.to ?? now).getTime(), now.getTime()));
  const from = input.from ?? new Date(to.getTime() - DEFAULT_AGGREGATION_MS);
  const range = { from, to };
  checkRange(range);
  if (to.getTime() - from.getTime() > MAX_AGGREGATION_MS) {
    throw new ValidationFailedError([
      { field: 'from', errors: ['from and to may be at most 31 days apart'] },
    ]);
  }
  return range;
}

export interface TemplateCount {
  name: string;
  count: number;
}

/** Sums per-bucket template counts; most used first, ties by name. */
export function mergeTopTemplates(lists: TemplateCount[][], limit: number): TemplateCount[] {
  const totals = new Map<string, number>();
  for (const { name, count } of lists.flat()) totals.set(name, (totals.get(name) ?? 0) + count);
  return [...totals]
    .map(([name, count]) => ({ name, count }))
    .sort((a, b) => b.count - a.count || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .slice(0, limit);
}

/** Milliseconds and percentages are answered with two decimals. */
export function round2(value: number): number;
export function round2(value: number | null): number | null;
export function round2(value: number | null): number | null {
  return value === null ? null : Math.round(value * 100) / 100;
}
