import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { EventsService } from '../events/events.service';
import { TemplateEntity } from './entities/template.entity';
import { NoTemplateError, TemplateInactiveError, TemplateNotFoundError } from './prompts.errors';
import { CachedTemplate, TemplateCache } from './template-cache';
import { TemplateLookup } from './template-lookup';

export type ResolvedTemplate = Omit<CachedTemplate, 'isActive'>;

/** The template a chat turn renders, from a cache that every template change drops. */
@Injectable()
export class TemplateResolver {
  private readonly cache = new TemplateCache();

  constructor(
    @InjectRepository(TemplateEntity)
    private readonly templates: Repository<TemplateEntity>,
    private readonly lookup: TemplateLookup,
    events: EventsService,
  ) {
    // A change on any instance (this one included) drops cached templates.
    events.subscribe((event) => {
      if (event.type === 'template.changed') this.cache.invalidate();
    });
  }

  /**
   * The named template, or the default. Cached until the next change on this instance (other
   * instances' changes arrive as template.changed events).
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
    const version = await this.lookup.findVersion(template, template.currentVersion);
    return {
      id: template.id,
      name: template.name,
      version: version.version,
      content: version.content,
      config: version.config,
      isActive: template.isActive,
    };
  }
}

function withoutStatus({ isActive: _isActive, ...template }: CachedTemplate): ResolvedTemplate {
  return template;
}
