import { Injectable, Logger } from '@nestjs/common';
import { AppConfig } from '../../core/config/app-config';
import { GuardrailFiring } from '../guardrails/guardrail-engine';
import { GuardrailsService } from '../guardrails/guardrails.service';
import { LlmClient } from '../llm/llm.client';
import { LlmAbortedError, LlmError } from '../llm/llm.errors';
import { ConversationStore, EXCLUDED_FROM_PROMPT } from '../memory/conversation-store.service';
import { ResolvedTemplate } from '../prompts/template-resolver.service';
import type { LlmRequestStatus } from '../telemetry/llm-request-status';
import { TelemetryService } from '../telemetry/telemetry.service';
import { ConversationHaltedError } from './chat.errors';
import {
  ChatInput,
  ChatReply,
  LlmOutcome,
  OutputGuard,
  PreparedTurn,
  TurnOptions,
} from './chat.types';

const UNGUARDED: OutputGuard = { blocked: false, firings: [] };

/** What a turn leaves behind: its reply, guardrail firings and one row of the request log. */
@Injectable()
export class TurnRecorder {
  constructor(
    private readonly config: AppConfig,
    private readonly conversations: ConversationStore,
    private readonly guardrails: GuardrailsService,
    private readonly telemetry: TelemetryService,
    private readonly llm: LlmClient,
  ) {}

  private readonly logger = new Logger('Chat');

  /** Stores the reply, unless a halt landed meanwhile: then it is kept for operators only. */
  async finish(
    turn: PreparedTurn,
    outcome: LlmOutcome,
    stream: boolean,
    guard: OutputGuard = UNGUARDED,
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
  async storeInterrupted(
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

  /**
   * Firings are stored before the turn answers, so an operator (or a test) who sees the answer
   * finds them; only turns where a rule fired pay for it. A failure to store is logged.
   */
  async recordFirings(
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

  /**
   * A blocked input never reaches the LLM: its message is left out of later prompts, and it is
   * still one row of the request log.
   */
  async recordBlocked(
    input: ChatInput,
    options: TurnOptions,
    template: ResolvedTemplate,
    guardrailConfig: string,
    userMessageId: number,
    startedAt: number,
  ): Promise<void> {
    await this.conversations.updateMetadata(userMessageId, {
      blocked: true,
      [EXCLUDED_FROM_PROMPT]: true,
    });
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
  cutShortOutcome(turn: PreparedTurn, sent: string): LlmOutcome {
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

  recordFailure(turn: PreparedTurn, error: unknown, stream: boolean): void {
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

/** How output guardrails changed a reply, for the stored message's metadata. */
function guardrailMark(guard: OutputGuard): Record<string, unknown> {
  if (guard.blocked) return { guardrail: 'blocked' };
  if (guard.firings.some((firing) => firing.action === 'redact')) return { guardrail: 'redacted' };
  return {};
}
