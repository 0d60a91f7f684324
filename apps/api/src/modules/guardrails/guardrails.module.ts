import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuditModule } from '../audit/audit.module';
import { GuardrailConfigEntity } from './entities/guardrail-config.entity';
import { GuardrailEventEntity } from './entities/guardrail-event.entity';
import { GuardrailEngine } from './guardrail-engine';
import { GuardrailsController } from './guardrails.controller';
import { GuardrailsService } from './guardrails.service';

/** Guardrail configs, the engine that applies them around the LLM call, and their event log. */
@Module({
  imports: [TypeOrmModule.forFeature([GuardrailConfigEntity, GuardrailEventEntity]), AuditModule],
  controllers: [GuardrailsController],
  providers: [GuardrailsService, GuardrailEngine],
  exports: [GuardrailsService, GuardrailEngine],
})
export class GuardrailsModule {}
