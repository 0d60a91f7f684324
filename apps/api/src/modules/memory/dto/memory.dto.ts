import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import { ApiProperty } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { FieldProblem, ValidationFailedError } from '../../../core/errors/domain-error';
import { UserMemoryEntity } from '../entities/user-memory.entity';
import type { JsonValue } from '../memory-value';
import { MAX_MEMORY_VALUE_BYTES, MAX_MEMORY_VALUE_DEPTH } from '../memory-value';

const ANY_JSON = {
  nullable: true,
  oneOf: [
    { type: 'string' },
    { type: 'number' },
    { type: 'boolean' },
    { type: 'object', additionalProperties: true },
    { type: 'array', items: {} },
  ],
};

export class SetMemoryValueDto {
  @ApiProperty({
    ...ANY_JSON,
    description:
      `Any JSON value, null included, stored and returned exactly; at most ` +
      `${MAX_MEMORY_VALUE_BYTES} bytes as JSON and ${MAX_MEMORY_VALUE_DEPTH} levels deep.`,
    example: { name: 'Mia', likes: ['jazz', 'hiking'], age: 31 },
  })
  value!: JsonValue;
}

/**
 * The body of PUT /admin/memory/{user_id}/{key}. It is read past the global ValidationPipe,
 * which deletes `constructor` and `prototype` keys at every depth of a body and would
 * silently change the stored value; the shape is checked here instead, with the same errors.
 */
export const SetMemoryValueBody = createParamDecorator(
  (_data: unknown, context: ExecutionContext): SetMemoryValueDto =>
    parseSetMemoryValueBody(context.switchToHttp().getRequest<FastifyRequest>().body),
);

export function parseSetMemoryValueBody(body: unknown): SetMemoryValueDto {
  const fields = body ?? {};
  if (typeof fields !== 'object' || Array.isArray(fields)) {
    throw new ValidationFailedError([
      { field: 'body', errors: ['the body must be a JSON object like {"value": …}'] },
    ]);
  }
  const problems: FieldProblem[] = Object.keys(fields)
    .filter((name) => name !== 'value')
    .map((name) => ({ field: name, errors: [`property ${name} should not exist`] }));
  if (!('value' in fields)) {
    problems.unshift({ field: 'value', errors: ['value is required (any JSON value, or null)'] });
  }
  if (problems.length > 0) throw new ValidationFailedError(problems);
  return { value: (fields as { value: JsonValue }).value };
}

export class UserMemoryDto {
  @ApiProperty({ example: 'user-42' })
  user_id!: string;

  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description: 'Every key of the user with its JSON value, in key order; {} when none.',
    example: { name: 'Mia', favorite_color: 'teal', __onboarding_step: 3 },
  })
  memory!: Record<string, unknown>;
}

export class MemoryEntryDto {
  @ApiProperty({ example: 'user-42' })
  user_id!: string;

  @ApiProperty({ example: 'favorite_color' })
  key!: string;

  @ApiProperty({ description: 'Stays the same when the value is replaced', example: 17 })
  memory_id!: number;

  @ApiProperty({ ...ANY_JSON, example: 'teal' })
  value!: unknown;

  @ApiProperty({ format: 'date-time', example: '2026-01-15T09:30:00.000Z' })
  updated_at!: string;
}

export function toMemoryEntryDto(memory: UserMemoryEntity): MemoryEntryDto {
  return {
    user_id: memory.userId,
    key: memory.key,
    memory_id: memory.id,
    value: memory.value,
    updated_at: memory.updatedAt.toISOString(),
  };
}

export class DeletedMemoryKeyDto {
  @ApiProperty({ example: 'user-42' })
  user_id!: string;

  @ApiProperty({ example: 'favorite_color' })
  key!: string;

  @ApiProperty({ enum: [true], example: true })
  deleted!: true;
}

export class ClearedMemoryDto {
  @ApiProperty({ example: 'user-42' })
  user_id!: string;

  @ApiProperty({ description: 'How many keys were removed', example: 3 })
  deleted_count!: number;
}
