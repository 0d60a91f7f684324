import type { GuardrailRuleSet } from './guardrail-engine';

/** An active config as the chat pipeline uses it; shared by every chat, so read-only. */
export interface ActiveGuardrailConfig extends GuardrailRuleSet {
  readonly id: number;
  readonly name: string;
}

const MAX_ENTRIES = 500;

/**
 * Active configs by name, kept until the next change. A load that started before an
 * invalidation is not stored, so a slow read never brings back a config that changed.
 */
export class GuardrailConfigCache {
  private generation = 0;
  private readonly byName = new Map<string, ActiveGuardrailConfig>();

  async get(
    name: string,
    load: () => Promise<ActiveGuardrailConfig | null>,
  ): Promise<ActiveGuardrailConfig | null> {
    const cached = this.byName.get(name);
    if (cached) return cached;
    const generation = this.generation;
    const config = await load();
    // Misses are not kept: names come from clients, and the map must stay small.
    if (config && generation === this.generation) {
      if (this.byName.size >= MAX_ENTRIES) this.byName.clear();
      this.byName.set(name, config);
    }
    return config;
  }

  invalidate(): void {
    this.generation += 1;
    this.byName.clear();
  }
}
