import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsOptional, Max, Min } from 'class-validator';
import { IsUserId, USER_ID_PATTERN } from '../../memory/identifiers';

export class CreateChatTokenDto {
  @ApiProperty({ pattern: USER_ID_PATTERN.source, example: 'user-42' })
  @IsUserId()
  user_id!: string;

  @ApiPropertyOptional({
    description: 'Lifetime, 30 s to 24 h; default CHAT_TOKEN_TTL_SECONDS (900)',
    minimum: 30,
    maximum: 86400,
    example: 900,
  })
  @IsOptional()
  @IsInt()
  @Min(30)
  @Max(86400)
  ttl_seconds?: number;
}

export class ChatTokenDto {
  @ApiProperty({ description: 'Send as Authorization: Bearer … on the chat routes' })
  token!: string;
  @ApiProperty({ example: 900 }) expires_in!: number;
  @ApiProperty({ example: 'user-42' }) user_id!: string;
}
