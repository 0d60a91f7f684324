import { TransactionHost } from '@nestjs-cls/transactional';
import { TransactionalAdapterTypeOrm } from '@nestjs-cls/transactional-adapter-typeorm';
import { Injectable } from '@nestjs/common';
import { EventsService } from '../events/events.service';
import { MetricsService } from '../metrics/metrics.service';
import { InjectRepository } from '@nestjs/typeorm';
import { FindOptionsWhere, LessThan, Repository } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { excerpt } from '../audit/audit-summary';
import { ValidationFailedError } from '../../core/errors/domain-error';
import { decodeIdCursor, encodeIdCursor, keysetPage } from '../../core/http/pagination';
import { toStorableText } from '../../core/validation/storable-text';
import { GuardrailConfigEntity } from './entities/guardrail-config.entity';
import { GuardrailEventEntity } from './entities/guardrail-event.entity';
import { ActiveGuardrailConfig, GuardrailConfigCache } from './guardrail-cache';
import { EXCERPT_MAX_CHARS, GuardrailFiring } from './guardrail-engine';
import { DEFAULT_FALLBACK_MESSAGE, parseGuardrailRules } from './guardrail-rules';
import {
  GuardrailExistsError,
  GuardrailNotFoundError,
  GuardrailPresetError,
  InvalidEventCursorError,
} from './guardrails.errors';

const SYSTEM_ACTOR = 'system';
/** Tags this list's cursors: the id of the last event already seen. */
const CURSOR_LIST = 'g';

export interface CreateGuardrailInput {
  name: string;
  description?: string | null;
  /** Any JSON: checked here, rule by rule. */
  rules: unknown;
  fallbackMessage?: string;
  isActive?: boolean;
  createdBy?: string;
}

export interface UpdateGuardrailInput {
  rules?: unknown;
  /** null clears it. */
  description?: string | null;
  isActive?: boolean;
  fallbackMessage?: string;
  updatedBy?: string;
}

/** A firing as the chat pipeline records it, with where it happened. */
export interface NewGuardrailEvent extends GuardrailFiring {
  user_id: string;
  config_name: string;
  message_id?: number | null;
  request_id?: string | null;
}

export interface GuardrailEventQuery {
  userId?: string;
  limit: number;
  /** next_cursor of the previous page: continue with older events. */
  cursor?: string;
}

export interface GuardrailEventPage {
  /** Newest first. */
  events: GuardrailEventEntity[];
  nextCursor: string | null;
}

/** Guardrail configs, their cache for the chat pipeline, and the log of firings (spec 5). */
@Injectable()
export class GuardrailsService {
  private readonly cache = new GuardrailConfigCache();

  constructor(
    @InjectRepository(GuardrailConfigEntity)
    private readonly configs: Repository<GuardrailConfigEntity>,
    @InjectRepository(GuardrailEventEntity)
    private readonly events: Repository<GuardrailEventEntity>,
    private readonly liveEvents: EventsService,
    private readonly metrics: MetricsService,
    private readonly audit: AuditService,
    private readonly txHost: TransactionHost<TransactionalAdapterTypeOrm>,
  ) {
    this.liveEvents.subscribe((event) => {
      if (event.type === 'guardrail_config.changed') this.invalidate();
    });
  }

  /** Oldest first; active only unless includeInactive. Presets are ordinary configs here. */
  list({ includeInactive = false }: { includeInactive?: boolean } = {}): Promise<
    GuardrailConfigEntity[]
  > {
    return this.configs.find({
      where: includeInactive ? {} : { isActive: true },
      order: { id: 'ASC' },
    });
  }

  /** Every preset, active or not. */
  presets(): Promise<GuardrailConfigEntity[]> {
    return this.configs.find({ where: { isPreset: true }, order: { id: 'ASC' } });
  }

  async getByName(name: string): Promise<GuardrailConfigEntity> {
    const config = await this.configs.findOneBy({ name });
    if (!config) throw new GuardrailNotFoundError({ name });
    return config;
  }

  async getById(configId: number): Promise<GuardrailConfigEntity> {
    const config = await this.configs.findOneBy({ id: configId });
    if (!config) throw new GuardrailNotFoundError({ configId });
    return config;
  }

  /** Duplicate names are a 409, also when two requests race (one insert wins). */
  async create(input: CreateGuardrailInput): Promise<GuardrailConfigEntity> {
    const rules = parseGuardrailRules(input.rules);
    const actor = input.createdBy ?? SYSTEM_ACTOR;
    const created = await this.txHost.withTransaction(async () => {
      const result = await this.txHost.tx
        .createQueryBuilder()
        .insert()
        .into(GuardrailConfigEntity)
        .values({
          name: input.name,
          description: input.description ?? null,
          rules,
          fallbackMessage: input.fallbackMessage ?? DEFAULT_FALLBACK_MESSAGE,
          isActive: input.isActive ?? true,
          isPreset: false,
          createdBy: actor,
          updatedBy: actor,
        })
        .orIgnore()
        .returning(['id'])
        .execute();
      const inserted = (result.raw as Array<{ id: number }>)[0];
      if (!inserted) throw new GuardrailExistsError(input.name);
      const config = await this.txHost.tx.findOneByOrFail(GuardrailConfigEntity, {
        id: inserted.id,
      });
      await this.recordChange('guardrail.create', null, config);
      return config;
    });
    this.changed(created.id, input.name, 'created');
    return created;
  }

  /** Presets can be edited like any config; the name never changes. */
  async update(configId: number, input: UpdateGuardrailInput): Promise<GuardrailConfigEntity> {
    const changes: Partial<GuardrailConfigEntity> = {};
    if (input.rules !== undefined) changes.rules = parseGuardrailRules(input.rules);
    if (input.description !== undefined) changes.description = input.description;
    if (input.isActive !== undefined) changes.isActive = input.isActive;
    if (input.fallbackMessage !== undefined) changes.fallbackMessage = input.fallbackMessage;
    if (Object.keys(changes).length === 0) {
      throw new ValidationFailedError([
        {
          field: 'body',
          errors: ['give at least one of rules, description, is_active, fallback_message'],
        },
      ]);
    }
    const updated = await this.txHost.withTransaction(async () => {
      const before = await this.lockConfig(configId);
      await this.txHost.tx.update(
        GuardrailConfigEntity,
        { id: configId },
        { ...changes, updatedBy: input.updatedBy ?? SYSTEM_ACTOR },
      );
      const after = await this.txHost.tx.findOneByOrFail(GuardrailConfigEntity, { id: configId });
      await this.recordChange('guardrail.update', before, after);
      return after;
    });
    this.changed(configId, updated.name, 'updated');
    return updated;
  }

  /**
   * Soft: deactivate (chats naming it get 404; it still lists with include_inactive).
   * Hard: delete the row; presets refuse, so their names stay reserved.
   */
  async remove(
    configId: number,
    { soft }: { soft: boolean },
  ): Promise<{ config: GuardrailConfigEntity; outcome: 'deactivated' | 'deleted' }> {
    const outcome = soft ? 'deactivated' : 'deleted';
    const config = await this.txHost.withTransaction(async () => {
      const found = await this.lockConfig(configId);
      if (soft) {
        if (found.isActive)
          await this.txHost.tx.update(GuardrailConfigEntity, { id: configId }, { isActive: false });
        const after = await this.txHost.tx.findOneByOrFail(GuardrailConfigEntity, { id: configId });
        await this.recordChange('guardrail.deactivate', found, after);
        return found;
      }
      if (found.isPreset) throw new GuardrailPresetError(found.name);
      await this.txHost.tx.delete(GuardrailConfigEntity, { id: configId });
      await this.recordChange('guardrail.delete', found, null);
      return found;
    });
    this.changed(configId, config.name, outcome);
    return { config, outcome };
  }

  private async lockConfig(configId: number): Promise<GuardrailConfigEntity> {
    const config = await this.txHost.tx.findOne(GuardrailConfigEntity, {
      where: { id: configId },
      lock: { mode: 'pessimistic_write' },
    });
    if (!config) throw new GuardrailNotFoundError({ configId });
    return config;
  }

  private recordChange(
    action: string,
    before: GuardrailConfigEntity | null,
    after: GuardrailConfigEntity | null,
  ): Promise<void> {
    const target = after ?? before;
    return this.audit.record({
      action,
      targetType: 'guardrail',
      targetId: target?.id,
      before: before && guardrailSummary(before),
      after: after && guardrailSummary(after),
    });
  }

  /**
   * The config a chat turn applies: none when no name is given, else the active config of
   * that name (404 guardrail_not_found for an unknown or inactive one). Cached until a change.
   */
  async resolveForChat(name: string | undefined): Promise<ActiveGuardrailConfig | null> {
    if (name === undefined) return null;
    const config = await this.cache.get(name, async () => {
      const row = await this.configs.findOneBy({ name, isActive: true });
      return row
        ? Object.freeze({
            id: row.id,
            name: row.name,
            rules: Object.freeze(row.rules),
            fallbackMessage: row.fallbackMessage,
          })
        : null;
    });
    if (!config) throw new GuardrailNotFoundError({ name }, 'active ');
    return config;
  }

  /** Drops cached configs (on a change here, or an event about one from any instance). */
  invalidate(): void {
    this.cache.invalidate();
  }

  /** Drops this instance's cache now, and every instance's through the event. */
  private changed(configId: number, name: string, change: string): void {
    this.invalidate();
    this.liveEvents.publish('guardrail_config.changed', {
      data: { config_id: configId, name, change },
    });
  }

  /** Stores firings in one statement; returns them as stored (with ids), in the order given. */
  async recordFirings(events: readonly NewGuardrailEvent[]): Promise<GuardrailEventEntity[]> {
    if (events.length === 0) return [];
    const rows = events.map((event) =>
      this.events.create({
        userId: event.user_id,
        configName: event.config_name,
        ruleIndex: event.rule_index,
        ruleType: event.rule_type,
        action: event.action,
        stage: event.stage,
        excerpt: storableExcerpt(event.excerpt),
        messageId: event.message_id ?? null,
        requestId: event.request_id ?? null,
      }),
    );
    const { generatedMaps } = await this.events.insert(rows);
    for (const event of events) {
      this.metrics.countGuardrailFiring(event.rule_type, event.action, event.stage);
      this.liveEvents.publish('guardrail.fired', {
        userId: event.user_id,
        data: {
          guardrail_config: event.config_name,
          rule_index: event.rule_index,
          rule_type: event.rule_type,
          action: event.action,
          stage: event.stage,
          excerpt: storableExcerpt(event.excerpt),
          message_id: event.message_id ?? null,
        },
      });
    }
    // TypeORM hands back bigint ids as text.
    return rows.map((row, index) =>
      this.events.merge(row, {
        id: Number(generatedMaps[index]?.id),
        createdAt: generatedMaps[index]?.createdAt as Date,
      }),
    );
  }

  /** Newest first, optionally for one user. */
  async listEvents({ userId, limit, cursor }: GuardrailEventQuery): Promise<GuardrailEventPage> {
    const beforeId = cursor === undefined ? undefined : decodeIdCursor(CURSOR_LIST, cursor);
    if (cursor !== undefined && beforeId === undefined) throw new InvalidEventCursorError();
    const where: FindOptionsWhere<GuardrailEventEntity> = {};
    if (userId !== undefined) where.userId = userId;
    if (beforeId !== undefined) where.id = LessThan(beforeId);
    const rows = await this.events.find({ where, order: { id: 'DESC' }, take: limit + 1 });
    const page = keysetPage(rows, limit, (last) => encodeIdCursor(CURSOR_LIST, last.id));
    return { events: page.items, nextCursor: page.nextCursor };
  }
}

// Excerpts quote user and model text: PostgreSQL refuses NUL and unpaired surrogates in it.
function storableExcerpt(excerpt: string): string {
  return toStorableText(excerpt)
    .slice(0, EXCERPT_MAX_CHARS)
    .replace(/[\ud800-\udbff]$/, '');
}

function guardrailSummary(config: GuardrailConfigEntity): Record<string, unknown> {
  return {
    name: config.name,
    is_active: config.isActive,
    rule_count: config.rules.length,
    description: config.description,
    fallback_message: excerpt(config.fallbackMessage, 100),
  };
}
