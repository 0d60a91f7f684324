import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { IsBoolean, IsDefined, IsOptional, ValidateIf } from 'class-validator';
import { GuardrailConfigEntity } from '../entities/guardrail-config.entity';
import { DEFAULT_FALLBACK_MESSAGE, GuardrailRule } from '../guardrail-rules';
import { IsText, MAX_INTEGER } from '../../../core/validation/field-rules';
import { GUARDRAIL_NAME_PATTERN, IsGuardrailName } from './guardrail-fields';
import { rulesProperty } from './guardrail-rule.dto';

const MAX_DESCRIPTION = 1000;
const MAX_FALLBACK = 2000;

const DESCRIPTION_EXAMPLE = 'For the study companion: no personal data leaves the chat';
const FALLBACK_EXAMPLE = DEFAULT_FALLBACK_MESSAGE;
const isActor = () => IsText({ maxLength: 128, trim: true, storable: true });
/** Unlike IsOptional, null is checked (and refused): only description can be cleared. */
const MayBeOmitted = () => ValidateIf((_dto, value) => value !== undefined);

/**
 * `rules` exactly as sent. The global ValidationPipe strips `constructor` and `prototype` keys
 * in place and class-transformer drops keys such as `toString`; a copy taken here (parameters
 * are read before any pipe runs) lets such a key be reported as an unknown field of its rule.
 */
export const RawRules = createParamDecorator((_data: unknown, context: ExecutionContext) => {
  const body = context.switchToHttp().getRequest<FastifyRequest>().body;
  const rules =
    typeof body === 'object' && body !== null ? (body as { rules?: unknown }).rules : undefined;
  return rules === undefined ? undefined : structuredClone(rules);
});

export class CreateGuardrailConfigDto {
  @ApiProperty({
    example: 'study_safe',
    minLength: 1,
    maxLength: 100,
    pattern: GUARDRAIL_NAME_PATTERN.source,
    description: 'Unique; letters, digits, _ . - (not presets or events)',
  })
  @IsGuardrailName()
  name!: string;

  @ApiPropertyOptional({ maxLength: MAX_DESCRIPTION, example: DESCRIPTION_EXAMPLE })
  @IsOptional()
  @IsText({ maxLength: MAX_DESCRIPTION, storable: true })
  description?: string;

  @ApiProperty(
    rulesProperty(
      'The rules, possibly none. A malformed rule is a 422 naming it, e.g. rules[2].pattern.',
    ),
  )
  @IsDefined({ message: 'rules is required (an array of rules, possibly empty)' })
  rules!: unknown;

  @ApiPropertyOptional({
    maxLength: MAX_FALLBACK,
    default: DEFAULT_FALLBACK_MESSAGE,
    description: 'Replaces a reply that an output rule blocks',
    example: FALLBACK_EXAMPLE,
  })
  @IsOptional()
  @IsText({ maxLength: MAX_FALLBACK, storable: true })
  fallback_message?: string;

  @ApiPropertyOptional({ default: true, example: true })
  @IsOptional()
  @IsBoolean({ message: 'is_active must be true or false' })
  is_active?: boolean;

  @ApiPropertyOptional({ minLength: 1, maxLength: 128, default: 'system', example: 'alice' })
  @IsOptional()
  @isActor()
  created_by?: string;
}

export class UpdateGuardrailConfigDto {
  @ApiPropertyOptional(rulesProperty('Replaces all rules when given'))
  @IsOptional()
  rules?: unknown;

  @ApiPropertyOptional({
    type: String,
    nullable: true,
    maxLength: MAX_DESCRIPTION,
    description: 'null clears it',
    example: DESCRIPTION_EXAMPLE,
  })
  @ValidateIf((_dto, value) => value !== null && value !== undefined)
  @IsText({ maxLength: MAX_DESCRIPTION, storable: true })
  description?: string | null;

  @ApiPropertyOptional({
    description: 'false deactivates (chats naming it get 404), true reactivates',
    example: true,
  })
  @MayBeOmitted()
  @IsBoolean({ message: 'is_active must be true or false' })
  is_active?: boolean;

  @ApiPropertyOptional({ maxLength: MAX_FALLBACK, example: FALLBACK_EXAMPLE })
  @MayBeOmitted()
  @IsText({ maxLength: MAX_FALLBACK, storable: true })
  fallback_message?: string;

  @ApiPropertyOptional({ minLength: 1, maxLength: 128, default: 'system', example: 'alice' })
  @MayBeOmitted()
  @isActor()
  updated_by?: string;
}

export class GuardrailConfigDto {
  @ApiProperty({ type: 'integer', example: 4, minimum: 1, maximum: MAX_INTEGER })
  id!: number;

  @ApiProperty({ example: 'study_safe' })
  name!: string;

  @ApiProperty({ type: String, nullable: true, example: DESCRIPTION_EXAMPLE })
  description!: string | null;

  @ApiProperty(rulesProperty('As stored, defaults filled in (priority, flags, action)'))
  rules!: GuardrailRule[];

  @ApiProperty({ example: FALLBACK_EXAMPLE })
  fallback_message!: string;

  @ApiProperty({ example: true })
  is_active!: boolean;

  @ApiProperty({
    description:
      'Seeded by the product (unrestricted, research_safe, clinical): editable, not deletable',
    example: false,
  })
  is_preset!: boolean;

  @ApiProperty({ format: 'date-time', example: '2026-01-15T09:30:00.000Z' })
  created_at!: string;

  @ApiProperty({ example: 'alice' })
  created_by!: string;

  @ApiProperty({ format: 'date-time', example: '2026-01-15T09:30:00.000Z' })
  updated_at!: string;

  @ApiProperty({ example: 'alice' })
  updated_by!: string;

  static from(config: GuardrailConfigEntity): GuardrailConfigDto {
    return {
      id: config.id,
      name: config.name,
      description: config.description,
      rules: config.rules,
      fallback_message: config.fallbackMessage,
      is_active: config.isActive,
      is_preset: config.isPreset,
      created_at: config.createdAt.toISOString(),
      created_by: config.createdBy,
      updated_at: config.updatedAt.toISOString(),
      updated_by: config.updatedBy,
    };
  }
}

export class GuardrailConfigListDto {
  @ApiProperty({ description: 'How many configs are listed', example: 3 })
  count!: number;

  @ApiProperty({ type: [GuardrailConfigDto], description: 'Oldest first, presets included' })
  configs!: GuardrailConfigDto[];
}

export class GuardrailPresetListDto {
  @ApiProperty({ type: [String], example: ['unrestricted', 'research_safe', 'clinical'] })
  presets!: string[];

  @ApiProperty({ type: [GuardrailConfigDto] })
  configs!: GuardrailConfigDto[];
}

export class UpdatedGuardrailConfigDto {
  @ApiProperty({ enum: ['Config updated'], example: 'Config updated' })
  message!: 'Config updated';

  @ApiProperty({ type: GuardrailConfigDto })
  config!: GuardrailConfigDto;
}

export class DeletedGuardrailConfigDto {
  @ApiProperty({ enum: ['Config deactivated', 'Config deleted'], example: 'Config deactivated' })
  message!: 'Config deactivated' | 'Config deleted';

  @ApiProperty({ type: 'integer', example: 4 })
  config_id!: number;

  @ApiProperty({ example: 'study_safe' })
  name!: string;
}
