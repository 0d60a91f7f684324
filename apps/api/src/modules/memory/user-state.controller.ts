import { Body, Controller, Get, Param, Put, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBody,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import { ErrorResponseDto } from '../../core/errors/error-response.dto';
import { UserIdParamsDto } from './dto/user-params.dto';
import {
  resolveStateChange,
  toUserStateDto,
  UserStateChangeDto,
  UserStateDto,
} from './dto/user-state.dto';
import { UserStateService } from './user-state.service';

@ApiTags('memory')
@Controller('admin/state')
export class UserStateController {
  constructor(private readonly userState: UserStateService) {}

  @Get(':user_id')
  @ApiOperation({ summary: "A user's mode and activity" })
  @ApiOkResponse({ type: UserStateDto })
  @ApiNotFoundResponse({ type: ErrorResponseDto, description: 'state_not_found: never seen' })
  @ApiUnprocessableEntityResponse({ type: ErrorResponseDto, description: 'validation_failed' })
  async getUserState(@Param() { user_id }: UserIdParamsDto): Promise<UserStateDto> {
    return toUserStateDto(await this.userState.require(user_id));
  }

  @Put(':user_id')
  @ApiOperation({
    summary: "Set a user's mode",
    description:
      'mode, reason and operator come from the query string or a JSON body. Only `halted` ' +
      'stops the AI. Creates the user if never seen; reason and operator not given are cleared.',
  })
  @ApiBody({ type: UserStateChangeDto, required: false })
  @ApiOkResponse({ type: UserStateDto })
  @ApiBadRequestResponse({ type: ErrorResponseDto, description: 'malformed_json' })
  @ApiUnprocessableEntityResponse({
    type: ErrorResponseDto,
    description: 'validation_failed: bad user_id, mode missing or invalid, unknown fields',
  })
  async setUserState(
    @Param() { user_id }: UserIdParamsDto,
    @Query() query: UserStateChangeDto,
    @Body() body?: UserStateChangeDto,
  ): Promise<UserStateDto> {
    const { mode, reason, operator } = resolveStateChange(query, body);
    return toUserStateDto(await this.userState.setMode(user_id, mode, { reason, operator }));
  }
}
