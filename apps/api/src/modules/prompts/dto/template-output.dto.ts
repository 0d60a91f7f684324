import { ApiProperty } from '@nestjs/swagger';
import type { TemplateVersionEntity } from '../entities/template-version.entity';
import type { TemplateEntity } from '../entities/template.entity';

const CONFIG_SCHEMA = {
  type: 'object',
  additionalProperties: true,
  example: { temperature: 0.8, max_tokens: 512, history_limit: 10 },
} as const;

export class TemplateSummaryDto {
  @ApiProperty({ example: 1 })
  id!: number;

  @ApiProperty({ example: 'nova' })
  name!: string;

  @ApiProperty({ example: 3, description: 'Current version' })
  version!: number;

  @ApiProperty({ example: true })
  is_active!: boolean;

  @ApiProperty({ example: true, description: 'At most one template is the default' })
  is_default!: boolean;

  @ApiProperty({ example: '2025-06-01T12:00:00.000Z', format: 'date-time' })
  created_at!: string;

  @ApiProperty({ example: 'alice' })
  created_by!: string;

  @ApiProperty({ example: '2025-06-02T09:30:00.000Z', format: 'date-time' })
  updated_at!: string;

  @ApiProperty({ example: 'bob' })
  updated_by!: string;

  static from(template: TemplateEntity): TemplateSummaryDto {
    return {
      id: template.id,
      name: template.name,
      version: template.currentVersion,
      is_active: template.isActive,
      is_default: template.isDefault,
      created_at: template.createdAt.toISOString(),
      created_by: template.createdBy,
      updated_at: template.updatedAt.toISOString(),
      updated_by: template.updatedBy,
    };
  }
}

export class TemplateDto extends TemplateSummaryDto {
  @ApiProperty({ example: 'You are Nova, a warm companion. {{ user_context }}' })
  content!: string;

  @ApiProperty(CONFIG_SCHEMA)
  config!: Record<string, unknown>;

  static fromVersion(template: TemplateEntity, version: TemplateVersionEntity): TemplateDto {
    return {
      ...TemplateSummaryDto.from(template),
      content: version.content,
      config: version.config,
    };
  }
}

export class TemplateStatusDto extends TemplateSummaryDto {
  @ApiProperty({ example: 'Template "nova" deactivated' })
  message!: string;

  static withMessage(template: TemplateEntity, message: string): TemplateStatusDto {
    return { ...TemplateSummaryDto.from(template), message };
  }
}

export class TemplateListDto {
  @ApiProperty({ example: 2, description: 'Total matching templates (all pages)' })
  count!: number;

  @ApiProperty({ type: [TemplateSummaryDto] })
  templates!: TemplateSummaryDto[];

  @ApiProperty({
    type: String,
    nullable: true,
    example: null,
    description: 'Pass as `cursor` for the next page; null on the last page',
  })
  next_cursor!: string | null;
}

export class UpdateTemplateResultDto {
  @ApiProperty({ example: 1 })
  template_id!: number;

  @ApiProperty({ example: 4 })
  new_version!: number;
}

export class RollbackResultDto {
  @ApiProperty({ example: 1 })
  template_id!: number;

  @ApiProperty({ example: 2, description: 'The version whose content and config were restored' })
  rolled_back_to!: number;

  @ApiProperty({ example: 5 })
  new_version!: number;
}

export class TemplateVersionDto {
  @ApiProperty({ example: 2 })
  version!: number;

  @ApiProperty({ example: 'You are Nova, a warm companion.' })
  content!: string;

  @ApiProperty(CONFIG_SCHEMA)
  config!: Record<string, unknown>;

  @ApiProperty({ type: String, nullable: true, example: 'Warmer greeting' })
  change_description!: string | null;

  @ApiProperty({ example: '2025-06-02T09:30:00.000Z', format: 'date-time' })
  created_at!: string;

  @ApiProperty({ example: 'bob' })
  created_by!: string;

  @ApiProperty({
    type: Number,
    nullable: true,
    example: null,
    description: 'Set when this version restored an earlier one',
  })
  rolled_back_from!: number | null;

  static from(version: TemplateVersionEntity): TemplateVersionDto {
    return {
      version: version.version,
      content: version.content,
      config: version.config,
      change_description: version.changeDescription,
      created_at: version.createdAt.toISOString(),
      created_by: version.createdBy,
      rolled_back_from: version.rolledBackFrom,
    };
  }
}

export class TemplateHistoryDto {
  @ApiProperty({ example: 1 })
  template_id!: number;

  @ApiProperty({ example: 'nova' })
  name!: string;

  @ApiProperty({ type: [TemplateVersionDto], description: 'Newest first' })
  versions!: TemplateVersionDto[];
}

export class LineChangeDto {
  @ApiProperty({ enum: ['added', 'removed', 'unchanged'], example: 'added' })
  type!: 'added' | 'removed' | 'unchanged';

  @ApiProperty({ example: 'Speak warmly.\n' })
  value!: string;
}

export class TemplateDiffDto {
  @ApiProperty({ example: 1 })
  template_id!: number;

  @ApiProperty({ example: 'nova' })
  name!: string;

  @ApiProperty({ example: 1 })
  from!: number;

  @ApiProperty({ example: 2 })
  to!: number;

  @ApiProperty({
    example:
      '===================================================================\n--- nova@v1\n+++ nova@v2\n@@ -1,1 +1,1 @@\n-Speak kindly.\n+Speak warmly.\n',
    description: 'Unified diff of the content',
  })
  diff!: string;

  @ApiProperty({ type: [LineChangeDto] })
  changes!: LineChangeDto[];

  @ApiProperty({ example: true })
  config_changed!: boolean;

  @ApiProperty({ ...CONFIG_SCHEMA, example: { temperature: 0.7 } })
  from_config!: Record<string, unknown>;

  @ApiProperty({ ...CONFIG_SCHEMA, example: { temperature: 0.9 } })
  to_config!: Record<string, unknown>;

  @ApiProperty({
    example: false,
    description:
      'True when the versions differ in more than max_edits lines: they are too different to ' +
      'diff line by line, so diff is empty and changes is [] (compare the two contents instead)',
  })
  too_large!: boolean;

  @ApiProperty({
    example: 1000,
    description: 'Most added plus removed lines a diff is computed for',
  })
  max_edits!: number;

  @ApiProperty({
    example: 'v1 and v2 differ in 3 lines',
    description: 'One sentence saying what the diff shows, or why there is none',
  })
  message!: string;
}

export class PreviewMessageDto {
  @ApiProperty({ enum: ['system', 'user', 'assistant'] })
  role!: 'system' | 'user' | 'assistant';

  @ApiProperty({ example: 'You are Nova, a warm companion.' })
  content!: string;
}

export class PreviewLlmReplyDto {
  @ApiProperty({ example: 'Hello Alex! Yesterday we talked about Saturn.' })
  response!: string;

  @ApiProperty({ example: 'default' })
  model!: string;

  @ApiProperty({ example: 'stop' })
  finish_reason!: string;

  @ApiProperty({ example: 120 })
  prompt_tokens!: number;

  @ApiProperty({ example: 12 })
  completion_tokens!: number;

  @ApiProperty({ example: 380 })
  latency_ms!: number;

  @ApiProperty({ example: 1 })
  attempts!: number;
}

export class TemplatePreviewDto {
  @ApiProperty({ example: 'You are Nova, a warm companion.\nname: Alex' })
  rendered!: string;

  @ApiProperty({ example: 'nova' })
  template_name!: string;

  @ApiProperty({
    type: Number,
    nullable: true,
    example: 3,
    description: 'The version rendered; null when unsaved content was given',
  })
  version!: number | null;

  @ApiProperty({ example: ['user_context', 'name'], description: 'Variables the template read' })
  variables_used!: string[];

  @ApiProperty({ example: 1.7 })
  render_time_ms!: number;

  @ApiProperty({
    type: [PreviewMessageDto],
    description:
      'The messages an LLM call sends: the prompt, the history unless the template shows it, the message',
  })
  messages!: PreviewMessageDto[];

  @ApiProperty({
    type: PreviewLlmReplyDto,
    nullable: true,
    description: 'The reply, with call_llm',
  })
  llm!: PreviewLlmReplyDto | null;
}
