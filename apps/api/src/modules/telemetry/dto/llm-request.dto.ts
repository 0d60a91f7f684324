import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import { IsUserId, USER_ID_PATTERN } from '../../memory/identifiers';
import { MAX_PAGE_LIMIT } from '../../../core/http/pagination';
import { IsText, IsWholeNumber } from '../../../core/validation/field-rules';
import type { LlmRequestEntity, LlmRequestStatus } from '../entities/llm-request.entity';
import { StatsRangeQueryDto } from './stats.dto';

export const LLM_REQUEST_STATUSES: readonly LlmRequestStatus[] = [
  'ok',
  'error',
  'blocked',
  'interrupted',
];

export class LlmRequestListQueryDto extends StatsRangeQueryDto {
  @ApiPropertyOptional({ minimum: 1, maximum: MAX_PAGE_LIMIT, default: 50 })
  @IsOptional()
  @IsWholeNumber(1, MAX_PAGE_LIMIT)
  limit?: number;

  @ApiPropertyOptional({ description: 'next_cursor of the previous page', example: 'WyJyIiwxMl0' })
  @IsOptional()
  @IsText({ maxLength: 64 })
  cursor?: string;

  @ApiPropertyOptional({ pattern: USER_ID_PATTERN.source, description: "Only this user's calls" })
  @IsOptional()
  @IsUserId()
  user_id?: string;

  @ApiPropertyOptional({
    description: 'Only calls made with this template (its name)',
    example: 'luna',
  })
  @IsOptional()
  @IsText({ maxLength: 100 })
  template?: string;

  @ApiPropertyOptional({ enum: LLM_REQUEST_STATUSES })
  @IsOptional()
  @IsIn(LLM_REQUEST_STATUSES)
  status?: LlmRequestStatus;
}

export class LlmRequestDto {
  @ApiProperty({ example: 5012 })
  id!: number;

  @ApiProperty({
    type: String,
    nullable: true,
    description: 'The chat request it served (x-request-id)',
    example: '0f8d3c1e-6a4b-4f7e-9d51-2f3c8a9b7e10',
  })
  request_id!: string | null;

  @ApiProperty({ example: 'user-42' })
  user_id!: string;

  @ApiProperty({ type: String, nullable: true, example: 'luna' })
  template_name!: string | null;

  @ApiProperty({ type: Number, nullable: true, example: 3 })
  template_version!: number | null;

  @ApiProperty({ type: String, nullable: true, example: 'clinical' })
  guardrail_config!: string | null;

  @ApiProperty({ type: String, nullable: true, example: 'qwen2.5-7b-instruct' })
  model!: string | null;

  @ApiProperty({ enum: ['openai', 'llamacpp'], example: 'openai' })
  api!: string;

  @ApiProperty({ description: 'Streamed to the client (POST /chat/stream)', example: false })
  stream!: boolean;

  @ApiProperty({ type: Number, nullable: true, example: 812 })
  prompt_tokens!: number | null;

  @ApiProperty({ type: Number, nullable: true, example: 64 })
  completion_tokens!: number | null;

  @ApiProperty({
    type: Number,
    nullable: true,
    description: 'Whole call, retries included, in ms',
    example: 1320,
  })
  latency_ms!: number | null;

  @ApiProperty({
    type: Number,
    nullable: true,
    description: 'Time to the first token (streams), in ms',
    example: 240,
  })
  ttft_ms!: number | null;

  @ApiProperty({ description: 'Attempts made (1 = no retry)', example: 1 })
  attempts!: number;

  @ApiProperty({ enum: LLM_REQUEST_STATUSES, example: 'ok' })
  status!: LlmRequestStatus;

  @ApiProperty({ type: String, nullable: true, example: null })
  error_code!: string | null;

  @ApiProperty({ type: String, nullable: true, example: null })
  error!: string | null;

  @ApiProperty({ format: 'date-time', example: '2026-01-15T09:30:00.000Z' })
  created_at!: string;
}

export class LlmRequestListDto {
  @ApiProperty({ description: 'Calls matching the filters, over all pages', example: 1 })
  count!: number;

  @ApiProperty({ type: [LlmRequestDto], description: 'Newest first' })
  requests!: LlmRequestDto[];

  @ApiProperty({
    type: String,
    nullable: true,
    description: 'Pass as cursor for older calls; null on the last page',
    example: null,
  })
  next_cursor!: string | null;
}

export function toLlmRequestDto(request: LlmRequestEntity): LlmRequestDto {
  return {
    id: request.id,
    request_id: request.requestId,
    user_id: request.userId,
    template_name: request.templateName,
    template_version: request.templateVersion,
    guardrail_config: request.guardrailConfig,
    model: request.model,
    api: request.api,
    stream: request.stream,
    prompt_tokens: request.promptTokens,
    completion_tokens: request.completionTokens,
    latency_ms: request.latencyMs,
    ttft_ms: request.ttftMs,
    attempts: request.attempts,
    status: request.status,
    error_code: request.errorCode,
    error: request.error,
    created_at: request.createdAt.toISOString(),
  };
}
