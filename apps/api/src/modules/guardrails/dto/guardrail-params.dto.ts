import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional } from 'class-validator';
import { IsUserId, USER_ID_PATTERN } from '../../memory/identifiers';
import {
  IsBooleanText,
  IsText,
  IsWholeNumber,
  MAX_INTEGER,
} from '../../../core/validation/field-rules';
import { GUARDRAIL_NAME_PATTERN, IsGuardrailName } from './guardrail-fields';

export const MAX_EVENT_PAGE = 200;
export const DEFAULT_EVENT_PAGE = 50;

export class GuardrailNameParams {
  @ApiProperty({ example: 'clinical', pattern: GUARDRAIL_NAME_PATTERN.source })
  @IsGuardrailName()
  name!: string;
}

export class GuardrailConfigIdParams {
  @ApiProperty({ type: 'integer', example: 4, minimum: 1, maximum: MAX_INTEGER })
  @IsWholeNumber(1, MAX_INTEGER)
  config_id!: number;
}

export class ListGuardrailConfigsQuery {
  @ApiPropertyOptional({ default: false, description: 'Include inactive configs', example: true })
  @IsOptional()
  @IsBooleanText()
  include_inactive?: boolean;
}

export class DeleteGuardrailConfigQuery {
  @ApiPropertyOptional({
    default: true,
    description: 'true deactivates (soft delete); false deletes the config (not presets)',
    example: false,
  })
  @IsOptional()
  @IsBooleanText()
  soft?: boolean;
}

export class ListGuardrailEventsQuery {
  @ApiPropertyOptional({
    description: "Only this user's events",
    example: 'user-42',
    pattern: USER_ID_PATTERN.source,
  })
  @IsOptional()
  @IsUserId()
  user_id?: string;

  @ApiPropertyOptional({
    type: 'integer',
    minimum: 1,
    maximum: MAX_EVENT_PAGE,
    default: DEFAULT_EVENT_PAGE,
    example: 50,
  })
  @IsOptional()
  @IsWholeNumber(1, MAX_EVENT_PAGE)
  limit?: number;

  @ApiPropertyOptional({ description: 'next_cursor of the previous page', example: 'WyJnIiwxMl0' })
  @IsOptional()
  @IsText({ maxLength: 64, storable: true })
  cursor?: string;
}
