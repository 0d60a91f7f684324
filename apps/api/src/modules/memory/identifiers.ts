import { ValidateBy, ValidationOptions } from 'class-validator';

/** Who a conversation belongs to (spec section 4); safe in URLs and logs as it is. */
export const USER_ID_PATTERN = /^[A-Za-z0-9._:@-]{1,128}$/;
export const USER_ID_RULE = 'user_id must be 1 to 128 characters of A-Z a-z 0-9 . _ : @ -';

/**
 * Memory keys become template variables: they start with a letter, digit or `_` (so `.` and
 * `..` never reach a URL) and the names of JavaScript prototype members are refused.
 * Keys starting with `__` are kept but hidden from the prompt's user_context.
 */
export const MEMORY_KEY_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9_.:-]{0,127}$/;
export const RESERVED_MEMORY_KEYS: readonly string[] = ['__proto__', 'constructor', 'prototype'];
export const MEMORY_KEY_RULE =
  'key must be 1 to 128 characters of A-Z a-z 0-9 _ . : - starting with a letter, digit or _, ' +
  'and not __proto__, constructor or prototype';

/** Only `halted` stops the AI; any other label (e.g. `learning`) is shown to templates. */
export const USER_MODE_PATTERN = /^[a-z0-9_-]{1,32}$/;
export const USER_MODE_RULE = 'mode must be 1 to 32 characters of a-z 0-9 _ -';

export function isUserId(value: unknown): value is string {
  return typeof value === 'string' && USER_ID_PATTERN.test(value);
}

export function isMemoryKey(value: unknown): value is string {
  return (
    typeof value === 'string' &&
    MEMORY_KEY_PATTERN.test(value) &&
    !RESERVED_MEMORY_KEYS.includes(value)
  );
}

export function isUserMode(value: unknown): value is string {
  return typeof value === 'string' && USER_MODE_PATTERN.test(value);
}

export function IsUserId(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    { name: 'isUserId', validator: { validate: isUserId, defaultMessage: () => USER_ID_RULE } },
    options,
  );
}

export function IsMemoryKey(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isMemoryKey',
      validator: { validate: isMemoryKey, defaultMessage: () => MEMORY_KEY_RULE },
    },
    options,
  );
}

export function IsUserMode(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isUserMode',
      validator: { validate: isUserMode, defaultMessage: () => USER_MODE_RULE },
    },
    options,
  );
}
