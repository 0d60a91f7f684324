import { Injectable } from '@nestjs/common';
import { DomainError } from '../../core/errors/domain-error';
import { GuardrailEngine } from '../guardrails/guardrail-engine';
import { LlmClient } from '../llm/llm.client';
import { LlmAbortedError } from '../llm/llm.errors';
import { MetricsService } from '../metrics/metrics.service';
import { ReplayedOutcomeError } from './chat.errors';
import { ChatIdempotencyService, outcomeOfError, StoredOutcome } from './chat-idempotency.service';
import {
  ChatInput,
  ChatReply,
  ChatStreamEvent,
  LlmOutcome,
  TurnOptions,
  TurnReferences,
} from './chat.types';
import { TurnPreparer } from './turn-preparation.service';
import { TurnRecorder } from './turn-recorder.service';
import { TurnReferenceResolver } from './turn-references.service';
import { TurnStreamer } from './turn-streamer.service';

export type {
  ChatInput,
  ChatMetadata,
  ChatReply,
  ChatStreamEvent,
  LlmOutcome,
  PreparedTurn,
  TurnOptions,
} from './chat.types';

interface RunClaim {
  kind: 'run';
  key: string;
  /** The user message an earlier, failed run with this key stored. */
  userMessageId: number | null;
}

/** The outcome stored when the client stopped reading before the turn ended. */
const CANCELLED = outcomeOfError(new LlmAbortedError(0));

/**
 * One chat turn (spec section 4): check the request, claim its Idempotency-Key, prepare the turn
 * (store the user's message, stop if the user is halted, render), call the LLM, record the reply.
 */
@Injectable()
export class ChatService {
  constructor(
    private readonly references: TurnReferenceResolver,
    private readonly idempotency: ChatIdempotencyService,
    private readonly preparer: TurnPreparer,
    private readonly llm: LlmClient,
    private readonly engine: GuardrailEngine,
    private readonly recorder: TurnRecorder,
    private readonly streamer: TurnStreamer,
    private readonly metrics: MetricsService,
  ) {}

  async send(input: ChatInput, options: TurnOptions): Promise<ChatReply> {
    const startedAt = performance.now();
    let outcome = 'ok';
    try {
      const references = await this.references.check(input);
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
      const references = await this.references.check(input);
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
      for await (const event of this.streamer.streamTurn(
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
    const turn = await this.preparer.prepare(input, options, references, storedMessageId);
    let outcome: LlmOutcome;
    try {
      const completion = await this.llm.complete(turn.llmRequest, { signal: options.signal });
      outcome = { ...completion, ttftMs: null };
    } catch (error) {
      this.recorder.recordFailure(turn, error, false);
      throw error;
    }
    if (!turn.guardrails) return this.recorder.finish(turn, outcome, false);
    const check = this.engine.checkOutput(turn.guardrails, outcome.content);
    return this.recorder.finish(turn, { ...outcome, content: check.text }, false, {
      blocked: check.blocked,
      firings: check.firings,
    });
  }
}

/** The outcome label of a failed turn: its error code (e.g. conversation_halted). */
function outcomeOf(error: unknown): string {
  return error instanceof DomainError ? error.code : 'internal_error';
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
