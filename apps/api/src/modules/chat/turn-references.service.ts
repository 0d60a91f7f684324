import { Injectable } from '@nestjs/common';
import { AppConfig } from '../../core/config/app-config';
import { GuardrailsService } from '../guardrails/guardrails.service';
import { NoTemplateError } from '../prompts/prompts.errors';
import { ResolvedTemplate, TemplateResolver } from '../prompts/template-resolver.service';
import { TemplateConfig } from '../prompts/template-config';
import { MessageTooLongError } from './chat.errors';
import { ChatInput, TurnReferences } from './chat.types';

/** What a chat request refers to, checked before anything is stored. */
@Injectable()
export class TurnReferenceResolver {
  constructor(
    private readonly config: AppConfig,
    private readonly prompts: TemplateResolver,
    private readonly guardrails: GuardrailsService,
  ) {}

  /** The message's length and the request's references, checked before anything is stored. */
  async check(input: ChatInput): Promise<TurnReferences | null> {
    if (input.message.length > this.config.chatMaxChars)
      throw new MessageTooLongError(this.config.chatMaxChars);
    return this.resolve(input);
  }

  /** The turn's template and guardrail config; null when no template is named and none is default. */
  private async resolve(input: ChatInput): Promise<TurnReferences | null> {
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
}
