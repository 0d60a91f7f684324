import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsIn, IsNotEmpty, IsOptional, IsString, Length } from 'class-validator';
import { PageCursor, PageLimit } from '../../../core/http/page-query';
import { IsUserId, USER_ID_PATTERN } from '../../memory/identifiers';
import type {
  InjectRole,
  InterventionEntity,
  InterventionKind,
} from '../entities/intervention.entity';

const trim = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);

/** 1 to `max` characters once trimmed. Listed bottom-up, as stacked decorators apply. */
const TrimmedText = (max: number) =>
  applyDecorators(Length(1, max), IsNotEmpty(), IsString(), Transform(trim));

export class HaltDto {
  @ApiProperty({ description: 'Who halts (1 to 128 characters)', example: 'alice' })
  @TrimmedText(128)
  operator!: string;

  @ApiProperty({
    description: 'Why (1 to 1000 characters); the user-facing 423 quotes it',
    example: 'Reviewing a safety report',
  })
  @TrimmedText(1000)
  reason!: string;
}

export class ResumeQueryDto {
  @ApiPropertyOptional({
    description: 'Who resumes (1 to 128 characters); default "operator"',
    example: 'alice',
  })
  @IsOptional()
  @TrimmedText(128)
  operator?: string;
}

export class InjectDto {
  @ApiProperty({ description: 'Who speaks (1 to 128 characters)', example: 'alice' })
  @TrimmedText(128)
  operator!: string;

  @ApiProperty({
    description: 'The message (1 to 8000 characters)',
    example: 'Be extra gentle: the user had a hard day.',
  })
  @IsString()
  @IsNotEmpty()
  @Length(1, 8000)
  content!: string;

  @ApiPropertyOptional({
    enum: ['system', 'assistant'],
    default: 'system',
    description:
      '`system`: a note only the AI sees, stored as "[Operator: NAME] content". `assistant`: the ' +
      'operator answers as the AI; the end user sees it live.',
  })
  @IsOptional()
  @IsIn(['system', 'assistant'])
  role?: InjectRole;
}

export class InterventionListQueryDto {
  @PageLimit(50)
  limit?: number;

  @PageCursor()
  cursor?: string;

  @ApiPropertyOptional({
    pattern: USER_ID_PATTERN.source,
    description: "Only this user's interventions",
  })
  @IsOptional()
  @IsUserId()
  user_id?: string;

  @ApiPropertyOptional({ enum: ['halt', 'resume', 'inject'] })
  @IsOptional()
  @IsIn(['halt', 'resume', 'inject'])
  kind?: InterventionKind;
}

export class HaltResponseDto {
  @ApiProperty({ example: 'user-42' }) user_id!: string;
  @ApiProperty({ example: 'halted' }) status!: 'halted';
  @ApiProperty({ example: 'alice' }) operator!: string;
  @ApiProperty({ example: 'Reviewing a safety report' }) reason!: string;
  @ApiProperty({ format: 'date-time' }) halted_at!: string;
  @ApiProperty({ example: 17 }) intervention_id!: number;
}

export class ResumeResponseDto {
  @ApiProperty({ example: 'user-42' }) user_id!: string;
  @ApiProperty({ example: 'active' }) status!: 'active';
  @ApiProperty({ example: 'alice' }) operator!: string;
  @ApiProperty({ example: 18 }) intervention_id!: number;
}

export class InjectResponseDto {
  @ApiProperty({ example: 'user-42' }) user_id!: string;
  @ApiProperty({ example: 311 }) message_id!: number;
  @ApiProperty({ example: 'alice' }) operator!: string;
  @ApiProperty({ enum: ['system', 'assistant'] }) role!: InjectRole;
  @ApiProperty({
    description: 'What was stored (system notes carry the operator prefix)',
    example: '[Operator: alice] Be extra gentle.',
  })
  content!: string;
  @ApiProperty({ example: 19 }) intervention_id!: number;
  @ApiProperty({ format: 'date-time' }) created_at!: string;
}

export class HaltedUserDto {
  @ApiProperty({ example: 'user-42' }) user_id!: string;
  @ApiProperty({ type: String, nullable: true, example: 'Reviewing a safety report' }) reason!:
    string | null;
  @ApiProperty({ type: String, nullable: true, example: 'alice' }) operator!: string | null;
  @ApiProperty({ format: 'date-time' }) halted_at!: string;
}

export class InterventionDto {
  @ApiProperty({ example: 17 }) id!: number;
  @ApiProperty({ example: 'user-42' }) user_id!: string;
  @ApiProperty({ enum: ['halt', 'resume', 'inject'] }) kind!: InterventionKind;
  @ApiProperty({ example: 'alice' }) operator!: string;
  @ApiProperty({ type: String, nullable: true }) reason!: string | null;
  @ApiProperty({ type: String, nullable: true }) content!: string | null;
  @ApiProperty({ type: String, nullable: true, enum: ['system', 'assistant'] })
  role!: InjectRole | null;
  @ApiProperty({ type: Number, nullable: true }) message_id!: number | null;
  @ApiProperty({ format: 'date-time' }) created_at!: string;
}

export class InterventionOverviewDto {
  @ApiProperty({ description: 'Users halted now', example: 1 }) count!: number;
  @ApiProperty({ type: [HaltedUserDto] }) halted_users!: HaltedUserDto[];
  @ApiProperty({ type: [InterventionDto], description: 'The intervention log, newest first' })
  recent!: InterventionDto[];
  @ApiProperty({ type: String, nullable: true, description: 'Cursor for older interventions' })
  next_cursor!: string | null;
}

export function toInterventionDto(entity: InterventionEntity): InterventionDto {
  return {
    id: entity.id,
    user_id: entity.userId,
    kind: entity.kind,
    operator: entity.operator,
    reason: entity.reason,
    content: entity.content,
    role: entity.role,
    message_id: entity.messageId,
    created_at: entity.createdAt.toISOString(),
  };
}
