import { Controller, Get, Headers, Query, Req, Res } from '@nestjs/common';
import {
  ApiHeader,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiTags,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppConfig } from '../../core/config/app-config';
import { ValidationFailedError } from '../../core/errors/domain-error';
import { ErrorResponseDto } from '../../core/errors/error-response.dto';
import { openSseStream } from '../../core/http/sse-stream';
import { MetricsService, StreamKind } from '../metrics/metrics.service';
import { AdminEventsQueryDto, ChatEventsQueryDto } from './dto/events.dto';
import { chatClientSees, operatorSees } from './event-audiences';
import { EventsService } from './events.service';
import { LiveEvent } from './events.types';

const LAST_EVENT_ID = {
  name: 'Last-Event-ID',
  required: false,
  description: 'Resume: events after this id are sent first (browsers send it when they reconnect)',
};
const EVENT_STREAM = {
  description: 'An event stream',
  content: { 'text/event-stream': { schema: { type: 'string' } } },
};

@ApiTags('events')
@Controller()
export class EventsController {
  constructor(
    private readonly events: EventsService,
    private readonly config: AppConfig,
    private readonly metrics: MetricsService,
  ) {}

  @Get('admin/events')
  @ApiOperation({
    summary: 'Live events for operators (Server-Sent Events)',
    description:
      'Events: message.created, user.state_changed, intervention.created, template.changed, ' +
      'guardrail.fired, guardrail_config.changed. Each has an id (the SSE id); data is ' +
      '{id, type, user_id, data, created_at}. A comment is sent as a heartbeat every 15 s.',
  })
  @ApiHeader(LAST_EVENT_ID)
  @ApiProduces('text/event-stream')
  @ApiOkResponse(EVENT_STREAM)
  @ApiUnprocessableEntityResponse({ type: ErrorResponseDto, description: 'validation_failed' })
  async streamAdminEvents(
    @Query() query: AdminEventsQueryDto,
    @Headers('last-event-id') lastEventId: string | undefined,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    await this.stream(
      'admin_events',
      request,
      reply,
      resumeFrom(lastEventId, query.last_event_id),
      operatorSees({ types: query.types, userId: query.user_id }),
    );
  }

  @Get('chat/events')
  @ApiTags('chat')
  @ApiOperation({
    summary: "Live events for an end user's chat (Server-Sent Events)",
    description:
      "message.created for messages that did not come from the user's own requests (an " +
      'operator answering as the AI), and user.state_changed (e.g. paused by an operator).',
  })
  @ApiHeader(LAST_EVENT_ID)
  @ApiProduces('text/event-stream')
  @ApiOkResponse(EVENT_STREAM)
  @ApiUnprocessableEntityResponse({ type: ErrorResponseDto, description: 'validation_failed' })
  async streamChatEvents(
    @Query() query: ChatEventsQueryDto,
    @Headers('last-event-id') lastEventId: string | undefined,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    await this.stream(
      'chat_events',
      request,
      reply,
      resumeFrom(lastEventId, query.last_event_id),
      chatClientSees(query.user_id),
    );
  }

  /** Takes the response over; what goes on it and when it ends is the events service's. */
  private async stream(
    kind: StreamKind,
    request: FastifyRequest,
    reply: FastifyReply,
    resumeAfter: number | undefined,
    wanted: (event: LiveEvent) => boolean,
  ): Promise<void> {
    const stream = openSseStream(reply, {
      requestId: String(request.id),
      heartbeatMs: this.config.eventsHeartbeatMs,
      maxUnsentBytes: this.config.eventsStreamMaxUnsentBytes,
      retryMs: 3000,
    });
    this.metrics.countOpenStream(kind, stream);
    await this.events.stream(stream, { resumeAfter, wanted });
  }
}

function resumeFrom(header: string | undefined, query: number | undefined): number | undefined {
  if (header !== undefined && header !== '') {
    if (!/^\d{1,15}$/.test(header)) {
      throw new ValidationFailedError([
        { field: 'Last-Event-ID', errors: ['Last-Event-ID must be an event id'] },
      ]);
    }
    return Number(header);
  }
  return query;
}
