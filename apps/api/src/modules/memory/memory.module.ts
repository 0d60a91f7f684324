import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuditModule } from '../audit/audit.module';
import { EventOutboxModule } from '../events/event-outbox.module';
import { ConversationStore } from './conversation-store.service';
import { ConversationMessageEntity } from './entities/conversation-message.entity';
import { UserMemoryEntity } from './entities/user-memory.entity';
import { UserStateEntity } from './entities/user-state.entity';
import { MemoryController } from './memory.controller';
import { MemoryStatsService } from './memory-stats.service';
import { MemoryService } from './memory.service';
import { UserStateController } from './user-state.controller';
import { TurnContextService } from './turn-context.service';
import { UserStateService } from './user-state.service';

/** Conversation history, per-user memory and user state: what the product knows of a user. */
@Module({
  imports: [
    TypeOrmModule.forFeature([ConversationMessageEntity, UserMemoryEntity, UserStateEntity]),
    AuditModule,
    EventOutboxModule,
  ],
  controllers: [MemoryController, UserStateController],
  providers: [
    MemoryService,
    UserStateService,
    ConversationStore,
    MemoryStatsService,
    TurnContextService,
  ],
  exports: [
    MemoryService,
    UserStateService,
    ConversationStore,
    MemoryStatsService,
    TurnContextService,
  ],
})
export class MemoryModule {}
