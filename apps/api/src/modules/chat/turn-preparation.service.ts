import { Injectable } from '@nestjs/common';
import { PromptContextService } from '../context/prompt-context.service';
import { buildLlmMessages, llmParamsOf } from '../context/prompt-messages';
import { TemplateRenderError } from '../context/template-error';
import { TemplateRenderer } from '../context/template-renderer';
import { DEFAULT_HISTORY_LIMIT, TemplateVariables } from '../context/template-variables';
import { ActiveGuardrailConfig } from '../guardrails/guardrail-cache';
import { GuardrailEngine } from '../guardrails/guardrail-engine';
import { GuardrailBlockedError } from '../guardrails/guardrails.errors';
import { LlmRequest } from '../llm/llm.types';
import {
  AppendedUserState,
  ConversationStore,
  NewMessage,
} from '../memory/conversation-store.service';
import { TurnContext, TurnContextService } from '../memory/turn-context.service';
import { HALTED_MODE } from '../memory/user-mode';
import { NoTemplateError } from '../prompts/prompts.errors';
import { ResolvedTemplate } from '../prompts/template-resolver.service';
import { TemplateConfig } from '../prompts/template-config';
import { ChatIdempotencyService } from './chat-idempotency.service';
import { ConversationHaltedError, TemplateRenderFailedError } from './chat.errors';
import { ChatInput, PreparedTurn, TurnOptions, TurnReferences } from './chat.types';
import { TurnRecorder } from './turn-recorder.service';

type StoredUserMessage = TurnContext & {
  userMessageId: number;
  state: Pick<AppendedUserState, 'mode' | 'reason' | 'operator'>;
};

/** A turn up to its LLM request: the user's message stored, input rules applied, prompt rendered. */
@Injectable()
export class TurnPreparer {
  constructor(
    private readonly conversations: ConversationStore,
    private readonly turns: TurnContextService,
    private readonly context: PromptContextService,
    private readonly renderer: TemplateRenderer,
    private readonly engine: GuardrailEngine,
    private readonly idempotency: ChatIdempotencyService,
    private readonly recorder: TurnRecorder,
  ) {}

  /**
   * Stores the user's message, stops if the user is halted, applies input rules, renders the
   * prompt. The references were resolved before: a typo in them is the caller's error, not a
   * message to keep (spec section 4, step 2).
   */
  async prepare(
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
      await this.recorder.recordFirings(
        guardrails.name,
        check.firings,
        input.userId,
        userMessageId,
        options.requestId,
      );
      if (check.blocked) {
        await this.recorder.recordBlocked(
          input,
          options,
          template,
          guardrails.name,
          userMessageId,
          startedAt,
        );
        throw new GuardrailBlockedError(guardrails.name, check.blockingRule!, {
          message_stored: true,
        });
      }
      message = check.text;
    }
    return {
      input,
      options,
      startedAt,
      template,
      guardrails,
      guardrailConfig: guardrails?.name ?? null,
      llmRequest: this.llmRequest(input, options, references, config, begun, message),
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
  ): Promise<StoredUserMessage> {
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

  /** The prompt: memory and history in the template's variables, rendered, as LLM messages. */
  private llmRequest(
    input: ChatInput,
    options: TurnOptions,
    { template, guardrails }: TurnReferences,
    config: TemplateConfig,
    begun: StoredUserMessage,
    message: string,
  ): LlmRequest {
    const { variables, history } = this.context.build({
      userId: input.userId,
      message,
      historyLimit: config.history_limit,
      memory: begun.memory,
      history: begun.history,
      userMode: begun.state.mode,
    });
    const systemPrompt = this.systemPrompt(template, guardrails, variables);
    const messages = buildLlmMessages(template.content, systemPrompt, history, message);
    return { messages, params: llmParamsOf(config), requestId: options.requestId };
  }

  /** The rendered template, after the guardrail config's system instructions (highest first). */
  private systemPrompt(
    template: ResolvedTemplate,
    guardrails: ActiveGuardrailConfig | null,
    variables: TemplateVariables,
  ): string {
    let rendered: string;
    try {
      rendered = this.renderer.render(template.content, variables).output;
    } catch (error) {
      if (error instanceof TemplateRenderError)
        throw new TemplateRenderFailedError(template.name, error);
      throw error;
    }
    const instructions = guardrails ? this.engine.systemInstructions(guardrails) : [];
    return [...instructions, rendered].join('\n\n');
  }
}
