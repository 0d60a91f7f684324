import { Module } from '@nestjs/common';
import { ContextModule } from '../context/context.module';
import { GuardrailsModule } from '../guardrails/guardrails.module';
import { LlmModule } from '../llm/llm.module';
import { MemoryModule } from '../memory/memory.module';
import { PromptsModule } from '../prompts/prompts.module';
import { TelemetryModule } from '../telemetry/telemetry.module';
import { ChatController } from './chat.controller';
import { ChatIdempotencyService } from './chat-idempotency.service';
import { ChatService } from './chat.service';
import { HaltWatch } from './halt-watch';

/** The orchestrator of a chat turn; depends on the other modules, none depends on it. */
@Module({
  imports: [
    MemoryModule,
    PromptsModule,
    ContextModule,
    LlmModule,
    TelemetryModule,
    GuardrailsModule,
  ],
  controllers: [ChatController],
  providers: [ChatService, ChatIdempotencyService, HaltWatch],
})
export class ChatModule {}
