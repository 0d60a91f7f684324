import { applyDecorators } from '@nestjs/common';
import { Transform } from 'class-transformer';
import { ValidateBy } from 'class-validator';
import { isStorableText } from './storable-text';

/** Ids and versions are PostgreSQL integers. */
export const MAX_INTEGER = 2_147_483_647;

export interface TextRule {
  maxLength: number;
  pattern?: RegExp;
  patternMessage?: string;
  /** Surrounding spaces are dropped before checking (names, actors). */
  trim?: boolean;
  /** Refuse NUL and unpaired surrogates, which PostgreSQL cannot store. */
  storable?: boolean;
}

function textProblem(value: unknown, rule: TextRule): string | undefined {
  if (value === undefined || value === null) return 'is required';
  if (typeof value !== 'string') return 'must be a string';
  if (value.trim() === '') return 'must not be empty';
  if (value.length > rule.maxLength) return `must be at most ${rule.maxLength} characters`;
  if (rule.pattern && !rule.pattern.test(value)) return rule.patternMessage ?? 'is not valid';
  if (rule.storable && !isStorableText(value)) {
    return 'must not contain NUL or unpaired surrogate characters';
  }
  return undefined;
}

/** A text field with one clear message per problem (required, type, empty, length, pattern…). */
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

/**
 * A whole number in a range. Path and query values arrive as text, so plain decimal digits
 * are read as a number; anything else ("1.5", "1e3", "abc") is rejected.
 */
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

/** An id kept as text (a cursor): decimal digits of a whole number from 1 to MAX_INTEGER. */
export function IsIdText(message = 'must be an id'): PropertyDecorator {
  return ValidateBy({
    name: 'isIdText',
    validator: {
      validate: (value: unknown) =>
        typeof value === 'string' && /^[1-9]\d{0,9}$/.test(value) && Number(value) <= MAX_INTEGER,
      defaultMessage: (args) => `${args?.property} ${message}`,
    },
  });
}
