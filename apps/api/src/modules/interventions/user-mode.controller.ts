import { Body, Controller, Param, Put, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBody,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import { ErrorResponseDto } from '../../core/errors/error-response.dto';
import { UserIdParamsDto } from '../memory/dto/user-params.dto';
import {
  resolveStateChange,
  toUserStateDto,
  UserStateChangeDto,
  UserStateDto,
} from '../memory/dto/user-state.dto';
import { InterventionsService } from './interventions.service';

/** PUT /admin/state lives here because `halted` and leaving it are interventions. */
@ApiTags('memory')
@Controller('admin/state')
export class UserModeController {
  constructor(private readonly interventions: InterventionsService) {}

  @Put(':user_id')
  @ApiOperation({
    summary: "Set a user's mode",
    description:
      'mode, reason and operator come from the query string or a JSON body. Only `halted` ' +
      'stops the AI; setting it is a halt, and leaving it a resume (both logged as interventions). ' +
      'Creates the user if never seen; reason and operator not given are cleared.',
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
    return toUserStateDto(await this.interventions.changeMode(user_id, mode, { reason, operator }));
  }
}
