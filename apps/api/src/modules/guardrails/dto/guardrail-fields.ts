import { applyDecorators } from '@nestjs/common';
import { Transform } from 'class-transformer';
import { ValidateBy } from 'class-validator';
import { isStorableText } from '../guardrail-rules';

/** Ids are PostgreSQL integers. */
export const MAX_INTEGER = 2_147_483_647;

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

interface TextRule {
  maxLength: number;
  /** Surrounding spaces are dropped first (actor names). */
  trim?: boolean;
}

function textProblem(value: unknown, { maxLength }: TextRule): string | undefined {
  if (value === undefined || value === null) return 'is required';
  if (typeof value !== 'string') return 'must be a string';
  if (value.trim() === '') return 'must not be empty';
  if (value.length > maxLength) return `must be at most ${maxLength} characters`;
  if (!isStorableText(value)) return 'must not contain NUL or unpaired surrogate characters';
  return undefined;
}

/** Required text with one clear message per problem (type, empty, length, unstorable). */
export function IsText(rule: TextRule): PropertyDecorator {
  const validate = ValidateBy({
    name: 'isText',
    validator: {
      validate: (value: unknown) => textProblem(value, rule) === undefined,
      defaultMessage: (args) => `${args?.property} ${textProblem(args?.value, rule)}`,
    },
  });
  if (!rule.trim) return validate;
  return applyDecorators(
    Transform(({ value }: { value: unknown }) =>
      typeof value === 'string' ? value.trim() : value,
    ),
    validate,
  );
}

/** A whole number in a range; path and query values arrive as text and must be plain digits. */
export function IsWholeNumber(min: number, max: number): PropertyDecorator {
  return applyDecorators(
    Transform(({ value }: { value: unknown }) =>
      typeof value === 'string' && /^\d{1,10}$/.test(value) ? Number(value) : value,
    ),
    ValidateBy({
      name: 'isWholeNumber',
      validator: {
        validate: (value: unknown) =>
          typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max,
        defaultMessage: (args) => `${args?.property} must be a whole number from ${min} to ${max}`,
      },
    }),
  );
}

/** `true` or `false` in a query string. */
export function IsBooleanText(): PropertyDecorator {
  return applyDecorators(
    Transform(({ value }: { value: unknown }) =>
      value === 'true' ? true : value === 'false' ? false : value,
    ),
    ValidateBy({
      name: 'isBooleanText',
      validator: {
        validate: (value: unknown) => typeof value === 'boolean',
        defaultMessage: (args) => `${args?.property} must be true or false`,
      },
    }),
  );
}
