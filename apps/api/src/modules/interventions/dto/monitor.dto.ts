import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, Length, Matches } from 'class-validator';
import { PageCursor, PageLimit } from '../../../core/http/page-query';
import { USER_MODE_PATTERN } from '../../memory/identifiers';
import type { ConversationMessage, UserState } from '../../memory/memory.types';

export class UserListQueryDto {
  @PageLimit(50)
  limit?: number;

  @PageCursor()
  cursor?: string;

  @ApiPropertyOptional({ description: 'Part of the user id, any case', example: 'user-4' })
  @IsOptional()
  @IsString()
  @Length(1, 128)
  search?: string;

  @ApiPropertyOptional({ description: 'Only users in this mode', example: 'halted' })
  @IsOptional()
  @Matches(USER_MODE_PATTERN, { message: 'mode must be 1 to 32 characters of a-z 0-9 _ -' })
  mode?: string;
}

export class ConversationQueryDto {
  @PageLimit(200)
  limit?: number;

  @PageCursor('next_cursor of the previous page: older messages')
  before?: string;
}

export class UserSummaryDto {
  @ApiProperty({ example: 'user-42' }) user_id!: string;
  @ApiProperty({ example: 12 }) message_count!: number;
  @ApiProperty({ format: 'date-time' }) last_activity!: string;
  @ApiProperty({ description: 'The mode: active, halted or an operator label', example: 'active' })
  state!: string;
  @ApiProperty({ format: 'date-time' }) first_seen!: string;
  @ApiProperty({ type: String, nullable: true }) reason!: string | null;
  @ApiProperty({ type: String, nullable: true }) operator!: string | null;
}

export class UserListDto {
  @ApiProperty({ description: 'Users matching the filters, over all pages', example: 1 })
  count!: number;
  @ApiProperty({ type: [UserSummaryDto], description: 'Most recently active first' })
  users!: UserSummaryDto[];
  @ApiProperty({ type: String, nullable: true }) next_cursor!: string | null;
}

export class MonitorMessageDto {
  @ApiProperty({ example: 311 }) id!: number;
  @ApiProperty({ enum: ['user', 'assistant', 'system'] }) role!: string;
  @ApiProperty({ example: 'Hello!' }) content!: string;
  @ApiProperty({ enum: ['user', 'llm', 'operator'] }) source!: string;
  @ApiProperty({ type: String, nullable: true }) operator!: string | null;
  @ApiProperty({ type: String, nullable: true, example: 'luna' }) template_name!: string | null;
  @ApiProperty({ type: Number, nullable: true, example: 3 }) template_version!: number | null;
  @ApiProperty({ description: 'False for operator notes and replies withheld by a halt' })
  visible_to_user!: boolean;
  @ApiProperty({ type: 'object', additionalProperties: true, example: {} }) metadata!: Record<
    string,
    unknown
  >;
  @ApiProperty({ format: 'date-time' }) created_at!: string;
}

export class ConversationDto {
  @ApiProperty({ example: 'user-42' }) user_id!: string;
  @ApiProperty({ example: 'active' }) state!: string;
  @ApiProperty({ example: 12 }) message_count!: number;
  @ApiProperty({ type: [MonitorMessageDto], description: 'Every role, oldest first' })
  messages!: MonitorMessageDto[];
  @ApiProperty({ example: 12 }) total_count!: number;
  @ApiProperty({ type: String, nullable: true, description: 'Cursor for older messages' })
  next_cursor!: string | null;
}

export function toUserSummaryDto(state: UserState): UserSummaryDto {
  return {
    user_id: state.userId,
    message_count: state.messageCount,
    last_activity: state.lastActivity.toISOString(),
    state: state.mode,
    first_seen: state.firstSeen.toISOString(),
    reason: state.reason,
    operator: state.operator,
  };
}

export function toMonitorMessageDto(message: ConversationMessage): MonitorMessageDto {
  return {
    id: message.id,
    role: message.role,
    content: message.content,
    source: message.source,
    operator: message.operator,
    template_name: message.templateName,
    template_version: message.templateVersion,
    visible_to_user: message.visibleToUser,
    metadata: message.metadata,
    created_at: message.createdAt.toISOString(),
  };
}
