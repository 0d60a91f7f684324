import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsBoolean, IsNotEmpty, IsOptional, IsString, Length, Matches } from 'class-validator';
import { PageCursor, PageLimit } from '../../../core/http/page-query';
import { IsUserId, USER_ID_PATTERN } from '../../memory/identifiers';

// PostgreSQL text cannot hold NUL characters.
// eslint-disable-next-line no-control-regex
const NO_NUL = /^[^\u0000]*$/;

export class ChatRequestDto {
  @ApiProperty({
    description: '1 to 128 characters of A-Z a-z 0-9 . _ : @ -',
    pattern: USER_ID_PATTERN.source,
    example: 'user-42',
  })
  @IsUserId()
  user_id!: string;

  @ApiProperty({
    description: 'What the user said: 1 to CHAT_MAX_CHARS (default 8000) characters',
    example: 'Hi Luna, how was your day?',
  })
  @IsString()
  @IsNotEmpty()
  @Matches(/\S/, { message: 'message must not be only white space' })
  @Matches(NO_NUL, { message: 'message must not contain NUL characters' })
  message!: string;

  @ApiPropertyOptional({
    description: 'Template (personality) to use; default: the default template',
    example: 'luna',
  })
  @IsOptional()
  @IsString()
  @Length(1, 100)
  template_name?: string;

  @ApiPropertyOptional({
    description: "Guardrail config; overrides the template version's",
    example: 'research_safe',
  })
  @IsOptional()
  @IsString()
  @Length(1, 100)
  guardrail_config?: string;
}

export class ChatMetadataDto {
  @ApiProperty({ example: 'luna' }) template_used!: string;
  @ApiProperty({ example: 3 }) template_version!: number;
  @ApiProperty({ type: String, nullable: true, example: null }) guardrail_config!: string | null;
  @ApiProperty({ description: 'Messages stored for the user, this turn included', example: 8 })
  message_count!: number;
  @ApiProperty({ description: 'Whole turn, as the API measured it', example: 412 })
  response_time_ms!: number;
  @ApiProperty({ description: 'The LLM call, retries included', example: 389 })
  llm_time_ms!: number;
  @ApiProperty({ example: 182 }) prompt_tokens!: number;
  @ApiProperty({ example: 24 }) completion_tokens!: number;
  @ApiProperty({ example: '0f8d3c1e-6a4b-4f7e-9d51-2f3c8a9b7e10' }) request_id!: string;
  @ApiProperty({ example: 'default' }) model!: string;
  @ApiProperty({ description: 'HTTP requests made to the LLM', example: 1 }) attempts!: number;
  @ApiProperty({ example: 'stop' }) finish_reason!: string;
  @ApiProperty({ example: 318 }) message_id!: number;
  @ApiProperty({
    description: "Output guardrails replaced the reply with the config's fallback message",
    example: false,
  })
  guardrail_blocked!: boolean;
}

export class ChatResponseDto {
  @ApiProperty({ example: 'It was lovely, thank you for asking!' }) response!: string;
  @ApiProperty({ type: ChatMetadataDto }) metadata!: ChatMetadataDto;
}

export class ChatHistoryQueryDto {
  @ApiProperty({ pattern: USER_ID_PATTERN.source, example: 'user-42' })
  @IsUserId()
  user_id!: string;

  @PageLimit(50)
  limit?: number;

  @PageCursor('next_cursor of the previous page: older messages')
  before?: string;
}

export class ChatHistoryMessageDto {
  @ApiProperty({ example: 317 }) id!: number;
  @ApiProperty({ enum: ['user', 'assistant', 'system'] }) role!: string;
  @ApiProperty({ example: 'Hi Luna!' }) content!: string;
  @ApiProperty({ format: 'date-time' }) created_at!: string;
  @ApiProperty({ enum: ['user', 'llm', 'operator'], description: 'operator: an operator wrote it' })
  source!: string;
  @ApiProperty({ description: 'The reply was cut short (the client went away while it streamed)' })
  interrupted!: boolean;
}

export class ChatHistoryDto {
  @ApiProperty({ example: 'user-42' }) user_id!: string;
  @ApiProperty({
    type: [ChatHistoryMessageDto],
    description: 'What the user may see, oldest first',
  })
  messages!: ChatHistoryMessageDto[];
  @ApiProperty({ example: 8 }) total_count!: number;
  @ApiProperty({ type: String, nullable: true, description: 'Cursor for older messages' })
  next_cursor!: string | null;
}

export class DeleteHistoryQueryDto {
  @ApiPropertyOptional({ description: "Also erase the user's memory and state", default: false })
  @IsOptional()
  @Transform(({ value }: { value: unknown }) =>
    value === 'true' ? true : value === 'false' ? false : value,
  )
  @IsBoolean()
  include_memory?: boolean;
}

export class DeleteHistoryDto {
  @ApiProperty({ example: 'user-42' }) user_id!: string;
  @ApiProperty({ example: 8 }) deleted_count!: number;
}
