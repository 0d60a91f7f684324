import { Global, Module } from '@nestjs/common';
import { MemoryModule } from '../memory/memory.module';
import { EventsController } from './events.controller';
import { EventsService } from './events.service';

/** Global: every module that changes something publishes through EventsService. */
@Global()
@Module({
  imports: [MemoryModule],
  controllers: [EventsController],
  providers: [EventsService],
  exports: [EventsService],
})
export class EventsModule {}
