import { Injectable } from '@nestjs/common';
import { AppConfig } from '../../core/config/app-config';
import { PromptContextService } from '../context/prompt-context.service';
import { buildLlmMessages, llmParamsOf } from '../context/prompt-messages';
import { TemplateRenderError } from '../context/template-error';
import { TemplateRenderer } from '../context/template-renderer';
import { EventsService } from '../events/events.service';
import { LlmClient } from '../llm/llm.client';
import { LlmAbortedError, LlmError } from '../llm/llm.errors';
import { LlmRequest } from '../llm/llm.types';
import { ConversationStore } from '../memory/conversation-store.service';
import { HALTED_MODE } from '../memory/entities/user-state.entity';
import { UserStateService } from '../memory/user-state.service';
import { PromptsService, ResolvedTemplate } from '../prompts/prompts.service';
import { TemplateConfig } from '../prompts/template-config';
import { LlmRequestStatus } from '../telemetry/entities/llm-request.entity';
import { TelemetryService } from '../telemetry/telemetry.service';
import {
  ConversationHaltedError,
  MessageTooLongError,
  TemplateRenderFailedError,
} from './chat.errors';

export interface ChatInput {
  userId: string;
  message: string;
  templateName?: string;
  guardrailConfig?: string;
}

export interface TurnOptions {
  requestId: string;
  /** Aborted when the client goes away: the LLM request is cancelled too. */
  signal?: AbortSignal;
}

export interface ChatMetadata {
  template_used: string;
  template_version: number;
  guardrail_config: string | null;
  message_count: number;
  response_time_ms: number;
  llm_time_ms: number;
  prompt_tokens: number;
  completion_tokens: number;
  request_id: string;
  model: string;
  attempts: number;
  finish_reason: string;
  message_id: number;
}

export interface ChatReply {
  response: string;
  metadata: ChatMetadata;
}

export type ChatStreamEvent =
  | {
      event: 'meta';
      data: { template: string; version: number; request_id: string; user_message_id: number };
    }
  | { event: 'token'; data: { delta: string } }
  | { event: 'done'; data: ChatReply };

interface PreparedTurn {
  input: ChatInput;
  options: TurnOptions;
  startedAt: number;
  template: ResolvedTemplate;
  guardrailConfig: string | null;
  llmRequest: LlmRequest;
  userMessageId: number;
}

interface LlmOutcome {
  content: string;
  model: string;
  finishReason: string;
  attempts: number;
  latencyMs: number;
  ttftMs: number | null;
  promptTokens: number;
  completionTokens: number;
}

/**
 * One chat turn (spec section 4): store the user's message, stop if the user is halted, pick the
 * template, load memory and history, render, call the LLM, store the reply, record telemetry.
 */
@Injectable()
export class ChatService {
  constructor(
    private readonly config: AppConfig,
    private readonly conversations: ConversationStore,
    private readonly userState: UserStateService,
    private readonly prompts: PromptsService,
    private readonly context: PromptContextService,
    private readonly renderer: TemplateRenderer,
    private readonly llm: LlmClient,
    private readonly telemetry: TelemetryService,
    private readonly events: EventsService,
  ) {}

  async send(input: ChatInput, options: TurnOptions): Promise<ChatReply> {
    const turn = await this.prepare(input, options);
    let outcome: LlmOutcome;
    try {
      const completion = await this.llm.complete(turn.llmRequest, { signal: options.signal });
      outcome = { ...completion, ttftMs: null };
    } catch (error) {
      this.recordFailure(turn, error, false);
      throw error;
    }
    return this.finish(turn, outcome, false);
  }

  /** Yields `meta`, then `token`s, then `done`; failures are thrown (the caller sends `error`). */
  async *stream(input: ChatInput, options: TurnOptions): AsyncGenerator<ChatStreamEvent> {
    const turn = await this.prepare(input, options);
    yield {
      event: 'meta',
      data: {
        template: turn.template.name,
        version: turn.template.version,
        request_id: options.requestId,
        user_message_id: turn.userMessageId,
      },
    };
    let partial = '';
    let outcome: LlmOutcome | undefined;
    try {
      for await (const event of this.llm.stream(turn.llmRequest, { signal: options.signal })) {
        if (event.type === 'token') {
          partial += event.delta;
          yield { event: 'token', data: { delta: event.delta } };
        } else {
          outcome = { ...event, content: partial };
        }
      }
    } catch (error) {
      if (error instanceof LlmAbortedError && partial) await this.storeInterrupted(turn, partial);
      this.recordFailure(turn, error, true);
      throw error;
    }
    if (!outcome) throw new Error('LLM stream ended without a done event');
    yield { event: 'done', data: await this.finish(turn, outcome, true) };
  }

  private async prepare(input: ChatInput, options: TurnOptions): Promise<PreparedTurn> {
    if (input.message.length > this.config.chatMaxChars)
      throw new MessageTooLongError(this.config.chatMaxChars);
    const startedAt = performance.now();
    // Stored first: nothing the user said is lost, whatever fails next.
    const userMessage = await this.conversations.append({
      userId: input.userId,
      role: 'user',
      content: input.message,
      source: 'user',
      metadata: { request_id: options.requestId },
    });
    this.events.publishMessage(userMessage);
    const state = await this.userState.get(input.userId);
    if (state?.mode === HALTED_MODE)
      throw new ConversationHaltedError(state.reason, state.operator);

    const template = await this.prompts.resolveForChat(input.templateName);
    const config = template.config as TemplateConfig;
    const { variables, history } = await this.context.forUser({
      userId: input.userId,
      message: input.message,
      historyLimit: config.history_limit,
      currentMessageId: userMessage.id,
      userMode: state?.mode,
    });
    let systemPrompt: string;
    try {
      systemPrompt = (await this.renderer.renderWithTimeout(template.content, variables)).output;
    } catch (error) {
      if (error instanceof TemplateRenderError) {
        throw new TemplateRenderFailedError(template.name, error.reason, error.line, error.column);
      }
      throw error;
    }
    const messages = buildLlmMessages(template.content, systemPrompt, history, input.message);

    return {
      input,
      options,
      startedAt,
      template,
      guardrailConfig: input.guardrailConfig ?? config.guardrail_config ?? null,
      llmRequest: { messages, params: llmParamsOf(config), requestId: options.requestId },
      userMessageId: userMessage.id,
    };
  }

  /** Stores the reply, unless a halt landed meanwhile: then it is kept for operators only. */
  private async finish(
    turn: PreparedTurn,
    outcome: LlmOutcome,
    stream: boolean,
  ): Promise<ChatReply> {
    const { input, template } = turn;
    const stateNow = await this.userState.get(input.userId);
    const halted = stateNow?.mode === HALTED_MODE;
    const reply = await this.conversations.append({
      userId: input.userId,
      role: 'assistant',
      content: outcome.content,
      source: 'llm',
      templateName: template.name,
      templateVersion: template.version,
      visibleToUser: !halted,
      metadata: {
        request_id: turn.options.requestId,
        finish_reason: outcome.finishReason,
        ...(halted ? { withheld_by_halt: true } : {}),
      },
    });
    this.events.publishMessage(reply);
    this.record(turn, stream, 'ok', outcome);
    if (halted) throw new ConversationHaltedError(stateNow.reason, stateNow.operator);

    return {
      response: outcome.content,
      metadata: {
        template_used: template.name,
        template_version: template.version,
        guardrail_config: turn.guardrailConfig,
        message_count: (stateNow?.messageCount ?? 0) + 1,
        response_time_ms: Math.round(performance.now() - turn.startedAt),
        llm_time_ms: outcome.latencyMs,
        prompt_tokens: outcome.promptTokens,
        completion_tokens: outcome.completionTokens,
        request_id: turn.options.requestId,
        model: outcome.model,
        attempts: outcome.attempts,
        finish_reason: outcome.finishReason,
        message_id: reply.id,
      },
    };
  }

  private async storeInterrupted(turn: PreparedTurn, partial: string): Promise<void> {
    const message = await this.conversations.append({
      userId: turn.input.userId,
      role: 'assistant',
      content: partial,
      source: 'llm',
      templateName: turn.template.name,
      templateVersion: turn.template.version,
      metadata: { request_id: turn.options.requestId, interrupted: true },
    });
    this.events.publishMessage(message);
  }

  private recordFailure(turn: PreparedTurn, error: unknown, stream: boolean): void {
    const llmError = error instanceof LlmError ? error : undefined;
    const status: LlmRequestStatus = error instanceof LlmAbortedError ? 'interrupted' : 'error';
    this.record(turn, stream, status, undefined, {
      attempts: llmError?.attempts ?? 1,
      errorCode: llmError?.code ?? 'internal_error',
      error: error instanceof Error ? error.message.slice(0, 1000) : String(error),
    });
  }

  private record(
    turn: PreparedTurn,
    stream: boolean,
    status: LlmRequestStatus,
    outcome?: LlmOutcome,
    failure?: { attempts: number; errorCode: string; error: string },
  ): void {
    this.telemetry.recordLlmRequest({
      requestId: turn.options.requestId,
      userId: turn.input.userId,
      templateName: turn.template.name,
      templateVersion: turn.template.version,
      guardrailConfig: turn.guardrailConfig,
      model: outcome?.model ?? turn.llmRequest.params?.model ?? this.llm.model,
      api: this.config.llmApi,
      stream,
      promptTokens: outcome?.promptTokens ?? null,
      completionTokens: outcome?.completionTokens ?? null,
      latencyMs: outcome?.latencyMs ?? Math.round(performance.now() - turn.startedAt),
      ttftMs: outcome?.ttftMs ?? null,
      attempts: outcome?.attempts ?? failure?.attempts ?? 1,
      status,
      errorCode: failure?.errorCode ?? null,
      error: failure?.error ?? null,
    });
  }
}
