import { ApiProperty } from '@nestjs/swagger';
import { GuardrailEventEntity } from '../entities/guardrail-event.entity';
import { RULE_ACTIONS, RULE_TYPES } from '../guardrail-rules';

export class GuardrailEventDto {
  @ApiProperty({ type: 'integer', example: 12 })
  id!: number;

  @ApiProperty({ example: 'user-42' })
  user_id!: string;

  @ApiProperty({ example: 'clinical' })
  config_name!: string;

  @ApiProperty({ type: 'integer', description: "The rule's position in the config", example: 2 })
  rule_index!: number;

  @ApiProperty({ enum: RULE_TYPES, example: 'pii' })
  rule_type!: string;

  @ApiProperty({ enum: RULE_ACTIONS, example: 'redact' })
  action!: string;

  @ApiProperty({ enum: ['input', 'output'], example: 'input' })
  stage!: string;

  @ApiProperty({
    maxLength: 200,
    description: 'The match with some text around it; personal data masked',
    example: 'you can reach me at [email] after work',
  })
  excerpt!: string;

  @ApiProperty({
    type: 'integer',
    nullable: true,
    description: 'The conversation message, null once it is deleted',
    example: 1042,
  })
  message_id!: number | null;

  @ApiProperty({ type: String, nullable: true, example: '0f8d3c1e-6a4b-4f7e-9d51-2f3c8a9b7e10' })
  request_id!: string | null;

  @ApiProperty({ format: 'date-time', example: '2026-01-15T09:30:00.000Z' })
  created_at!: string;

  static from(event: GuardrailEventEntity): GuardrailEventDto {
    return {
      id: event.id,
      user_id: event.userId,
      config_name: event.configName,
      rule_index: event.ruleIndex,
      rule_type: event.ruleType,
      action: event.action,
      stage: event.stage,
      excerpt: event.excerpt,
      message_id: event.messageId,
      request_id: event.requestId,
      created_at: event.createdAt.toISOString(),
    };
  }
}

export class GuardrailEventListDto {
  @ApiProperty({ description: 'How many events this page has', example: 1 })
  count!: number;

  @ApiProperty({ type: [GuardrailEventDto], description: 'Newest first' })
  events!: GuardrailEventDto[];

  @ApiProperty({
    type: String,
    nullable: true,
    description: 'Pass as cursor for older events; null on the last page',
    example: null,
  })
  next_cursor!: string | null;
}
