import { TransactionHost } from '@nestjs-cls/transactional';
import { TransactionalAdapterTypeOrm } from '@nestjs-cls/transactional-adapter-typeorm';
import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { MoreThan, QueryFailedError, Repository } from 'typeorm';
import { keysetPage, MAX_PAGE_LIMIT } from '../../core/http/pagination';
import { AuditService } from '../audit/audit.service';
import { TemplateRenderer } from '../context/template-renderer';
import { EventsService } from '../events/events.service';
import { TemplateVersionEntity } from './entities/template-version.entity';
import { TemplateEntity } from './entities/template.entity';
import {
  rejectingInvalidTemplate,
  TemplateExistsError,
  TemplateInactiveError,
  TemplateIsDefaultError,
  TemplateNotFoundError,
} from './prompts.errors';
import { assertValidTemplateConfig } from './template-config';
import { diffTemplateVersions, TemplateDiff } from './template-diff';
import { TemplateLookup } from './template-lookup';
import { TemplateResolver } from './template-resolver.service';

export interface TemplateWithVersion {
  template: TemplateEntity;
  version: TemplateVersionEntity;
}

export interface TemplatePage {
  count: number;
  templates: TemplateEntity[];
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

export interface TemplateVersionDiff extends TemplateDiff {
  template: TemplateEntity;
  from: TemplateVersionEntity;
  to: TemplateVersionEntity;
}

// Serialises changes of the default template (advisory transaction lock key).
const DEFAULT_TEMPLATE_LOCK = 7_311_101;
const SYSTEM_ACTOR = 'system';

function isUniqueViolation(error: unknown, constraint: string): boolean {
  if (!(error instanceof QueryFailedError)) return false;
  const driverError = error.driverError as { code?: string; constraint?: string };
  return driverError.code === '23505' && driverError.constraint === constraint;
}

/** Templates and their versions, and every change to them (spec section 3, prompts). */
@Injectable()
export class PromptsService {
  constructor(
    @InjectRepository(TemplateEntity)
    private readonly templates: Repository<TemplateEntity>,
    @InjectRepository(TemplateVersionEntity)
    private readonly versions: Repository<TemplateVersionEntity>,
    private readonly renderer: TemplateRenderer,
    private readonly events: EventsService,
    private readonly audit: AuditService,
    private readonly resolver: TemplateResolver,
    private readonly lookup: TemplateLookup,
    private readonly txHost: TransactionHost<TransactionalAdapterTypeOrm>,
  ) {}

  async listTemplates({
    includeInactive = false,
    limit = MAX_PAGE_LIMIT,
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
    const page = keysetPage(rows, limit, (last) => String(last.id));
    return { count, templates: page.items, nextCursor: page.nextCursor };
  }

  async getTemplate(name: string): Promise<TemplateWithVersion> {
    const template = await this.templates.findOneBy({ name });
    if (!template) throw new TemplateNotFoundError({ name });
    return {
      template,
      version: await this.lookup.findVersion(template, template.currentVersion),
    };
  }

  /** Creates version 1; the first template ever created becomes the default. */
  async createTemplate(input: CreateTemplateInput): Promise<TemplateWithVersion> {
    const config = assertValidTemplateConfig(input.config ?? {});
    rejectingInvalidTemplate(() => this.renderer.validate(input.content));
    try {
      const created = await this.txHost.withTransaction(async () => {
        const template = await this.txHost.tx.save(
          this.txHost.tx.create(TemplateEntity, {
            name: input.name,
            currentVersion: 1,
            isActive: true,
            isDefault: false,
            createdBy: input.createdBy,
            updatedBy: input.createdBy,
          }),
        );
        const version = await this.txHost.tx.save(
          this.txHost.tx.create(TemplateVersionEntity, {
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
          .update(TemplateEntity)
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
      this.resolver.invalidateCache();
    }
  }

  /** Adds a version; the previous version's config carries over when none is given. */
  async updateTemplate(
    templateId: number,
    input: UpdateTemplateInput,
  ): Promise<{ templateId: number; newVersion: number }> {
    const config = input.config === undefined ? undefined : assertValidTemplateConfig(input.config);
    rejectingInvalidTemplate(() => this.renderer.validate(input.content));
    const newVersion = await this.changeTemplate(templateId, 'updated', async (template) => {
      const previous =
        config ?? (await this.lookup.findVersion(template, template.currentVersion)).config;
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
  ): Promise<{ template: TemplateEntity; versions: TemplateVersionEntity[] }> {
    const template = await this.lookup.findTemplate(templateId);
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
      const target = await this.lookup.findVersion(template, version);
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
  ): Promise<TemplateEntity> {
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

  async setDefault(templateId: number, updatedBy = SYSTEM_ACTOR): Promise<TemplateEntity> {
    return this.changeTemplate(templateId, 'default', async (template) => {
      if (!template.isActive) {
        throw new TemplateInactiveError(template.name, 'activate it before making it the default');
      }
      if (template.isDefault) return template;
      await this.txHost.tx.query('SELECT pg_advisory_xact_lock($1)', [DEFAULT_TEMPLATE_LOCK]);
      // One statement would briefly hold two defaults and trip the single-default index.
      await this.txHost.tx.update(TemplateEntity, { isDefault: true }, { isDefault: false });
      return this.touch(template, { isDefault: true }, updatedBy);
    });
  }

  /** Defaults: `to` is the current version, `from` the one before `to`. */
  async diffVersions(templateId: number, from?: number, to?: number): Promise<TemplateVersionDiff> {
    const template = await this.lookup.findTemplate(templateId);
    const toVersion = to ?? template.currentVersion;
    const fromVersion = from ?? Math.max(1, toVersion - 1);
    const [fromRow, toRow] = await Promise.all([
      this.lookup.findVersion(template, fromVersion),
      this.lookup.findVersion(template, toVersion),
    ]);
    return {
      template,
      from: fromRow,
      to: toRow,
      ...diffTemplateVersions(template.name, fromRow, toRow),
    };
  }

  /**
   * Runs a change with the template's row locked (SELECT … FOR UPDATE), so concurrent changes
   * of one template happen one after another; then drops cached templates.
   */
  private async changeTemplate<T>(
    templateId: number,
    kind: TemplateChange,
    change: (template: TemplateEntity) => Promise<T>,
  ): Promise<T> {
    try {
      let changed: TemplateEntity | undefined;
      const result = await this.txHost.withTransaction(async () => {
        const template = await this.txHost.tx
          .createQueryBuilder(TemplateEntity, 'template')
          .setLock('pessimistic_write')
          .where('template.id = :templateId', { templateId })
          .getOne();
        if (!template) throw new TemplateNotFoundError({ templateId });
        changed = template;
        const before = templateSummary(template);
        const result = await change(template);
        const after = await this.txHost.tx.findOneByOrFail(TemplateEntity, { id: templateId });
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
      this.resolver.invalidateCache();
    }
  }

  /** Tells operators and the other instances (whose caches drop the template). */
  private announce(template: TemplateEntity, change: TemplateChange): void {
    this.events.publish('template.changed', {
      data: { template_id: template.id, name: template.name, change },
    });
  }

  private async appendVersion(
    template: TemplateEntity,
    version: Omit<TemplateVersionEntity, 'id' | 'templateId' | 'version' | 'createdAt'>,
  ): Promise<number> {
    const next = template.currentVersion + 1;
    await this.txHost.tx.save(
      this.txHost.tx.create(TemplateVersionEntity, {
        ...version,
        templateId: template.id,
        version: next,
      }),
    );
    await this.touch(template, { currentVersion: next }, version.createdBy);
    return next;
  }

  private async touch(
    template: TemplateEntity,
    changes: Partial<Pick<TemplateEntity, 'currentVersion' | 'isActive' | 'isDefault'>>,
    updatedBy: string,
  ): Promise<TemplateEntity> {
    await this.txHost.tx.update(
      TemplateEntity,
      { id: template.id },
      { ...changes, updatedBy, updatedAt: () => 'now()' },
    );
    return this.txHost.tx.findOneByOrFail(TemplateEntity, { id: template.id });
  }
}

function templateSummary(template: TemplateEntity): Record<string, unknown> {
  return {
    name: template.name,
    current_version: template.currentVersion,
    is_active: template.isActive,
    is_default: template.isDefault,
  };
}
