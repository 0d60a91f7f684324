import { Global, Module } from '@nestjs/common';
import { MemoryModule } from '../memory/memory.module';
import { EventOutboxModule } from './event-outbox.module';
import { EventsController } from './events.controller';
import { EventsService } from './events.service';

/** Global: every module that changes something publishes through EventsService. */
@Global()
@Module({
  imports: [MemoryModule, EventOutboxModule],
  controllers: [EventsController],
  providers: [EventsService],
  exports: [EventsService],
})
export class EventsModule {}
