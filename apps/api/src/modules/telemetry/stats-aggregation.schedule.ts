import {
  BeforeApplicationShutdown,
  Injectable,
  Logger,
  OnApplicationBootstrap,
} from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { AppConfig } from '../../core/config/app-config';
import { StatsAggregator } from './stats-aggregator.service';
import { AggregationRunningError } from './telemetry.errors';

export const STATS_AGGREGATION_JOB = 'stats-aggregation';

/**
 * Every STATS_AGGREGATION_INTERVAL_MS (0 = off) each instance refreshes the recent rollups;
 * the advisory lock lets one of them run at a time and the others skip that tick.
 */
@Injectable()
export class StatsAggregationSchedule implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('StatsAggregation');
  private running?: Promise<void>;
  private stopped = false;

  constructor(
    private readonly config: AppConfig,
    private readonly scheduler: SchedulerRegistry,
    private readonly aggregator: StatsAggregator,
  ) {}

  onApplicationBootstrap(): void {
    const every = this.config.statsAggregationIntervalMs;
    if (every === 0) return;
    this.scheduler.addInterval(
      STATS_AGGREGATION_JOB,
      setInterval(() => void this.tick(), every),
    );
  }

  /** One run at a time in this process too: a slow run is never stacked. */
  tick(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    this.running ??= this.aggregator
      .aggregateRecent()
      .then(({ windows }) =>
        this.logger.debug(`rolled up ${windows.hour} hours, ${windows.day} days`),
      )
      .catch((error: unknown) => {
        if (error instanceof AggregationRunningError) return;
        this.logger.warn(
          `stats aggregation failed: ${error instanceof Error ? error.message : String(error)}`,
        );
      })
      .finally(() => {
        this.running = undefined;
      });
    return this.running;
  }

  /** The database closes after this: let a run in progress finish first. */
  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    if (this.scheduler.doesExist('interval', STATS_AGGREGATION_JOB)) {
      this.scheduler.deleteInterval(STATS_AGGREGATION_JOB);
    }
    await this.running;
  }
}
