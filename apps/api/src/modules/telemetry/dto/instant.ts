import { ValidateBy } from 'class-validator';

/** A date (UTC midnight) or a date-time with its zone: a time without one would be ambiguous. */
const INSTANT_PATTERN =
  /^(\d{4})-(\d{2})-(\d{2})(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2}))?$/;
export const INSTANT_RULE =
  'must be an ISO 8601 date (2026-01-15) or date-time with a zone (2026-01-15T09:30:00Z)';

export function isInstant(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  const match = INSTANT_PATTERN.exec(value);
  if (!match || Number.isNaN(Date.parse(value))) return false;
  // Date.parse rolls 2026-02-30 over to March; a real calendar day round-trips.
  const [year, month, day] = match.slice(1, 4).map(Number) as [number, number, number];
  const calendar = new Date(Date.UTC(year, month - 1, day));
  return calendar.getUTCMonth() === month - 1 && calendar.getUTCDate() === day;
}

export function IsInstant(): PropertyDecorator {
  return ValidateBy({
    name: 'isInstant',
    validator: {
      validate: isInstant,
      defaultMessage: (args) => `${args?.property} ${INSTANT_RULE}`,
    },
  });
}

export function toDate(value: string | undefined): Date | undefined {
  return value === undefined ? undefined : new Date(value);
}
