import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional } from 'class-validator';
import {
  IsBooleanText,
  IsIdText,
  IsText,
  IsWholeNumber,
  MAX_INTEGER,
} from '../../../core/validation/field-rules';

export class TemplateIdParams {
  @ApiProperty({ type: 'integer', example: 1, minimum: 1, maximum: MAX_INTEGER })
  @IsWholeNumber(1, MAX_INTEGER)
  template_id!: number;
}

export class TemplateVersionParams extends TemplateIdParams {
  @ApiProperty({ type: 'integer', example: 2, minimum: 1, maximum: MAX_INTEGER })
  @IsWholeNumber(1, MAX_INTEGER)
  version!: number;
}

export class ListTemplatesQuery {
  @ApiPropertyOptional({
    example: false,
    default: false,
    description: 'Include inactive templates',
  })
  @IsOptional()
  @IsBooleanText()
  include_inactive?: boolean;

  @ApiPropertyOptional({ type: 'integer', example: 50, minimum: 1, maximum: 200, default: 200 })
  @IsOptional()
  @IsWholeNumber(1, 200)
  limit?: number;

  @ApiPropertyOptional({ example: '12', description: 'next_cursor of the previous page' })
  @IsOptional()
  @IsIdText('must be a next_cursor returned by this list')
  cursor?: string;
}

export class ChangedByQuery {
  @ApiPropertyOptional({ example: 'alice', minLength: 1, maxLength: 128, default: 'system' })
  @IsOptional()
  @IsText({ maxLength: 128, trim: true })
  updated_by?: string;
}

/** An optional version number in a query or body. */
export const OptionalVersion = (example: number, description: string): PropertyDecorator =>
  applyDecorators(
    ApiPropertyOptional({ type: 'integer', example, minimum: 1, description }),
    IsOptional(),
    IsWholeNumber(1, MAX_INTEGER),
  );

export class DiffQuery {
  @OptionalVersion(1, 'Defaults to the version before `to`')
  from?: number;

  @OptionalVersion(2, 'Defaults to the current version')
  to?: number;
}
