import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, Length } from 'class-validator';
import { FieldProblem, ValidationFailedError } from '../../../core/errors/domain-error';
import { UserStateEntity } from '../entities/user-state.entity';
import { IsUserMode, USER_MODE_PATTERN } from '../identifiers';

/** What PUT /admin/state reads from its query string and, as an alternative, from its body. */
export class UserStateChangeDto {
  @ApiPropertyOptional({
    description:
      'Required here or in the body. `active`, `halted` (stops the AI, like a halt) or an ' +
      'operator label such as `learning` that templates see as {{user_mode}}.',
    pattern: USER_MODE_PATTERN.source,
    example: 'learning',
  })
  @IsOptional()
  @IsUserMode()
  mode?: string;

  @ApiPropertyOptional({ description: 'Why (1 to 1000 characters)', example: 'Onboarding week' })
  @IsOptional()
  @IsString()
  @Length(1, 1000)
  reason?: string;

  @ApiPropertyOptional({ description: 'Who (1 to 128 characters)', example: 'alice' })
  @IsOptional()
  @IsString()
  @Length(1, 128)
  operator?: string;
}

export interface StateChange {
  mode: string;
  reason?: string;
  operator?: string;
}

/** Merges query and body; a field given in both must say the same thing. */
export function resolveStateChange(
  query: UserStateChangeDto,
  body: UserStateChangeDto = {},
): StateChange {
  const problems: FieldProblem[] = [];
  const pick = (field: keyof UserStateChangeDto): string | undefined => {
    const fromQuery = query[field];
    const fromBody = body[field];
    if (fromQuery !== undefined && fromBody !== undefined && fromQuery !== fromBody) {
      problems.push({ field, errors: [`${field} differs between the query and the body`] });
    }
    return fromQuery ?? fromBody;
  };
  const mode = pick('mode');
  const change = { reason: pick('reason'), operator: pick('operator') };
  if (mode === undefined) {
    problems.unshift({ field: 'mode', errors: ['mode is required (query parameter or body)'] });
  }
  if (problems.length > 0 || mode === undefined) throw new ValidationFailedError(problems);
  return { mode, ...change };
}

export class UserStateDto {
  @ApiProperty({ example: 'user-42' })
  user_id!: string;

  @ApiProperty({ description: 'Only `halted` stops the AI', example: 'active' })
  mode!: string;

  @ApiProperty({ format: 'date-time', description: 'When the mode last changed' })
  updated_at!: string;

  @ApiProperty({ type: String, nullable: true, example: null })
  reason!: string | null;

  @ApiProperty({ type: String, nullable: true, example: null })
  operator!: string | null;

  @ApiProperty({ format: 'date-time', example: '2026-01-15T09:30:00.000Z' })
  first_seen!: string;

  @ApiProperty({ format: 'date-time', example: '2026-01-15T10:02:11.000Z' })
  last_activity!: string;

  @ApiProperty({ description: 'Messages stored for the user', example: 12 })
  message_count!: number;
}

export function toUserStateDto(state: UserStateEntity): UserStateDto {
  return {
    user_id: state.userId,
    mode: state.mode,
    updated_at: state.updatedAt.toISOString(),
    reason: state.reason,
    operator: state.operator,
    first_seen: state.firstSeen.toISOString(),
    last_activity: state.lastActivity.toISOString(),
    message_count: state.messageCount,
  };
}
