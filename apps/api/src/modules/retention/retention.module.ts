import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { EventsModule } from '../events/events.module';
import { MemoryModule } from '../memory/memory.module';
import { TelemetryModule } from '../telemetry/telemetry.module';
import { RetentionService } from './retention.service';

/** Deletes what is older than RETENTION_DAYS; each module deletes its own rows. */
@Module({
  imports: [MemoryModule, TelemetryModule, EventsModule, AuditModule],
  providers: [RetentionService],
  exports: [RetentionService],
})
export class RetentionModule {}
