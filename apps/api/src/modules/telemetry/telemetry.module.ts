import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { LlmRequestEntity } from './entities/llm-request.entity';
import { TelemetryService } from './telemetry.service';

@Module({
  imports: [TypeOrmModule.forFeature([LlmRequestEntity])],
  providers: [TelemetryService],
  exports: [TelemetryService],
})
export class TelemetryModule {}
