import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional } from 'class-validator';
import { MAX_PAGE_LIMIT } from '../../../core/http/pagination';
import { IsText, IsWholeNumber } from '../../../core/validation/field-rules';
import { IsInstant } from '../../telemetry/dto/instant';
import type { AuditEntryEntity } from '../entities/audit-entry.entity';

const INSTANT_FORMAT = 'ISO 8601 date (UTC midnight) or date-time with a zone';

export class AuditListQueryDto {
  @ApiPropertyOptional({ minimum: 1, maximum: MAX_PAGE_LIMIT, default: 50 })
  @IsOptional()
  @IsWholeNumber(1, MAX_PAGE_LIMIT)
  limit?: number;

  @ApiPropertyOptional({ description: 'next_cursor of the previous page' })
  @IsOptional()
  @IsText({ maxLength: 64 })
  cursor?: string;

  @ApiPropertyOptional({
    description: 'Who: operator:NAME, api_key:PREFIX, user:ID, anonymous or system',
    example: 'operator:admin',
  })
  @IsOptional()
  @IsText({ maxLength: 160 })
  actor?: string;

  @ApiPropertyOptional({ example: 'template.update' })
  @IsOptional()
  @IsText({ maxLength: 64 })
  action?: string;

  @ApiPropertyOptional({ example: 'template' })
  @IsOptional()
  @IsText({ maxLength: 32 })
  target_type?: string;

  @ApiPropertyOptional({ example: '12' })
  @IsOptional()
  @IsText({ maxLength: 300 })
  target_id?: string;

  @ApiPropertyOptional({ description: `created_at at or after; ${INSTANT_FORMAT}` })
  @IsOptional()
  @IsInstant()
  since?: string;

  @ApiPropertyOptional({ description: `created_at before; ${INSTANT_FORMAT}` })
  @IsOptional()
  @IsInstant()
  until?: string;
}

export class AuditEntryDto {
  @ApiProperty({ example: 981 })
  id!: number;

  @ApiProperty({ example: 'operator:admin' })
  actor!: string;

  @ApiProperty({ example: 'template.update' })
  action!: string;

  @ApiProperty({ example: 'template' })
  target_type!: string;

  @ApiProperty({ type: String, nullable: true, example: '12' })
  target_id!: string | null;

  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    nullable: true,
    description: 'The changed fields before the change (secrets never, long text as an excerpt)',
    example: { current_version: 2 },
  })
  before!: Record<string, unknown> | null;

  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    nullable: true,
    description: 'The changed fields after the change',
    example: { current_version: 3 },
  })
  after!: Record<string, unknown> | null;

  @ApiProperty({
    type: String,
    nullable: true,
    description: 'The x-request-id of the request that made the change',
  })
  request_id!: string | null;

  @ApiProperty({ format: 'date-time', example: '2026-01-15T09:30:00.000Z' })
  created_at!: string;
}

export class AuditListDto {
  @ApiProperty({ type: [AuditEntryDto], description: 'Newest first' })
  entries!: AuditEntryDto[];

  @ApiProperty({
    type: String,
    nullable: true,
    description: 'Pass as cursor for older rows; null on the last page',
    example: null,
  })
  next_cursor!: string | null;
}

export function toAuditEntryDto(entry: AuditEntryEntity): AuditEntryDto {
  return {
    id: Number(entry.id),
    actor: entry.actor,
    action: entry.action,
    target_type: entry.targetType,
    target_id: entry.targetId,
    before: entry.before,
    after: entry.after,
    request_id: entry.requestId,
    created_at: entry.createdAt.toISOString(),
  };
}
