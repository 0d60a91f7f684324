import { ApiProperty } from '@nestjs/swagger';
import { IsBoolean, IsIn, IsString, IsUUID, Length, Matches } from 'class-validator';
import { OPERATOR_ROLES, type OperatorRole } from '../../../core/auth/principal';
import type { OperatorEntity } from '../entities/operator.entity';

export const USERNAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{1,63}$/;
const PASSWORD_RULE = { min: 12, max: 256 };

export class OperatorDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ example: 'alice' }) username!: string;
  @ApiProperty({ enum: OPERATOR_ROLES, example: 'operator' }) role!: OperatorRole;
  @ApiProperty() disabled!: boolean;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) last_login_at!: string | null;
  @ApiProperty({ format: 'date-time' }) created_at!: string;
}

export function toOperatorDto(operator: OperatorEntity): OperatorDto {
  return {
    id: operator.id,
    username: operator.username,
    role: operator.role,
    disabled: operator.disabledAt !== null,
    last_login_at: operator.lastLoginAt?.toISOString() ?? null,
    created_at: operator.createdAt.toISOString(),
  };
}

export class OperatorListDto {
  @ApiProperty() count!: number;
  @ApiProperty({ type: [OperatorDto] }) operators!: OperatorDto[];
}

export class CreateOperatorDto {
  @ApiProperty({
    description: '2 to 64 of A-Z a-z 0-9 . _ - (stored lower-case)',
    pattern: USERNAME_PATTERN.source,
    example: 'alice',
  })
  @IsString()
  @Matches(USERNAME_PATTERN, { message: 'username must be 2 to 64 of A-Z a-z 0-9 . _ -' })
  username!: string;

  @ApiProperty({ description: '12 to 256 characters', format: 'password' })
  @IsString()
  @Length(PASSWORD_RULE.min, PASSWORD_RULE.max)
  password!: string;

  @ApiProperty({ enum: OPERATOR_ROLES, example: 'operator' })
  @IsIn(OPERATOR_ROLES)
  role!: OperatorRole;
}

export class ChangeRoleDto {
  @ApiProperty({ enum: OPERATOR_ROLES, example: 'viewer' })
  @IsIn(OPERATOR_ROLES)
  role!: OperatorRole;
}

export class ResetPasswordDto {
  @ApiProperty({
    description: '12 to 256 characters; ends the operator’s sessions',
    format: 'password',
  })
  @IsString()
  @Length(PASSWORD_RULE.min, PASSWORD_RULE.max)
  password!: string;
}

export class SetDisabledDto {
  @ApiProperty({ description: 'true disables the operator and ends their sessions' })
  @IsBoolean()
  disabled!: boolean;
}

export class OperatorIdParamsDto {
  @ApiProperty({ format: 'uuid' })
  @IsUUID()
  operator_id!: string;
}
