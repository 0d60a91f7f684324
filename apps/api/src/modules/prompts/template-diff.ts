import { createTwoFilesPatch, diffLines } from 'diff';
import type { TemplateConfig } from './template-config';

export interface VersionSnapshot {
  version: number;
  content: string;
  config: TemplateConfig;
}

export interface LineChange {
  type: 'added' | 'removed' | 'unchanged';
  value: string;
}

export interface TemplateDiff {
  diff: string;
  changes: LineChange[];
  configChanged: boolean;
}

/** Keys sorted at every level, so equal configs compare equal whatever their key order. */
function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, inner: unknown) =>
    inner && typeof inner === 'object' && !Array.isArray(inner)
      ? Object.fromEntries(Object.entries(inner).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : inner,
  );
}

/** A unified diff of two versions' content, the same as line changes, and whether config changed. */
export function diffTemplateVersions(
  templateName: string,
  from: VersionSnapshot,
  to: VersionSnapshot,
): TemplateDiff {
  return {
    diff: createTwoFilesPatch(
      `${templateName}@v${from.version}`,
      `${templateName}@v${to.version}`,
      from.content,
      to.content,
      undefined,
      undefined,
      { context: 3 },
    ),
    changes: diffLines(from.content, to.content).map((change) => ({
      type: change.added ? 'added' : change.removed ? 'removed' : 'unchanged',
      value: change.value,
    })),
    configChanged: canonicalJson(from.config) !== canonicalJson(to.config),
  };
}
