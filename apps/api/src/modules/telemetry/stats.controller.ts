import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import { ErrorResponseDto } from '../../core/errors/error-response.dto';
import { UserIdParamsDto } from '../memory/dto/user-params.dto';
import { toDate } from './dto/instant';
import {
  AggregateStatsDto,
  AggregationResultDto,
  StatsOverviewDto,
  TimeseriesDto,
  TimeseriesQueryDto,
  toStatsOverviewDto,
  toTimeseriesDto,
  toUserStatsDto,
  UserStatsDto,
} from './dto/stats.dto';
import { StatsAggregator } from './stats-aggregator.service';
import { StatsService } from './stats.service';

const RANGE_INVALID = {
  type: ErrorResponseDto,
  description:
    'validation_failed: details.fields names a bad from, to or bucket, from not before to, ' +
    'or an unknown field',
};

@ApiTags('stats')
@Controller('admin/stats')
export class StatsController {
  constructor(
    private readonly stats: StatsService,
    private readonly aggregator: StatsAggregator,
  ) {}

  @Get('overview')
  @ApiOperation({
    summary: 'Dashboard numbers: today (since 00:00 UTC) and the last 60 minutes',
    description:
      'Counts of today come from the hourly rollups of the complete hours plus the current hour ' +
      'computed from the raw rows (so they are exact even before an aggregation ran); the ' +
      'last-60-minutes figures and the user counts come straight from indexed raw rows. ' +
      'Latency is over successful LLM calls only.',
  })
  @ApiOkResponse({ type: StatsOverviewDto })
  async getStatsOverview(): Promise<StatsOverviewDto> {
    return toStatsOverviewDto(await this.stats.overview());
  }

  @Get('users/:user_id')
  @ApiOperation({
    summary: "One user's activity and LLM figures over all time",
    description:
      'first_seen and last_seen come from the user state; errors and latency from their LLM calls.',
  })
  @ApiOkResponse({ type: UserStatsDto })
  @ApiNotFoundResponse({ type: ErrorResponseDto, description: 'user_not_found: never seen' })
  @ApiUnprocessableEntityResponse({
    type: ErrorResponseDto,
    description: 'validation_failed: details.fields names user_id',
  })
  async getUserStats(@Param() { user_id }: UserIdParamsDto): Promise<UserStatsDto> {
    return toUserStatsDto(await this.stats.userStats(user_id));
  }

  @Get('timeseries')
  @ApiOperation({
    summary: 'Activity per UTC hour or day, gaps filled',
    description:
      'Every bucket from the one holding `from` up to `to`, at most 1000. Complete buckets come ' +
      'from their rollups; the current bucket, and any bucket not rolled up since it ended, is ' +
      'computed from the raw rows. Defaults: bucket=hour, to=now, from = the last 24 hours (or ' +
      '30 days by day), current bucket included.',
  })
  @ApiOkResponse({ type: TimeseriesDto })
  @ApiUnprocessableEntityResponse({
    ...RANGE_INVALID,
    description: `${RANGE_INVALID.description}, or more than 1000 buckets`,
  })
  async getStatsTimeseries(@Query() query: TimeseriesQueryDto): Promise<TimeseriesDto> {
    return toTimeseriesDto(
      await this.stats.timeseries(query.bucket ?? 'hour', {
        from: toDate(query.from),
        to: toDate(query.to),
      }),
    );
  }

  @Post('aggregate')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Recompute the hourly and daily rollups of a time range now',
    description:
      'Rewrites every UTC hour and day touching [from, to) from the raw rows (default: the last ' +
      '48 hours; at most 31 days per call, never past now). Idempotent. Each instance also does ' +
      'this every STATS_AGGREGATION_INTERVAL_MS for the current and previous hour and day. One ' +
      'run at a time across instances: a call made while another run holds the lock answers 409 ' +
      'aggregation_running at once (that run writes the same rows; retry to include anything newer).',
  })
  @ApiOkResponse({ type: AggregationResultDto })
  @ApiBadRequestResponse({ type: ErrorResponseDto, description: 'malformed_json' })
  @ApiConflictResponse({
    type: ErrorResponseDto,
    description: 'aggregation_running: another run holds the lock',
  })
  @ApiUnprocessableEntityResponse({
    ...RANGE_INVALID,
    description: `${RANGE_INVALID.description}, or more than 31 days`,
  })
  async aggregateStats(@Body() body: AggregateStatsDto): Promise<AggregationResultDto> {
    const { range, windows } = await this.aggregator.aggregate({
      from: toDate(body.from),
      to: toDate(body.to),
    });
    return {
      status: 'success',
      message: `Aggregated ${windows.hour} hourly and ${windows.day} daily buckets`,
      windows,
      from: range.from.toISOString(),
      to: range.to.toISOString(),
    };
  }
}
