import { ValidationError, ValidationPipe } from '@nestjs/common';
import type { ValidatorOptions } from 'class-validator';
import {
  clip,
  FieldProblem,
  MAX_ECHOED_FIELD,
  MAX_ECHOED_MESSAGE,
  ValidationFailedError,
} from './domain-error';

function flatten(errors: ValidationError[], prefix = ''): FieldProblem[] {
  return errors.flatMap((error) => {
    const field = prefix ? `${prefix}.${error.property}` : error.property;
    const own: FieldProblem[] = error.constraints
      ? [
          {
            field: clip(field, MAX_ECHOED_FIELD),
            errors: Object.values(error.constraints).map((message) =>
              clip(message, MAX_ECHOED_MESSAGE),
            ),
          },
        ]
      : [];
    return [...own, ...flatten(error.children ?? [], field)];
  });
}

// Where @nestjs/swagger keeps @ApiProperty options; `nullable: true` there allows null.
const API_PROPERTY_METADATA = 'swagger/apiModelProperties';

function isNullable(target: object, property: string): boolean {
  const metadata: unknown = Reflect.getMetadata(API_PROPERTY_METADATA, target, property);
  return (
    typeof metadata === 'object' &&
    metadata !== null &&
    (metadata as { nullable?: unknown }).nullable === true
  );
}

/** A DTO instance made by class-transformer, as opposed to free-form JSON (plain objects). */
function isDto(value: unknown): value is object {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype !== Object.prototype && prototype !== null;
}

/**
 * Every DTO field holding null that its schema does not mark `nullable`. `@IsOptional()`
 * lets null through like undefined, and a null then reached queries; one rule for all routes.
 */
function nullFields(value: unknown, prefix: string): ValidationError[] {
  if (!isDto(value)) return [];
  return Object.entries(value).flatMap(([property, inner]): ValidationError[] => {
    const field = prefix ? `${prefix}.${property}` : property;
    if (inner === null) {
      if (isNullable(value, property)) return [];
      return [
        {
          property: field,
          value: null,
          constraints: { isNotNull: `${field} must not be null` },
          children: [],
        },
      ];
    }
    if (Array.isArray(inner)) {
      return inner.flatMap((item, index) => nullFields(item, `${field}.${index}`));
    }
    return nullFields(inner, field);
  });
}

class StrictValidationPipe extends ValidationPipe {
  protected override async validate(
    object: object,
    validatorOptions?: ValidatorOptions,
  ): Promise<ValidationError[]> {
    const errors = await super.validate(object, validatorOptions);
    const reported = new Set(flatten(errors).map((problem) => problem.field));
    const nulls = nullFields(object, '').filter((error) => !reported.has(error.property));
    return [...errors, ...nulls];
  }
}

/** Input validation at the edge: unknown fields and nulls rejected, every problem as 422. */
export function createValidationPipe(): ValidationPipe {
  return new StrictValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    stopAtFirstError: false,
    exceptionFactory: (errors) => {
      return new ValidationFailedError(flatten(errors));
    },
  });
}
