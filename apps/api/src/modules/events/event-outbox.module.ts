import { Module } from '@nestjs/common';
import { MessageEventOutbox } from './message-event-outbox';

/** Its own module, so memory (which stores messages) and events (which reads memory) share it. */
@Module({ providers: [MessageEventOutbox], exports: [MessageEventOutbox] })
export class EventOutboxModule {}
