import { Body, Controller, Post } from '@nestjs/common';
import {
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiOperation,
  ApiTags,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import { CurrentPrincipal, type Principal } from '../../core/auth/principal';
import { ErrorResponseDto } from '../../core/errors/error-response.dto';
import { ChatTokenDto, CreateChatTokenDto } from './dto/chat-token.dto';
import { SessionTokens } from './session-tokens.service';

@ApiTags('chat')
@Controller('chat/tokens')
export class ChatTokensController {
  constructor(private readonly tokens: SessionTokens) {}

  @Post()
  @ApiOperation({
    summary: 'Mint a short-lived chat token for one end user (chat-scoped API key or operator)',
    description:
      'With CHAT_AUTH=token the chat routes take the user id from this token, and naming another ' +
      'user is 403 user_mismatch.',
  })
  @ApiCreatedResponse({ type: ChatTokenDto })
  @ApiConflictResponse({ type: ErrorResponseDto, description: 'chat_tokens_unavailable' })
  @ApiUnprocessableEntityResponse({ type: ErrorResponseDto, description: 'validation_failed' })
  async createChatToken(
    @Body() body: CreateChatTokenDto,
    @CurrentPrincipal() principal: Principal,
  ): Promise<ChatTokenDto> {
    const issued = await this.tokens.mintChatToken(body.user_id, body.ttl_seconds, principal);
    return { token: issued.token, expires_in: issued.expiresIn, user_id: body.user_id };
  }
}
