import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Param,
  Post,
  Query,
  Req,
  Res,
} from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBadGatewayResponse,
  ApiConflictResponse,
  ApiGatewayTimeoutResponse,
  ApiHeader,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiResponse,
  ApiServiceUnavailableResponse,
  ApiTags,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ErrorResponseDto } from '../../core/errors/error-response.dto';
import { openSseStream, pipeToSse } from '../../core/http/sse-stream';
import { ConversationStore } from '../memory/conversation-store.service';
import { MetricsService } from '../metrics/metrics.service';
import { UserIdParamsDto } from '../memory/dto/user-params.dto';
import { ChatIdempotencyService } from './chat-idempotency.service';
import { ChatInput, ChatService } from './chat.service';
import {
  ChatHistoryDto,
  ChatHistoryQueryDto,
  ChatRequestDto,
  ChatResponseDto,
  DeleteHistoryDto,
  DeleteHistoryQueryDto,
} from './dto/chat.dto';

function toInput(body: ChatRequestDto): ChatInput {
  return {
    userId: body.user_id,
    message: body.message,
    templateName: body.template_name,
    guardrailConfig: body.guardrail_config,
  };
}

/** Aborts when the client closes the connection before the response is complete. */
function abortOnDisconnect(reply: FastifyReply): AbortController {
  const controller = new AbortController();
  reply.raw.on('close', () => {
    if (!reply.raw.writableFinished) controller.abort();
  });
  return controller;
}

const IDEMPOTENCY_HEADER = 'idempotency-key';
const REPLAYED_HEADER = 'idempotent-replayed';

const idempotencyHeader = ApiHeader({
  name: 'Idempotency-Key',
  required: false,
  description:
    'Makes a retry safe: 1-255 printable ASCII characters, scoped to the user, kept 24 h. The ' +
    'same key with the same body answers the first outcome again (header Idempotent-Replayed: ' +
    'true) and never stores the message twice; 409 idempotency_in_progress while the first ' +
    'request runs; 422 idempotency_key_reused with a different body. A first outcome that was ' +
    'a 5xx (or cancelled) is run again, reusing the stored user message.',
});

@ApiTags('chat')
@Controller('chat')
export class ChatController {
  constructor(
    private readonly chat: ChatService,
    private readonly conversations: ConversationStore,
    private readonly metrics: MetricsService,
    private readonly idempotency: ChatIdempotencyService,
  ) {}

  @Post()
  @HttpCode(200)
  @ApiOperation({
    summary: 'Send a message and get the AI reply',
    description:
      "The template and guardrail config named are checked first (404/409: nothing is stored); then the user's message is stored, so it is never lost. A halted user gets 423 and no AI reply.",
  })
  @ApiOkResponse({ type: ChatResponseDto })
  @ApiBadRequestResponse({ type: ErrorResponseDto, description: 'malformed_json' })
  @ApiNotFoundResponse({
    type: ErrorResponseDto,
    description: 'template_not_found, guardrail_not_found',
  })
  @ApiConflictResponse({
    type: ErrorResponseDto,
    description: 'template_inactive, idempotency_in_progress',
  })
  @idempotencyHeader
  @ApiResponse({
    status: 423,
    type: ErrorResponseDto,
    description: 'conversation_halted: details {reason, operator, message_stored}',
  })
  @ApiUnprocessableEntityResponse({
    type: ErrorResponseDto,
    description:
      'validation_failed, guardrail_blocked, idempotency_key_reused; template_render_failed (details {template, reason, line, column, budget?})',
  })
  @ApiBadGatewayResponse({
    type: ErrorResponseDto,
    description: 'llm_unavailable (after retries), llm_rejected',
  })
  @ApiServiceUnavailableResponse({
    type: ErrorResponseDto,
    description: 'no_template; llm_unavailable while the circuit is open',
  })
  @ApiGatewayTimeoutResponse({ type: ErrorResponseDto, description: 'llm_timeout' })
  async sendChatMessage(
    @Body() body: ChatRequestDto,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<ChatResponseDto> {
    const disconnect = abortOnDisconnect(reply);
    return this.chat.send(toInput(body), {
      requestId: String(request.id),
      signal: disconnect.signal,
      idempotencyKey: ChatIdempotencyService.parseKey(request.headers[IDEMPOTENCY_HEADER]),
      onReplay: () => void reply.header(REPLAYED_HEADER, 'true'),
    });
  }

  @Post('stream')
  @ApiOperation({
    summary: 'Send a message and stream the AI reply (Server-Sent Events)',
    description:
      'Events: `meta` {template, version, request_id}, `token` {delta} as the reply is generated, ' +
      '`done` (the same body as POST /chat) and, on failure, one `error` with the error shape ' +
      '(e.g. code conversation_halted). Closing the connection cancels the LLM request; the ' +
      'partial reply is stored marked interrupted.',
  })
  @ApiProduces('text/event-stream')
  @ApiOkResponse({
    description: 'An event stream',
    content: { 'text/event-stream': { schema: { type: 'string' } } },
  })
  @ApiBadRequestResponse({ type: ErrorResponseDto, description: 'malformed_json' })
  @ApiNotFoundResponse({
    type: ErrorResponseDto,
    description: 'template_not_found, guardrail_not_found (nothing stored, no stream)',
  })
  @ApiConflictResponse({
    type: ErrorResponseDto,
    description: 'template_inactive, idempotency_in_progress',
  })
  @idempotencyHeader
  @ApiUnprocessableEntityResponse({
    type: ErrorResponseDto,
    description:
      'validation_failed, idempotency_key_reused; template_render_failed (details {template, reason, line, column, budget?})',
  })
  async streamChatMessage(
    @Body() body: ChatRequestDto,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const requestId = String(request.id);
    const disconnect = abortOnDisconnect(reply);
    // Unknown references are answered as plain HTTP errors, before the stream starts.
    let replayed = false;
    const events = await this.chat.openStream(toInput(body), {
      requestId,
      signal: disconnect.signal,
      idempotencyKey: ChatIdempotencyService.parseKey(request.headers[IDEMPOTENCY_HEADER]),
      onReplay: () => (replayed = true),
    });
    const stream = openSseStream(reply, {
      requestId,
      headers: replayed ? { [REPLAYED_HEADER]: 'true' } : {},
      cancel: disconnect,
    });
    this.metrics.countOpenStream('chat', stream);
    await pipeToSse(stream, events);
  }

  @Get('history')
  @ApiOperation({ summary: "A user's visible messages, oldest first, newest page first" })
  @ApiOkResponse({ type: ChatHistoryDto })
  @ApiUnprocessableEntityResponse({ type: ErrorResponseDto, description: 'validation_failed' })
  async getChatHistory(@Query() query: ChatHistoryQueryDto): Promise<ChatHistoryDto> {
    const page = await this.conversations.page(query.user_id, {
      limit: query.limit ?? 50,
      before: query.before,
      visibleOnly: true,
    });
    return {
      user_id: query.user_id,
      messages: page.messages.map((message) => ({
        id: message.id,
        role: message.role,
        content: message.content,
        created_at: message.createdAt.toISOString(),
        source: message.source,
        interrupted: message.metadata.interrupted === true,
      })),
      total_count: page.totalCount,
      next_cursor: page.nextCursor,
    };
  }

  @Delete('history/:user_id')
  @ApiOperation({
    summary: "Erase a user's messages (and with include_memory=true, their memory and state)",
  })
  @ApiOkResponse({ type: DeleteHistoryDto })
  @ApiUnprocessableEntityResponse({ type: ErrorResponseDto, description: 'validation_failed' })
  async deleteChatHistory(
    @Param() { user_id }: UserIdParamsDto,
    @Query() query: DeleteHistoryQueryDto,
  ): Promise<DeleteHistoryDto> {
    const deleted = await this.conversations.deleteForUser(user_id, {
      includeMemory: query.include_memory ?? false,
    });
    await this.idempotency.forgetUser(user_id);
    return { user_id, deleted_count: deleted };
  }
}
