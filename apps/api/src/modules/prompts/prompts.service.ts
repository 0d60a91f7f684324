import { TransactionHost } from '@nestjs-cls/transactional';
import { TransactionalAdapterTypeOrm } from '@nestjs-cls/transactional-adapter-typeorm';
import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { MoreThan, QueryFailedError, Repository } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { PromptContextService } from '../context/prompt-context.service';
import { buildLlmMessages, llmParamsOf } from '../context/prompt-messages';
import { TemplateRenderer } from '../context/template-renderer';
import { EventsService } from '../events/events.service';
import { LlmClient } from '../llm/llm.client';
import { ChatMessage } from '../llm/llm.types';
import { referencedVariables } from '../context/template-ast';
import { TemplateRenderError } from '../context/template-error';
import { sampleTemplateVariables } from '../context/template-variables';
import { PromptVersionEntity } from './entities/prompt-version.entity';
import { SystemPromptEntity } from './entities/system-prompt.entity';
import {
  NoTemplateError,
  TemplateExistsError,
  TemplateInactiveError,
  TemplateInvalidError,
  TemplateIsDefaultError,
  TemplateNotFoundError,
  VersionNotFoundError,
} from './prompts.errors';
import { CachedTemplate, TemplateCache } from './template-cache';
import { assertValidTemplateConfig } from './template-config';
import { diffTemplateVersions, TemplateDiff } from './template-diff';

export interface TemplateWithVersion {
  template: SystemPromptEntity;
  version: PromptVersionEntity;
}

export interface TemplatePage {
  count: number;
  templates: SystemPromptEntity[];
  nextCursor: string | null;
}

export interface ListTemplatesInput {
  includeInactive?: boolean;
  limit?: number;
  cursor?: string;
}

export interface CreateTemplateInput {
  name: string;
  content: string;
  createdBy: string;
  config?: Record<string, unknown>;
}

export interface UpdateTemplateInput {
  content: string;
  updatedBy: string;
  changeDescription?: string;
  config?: Record<string, unknown>;
}

export interface PreviewTemplateInput {
  variables?: Record<string, unknown>;
  message?: string;
  userId?: string;
  version?: number;
  content?: string;
  /** Also send the rendered prompt to the LLM and return its reply. */
  callLlm?: boolean;
}

type TemplateChange =
  'created' | 'updated' | 'rolled_back' | 'activated' | 'deactivated' | 'default';

const TEMPLATE_ACTIONS: Record<TemplateChange, string> = {
  created: 'template.create',
  updated: 'template.update',
  rolled_back: 'template.rollback',
  activated: 'template.activate',
  deactivated: 'template.deactivate',
  default: 'template.set_default',
};

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

export interface TemplateVersionDiff extends TemplateDiff {
  template: SystemPromptEntity;
  from: PromptVersionEntity;
  to: PromptVersionEntity;
}

export type ResolvedTemplate = Omit<CachedTemplate, 'isActive'>;

export const MAX_PAGE_SIZE = 200;
// Serialises changes of the default template (advisory transaction lock key).
const DEFAULT_TEMPLATE_LOCK = 7_311_101;
const SYSTEM_ACTOR = 'system';

function isUniqueViolation(error: unknown, constraint: string): boolean {
  if (!(error instanceof QueryFailedError)) return false;
  const driverError = error.driverError as { code?: string; constraint?: string };
  return driverError.code === '23505' && driverError.constraint === constraint;
}

/** Templates and their versions (spec section 3, prompts). */
@Injectable()
export class PromptsService {
  private readonly cache = new TemplateCache();

  constructor(
    @InjectRepository(SystemPromptEntity)
    private readonly templates: Repository<SystemPromptEntity>,
    @InjectRepository(PromptVersionEntity)
    private readonly versions: Repository<PromptVersionEntity>,
    private readonly renderer: TemplateRenderer,
    private readonly userContext: PromptContextService,
    private readonly llm: LlmClient,
    private readonly events: EventsService,
    private readonly audit: AuditService,
    private readonly txHost: TransactionHost<TransactionalAdapterTypeOrm>,
  ) {
    // A change on any instance (this one included) drops cached templates.
    this.events.subscribe((event) => {
      if (event.type === 'template.changed') this.cache.invalidate();
    });
  }

  async listTemplates({
    includeInactive = false,
    limit = MAX_PAGE_SIZE,
    cursor,
  }: ListTemplatesInput): Promise<TemplatePage> {
    const filter = includeInactive ? {} : { isActive: true };
    const [count, rows] = await Promise.all([
      this.templates.countBy(filter),
      this.templates.find({
        where: cursor === undefined ? filter : { ...filter, id: MoreThan(Number(cursor)) },
        order: { id: 'ASC' },
        take: limit + 1,
      }),
    ]);
    const page = rows.slice(0, limit);
    return {
      count,
      templates: page,
      nextCursor: rows.length > limit ? String(page.at(-1)!.id) : null,
    };
  }

  async getTemplate(name: string): Promise<TemplateWithVersion> {
    const template = await this.templates.findOneBy({ name });
    if (!template) throw new TemplateNotFoundError({ name });
    return {
      template,
      version: await this.findVersion(template, template.currentVersion),
    };
  }

  /** Creates version 1; the first template ever created becomes the default. */
  async createTemplate(input: CreateTemplateInput): Promise<TemplateWithVersion> {
    const config = assertValidTemplateConfig(input.config ?? {});
    this.assertValidContent(input.content);
    try {
      const created = await this.txHost.withTransaction(async () => {
        const template = await this.txHost.tx.save(
          this.txHost.tx.create(SystemPromptEntity, {
            name: input.name,
            currentVersion: 1,
            isActive: true,
            isDefault: false,
            createdBy: input.createdBy,
            updatedBy: input.createdBy,
          }),
        );
        const version = await this.txHost.tx.save(
          this.txHost.tx.create(PromptVersionEntity, {
            templateId: template.id,
            version: 1,
            content: input.content,
            config,
            changeDescription: 'Initial version',
            createdBy: input.createdBy,
            rolledBackFrom: null,
          }),
        );
        // Two first templates created at once: the lock lets exactly one become the default.
        await this.txHost.tx.query('SELECT pg_advisory_xact_lock($1)', [DEFAULT_TEMPLATE_LOCK]);
        const promoted = await this.txHost.tx
          .createQueryBuilder()
          .update(SystemPromptEntity)
          .set({ isDefault: true })
          .where('id = :id', { id: template.id })
          .andWhere('NOT EXISTS (SELECT 1 FROM system_prompt WHERE is_default)')
          .execute();
        template.isDefault = promoted.affected === 1;
        await this.audit.record({
          action: 'template.create',
          targetType: 'template',
          targetId: template.id,
          after: templateSummary(template),
        });
        return { template, version };
      });
      this.announce(created.template, 'created');
      return created;
    } catch (error) {
      if (isUniqueViolation(error, 'system_prompt_name_unique')) {
        throw new TemplateExistsError(input.name);
      }
      throw error;
    } finally {
      this.cache.invalidate();
    }
  }

  /** Adds a version; the previous version's config carries over when none is given. */
  async updateTemplate(
    templateId: number,
    input: UpdateTemplateInput,
  ): Promise<{ templateId: number; newVersion: number }> {
    const config = input.config === undefined ? undefined : assertValidTemplateConfig(input.config);
    this.assertValidContent(input.content);
    const newVersion = await this.changeTemplate(templateId, 'updated', async (template) => {
      const previous = config ?? (await this.findVersion(template, template.currentVersion)).config;
      return this.appendVersion(template, {
        content: input.content,
        config: previous,
        changeDescription: input.changeDescription ?? null,
        createdBy: input.updatedBy,
        rolledBackFrom: null,
      });
    });
    return { templateId, newVersion };
  }

  async getHistory(
    templateId: number,
  ): Promise<{ template: SystemPromptEntity; versions: PromptVersionEntity[] }> {
    const template = await this.findTemplate(templateId);
    const versions = await this.versions.find({
      where: { templateId },
      order: { version: 'DESC' },
    });
    return { template, versions };
  }

  /** A new version with the content and config of version `version`. */
  async rollbackTemplate(
    templateId: number,
    version: number,
    updatedBy = SYSTEM_ACTOR,
  ): Promise<{ templateId: number; rolledBackTo: number; newVersion: number }> {
    const newVersion = await this.changeTemplate(templateId, 'rolled_back', async (template) => {
      const target = await this.findVersion(template, version);
      return this.appendVersion(template, {
        content: target.content,
        config: target.config,
        changeDescription: `Rollback to version ${version}`,
        createdBy: updatedBy,
        rolledBackFrom: version,
      });
    });
    return { templateId, rolledBackTo: version, newVersion };
  }

  /** The default template cannot be deactivated: another must become the default first. */
  async setActive(
    templateId: number,
    active: boolean,
    updatedBy = SYSTEM_ACTOR,
  ): Promise<SystemPromptEntity> {
    return this.changeTemplate(
      templateId,
      active ? 'activated' : 'deactivated',
      async (template) => {
        if (!active && template.isDefault) throw new TemplateIsDefaultError(template.name);
        if (template.isActive === active) return template;
        return this.touch(template, { isActive: active }, updatedBy);
      },
    );
  }

  async setDefault(templateId: number, updatedBy = SYSTEM_ACTOR): Promise<SystemPromptEntity> {
    return this.changeTemplate(templateId, 'default', async (template) => {
      if (!template.isActive) {
        throw new TemplateInactiveError(template.name, 'activate it before making it the default');
      }
      if (template.isDefault) return template;
      await this.txHost.tx.query('SELECT pg_advisory_xact_lock($1)', [DEFAULT_TEMPLATE_LOCK]);
      // One statement would briefly hold two defaults and trip the single-default index.
      await this.txHost.tx.update(SystemPromptEntity, { isDefault: true }, { isDefault: false });
      return this.touch(template, { isDefault: true }, updatedBy);
    });
  }

  /** Defaults: `to` is the current version, `from` the one before `to`. */
  async diffVersions(templateId: number, from?: number, to?: number): Promise<TemplateVersionDiff> {
    const template = await this.findTemplate(templateId);
    const toVersion = to ?? template.currentVersion;
    const fromVersion = from ?? Math.max(1, toVersion - 1);
    const [fromRow, toRow] = await Promise.all([
      this.findVersion(template, fromVersion),
      this.findVersion(template, toVersion),
    ]);
    return {
      template,
      from: fromRow,
      to: toRow,
      ...diffTemplateVersions(template.name, fromRow, toRow),
    };
  }

  /**
   * Renders a stored version (or unsaved `content`) with the given variables over a sample
   * context. Stores nothing.
   */
  async previewTemplate(templateId: number, input: PreviewTemplateInput): Promise<TemplatePreview> {
    const template = await this.findTemplate(templateId);
    // Unsaved content is previewed with the stored version's config.
    const stored = await this.findVersion(template, input.version ?? template.currentVersion);
    const content = input.content ?? stored.content;
    if (input.content !== undefined) this.assertValidContent(input.content);

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
    let result: { output: string; renderTimeMs: number };
    try {
      result = this.renderer.render(content, variables);
    } catch (error) {
      if (error instanceof TemplateRenderError) throw new TemplateInvalidError(error);
      throw error;
    }
    const history = Array.isArray(variables.history) ? (variables.history as ChatMessage[]) : [];
    const messages = buildLlmMessages(content, result.output, history, message);
    let llm: PreviewLlmReply | null = null;
    if (input.callLlm) {
      const completion = await this.llm.complete({ messages, params: llmParamsOf(stored.config) });
      llm = {
        response: completion.content,
        model: completion.model,
        finishReason: completion.finishReason,
        promptTokens: completion.promptTokens,
        completionTokens: completion.completionTokens,
        latencyMs: completion.latencyMs,
        attempts: completion.attempts,
      };
    }
    return {
      rendered: result.output,
      templateName: template.name,
      version: input.content === undefined ? stored.version : null,
      variablesUsed: referencedVariables(content).filter((name) => name in variables),
      renderTimeMs: Math.round(result.renderTimeMs * 100) / 100,
      messages,
      llm,
    };
  }

  /**
   * The template a chat turn renders: the named one, or the default. Cached until the next
   * change on this instance (other instances call `invalidateCache` when told of one).
   */
  async resolveForChat(templateName?: string): Promise<ResolvedTemplate> {
    if (templateName !== undefined) {
      const template = await this.cache.getByName(templateName, () =>
        this.loadCurrent({ name: templateName }),
      );
      if (!template) throw new TemplateNotFoundError({ name: templateName });
      if (!template.isActive) {
        throw new TemplateInactiveError(template.name, 'activate it or choose another template');
      }
      return withoutStatus(template);
    }
    const template = await this.cache.getDefault(() => this.loadCurrent({ isDefault: true }));
    if (!template) throw new NoTemplateError();
    return withoutStatus(template);
  }

  invalidateCache(): void {
    this.cache.invalidate();
  }

  private async loadCurrent(
    where: { name: string } | { isDefault: true },
  ): Promise<CachedTemplate | null> {
    const template = await this.templates.findOneBy(where);
    if (!template) return null;
    const version = await this.findVersion(template, template.currentVersion);
    return {
      id: template.id,
      name: template.name,
      version: version.version,
      content: version.content,
      config: version.config,
      isActive: template.isActive,
    };
  }

  private assertValidContent(content: string): void {
    try {
      this.renderer.validate(content);
    } catch (error) {
      if (error instanceof TemplateRenderError) throw new TemplateInvalidError(error);
      throw error;
    }
  }

  /**
   * Runs a change with the template's row locked (SELECT … FOR UPDATE), so concurrent changes
   * of one template happen one after another; then drops cached templates.
   */
  private async changeTemplate<T>(
    templateId: number,
    kind: TemplateChange,
    change: (template: SystemPromptEntity) => Promise<T>,
  ): Promise<T> {
    try {
      let changed: SystemPromptEntity | undefined;
      const result = await this.txHost.withTransaction(async () => {
        const template = await this.txHost.tx
          .createQueryBuilder(SystemPromptEntity, 'template')
          .setLock('pessimistic_write')
          .where('template.id = :templateId', { templateId })
          .getOne();
        if (!template) throw new TemplateNotFoundError({ templateId });
        changed = template;
        const before = templateSummary(template);
        const result = await change(template);
        const after = await this.txHost.tx.findOneByOrFail(SystemPromptEntity, { id: templateId });
        await this.audit.record({
          action: TEMPLATE_ACTIONS[kind],
          targetType: 'template',
          targetId: templateId,
          before,
          after: templateSummary(after),
        });
        return result;
      });
      if (changed) this.announce(changed, kind);
      return result;
    } finally {
      this.cache.invalidate();
    }
  }

  /** Tells operators and the other instances (whose caches drop the template). */
  private announce(template: SystemPromptEntity, change: TemplateChange): void {
    this.events.publish('template.changed', {
      data: { template_id: template.id, name: template.name, change },
    });
  }

  private async appendVersion(
    template: SystemPromptEntity,
    version: Omit<PromptVersionEntity, 'id' | 'templateId' | 'version' | 'createdAt'>,
  ): Promise<number> {
    const next = template.currentVersion + 1;
    await this.txHost.tx.save(
      this.txHost.tx.create(PromptVersionEntity, {
        ...version,
        templateId: template.id,
        version: next,
      }),
    );
    await this.touch(template, { currentVersion: next }, version.createdBy);
    return next;
  }

  private async touch(
    template: SystemPromptEntity,
    changes: Partial<Pick<SystemPromptEntity, 'currentVersion' | 'isActive' | 'isDefault'>>,
    updatedBy: string,
  ): Promise<SystemPromptEntity> {
    await this.txHost.tx.update(
      SystemPromptEntity,
      { id: template.id },
      { ...changes, updatedBy, updatedAt: () => 'now()' },
    );
    return this.txHost.tx.findOneByOrFail(SystemPromptEntity, { id: template.id });
  }

  private async findTemplate(templateId: number): Promise<SystemPromptEntity> {
    const template = await this.templates.findOneBy({ id: templateId });
    if (!template) throw new TemplateNotFoundError({ templateId });
    return template;
  }

  private async findVersion(
    template: SystemPromptEntity,
    version: number,
  ): Promise<PromptVersionEntity> {
    const row = await this.txHost.tx.findOneBy(PromptVersionEntity, {
      templateId: template.id,
      version,
    });
    if (!row) throw new VersionNotFoundError(template.id, version);
    return row;
  }
}

function withoutStatus({ isActive: _isActive, ...template }: CachedTemplate): ResolvedTemplate {
  return template;
}

function templateSummary(template: SystemPromptEntity): Record<string, unknown> {
  return {
    name: template.name,
    current_version: template.currentVersion,
    is_active: template.isActive,
    is_default: template.isDefault,
  };
}
