import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import type { BucketStats } from '../entities/stats-rollup.entity';
import type { StatsOverview, Timeseries, UserStats } from '../stats.service';
import {
  DEFAULT_TIMESERIES_POINTS,
  MAX_TIMESERIES_BUCKETS,
  round2,
  STATS_BUCKETS,
  type StatsBucket,
} from '../stats-buckets';
import { IsInstant } from './instant';

const INSTANT_FORMAT =
  'ISO 8601 date (UTC midnight) or date-time with a zone, e.g. 2026-01-15T09:30:00Z';

export class TemplateUsageDto {
  @ApiProperty({ example: 'luna' })
  name!: string;

  @ApiProperty({ description: 'LLM calls made with this template', example: 412 })
  count!: number;
}

export class StatsOverviewDto {
  @ApiProperty({
    description:
      "Users whose conversation got a message (theirs, the AI's or an operator's) since 00:00 UTC",
    example: 87,
  })
  active_users_today!: number;

  @ApiProperty({ description: 'The same, over the last 60 minutes', example: 12 })
  active_users_hour!: number;

  @ApiProperty({ description: 'Messages users sent since 00:00 UTC', example: 1533 })
  total_messages_today!: number;

  @ApiProperty({ description: 'Messages users sent in the last 60 minutes', example: 96 })
  messages_per_hour!: number;

  @ApiProperty({
    type: Number,
    nullable: true,
    description:
      'Mean latency of the successful LLM calls of the last 60 minutes, in ms; null without any',
    example: 842.5,
  })
  avg_response_time_ms!: number | null;

  @ApiProperty({
    type: Number,
    nullable: true,
    description: '95th percentile of the same latencies (interpolated), in ms; null without any',
    example: 2210.75,
  })
  p95_response_time_ms!: number | null;

  @ApiProperty({
    description:
      'Share of the LLM calls of the last 60 minutes that failed (status error); 0 without calls',
    example: 1.25,
  })
  error_rate_percent!: number;

  @ApiProperty({ description: 'Users currently halted', example: 2 })
  halted_users!: number;

  @ApiProperty({
    type: [TemplateUsageDto],
    description: 'The 5 templates with the most LLM calls since 00:00 UTC, most used first',
  })
  top_templates!: TemplateUsageDto[];

  @ApiProperty({ description: 'LLM calls since 00:00 UTC, whatever their status', example: 1540 })
  llm_requests_today!: number;

  @ApiProperty({
    format: 'date-time',
    description: 'The moment these numbers describe',
    example: '2026-01-15T09:30:00.000Z',
  })
  as_of!: string;
}

export class UserStatsDto {
  @ApiProperty({ example: 'user-42' })
  user_id!: string;

  @ApiProperty({ format: 'date-time', example: '2026-01-02T08:00:00.000Z' })
  first_seen!: string;

  @ApiProperty({
    format: 'date-time',
    description: 'When their conversation last got a message',
    example: '2026-01-15T09:30:00.000Z',
  })
  last_seen!: string;

  @ApiProperty({
    description: "Messages stored in their conversation (theirs, the AI's and operators')",
    example: 214,
  })
  total_messages!: number;

  @ApiProperty({ description: 'Their LLM calls that failed (status error)', example: 3 })
  total_errors!: number;

  @ApiProperty({
    type: Number,
    nullable: true,
    description: 'Mean latency of their successful LLM calls, in ms; null without any',
    example: 910.4,
  })
  avg_response_time_ms!: number | null;

  @ApiProperty({ description: 'Their LLM calls, whatever the status', example: 107 })
  total_llm_requests!: number;

  @ApiProperty({ description: 'Their mode (`halted` stops the AI)', example: 'active' })
  mode!: string;
}

export class StatsRangeQueryDto {
  @ApiPropertyOptional({
    description: `Start (${INSTANT_FORMAT})`,
    example: '2026-01-14T00:00:00Z',
  })
  @IsOptional()
  @IsInstant()
  from?: string;

  @ApiPropertyOptional({
    description: `End, exclusive (${INSTANT_FORMAT}); default now`,
    example: '2026-01-15T00:00:00Z',
  })
  @IsOptional()
  @IsInstant()
  to?: string;
}

export class TimeseriesQueryDto extends StatsRangeQueryDto {
  @ApiPropertyOptional({
    enum: STATS_BUCKETS,
    default: 'hour',
    description: 'UTC hours or UTC days',
  })
  @IsOptional()
  @IsIn(STATS_BUCKETS)
  bucket?: StatsBucket;
}

export class AggregateStatsDto {
  @ApiPropertyOptional({
    description: `Start (${INSTANT_FORMAT}); default 48 hours before to`,
    example: '2026-01-13T00:00:00Z',
  })
  @IsOptional()
  @IsInstant()
  from?: string;

  @ApiPropertyOptional({
    description: `End (${INSTANT_FORMAT}); default and at most now`,
    example: '2026-01-15T09:30:00Z',
  })
  @IsOptional()
  @IsInstant()
  to?: string;
}

export class TimeseriesPointDto {
  @ApiProperty({ format: 'date-time', example: '2026-01-15T09:00:00.000Z' })
  bucket_start!: string;

  @ApiProperty({ description: 'Messages users sent', example: 96 })
  messages!: number;

  @ApiProperty({ description: 'LLM calls, whatever their status', example: 97 })
  llm_requests!: number;

  @ApiProperty({ description: 'LLM calls with status error', example: 1 })
  errors!: number;

  @ApiProperty({ description: 'errors / llm_requests × 100; 0 without calls', example: 1.03 })
  error_rate_percent!: number;

  @ApiProperty({
    type: Number,
    nullable: true,
    description: 'Mean latency of the successful calls, in ms; null without any',
    example: 842.5,
  })
  avg_latency_ms!: number | null;

  @ApiProperty({ type: Number, nullable: true, description: 'Median latency, in ms', example: 780 })
  p50_latency_ms!: number | null;

  @ApiProperty({
    type: Number,
    nullable: true,
    description: '95th percentile latency, in ms',
    example: 2210.75,
  })
  p95_latency_ms!: number | null;

  @ApiProperty({ example: 48210 })
  prompt_tokens!: number;

  @ApiProperty({ example: 9120 })
  completion_tokens!: number;

  @ApiProperty({ description: 'Users whose conversation got a message', example: 12 })
  active_users!: number;
}

export class TimeseriesDto {
  @ApiProperty({ enum: STATS_BUCKETS, example: 'hour' })
  bucket!: StatsBucket;

  @ApiProperty({
    format: 'date-time',
    description: 'Start of the first bucket',
    example: '2026-01-14T10:00:00.000Z',
  })
  from!: string;

  @ApiProperty({
    format: 'date-time',
    description: 'End asked for',
    example: '2026-01-15T09:30:00.000Z',
  })
  to!: string;

  @ApiProperty({
    type: [TimeseriesPointDto],
    description:
      'One point per bucket, oldest first, empty buckets included with zero counts and null ' +
      `latencies; at most ${MAX_TIMESERIES_BUCKETS}. Default range: the last ` +
      `${DEFAULT_TIMESERIES_POINTS.hour} hours or ${DEFAULT_TIMESERIES_POINTS.day} days, current one included.`,
  })
  points!: TimeseriesPointDto[];
}

export class AggregationWindowsDto {
  @ApiProperty({ description: 'Hourly buckets written', example: 49 })
  hour!: number;

  @ApiProperty({ description: 'Daily (UTC) buckets written', example: 3 })
  day!: number;
}

export class AggregationResultDto {
  @ApiProperty({ enum: ['success'], example: 'success' })
  status!: 'success';

  @ApiProperty({ example: 'Aggregated 49 hourly and 3 daily buckets' })
  message!: string;

  @ApiProperty({ type: AggregationWindowsDto })
  windows!: AggregationWindowsDto;

  @ApiProperty({ format: 'date-time', example: '2026-01-13T09:30:00.000Z' })
  from!: string;

  @ApiProperty({ format: 'date-time', example: '2026-01-15T09:30:00.000Z' })
  to!: string;
}

export function toStatsOverviewDto(overview: StatsOverview): StatsOverviewDto {
  return {
    active_users_today: overview.activeUsersToday,
    active_users_hour: overview.activeUsersHour,
    total_messages_today: overview.messagesToday,
    messages_per_hour: overview.messagesLastHour,
    avg_response_time_ms: round2(overview.avgLatencyMs),
    p95_response_time_ms: round2(overview.p95LatencyMs),
    error_rate_percent:
      overview.llmRequestsLastHour > 0
        ? round2((100 * overview.errorsLastHour) / overview.llmRequestsLastHour)
        : 0,
    halted_users: overview.haltedUsers,
    top_templates: overview.topTemplates,
    llm_requests_today: overview.llmRequestsToday,
    as_of: overview.at.toISOString(),
  };
}

export function toUserStatsDto(stats: UserStats): UserStatsDto {
  return {
    user_id: stats.userId,
    first_seen: stats.firstSeen.toISOString(),
    last_seen: stats.lastSeen.toISOString(),
    total_messages: stats.messages,
    total_errors: stats.errors,
    avg_response_time_ms: round2(stats.avgLatencyMs),
    total_llm_requests: stats.llmRequests,
    mode: stats.mode,
  };
}

function toTimeseriesPointDto(point: BucketStats): TimeseriesPointDto {
  return {
    bucket_start: point.bucketStart.toISOString(),
    messages: point.messages,
    llm_requests: point.llmRequests,
    errors: point.errors,
    error_rate_percent: round2(point.errorRatePercent),
    avg_latency_ms: round2(point.avgLatencyMs),
    p50_latency_ms: round2(point.p50LatencyMs),
    p95_latency_ms: round2(point.p95LatencyMs),
    prompt_tokens: point.promptTokens,
    completion_tokens: point.completionTokens,
    active_users: point.activeUsers,
  };
}

export function toTimeseriesDto({ bucket, range, points }: Timeseries): TimeseriesDto {
  return {
    bucket,
    from: (points[0]?.bucketStart ?? range.from).toISOString(),
    to: range.to.toISOString(),
    points: points.map(toTimeseriesPointDto),
  };
}
