import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuditModule } from '../audit/audit.module';
import { MemoryModule } from '../memory/memory.module';
import { InterventionEntity } from './entities/intervention.entity';
import { InterventionsController } from './interventions.controller';
import { InterventionsService } from './interventions.service';
import { MonitorController } from './monitor.controller';
import { UserModeController } from './user-mode.controller';

@Module({
  imports: [TypeOrmModule.forFeature([InterventionEntity]), MemoryModule, AuditModule],
  controllers: [InterventionsController, UserModeController, MonitorController],
  providers: [InterventionsService],
  exports: [InterventionsService],
})
export class InterventionsModule {}
