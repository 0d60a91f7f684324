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
  /** True when the versions differ in more lines than a line diff is computed for. */
  tooLarge: boolean;
  /** Lines added plus lines removed (0 when too large). */
  edits: number;
}

/**
 * Most added plus removed lines a line diff is computed for. The diff runs on the request's
 * thread and costs about (lines × edits), so this bounds it to a fraction of a second.
 */
export const MAX_DIFF_EDITS = 1000;

/** Keys sorted at every level, so equal configs compare equal whatever their key order. */
function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, inner: unknown) =>
    inner && typeof inner === 'object' && !Array.isArray(inner)
      ? Object.fromEntries(Object.entries(inner).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : inner,
  );
}

function lines(content: string): string[] {
  return content.split('\n');
}

/**
 * A lower bound of the edit count, in linear time: a line kept must occur in both versions,
 * so at most the multiset intersection of their lines is kept.
 */
function minimumEdits(from: string, to: string): number {
  const counts = new Map<string, number>();
  const fromLines = lines(from);
  const toLines = lines(to);
  for (const line of fromLines) counts.set(line, (counts.get(line) ?? 0) + 1);
  let common = 0;
  for (const line of toLines) {
    const left = counts.get(line) ?? 0;
    if (left > 0) {
      common += 1;
      counts.set(line, left - 1);
    }
  }
  return fromLines.length + toLines.length - 2 * common;
}

/** A unified diff of two versions' content, the same as line changes, and whether config changed. */
export function diffTemplateVersions(
  templateName: string,
  from: VersionSnapshot,
  to: VersionSnapshot,
  maxEdits = MAX_DIFF_EDITS,
): TemplateDiff {
  const configChanged = canonicalJson(from.config) !== canonicalJson(to.config);
  const tooLarge = { diff: '', changes: [], configChanged, tooLarge: true, edits: 0 };
  if (minimumEdits(from.content, to.content) > maxEdits) return tooLarge;
  const changes = diffLines(from.content, to.content, { maxEditLength: maxEdits });
  if (changes === undefined) return tooLarge;
  const patch = createTwoFilesPatch(
    `${templateName}@v${from.version}`,
    `${templateName}@v${to.version}`,
    from.content,
    to.content,
    undefined,
    undefined,
    { context: 3, maxEditLength: maxEdits },
  );
  if (patch === undefined) return tooLarge;
  return {
    diff: patch,
    changes: changes.map((change) => ({
      type: change.added ? 'added' : change.removed ? 'removed' : 'unchanged',
      value: change.value,
    })),
    configChanged,
    tooLarge: false,
    edits: changes.reduce(
      (sum, change) => (change.added || change.removed ? sum + change.count : sum),
      0,
    ),
  };
}
