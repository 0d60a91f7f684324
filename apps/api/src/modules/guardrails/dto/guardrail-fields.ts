import { ValidateBy } from 'class-validator';

/**
 * Config names appear in URLs: letters, digits, _ . - and not starting with . or - (so never
 * `.` or `..`). `presets` and `events` are routes under /admin/guardrails, not names.
 */
export const GUARDRAIL_NAME_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,99}$/;
export const RESERVED_GUARDRAIL_NAMES: readonly string[] = ['presets', 'events'];
export const GUARDRAIL_NAME_RULE =
  'name must be 1 to 100 characters of A-Z a-z 0-9 _ . - starting with a letter, digit or _ ' +
  '(not presets or events)';

export function isGuardrailName(value: unknown): value is string {
  return (
    typeof value === 'string' &&
    GUARDRAIL_NAME_PATTERN.test(value) &&
    !RESERVED_GUARDRAIL_NAMES.includes(value)
  );
}

export function IsGuardrailName(): PropertyDecorator {
  return ValidateBy({
    name: 'isGuardrailName',
    validator: { validate: isGuardrailName, defaultMessage: () => GUARDRAIL_NAME_RULE },
  });
}
