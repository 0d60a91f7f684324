import { Module } from '@nestjs/common';
import { EventsModule } from '../events/events.module';
import { MemoryModule } from '../memory/memory.module';
import { TelemetryModule } from '../telemetry/telemetry.module';
import { RetentionService } from './retention.service';

/** Deletes what is older than RETENTION_DAYS; each module deletes its own rows. */
@Module({
  imports: [MemoryModule, TelemetryModule, EventsModule],
  providers: [RetentionService],
  exports: [RetentionService],
})
export class RetentionModule {}
