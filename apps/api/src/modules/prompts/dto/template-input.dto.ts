import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsObject, IsOptional } from 'class-validator';
import { IsText } from '../../../core/validation/field-rules';
import { OptionalVersion } from './template-params.dto';

export const TEMPLATE_NAME_PATTERN = /^[A-Za-z0-9 _.-]+$/;
export const MAX_CONTENT_LENGTH = 100_000;

const CONTENT_EXAMPLE =
  'You are Nova, a warm and curious companion.\n' +
  'What you know about {{ user_id }}:\n{{ user_context }}\n\n' +
  'Recent conversation:\n{{ conversation_history }}';

const CONFIG_PROPERTY = {
  type: 'object',
  additionalProperties: true,
  description:
    'Version settings. Known keys are checked: history_limit (0-100), temperature (0-2), ' +
    'max_tokens (1-32768), top_p (0-1), stop (string or up to 4 strings), model, guardrail_config. ' +
    'Other keys are kept as given.',
  example: { temperature: 0.8, max_tokens: 512, history_limit: 10 },
} as const;

const isContent = () => IsText({ maxLength: MAX_CONTENT_LENGTH });
const isActor = () => IsText({ maxLength: 128, trim: true });

export class CreateTemplateDto {
  @ApiProperty({
    example: 'nova',
    minLength: 1,
    maxLength: 100,
    pattern: TEMPLATE_NAME_PATTERN.source,
    description: 'Unique name: letters, digits, spaces, "_", "." and "-" (trimmed)',
  })
  @IsText({
    maxLength: 100,
    trim: true,
    pattern: TEMPLATE_NAME_PATTERN,
    patternMessage: 'may only contain letters, digits, spaces, "_", "." and "-"',
  })
  name!: string;

  @ApiProperty({
    example: CONTENT_EXAMPLE,
    maxLength: MAX_CONTENT_LENGTH,
    description: 'Nunjucks template',
  })
  @isContent()
  content!: string;

  @ApiProperty({ example: 'alice', minLength: 1, maxLength: 128 })
  @isActor()
  created_by!: string;

  @ApiPropertyOptional(CONFIG_PROPERTY)
  @IsOptional()
  @IsObject({ message: 'config must be an object' })
  config?: Record<string, unknown>;
}

export class UpdateTemplateDto {
  @ApiProperty({ example: CONTENT_EXAMPLE, maxLength: MAX_CONTENT_LENGTH })
  @isContent()
  content!: string;

  @ApiProperty({ example: 'alice', minLength: 1, maxLength: 128 })
  @isActor()
  updated_by!: string;

  @ApiPropertyOptional({ example: 'Warmer greeting', maxLength: 1000 })
  @IsOptional()
  @IsText({ maxLength: 1000 })
  change_description?: string;

  @ApiPropertyOptional({
    ...CONFIG_PROPERTY,
    description: `${CONFIG_PROPERTY.description} Omitted: the previous version's config is kept.`,
  })
  @IsOptional()
  @IsObject({ message: 'config must be an object' })
  config?: Record<string, unknown>;
}

export class PreviewTemplateDto {
  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    description:
      "Variables merged over the context (they win): the sample context, or a real user's with user_id",
    example: { name: 'Sam', user_mode: 'learning' },
  })
  @IsOptional()
  @IsObject({ message: 'variables must be an object' })
  variables?: Record<string, unknown>;

  @ApiPropertyOptional({ example: 'Tell me about the stars', maxLength: 8000 })
  @IsOptional()
  @IsText({ maxLength: 8000 })
  message?: string;

  @ApiPropertyOptional({ example: 'user-42', pattern: '^[A-Za-z0-9._:@-]{1,128}$' })
  @IsOptional()
  @IsText({
    maxLength: 128,
    pattern: /^[A-Za-z0-9._:@-]+$/,
    patternMessage: 'may only contain letters, digits and . _ : @ -',
  })
  user_id?: string;

  @OptionalVersion(2, 'Defaults to the current version')
  version?: number;

  @ApiPropertyOptional({
    example: 'Hello {{ name }}!',
    maxLength: MAX_CONTENT_LENGTH,
    description: 'Unsaved content to render instead of the stored version (validated as on save)',
  })
  @IsOptional()
  @isContent()
  content?: string;

  @ApiPropertyOptional({
    default: false,
    description: 'Also send the prompt to the LLM and return its reply (nothing is stored)',
  })
  @IsOptional()
  @IsBoolean({ message: 'call_llm must be true or false' })
  call_llm?: boolean;
}
