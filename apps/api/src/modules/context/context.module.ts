import { Module } from '@nestjs/common';
import { MemoryModule } from '../memory/memory.module';
import { PromptContextService } from './prompt-context.service';
import { TemplateRenderer } from './template-renderer';

/** Builds template variables and renders prompts safely; used by prompts and chat. */
@Module({
  imports: [MemoryModule],
  providers: [TemplateRenderer, PromptContextService],
  exports: [TemplateRenderer, PromptContextService],
})
export class ContextModule {}
