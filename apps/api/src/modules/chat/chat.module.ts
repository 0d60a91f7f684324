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
import { TurnPreparer } from './turn-preparation.service';
import { TurnRecorder } from './turn-recorder.service';
import { TurnReferenceResolver } from './turn-references.service';
import { TurnStreamer } from './turn-streamer.service';

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
  providers: [
    ChatService,
    ChatIdempotencyService,
    TurnReferenceResolver,
    TurnPreparer,
    TurnRecorder,
    TurnStreamer,
    HaltWatch,
  ],
})
export class ChatModule {}
