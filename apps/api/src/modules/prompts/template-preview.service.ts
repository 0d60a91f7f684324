import { Injectable } from '@nestjs/common';
import { PromptContextService } from '../context/prompt-context.service';
import { buildLlmMessages, llmParamsOf } from '../context/prompt-messages';
import { referencedVariables } from '../context/template-ast';
import { TemplateRenderer } from '../context/template-renderer';
import { sampleTemplateVariables } from '../context/template-variables';
import { LlmClient } from '../llm/llm.client';
import { ChatMessage } from '../llm/llm.types';
import { rejectingInvalidTemplate } from './prompts.errors';
import type { TemplateConfig } from './template-config';
import { TemplateLookup } from './template-lookup';

export interface PreviewTemplateInput {
  variables?: Record<string, unknown>;
  message?: string;
  userId?: string;
  version?: number;
  content?: string;
  /** Also send the rendered prompt to the LLM and return its reply. */
  callLlm?: boolean;
}

export interface PreviewLlmReply {
  response: string;
  model: string;
  finishReason: string;
  promptTokens: number;
  completionTokens: number;
  latencyMs: number;
  attempts: number;
}

export interface TemplatePreview {
  rendered: string;
  templateName: string;
  version: number | null;
  variablesUsed: string[];
  renderTimeMs: number;
  /** What an LLM call would send; with `callLlm`, what was sent. */
  messages: ChatMessage[];
  llm: PreviewLlmReply | null;
}

/** Renders templates for operators trying them out; stores nothing. */
@Injectable()
export class TemplatePreviewService {
  constructor(
    private readonly lookup: TemplateLookup,
    private readonly renderer: TemplateRenderer,
    private readonly userContext: PromptContextService,
    private readonly llm: LlmClient,
  ) {}

  /** Renders a stored version (or unsaved `content`) with the given variables. */
  async previewTemplate(templateId: number, input: PreviewTemplateInput): Promise<TemplatePreview> {
    const template = await this.lookup.findTemplate(templateId);
    // Unsaved content is previewed with the stored version's config.
    const stored = await this.lookup.findVersion(
      template,
      input.version ?? template.currentVersion,
    );
    const content = input.content ?? stored.content;
    if (input.content !== undefined) {
      rejectingInvalidTemplate(() => this.renderer.validate(content));
    }

    const historyLimit = stored.config.history_limit;
    const sample = sampleTemplateVariables(new Date(), historyLimit);
    const message = input.message ?? (sample.message as string);
    // A real user's memory, history and mode when user_id is given; else the sample context.
    const base =
      input.userId === undefined
        ? Object.assign(sample, { message })
        : (
            await this.userContext.forUser({
              userId: input.userId,
              message,
              historyLimit: typeof historyLimit === 'number' ? historyLimit : undefined,
            })
          ).variables;
    const variables: Record<string, unknown> = Object.assign(base, input.variables);
    const result = rejectingInvalidTemplate(() => this.renderer.render(content, variables));
    const history = Array.isArray(variables.history) ? (variables.history as ChatMessage[]) : [];
    const messages = buildLlmMessages(content, result.output, history, message);
    return {
      rendered: result.output,
      templateName: template.name,
      version: input.content === undefined ? stored.version : null,
      variablesUsed: referencedVariables(content).filter((name) => name in variables),
      renderTimeMs: Math.round(result.renderTimeMs * 100) / 100,
      messages,
      llm: input.callLlm ? await this.askLlm(messages, stored.config) : null,
    };
  }

  private async askLlm(messages: ChatMessage[], config: TemplateConfig): Promise<PreviewLlmReply> {
    const completion = await this.llm.complete({ messages, params: llmParamsOf(config) });
    return {
      response: completion.content,
      model: completion.model,
      finishReason: completion.finishReason,
      promptTokens: completion.promptTokens,
      completionTokens: completion.completionTokens,
      latencyMs: completion.latencyMs,
      attempts: completion.attempts,
    };
  }
}
