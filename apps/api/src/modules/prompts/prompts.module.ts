import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuditModule } from '../audit/audit.module';
import { ContextModule } from '../context/context.module';
import { LlmModule } from '../llm/llm.module';
import { TemplateVersionEntity } from './entities/template-version.entity';
import { TemplateEntity } from './entities/template.entity';
import { PromptsController } from './prompts.controller';
import { PromptsService } from './prompts.service';
import { TemplateLookup } from './template-lookup';
import { TemplatePreviewService } from './template-preview.service';
import { TemplateResolver } from './template-resolver.service';

@Module({
  imports: [
    TypeOrmModule.forFeature([TemplateEntity, TemplateVersionEntity]),
    AuditModule,
    ContextModule,
    LlmModule,
  ],
  controllers: [PromptsController],
  providers: [PromptsService, TemplatePreviewService, TemplateResolver, TemplateLookup],
  exports: [TemplateResolver],
})
export class PromptsModule {}
