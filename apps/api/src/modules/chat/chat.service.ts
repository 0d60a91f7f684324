import { Injectable, Logger } from '@nestjs/common';
import { AppConfig } from '../../core/config/app-config';
import { DomainError } from '../../core/errors/domain-error';
import { PromptContextService } from '../context/prompt-context.service';
import { buildLlmMessages, llmParamsOf } from '../context/prompt-messages';
import { TemplateRenderError } from '../context/template-error';
import { TemplateRenderer } from '../context/template-renderer';
import { DEFAULT_HISTORY_LIMIT } from '../context/template-variables';
import { ActiveGuardrailConfig } from '../guardrails/guardrail-cache';
import { GuardrailEngine, GuardrailFiring, ScanStep } from '../guardrails/guardrail-engine';
import { GuardrailBlockedError } from '../guardrails/guardrails.errors';
import { GuardrailsService } from '../guardrails/guardrails.service';
import { LlmClient } from '../llm/llm.client';
import { MetricsService } from '../metrics/metrics.service';
import { LlmAbortedError, LlmError } from '../llm/llm.errors';
import { LlmRequest } from '../llm/llm.types';
import {
  AppendedUserState,
  ConversationStore,
  EXCLUDED_FROM_PROMPT,
  NewMessage,
} from '../memory/conversation-store.service';
import { TurnContext, TurnContextService } from '../memory/turn-context.service';
import { HALTED_MODE } from '../memory/user-mode';
import { UserStateService } from '../memory/user-state.service';
import { NoTemplateError } from '../prompts/prompts.errors';
import { ResolvedTemplate, TemplateResolver } from '../prompts/template-resolver.service';
import { TemplateConfig } from '../prompts/template-config';
import type { LlmRequestStatus } from '../telemetry/llm-request-status';
import { TelemetryService } from '../telemetry/telemetry.service';
import {
  ConversationHaltedError,
  MessageTooLongError,
  TemplateRenderFailedError,
  ReplayedOutcomeError,
} from './chat.errors';
import { HaltWatch } from './halt-watch';
import { ChatIdempotencyService, outcomeOfError, StoredOutcome } from './chat-idempotency.service';

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
  /** From the Idempotency-Key header: a retry with it answers the first outcome. */
  idempotencyKey?: string;
  /** Called when the answer is a stored outcome replayed. */
  onReplay?: () => void;
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
      data: {
        template: string;
        version: number;
        request_id: string;
        user_message_id?: number;
        replayed?: true;
      };
    }
  | { event: 'token'; data: { delta: string } }
  | { event: 'done'; data: ChatReply };

interface RunClaim {
  kind: 'run';
  key: string;
  /** The user message an earlier, failed run with this key stored. */
  userMessageId: number | null;
}

/** The outcome stored when the client stopped reading before the turn ended. */
const CANCELLED = outcomeOfError(new LlmAbortedError(0));

interface TurnReferences {
  template: ResolvedTemplate;
  guardrails: ActiveGuardrailConfig | null;
}

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
    private readonly turns: TurnContextService,
    private readonly haltWatch: HaltWatch,
    private readonly userState: UserStateService,
    private readonly prompts: TemplateResolver,
    private readonly context: PromptContextService,
    private readonly renderer: TemplateRenderer,
    private readonly llm: LlmClient,
    private readonly telemetry: TelemetryService,
    private readonly metrics: MetricsService,
    private readonly guardrails: GuardrailsService,
    private readonly engine: GuardrailEngine,
    private readonly idempotency: ChatIdempotencyService,
  ) {}

  private readonly logger = new Logger('Chat');

  async send(input: ChatInput, options: TurnOptions): Promise<ChatReply> {
    const startedAt = performance.now();
    let outcome = 'ok';
    try {
      const references = await this.checkRequest(input);
      const claim = await this.claim(input, options);
      if (claim?.kind === 'replay') return replayReply(claim.outcome);
      return await this.settle(input, options, claim, () =>
        this.sendTurn(input, options, references, claim?.userMessageId ?? null),
      );
    } catch (error) {
      outcome = outcomeOf(error);
      throw error;
    } finally {
      this.metrics.observeChatTurn(false, outcome, (performance.now() - startedAt) / 1000);
    }
  }

  /**
   * Checks the request (its references, its Idempotency-Key: errors are thrown here, before any
   * stream starts), then gives the turn's events: `meta`, `token`s, `done`; later failures are
   * thrown by the iterator (the caller sends them as `error`).
   */
  async openStream(
    input: ChatInput,
    options: TurnOptions,
  ): Promise<AsyncGenerator<ChatStreamEvent>> {
    const startedAt = performance.now();
    try {
      const references = await this.checkRequest(input);
      const claim = await this.claim(input, options);
      if (claim?.kind === 'replay') return replayStream(claim.outcome);
      return this.stream(input, options, references, claim, startedAt);
    } catch (error) {
      this.metrics.observeChatTurn(true, outcomeOf(error), (performance.now() - startedAt) / 1000);
      throw error;
    }
  }

  private async *stream(
    input: ChatInput,
    options: TurnOptions,
    references: TurnReferences | null,
    claim: RunClaim | undefined,
    startedAt: number,
  ): AsyncGenerator<ChatStreamEvent> {
    let outcome = 'ok';
    let stored: StoredOutcome | undefined;
    try {
      for await (const event of this.streamTurn(
        input,
        options,
        references,
        claim?.userMessageId ?? null,
      )) {
        if (event.event === 'done') stored = { status: 200, body: event.data };
        yield event;
      }
    } catch (error) {
      outcome = outcomeOf(error);
      stored = outcomeOfError(error);
      throw error;
    } finally {
      // A consumer that stopped reading leaves a cancelled turn, which a retry may run again.
      if (claim)
        await this.idempotency.complete(
          input.userId,
          claim.key,
          options.requestId,
          stored ?? CANCELLED,
        );
      this.metrics.observeChatTurn(true, outcome, (performance.now() - startedAt) / 1000);
    }
  }

  /** The message's length and the request's references, checked before anything is stored. */
  private async checkRequest(input: ChatInput): Promise<TurnReferences | null> {
    if (input.message.length > this.config.chatMaxChars)
      throw new MessageTooLongError(this.config.chatMaxChars);
    return this.resolveReferences(input);
  }

  /** With an Idempotency-Key: runs the turn (claimed) or answers the stored outcome. */
  private async claim(
    input: ChatInput,
    options: TurnOptions,
  ): Promise<RunClaim | { kind: 'replay'; outcome: StoredOutcome } | undefined> {
    const key = options.idempotencyKey;
    if (key === undefined) return undefined;
    const claim = await this.idempotency.claim({ ...input, key }, options.requestId);
    if (claim.kind === 'replay') {
      options.onReplay?.();
      return claim;
    }
    return { kind: 'run', key, userMessageId: claim.userMessageId };
  }

  /** Runs a claimed turn and stores its outcome, success or failure, for the key. */
  private async settle(
    input: ChatInput,
    options: TurnOptions,
    claim: RunClaim | undefined,
    run: () => Promise<ChatReply>,
  ): Promise<ChatReply> {
    if (!claim) return run();
    try {
      const reply = await run();
      await this.idempotency.complete(input.userId, claim.key, options.requestId, {
        status: 200,
        body: reply,
      });
      return reply;
    } catch (error) {
      await this.idempotency.complete(
        input.userId,
        claim.key,
        options.requestId,
        outcomeOfError(error),
      );
      throw error;
    }
  }

  private async sendTurn(
    input: ChatInput,
    options: TurnOptions,
    references: TurnReferences | null,
    storedMessageId: number | null,
  ): Promise<ChatReply> {
    const turn = await this.prepare(input, options, references, storedMessageId);
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
    references: TurnReferences | null,
    storedMessageId: number | null,
  ): AsyncGenerator<ChatStreamEvent> {
    // A halt that lands mid-stream stops the reply at once (on any instance, via its event).
    // Watched from before the halt check in prepare, so no halt can land unseen in between.
    const halt = new AbortController();
    const stopWatching = this.haltWatch.watch(input.userId, () => halt.abort());
    let turn: PreparedTurn;
    try {
      turn = await this.prepare(input, options, references, storedMessageId);
    } catch (error) {
      stopWatching();
      throw error;
    }
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
    const signal = options.signal ? AbortSignal.any([options.signal, halt.signal]) : halt.signal;
    try {
      for await (const event of this.llm.stream(turn.llmRequest, { signal })) {
        // Tokens already read when the halt landed are not sent.
        if (halt.signal.aborted) throw new LlmAbortedError(1);
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
      // What the user saw of a reply the LLM (or a halt, or the client) cut short is kept.
      if (error instanceof LlmError && (sent || halted)) {
        await this.storeInterrupted(turn, sent, halted, error);
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

  /**
   * Stores the user's message, stops if the user is halted, applies input rules, renders the
   * prompt. The references were resolved before: a typo in them is the caller's error, not a
   * message to keep (spec section 4, step 2).
   */
  private async prepare(
    input: ChatInput,
    options: TurnOptions,
    references: TurnReferences | null,
    storedMessageId: number | null,
  ): Promise<PreparedTurn> {
    const startedAt = performance.now();
    const config = references ? (references.template.config as TemplateConfig) : undefined;
    const begun = await this.storeUserMessage(
      input,
      options,
      storedMessageId,
      references ? (config?.history_limit ?? DEFAULT_HISTORY_LIMIT) : null,
    );
    const { userMessageId, state } = begun;
    if (state.mode === HALTED_MODE) throw new ConversationHaltedError(state.reason, state.operator);

    // No default template is the operator's problem: the message is kept, like an LLM failure.
    if (!references || !config) throw new NoTemplateError();
    const { template, guardrails } = references;
    // Input rules run on what the user said; a block stops the turn before the LLM.
    let message = input.message;
    if (guardrails) {
      const check = this.engine.checkInput(guardrails, input.message);
      await this.recordFirings(
        guardrails.name,
        check.firings,
        input.userId,
        userMessageId,
        options.requestId,
      );
      if (check.blocked) {
        await this.conversations.updateMetadata(userMessageId, {
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
    const { variables, history } = this.context.build({
      userId: input.userId,
      message,
      historyLimit: config.history_limit,
      memory: begun.memory,
      history: begun.history,
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
      userMessageId: userMessageId,
    };
  }

  /**
   * Stored first: nothing the user said is lost, whatever fails next. With a template
   * (`historyLimit` not null) the same statement reads what its prompt needs. A retry (same
   * Idempotency-Key) of a failed run reuses the message that run stored.
   */
  private async storeUserMessage(
    input: ChatInput,
    options: TurnOptions,
    storedMessageId: number | null,
    historyLimit: number | null,
  ): Promise<
    TurnContext & {
      userMessageId: number;
      state: Pick<AppendedUserState, 'mode' | 'reason' | 'operator'>;
    }
  > {
    if (storedMessageId !== null) {
      const read = await this.turns.read(input.userId, historyLimit ?? 0, storedMessageId);
      if (read.state) return { ...read, state: read.state, userMessageId: storedMessageId };
    }
    const message: NewMessage = {
      userId: input.userId,
      role: 'user',
      content: input.message,
      source: 'user',
      metadata: { request_id: options.requestId },
    };
    const begun =
      historyLimit === null
        ? { ...(await this.conversations.appendWithState(message)), memory: {}, history: [] }
        : await this.turns.begin(message, historyLimit);
    if (options.idempotencyKey !== undefined) {
      await this.idempotency.recordUserMessage(
        input.userId,
        options.idempotencyKey,
        options.requestId,
        begun.message.id,
      );
    }
    return { ...begun, userMessageId: begun.message.id };
  }

  /** The turn's template and guardrail config; null when no template is named and none is default. */
  private async resolveReferences(input: ChatInput): Promise<TurnReferences | null> {
    let template: ResolvedTemplate;
    try {
      template = await this.prompts.resolveForChat(input.templateName);
    } catch (error) {
      if (error instanceof NoTemplateError) {
        // The request's guardrail config is still the caller's reference to check.
        await this.guardrails.resolveForChat(input.guardrailConfig);
        return null;
      }
      throw error;
    }
    const config = template.config as TemplateConfig;
    const guardrails = await this.guardrails.resolveForChat(
      input.guardrailConfig ?? config.guardrail_config,
    );
    return { template, guardrails };
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
    error: LlmError,
  ): Promise<void> {
    await this.conversations.append({
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
        // The LLM failed mid-reply (not the client, not a halt): its error, for operators.
        ...(error instanceof LlmAbortedError ? {} : { interrupted_by: error.code }),
      },
    });
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

/** A stored outcome answered again: the reply, or the error it was. */
function replayReply(outcome: StoredOutcome): ChatReply {
  if (outcome.status === 200) return outcome.body as ChatReply;
  throw new ReplayedOutcomeError(outcome.status, outcome.body as ReplayedErrorBody);
}

/** A stored outcome as a stream: meta, the whole reply as one token, done; or the error. */
// eslint-disable-next-line @typescript-eslint/require-await
async function* replayStream(outcome: StoredOutcome): AsyncGenerator<ChatStreamEvent> {
  const reply = replayReply(outcome);
  yield {
    event: 'meta',
    data: {
      template: reply.metadata.template_used,
      version: reply.metadata.template_version,
      request_id: reply.metadata.request_id,
      replayed: true,
    },
  };
  yield { event: 'token', data: { delta: reply.response } };
  yield { event: 'done', data: reply };
}

type ReplayedErrorBody = ConstructorParameters<typeof ReplayedOutcomeError>[1];
