import { Controller, Get, Param } from '@nestjs/common';
import {
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import { ErrorResponseDto } from '../../core/errors/error-response.dto';
import { UserIdParamsDto } from './dto/user-params.dto';
import { toUserStateDto, UserStateDto } from './dto/user-state.dto';
import { UserStateService } from './user-state.service';

@ApiTags('memory')
// PUT /admin/state/{user_id} is served by the interventions module (halting is an intervention).
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
}
