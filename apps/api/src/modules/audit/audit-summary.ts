/** The before/after of an audit row: a few changed fields, small by construction. */
export type AuditSummary = Record<string, unknown>;

/** Field names whose values never reach the audit log (booleans such as `password_changed` do). */
const SECRET_FIELD = /password|secret|token|hash|api_?key/i;
const MAX_TEXT = 200;
const MAX_FIELDS = 30;
const MAX_DEPTH = 3;
export const REDACTED = '[redacted]';

/** Bounds a summary: secrets redacted, long text cut to an excerpt, depth and width capped. */
export function boundedSummary(summary: AuditSummary): AuditSummary {
  return boundedObject(summary, 0);
}

export function excerpt(text: string, max = MAX_TEXT): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

function boundedObject(value: Record<string, unknown>, depth: number): AuditSummary {
  const entries = Object.entries(value).slice(0, MAX_FIELDS);
  return Object.fromEntries(
    entries.map(([field, inner]) => [
      field,
      SECRET_FIELD.test(field) && typeof inner !== 'boolean' ? REDACTED : bounded(inner, depth + 1),
    ]),
  );
}

function bounded(value: unknown, depth: number): unknown {
  if (value === null || typeof value === 'number' || typeof value === 'boolean') return value;
  if (typeof value === 'string') return excerpt(value);
  if (value instanceof Date) return value.toISOString();
  if (depth >= MAX_DEPTH) return excerpt(JSON.stringify(value) ?? '');
  if (Array.isArray(value))
    return value.slice(0, MAX_FIELDS).map((item) => bounded(item, depth + 1));
  if (typeof value === 'object') return boundedObject(value as Record<string, unknown>, depth);
  return undefined;
}
