import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuditModule } from '../audit/audit.module';
import { MemoryModule } from '../memory/memory.module';
import { MetricsModule } from '../metrics/metrics.module';
import { LlmRequestEntity } from './entities/llm-request.entity';
import { StatsRollupEntity } from './entities/stats-rollup.entity';
import { LlmRequestLog } from './llm-request-log.service';
import { LlmRequestsController } from './llm-requests.controller';
import { StatsAggregationSchedule } from './stats-aggregation.schedule';
import { StatsAggregator } from './stats-aggregator.service';
import { StatsController } from './stats.controller';
import { StatsService } from './stats.service';
import { TelemetryService } from './telemetry.service';

/** LLM call records, their hourly and daily rollups, and the dashboard stats read from both. */
@Module({
  imports: [
    TypeOrmModule.forFeature([LlmRequestEntity, StatsRollupEntity]),
    AuditModule,
    MemoryModule,
    MetricsModule,
  ],
  controllers: [StatsController, LlmRequestsController],
  providers: [
    TelemetryService,
    StatsAggregator,
    StatsAggregationSchedule,
    StatsService,
    LlmRequestLog,
  ],
  exports: [TelemetryService],
})
export class TelemetryModule {}
