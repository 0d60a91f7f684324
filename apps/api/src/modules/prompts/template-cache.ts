/** What the chat pipeline needs of a template: its current version, ready to render. */
export interface CachedTemplate {
  readonly id: number;
  readonly name: string;
  readonly version: number;
  readonly content: string;
  readonly config: Readonly<Record<string, unknown>>;
  readonly isActive: boolean;
}

const MAX_NAMED_ENTRIES = 500;

/**
 * Current templates by name, and the default, kept until the next change. A load that started
 * before an invalidation is not stored, so a slow read can never bring back stale data.
 */
export class TemplateCache {
  private generation = 0;
  private readonly byName = new Map<string, CachedTemplate>();
  private defaultEntry: { template: CachedTemplate | null } | undefined;

  async getByName(
    name: string,
    load: () => Promise<CachedTemplate | null>,
  ): Promise<CachedTemplate | null> {
    const cached = this.byName.get(name);
    if (cached) return cached;
    const generation = this.generation;
    const template = await load();
    // Misses are not kept: names come from clients, and the map must stay small.
    if (template && generation === this.generation) {
      if (this.byName.size >= MAX_NAMED_ENTRIES) this.byName.clear();
      this.byName.set(name, template);
    }
    return template;
  }

  async getDefault(load: () => Promise<CachedTemplate | null>): Promise<CachedTemplate | null> {
    if (this.defaultEntry) return this.defaultEntry.template;
    const generation = this.generation;
    const template = await load();
    if (generation === this.generation) this.defaultEntry = { template };
    return template;
  }

  invalidate(): void {
    this.generation += 1;
    this.byName.clear();
    this.defaultEntry = undefined;
  }
}
