import { userMessagesByBucketSql } from '../memory/memory-stats.service';
import type { BucketStats } from './entities/stats-rollup.entity';

/** Templates kept per rollup: enough that merged buckets still rank the top ones right. */
export const TEMPLATES_PER_BUCKET = 20;

const STAT_COLUMNS: Record<keyof BucketStats, string> = {
  bucketStart: 'bucket_start',
  messages: 'messages',
  llmRequests: 'llm_requests',
  activeUsers: 'active_users',
  errors: 'errors',
  latencySamples: 'latency_samples',
  avgLatencyMs: 'avg_latency_ms',
  p50LatencyMs: 'p50_latency_ms',
  p95LatencyMs: 'p95_latency_ms',
  errorRatePercent: 'error_rate_percent',
  promptTokens: 'prompt_tokens',
  completionTokens: 'completion_tokens',
  topTemplates: 'top_templates',
};
const COLUMNS = Object.values(STAT_COLUMNS);
const AS_PROPERTIES = Object.entries(STAT_COLUMNS)
  .map(([property, column]) => `${column} AS "${property}"`)
  .join(', ');

/**
 * Every bucket from $1 (a bucket start) up to $2 (exclusive) computed from the raw rows, empty
 * ones as zeros; $3 is the bucket length. date_bin from a UTC midnight puts rows in the same
 * buckets as generate_series without a time zone lookup per row. The raw rows are read by
 * their (created_at) index; active users are counted by hash grouping, not a DISTINCT sort,
 * and both percentiles share one sort. Latency counts successful calls only.
 */
const BUCKET_STATS = `
  WITH buckets AS (
    SELECT generate_series($1::timestamptz, $2::timestamptz - $3::interval, $3::interval)
             AS bucket_start
  ),
  requests AS (
    SELECT date_bin($3::interval, created_at, '2000-01-01 00:00:00+00') AS bucket_start,
           count(*) AS llm_requests,
           count(*) FILTER (WHERE status = 'error') AS errors,
           count(latency_ms) FILTER (WHERE status = 'ok') AS latency_samples,
           (avg(latency_ms) FILTER (WHERE status = 'ok'))::float8 AS avg_latency_ms,
           percentile_cont(ARRAY[0.5, 0.95]) WITHIN GROUP (ORDER BY latency_ms)
             FILTER (WHERE status = 'ok') AS latency_percentiles,
           coalesce(sum(prompt_tokens), 0) AS prompt_tokens,
           coalesce(sum(completion_tokens), 0) AS completion_tokens
      FROM llm_requests
     WHERE created_at >= $1 AND created_at < $2
     GROUP BY 1
  ),
  template_uses AS (
    SELECT bucket_start, template_name, uses,
           row_number() OVER (PARTITION BY bucket_start ORDER BY uses DESC, template_name) AS rank
      FROM (SELECT date_bin($3::interval, created_at, '2000-01-01 00:00:00+00') AS bucket_start,
                   template_name, count(*) AS uses
              FROM llm_requests
             WHERE created_at >= $1 AND created_at < $2 AND template_name IS NOT NULL
             GROUP BY 1, 2) counted
  ),
  templates AS (
    SELECT bucket_start,
           jsonb_agg(jsonb_build_object('name', template_name, 'count', uses) ORDER BY rank)
             AS top_templates
      FROM template_uses
     WHERE rank <= ${TEMPLATES_PER_BUCKET}
     GROUP BY bucket_start
  ),
  senders AS (
    ${userMessagesByBucketSql('$1', '$2', '$3')}
  ),
  messages AS (
    SELECT bucket_start, sum(sent)::bigint AS messages, count(*) AS active_users
      FROM senders
     GROUP BY bucket_start
  )
  SELECT b.bucket_start,
         coalesce(m.messages, 0) AS messages,
         coalesce(r.llm_requests, 0) AS llm_requests,
         coalesce(m.active_users, 0) AS active_users,
         coalesce(r.errors, 0) AS errors,
         coalesce(r.latency_samples, 0) AS latency_samples,
         r.avg_latency_ms,
         r.latency_percentiles[1] AS p50_latency_ms,
         r.latency_percentiles[2] AS p95_latency_ms,
         (CASE WHEN r.llm_requests > 0 THEN 100.0 * r.errors / r.llm_requests ELSE 0 END)::float8
           AS error_rate_percent,
         coalesce(r.prompt_tokens, 0) AS prompt_tokens,
         coalesce(r.completion_tokens, 0) AS completion_tokens,
         coalesce(t.top_templates, '[]'::jsonb) AS top_templates
    FROM buckets b
    LEFT JOIN requests r USING (bucket_start)
    LEFT JOIN templates t USING (bucket_start)
    LEFT JOIN messages m USING (bucket_start)`;

/**
 * Run inside the transaction of BUCKET_STATS queries. The planner cannot tell how many rows a
 * bucket holds, overestimates them by orders of magnitude and JIT-compiles: measured at 1M
 * rows, ~450 ms of compiling for ~70 ms of work.
 */
export const WITHOUT_JIT = 'SET LOCAL jit = off';

/** The buckets of a range computed from the raw rows ($1 from, $2 to, $3 bucket length). */
export const LIVE_BUCKETS_SQL = `
  SELECT ${AS_PROPERTIES} FROM (${BUCKET_STATS}) stats ORDER BY bucket_start`;

/**
 * Writes the rollups of a range in one statement ($1 to $3 as BUCKET_STATS, $4 'hour' or
 * 'day'); rerunning it rewrites the same values, so it is idempotent. Answers how many buckets
 * it wrote.
 */
export const UPSERT_ROLLUPS_SQL = `
  WITH written AS (
    INSERT INTO metrics_aggregated (bucket, ${COLUMNS.join(', ')}, computed_at)
    SELECT $4::varchar, ${COLUMNS.join(', ')}, now() FROM (${BUCKET_STATS}) stats
    ON CONFLICT (bucket, bucket_start) DO UPDATE SET
      ${COLUMNS.filter((column) => column !== 'bucket_start')
        .map((column) => `${column} = EXCLUDED.${column}`)
        .join(', ')},
      computed_at = EXCLUDED.computed_at
    RETURNING 1
  )
  SELECT count(*) AS buckets FROM written`;

/** Rollups of bucket $1 starting in [$2, $3) that were computed after their bucket ended. */
export const FINAL_ROLLUPS_SQL = `
  SELECT ${AS_PROPERTIES}
    FROM metrics_aggregated
   WHERE bucket = $1 AND bucket_start >= $2 AND bucket_start < $3
     AND computed_at >= bucket_start + $4::interval
   ORDER BY bucket_start`;
