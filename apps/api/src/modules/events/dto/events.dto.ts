import { applyDecorators } from '@nestjs/common';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import { ArrayUnique, IsArray, IsIn, IsInt, IsOptional, Min } from 'class-validator';
import { IsUserId, USER_ID_PATTERN } from '../../memory/identifiers';
import { EVENT_TYPES, EventType } from '../events.types';

const commaList = ({ value }: { value: unknown }) =>
  typeof value === 'string'
    ? value
        .split(',')
        .map((item) => item.trim())
        .filter(Boolean)
    : value;

/** Listed bottom-up, as stacked decorators apply, so the messages keep their order. */
const LastEventId = () =>
  applyDecorators(
    Min(0),
    IsInt(),
    Type(() => Number),
    IsOptional(),
    ApiPropertyOptional({
      description: 'Resume after this event id (same as the Last-Event-ID header)',
    }),
  );

export class AdminEventsQueryDto {
  @ApiPropertyOptional({
    description: `Comma-separated event types to receive (default: all): ${EVENT_TYPES.join(', ')}`,
    example: 'message.created,user.state_changed',
  })
  @IsOptional()
  @Transform(commaList)
  @IsArray()
  @ArrayUnique()
  @IsIn(EVENT_TYPES, { each: true, message: `types must be among ${EVENT_TYPES.join(', ')}` })
  types?: EventType[];

  @ApiPropertyOptional({ description: "Only this user's events", pattern: USER_ID_PATTERN.source })
  @IsOptional()
  @IsUserId()
  user_id?: string;

  @LastEventId()
  last_event_id?: number;
}

export class ChatEventsQueryDto {
  @ApiPropertyOptional({
    description: 'The end user whose events to receive',
    pattern: USER_ID_PATTERN.source,
    example: 'user-42',
  })
  @IsUserId()
  user_id!: string;

  @LastEventId()
  last_event_id?: number;
}
