import { Controller, Get, Param, Query } from '@nestjs/common';
import {
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import { ErrorResponseDto } from '../../core/errors/error-response.dto';
import { ConversationStore } from '../memory/conversation-store.service';
import { UserIdParamsDto } from '../memory/dto/user-params.dto';
import { UserStateService } from '../memory/user-state.service';
import {
  ConversationDto,
  ConversationQueryDto,
  toMonitorMessageDto,
  toUserSummaryDto,
  UserListDto,
  UserListQueryDto,
} from './dto/monitor.dto';
import { UserNotFoundError } from './interventions.errors';

/** What operators watch: every user, and any conversation in full. */
@ApiTags('monitor')
@Controller('admin')
export class MonitorController {
  constructor(
    private readonly userState: UserStateService,
    private readonly conversations: ConversationStore,
  ) {}

  @Get('users')
  @ApiOperation({
    summary: 'Users, most recently active first',
    description: 'Filter by part of the id and by mode.',
  })
  @ApiOkResponse({ type: UserListDto })
  @ApiUnprocessableEntityResponse({ type: ErrorResponseDto, description: 'validation_failed' })
  async listUsers(@Query() query: UserListQueryDto): Promise<UserListDto> {
    const page = await this.userState.listUsers({
      limit: query.limit ?? 50,
      cursor: query.cursor,
      search: query.search,
      mode: query.mode,
    });
    return {
      count: page.totalCount,
      users: page.users.map(toUserSummaryDto),
      next_cursor: page.nextCursor,
    };
  }

  @Get('conversations/:user_id')
  @ApiOperation({
    summary: "A user's whole conversation, as operators see it",
    description: 'Every role, hidden operator notes and withheld replies included, oldest first.',
  })
  @ApiOkResponse({ type: ConversationDto })
  @ApiNotFoundResponse({ type: ErrorResponseDto, description: 'user_not_found' })
  @ApiUnprocessableEntityResponse({ type: ErrorResponseDto, description: 'validation_failed' })
  async getConversation(
    @Param() { user_id }: UserIdParamsDto,
    @Query() query: ConversationQueryDto,
  ): Promise<ConversationDto> {
    const state = await this.userState.get(user_id);
    const page = await this.conversations.page(user_id, {
      limit: query.limit ?? 200,
      before: query.before,
      visibleOnly: false,
    });
    if (!state && page.totalCount === 0) throw new UserNotFoundError(user_id);
    return {
      user_id,
      state: state?.mode ?? 'active',
      message_count: state?.messageCount ?? page.totalCount,
      messages: page.messages.map(toMonitorMessageDto),
      total_count: page.totalCount,
      next_cursor: page.nextCursor,
    };
  }
}
