import { Injectable, Logger } from '@nestjs/common';
import { AppConfig } from '../../core/config/app-config';
import { DomainError } from '../../core/errors/domain-error';
import { PromptContextService } from '../context/prompt-context.service';
import { buildLlmMessages, llmParamsOf } from '../context/prompt-messages';
import { TemplateRenderError } from '../context/template-error';
import { TemplateRenderer } from '../context/template-renderer';
import { EventsService } from '../events/events.service';
import { ActiveGuardrailConfig } from '../guardrails/guardrail-cache';
import { GuardrailEngine, GuardrailFiring, ScanStep } from '../guardrails/guardrail-engine';
import { GuardrailBlockedError } from '../guardrails/guardrails.errors';
import { GuardrailsService } from '../guardrails/guardrails.service';
import { LlmClient } from '../llm/llm.client';
import { MetricsService } from '../metrics/metrics.service';
import { LlmAbortedError, LlmError } from '../llm/llm.errors';
import { LlmRequest } from '../llm/llm.types';
import { ConversationStore, EXCLUDED_FROM_PROMPT } from '../memory/conversation-store.service';
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
  /** Output guardrails replaced the reply with the config's fallback message. */
  guardrail_blocked: boolean;
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
  guardrails: ActiveGuardrailConfig | null;
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
    private readonly metrics: MetricsService,
    private readonly guardrails: GuardrailsService,
    private readonly engine: GuardrailEngine,
  ) {}

  private readonly logger = new Logger('Chat');

  async send(input: ChatInput, options: TurnOptions): Promise<ChatReply> {
    const startedAt = performance.now();
    let outcome = 'ok';
    try {
      return await this.sendTurn(input, options);
    } catch (error) {
      outcome = outcomeOf(error);
      throw error;
    } finally {
      this.metrics.observeChatTurn(false, outcome, (performance.now() - startedAt) / 1000);
    }
  }

  /** Yields `meta`, then `token`s, then `done`; failures are thrown (the caller sends `error`). */
  async *stream(input: ChatInput, options: TurnOptions): AsyncGenerator<ChatStreamEvent> {
    const startedAt = performance.now();
    let outcome = 'ok';
    try {
      yield* this.streamTurn(input, options);
    } catch (error) {
      outcome = outcomeOf(error);
      throw error;
    } finally {
      this.metrics.observeChatTurn(true, outcome, (performance.now() - startedAt) / 1000);
    }
  }

  private async sendTurn(input: ChatInput, options: TurnOptions): Promise<ChatReply> {
    const turn = await this.prepare(input, options);
    let outcome: LlmOutcome;
    try {
      const completion = await this.llm.complete(turn.llmRequest, { signal: options.signal });
      outcome = { ...completion, ttftMs: null };
    } catch (error) {
      this.recordFailure(turn, error, false);
      throw error;
    }
    if (!turn.guardrails) return this.finish(turn, outcome, false);
    const check = this.engine.checkOutput(turn.guardrails, outcome.content);
    return this.finish(turn, { ...outcome, content: check.text }, false, {
      blocked: check.blocked,
      firings: check.firings,
    });
  }

  private async *streamTurn(
    input: ChatInput,
    options: TurnOptions,
  ): AsyncGenerator<ChatStreamEvent> {
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
    // Output rules see the reply as it grows; only text they have cleared reaches the client.
    const scanner = turn.guardrails ? this.engine.createOutputScanner(turn.guardrails) : undefined;
    const firings: GuardrailFiring[] = [];
    let sent = '';
    let blocked = false;
    let outcome: LlmOutcome | undefined;
    const release = (step: ScanStep) => {
      firings.push(...step.firings);
      blocked ||= step.blocked;
      sent += step.emit;
      return step.emit;
    };
    // A halt that lands mid-stream stops the reply at once (on any instance, via its event).
    const halt = new AbortController();
    const stopWatching = this.events.subscribe((event) => {
      if (
        event.type === 'user.state_changed' &&
        event.user_id === input.userId &&
        event.data.halted === true
      ) {
        halt.abort();
      }
    });
    const signal = options.signal ? AbortSignal.any([options.signal, halt.signal]) : halt.signal;
    try {
      for await (const event of this.llm.stream(turn.llmRequest, { signal })) {
        if (event.type === 'done') {
          outcome = { ...event, content: sent };
          continue;
        }
        const delta = scanner
          ? release(scanner.push(event.delta))
          : release(passThrough(event.delta));
        if (delta) yield { event: 'token', data: { delta } };
        // A blocked reply is not read further: leaving the loop cancels the LLM request.
        if (blocked) break;
      }
    } catch (error) {
      const halted = halt.signal.aborted && !options.signal?.aborted;
      if (error instanceof LlmAbortedError && (sent || halted)) {
        await this.storeInterrupted(turn, sent, halted);
      }
      this.recordFailure(turn, error, true);
      if (halted) {
        const state = await this.userState.get(input.userId);
        throw new ConversationHaltedError(state?.reason ?? null, state?.operator ?? null);
      }
      throw error;
    } finally {
      stopWatching();
    }
    if (scanner && !blocked) {
      const delta = release(scanner.end());
      if (delta) yield { event: 'token', data: { delta } };
    }
    outcome ??= this.cutShortOutcome(turn, sent);
    const content = blocked ? turn.guardrails!.fallbackMessage : sent;
    yield {
      event: 'done',
      data: await this.finish(turn, { ...outcome, content }, true, { blocked, firings }),
    };
  }

  private async prepare(input: ChatInput, options: TurnOptions): Promise<PreparedTurn> {
    if (input.message.length > this.config.chatMaxChars)
      throw new MessageTooLongError(this.config.chatMaxChars);
    const startedAt = performance.now();
    // Stored first: nothing the user said is lost, whatever fails next.
    const { message: userMessage, state } = await this.conversations.appendWithState({
      userId: input.userId,
      role: 'user',
      content: input.message,
      source: 'user',
      metadata: { request_id: options.requestId },
    });
    this.events.publishMessage(userMessage);
    if (state.mode === HALTED_MODE) throw new ConversationHaltedError(state.reason, state.operator);

    const template = await this.prompts.resolveForChat(input.templateName);
    const config = template.config as TemplateConfig;
    const guardrails = await this.guardrails.resolveForChat(
      input.guardrailConfig ?? config.guardrail_config,
    );
    // Input rules run on what the user said; a block stops the turn before the LLM.
    let message = input.message;
    if (guardrails) {
      const check = this.engine.checkInput(guardrails, input.message);
      await this.recordFirings(
        guardrails.name,
        check.firings,
        input.userId,
        userMessage.id,
        options.requestId,
      );
      if (check.blocked) {
        await this.conversations.updateMetadata(userMessage.id, {
          blocked: true,
          [EXCLUDED_FROM_PROMPT]: true,
        });
        this.recordBlocked(input, options, template, guardrails.name, startedAt);
        throw new GuardrailBlockedError(guardrails.name, check.blockingRule!, {
          message_stored: true,
        });
      }
      message = check.text;
    }
    const { variables, history } = await this.context.forUser({
      userId: input.userId,
      message,
      historyLimit: config.history_limit,
      currentMessageId: userMessage.id,
      userMode: state.mode,
    });
    let rendered: string;
    try {
      rendered = this.renderer.render(template.content, variables).output;
    } catch (error) {
      if (error instanceof TemplateRenderError)
        throw new TemplateRenderFailedError(template.name, error);
      throw error;
    }
    // System instructions of the guardrail config come first, highest priority first.
    const instructions = guardrails ? this.engine.systemInstructions(guardrails) : [];
    const systemPrompt = [...instructions, rendered].join('\n\n');
    const messages = buildLlmMessages(template.content, systemPrompt, history, message);

    return {
      input,
      options,
      startedAt,
      template,
      guardrails,
      guardrailConfig: guardrails?.name ?? null,
      llmRequest: { messages, params: llmParamsOf(config), requestId: options.requestId },
      userMessageId: userMessage.id,
    };
  }

  /** Stores the reply, unless a halt landed meanwhile: then it is kept for operators only. */
  private async finish(
    turn: PreparedTurn,
    outcome: LlmOutcome,
    stream: boolean,
    guard: { blocked: boolean; firings: GuardrailFiring[] } = { blocked: false, firings: [] },
  ): Promise<ChatReply> {
    const { input, template } = turn;
    // Hidden from the user when the halt already landed: one statement decides and stores.
    const { message: reply, state } = await this.conversations.appendWithState(
      {
        userId: input.userId,
        role: 'assistant',
        content: outcome.content,
        source: 'llm',
        templateName: template.name,
        templateVersion: template.version,
        metadata: {
          request_id: turn.options.requestId,
          finish_reason: outcome.finishReason,
          ...guardrailMark(guard),
        },
      },
      { hideIfHalted: true },
    );
    const halted = !reply.visibleToUser;
    this.events.publishMessage(reply);
    await this.recordFirings(
      turn.guardrailConfig,
      guard.firings,
      input.userId,
      reply.id,
      turn.options.requestId,
    );
    this.record(turn, stream, 'ok', outcome);
    if (halted) throw new ConversationHaltedError(state.reason, state.operator);

    return {
      response: outcome.content,
      metadata: {
        template_used: template.name,
        template_version: template.version,
        guardrail_config: turn.guardrailConfig,
        message_count: state.messageCount,
        response_time_ms: Math.round(performance.now() - turn.startedAt),
        llm_time_ms: outcome.latencyMs,
        prompt_tokens: outcome.promptTokens,
        completion_tokens: outcome.completionTokens,
        request_id: turn.options.requestId,
        model: outcome.model,
        attempts: outcome.attempts,
        finish_reason: outcome.finishReason,
        message_id: reply.id,
        guardrail_blocked: guard.blocked,
      },
    };
  }

  /** The part of a reply that was generated; a halt keeps it for operators only. */
  private async storeInterrupted(
    turn: PreparedTurn,
    partial: string,
    halted: boolean,
  ): Promise<void> {
    const message = await this.conversations.append({
      userId: turn.input.userId,
      role: 'assistant',
      content: partial,
      source: 'llm',
      templateName: turn.template.name,
      templateVersion: turn.template.version,
      visibleToUser: !halted,
      metadata: {
        request_id: turn.options.requestId,
        interrupted: true,
        ...(halted ? { withheld_by_halt: true } : {}),
      },
    });
    this.events.publishMessage(message);
  }

  /** Firings go to guardrail_events in the background; a failure to record is logged there. */
  /**
   * Firings are stored before the turn answers, so an operator (or a test) who sees the answer
   * finds them; only turns where a rule fired pay for it. A failure to store is logged.
   */
  private async recordFirings(
    configName: string | null,
    firings: readonly GuardrailFiring[],
    userId: string,
    messageId: number,
    requestId: string,
  ): Promise<void> {
    if (!configName || firings.length === 0) return;
    await this.guardrails
      .recordFirings(
        firings.map((firing) => ({
          ...firing,
          user_id: userId,
          config_name: configName,
          message_id: messageId,
          request_id: requestId,
        })),
      )
      .then(
        () => undefined,
        (error: unknown) =>
          this.logger.error(`could not record guardrail firings: ${String(error)}`),
      );
  }

  /** A blocked input never reaches the LLM; it is still one row of the request log. */
  private recordBlocked(
    input: ChatInput,
    options: TurnOptions,
    template: ResolvedTemplate,
    guardrailConfig: string,
    startedAt: number,
  ): void {
    this.telemetry.recordLlmRequest({
      requestId: options.requestId,
      userId: input.userId,
      templateName: template.name,
      templateVersion: template.version,
      guardrailConfig,
      model: null,
      api: this.config.llmApi,
      stream: false,
      promptTokens: null,
      completionTokens: null,
      latencyMs: Math.round(performance.now() - startedAt),
      ttftMs: null,
      attempts: 0,
      status: 'blocked',
      errorCode: 'guardrail_blocked',
      error: null,
    });
  }

  /** A stream we stopped reading (its reply was blocked) has no done event of its own. */
  private cutShortOutcome(turn: PreparedTurn, sent: string): LlmOutcome {
    const promptChars = turn.llmRequest.messages.reduce(
      (sum, message) => sum + message.content.length,
      0,
    );
    return {
      content: sent,
      model: turn.llmRequest.params?.model ?? this.llm.model,
      finishReason: 'guardrail',
      attempts: 1,
      latencyMs: Math.round(performance.now() - turn.startedAt),
      ttftMs: null,
      promptTokens: Math.ceil(promptChars / 4),
      completionTokens: Math.ceil(sent.length / 4),
    };
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

/** The outcome label of a failed turn: its error code (e.g. conversation_halted). */
function outcomeOf(error: unknown): string {
  return error instanceof DomainError ? error.code : 'internal_error';
}

function passThrough(delta: string): ScanStep {
  return { emit: delta, blocked: false, firings: [] };
}

/** How output guardrails changed a reply, for the stored message's metadata. */
function guardrailMark(guard: {
  blocked: boolean;
  firings: readonly GuardrailFiring[];
}): Record<string, unknown> {
  if (guard.blocked) return { guardrail: 'blocked' };
  if (guard.firings.some((firing) => firing.action === 'redact')) return { guardrail: 'redacted' };
  return {};
}
