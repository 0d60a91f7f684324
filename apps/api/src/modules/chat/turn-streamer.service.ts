import { Injectable } from '@nestjs/common';
import {
  GuardrailEngine,
  GuardrailFiring,
  OutputScanner,
  ScanStep,
} from '../guardrails/guardrail-engine';
import { LlmClient } from '../llm/llm.client';
import { LlmAbortedError, LlmError } from '../llm/llm.errors';
import { UserStateService } from '../memory/user-state.service';
import { ConversationHaltedError } from './chat.errors';
import {
  ChatInput,
  ChatStreamEvent,
  LlmOutcome,
  PreparedTurn,
  TurnOptions,
  TurnReferences,
} from './chat.types';
import { HaltWatch } from './halt-watch';
import { TurnPreparer } from './turn-preparation.service';
import { TurnRecorder } from './turn-recorder.service';

/** A streamed turn: the reply's tokens as output rules clear them, stopped at once by a halt. */
@Injectable()
export class TurnStreamer {
  constructor(
    private readonly haltWatch: HaltWatch,
    private readonly preparer: TurnPreparer,
    private readonly llm: LlmClient,
    private readonly engine: GuardrailEngine,
    private readonly recorder: TurnRecorder,
    private readonly userState: UserStateService,
  ) {}

  async *streamTurn(
    input: ChatInput,
    options: TurnOptions,
    references: TurnReferences | null,
    storedMessageId: number | null,
  ): AsyncGenerator<ChatStreamEvent> {
    // Watched from before the halt check in prepare, so no halt can land unseen in between.
    const halt = new AbortController();
    const stopWatching = this.haltWatch.watch(input.userId, () => halt.abort());
    let turn: PreparedTurn;
    try {
      turn = await this.preparer.prepare(input, options, references, storedMessageId);
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
    const reply = new ClearedReply(
      turn.guardrails ? this.engine.createOutputScanner(turn.guardrails) : undefined,
    );
    let outcome: LlmOutcome | undefined;
    const signal = options.signal ? AbortSignal.any([options.signal, halt.signal]) : halt.signal;
    try {
      for await (const event of this.llm.stream(turn.llmRequest, { signal })) {
        // Tokens already read when the halt landed are not sent.
        if (halt.signal.aborted) throw new LlmAbortedError(1);
        if (event.type === 'done') {
          outcome = { ...event, content: reply.sent };
          continue;
        }
        const delta = reply.push(event.delta);
        if (delta) yield { event: 'token', data: { delta } };
        // A blocked reply is not read further: leaving the loop cancels the LLM request.
        if (reply.blocked) break;
      }
    } catch (error) {
      throw await this.interruption(turn, error, reply.sent, halt.signal);
    } finally {
      stopWatching();
    }
    const rest = reply.end();
    if (rest) yield { event: 'token', data: { delta: rest } };
    outcome ??= this.recorder.cutShortOutcome(turn, reply.sent);
    const content = reply.blocked ? turn.guardrails!.fallbackMessage : reply.sent;
    const guard = { blocked: reply.blocked, firings: reply.firings };
    yield {
      event: 'done',
      data: await this.recorder.finish(turn, { ...outcome, content }, true, guard),
    };
  }

  /** Records a stream that ended early and gives the error the turn ends with. */
  private async interruption(
    turn: PreparedTurn,
    error: unknown,
    sent: string,
    halt: AbortSignal,
  ): Promise<unknown> {
    const halted = halt.aborted && !turn.options.signal?.aborted;
    // What the user saw of a reply the LLM (or a halt, or the client) cut short is kept.
    if (error instanceof LlmError && (sent || halted)) {
      await this.recorder.storeInterrupted(turn, sent, halted, error);
    }
    this.recorder.recordFailure(turn, error, true);
    if (halted) {
      const state = await this.userState.get(turn.input.userId);
      return new ConversationHaltedError(state?.reason ?? null, state?.operator ?? null);
    }
    return error;
  }
}

/** The part of a streamed reply that output rules have cleared for the client. */
class ClearedReply {
  sent = '';
  blocked = false;
  readonly firings: GuardrailFiring[] = [];

  constructor(private readonly scanner: OutputScanner | undefined) {}

  /** The text of `delta` that may be sent now (all of it without output rules). */
  push(delta: string): string {
    if (!this.scanner) {
      this.sent += delta;
      return delta;
    }
    return this.release(this.scanner.push(delta));
  }

  /** What the scanner held back at the end of the reply, unless it was blocked. */
  end(): string {
    if (!this.scanner || this.blocked) return '';
    return this.release(this.scanner.end());
  }

  private release(step: ScanStep): string {
    this.firings.push(...step.firings);
    this.blocked ||= step.blocked;
    this.sent += step.emit;
    return step.emit;
  }
}
