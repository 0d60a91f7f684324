import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import { ErrorResponseDto } from '../../core/errors/error-response.dto';
import { UserIdParamsDto } from '../memory/dto/user-params.dto';
import {
  HaltDto,
  HaltResponseDto,
  InjectDto,
  InjectResponseDto,
  InterventionListQueryDto,
  InterventionOverviewDto,
  ResumeQueryDto,
  ResumeResponseDto,
  toInterventionDto,
} from './dto/interventions.dto';
import { InterventionsService } from './interventions.service';

@ApiTags('interventions')
@Controller('admin/interventions')
export class InterventionsController {
  constructor(private readonly interventions: InterventionsService) {}

  @Post(':user_id/halt')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Halt the AI for a user',
    description:
      "The user's messages are still stored, but no AI reply is made (the chat answers 423 " +
      'conversation_halted) until a resume. A reply being generated when the halt lands is kept ' +
      'for operators and not shown to the user. Halting a user never seen creates them.',
  })
  @ApiOkResponse({ type: HaltResponseDto })
  @ApiBadRequestResponse({ type: ErrorResponseDto, description: 'malformed_json' })
  @ApiUnprocessableEntityResponse({
    type: ErrorResponseDto,
    description: 'validation_failed: operator and reason are required',
  })
  async haltUser(
    @Param() { user_id }: UserIdParamsDto,
    @Body() body: HaltDto,
  ): Promise<HaltResponseDto> {
    const { state, intervention } = await this.interventions.halt(
      user_id,
      body.operator,
      body.reason,
    );
    return {
      user_id,
      status: 'halted',
      operator: body.operator,
      reason: body.reason,
      halted_at: state.updatedAt.toISOString(),
      intervention_id: intervention.id,
    };
  }

  @Post(':user_id/resume')
  @HttpCode(200)
  @ApiOperation({ summary: 'Let the AI answer a halted user again' })
  @ApiOkResponse({ type: ResumeResponseDto })
  @ApiBadRequestResponse({
    type: ErrorResponseDto,
    description: 'not_halted: the user is not halted',
  })
  @ApiUnprocessableEntityResponse({ type: ErrorResponseDto, description: 'validation_failed' })
  async resumeUser(
    @Param() { user_id }: UserIdParamsDto,
    @Query() query: ResumeQueryDto,
  ): Promise<ResumeResponseDto> {
    const operator = query.operator ?? 'operator';
    const { intervention } = await this.interventions.resume(user_id, operator);
    return { user_id, status: 'active', operator, intervention_id: intervention.id };
  }

  @Post(':user_id/inject')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Inject a message into a conversation',
    description:
      'role `system` (default): a note the AI sees in its next turn, hidden from the user. ' +
      'role `assistant`: the operator answers as the AI (takeover); the user sees it.',
  })
  @ApiOkResponse({ type: InjectResponseDto })
  @ApiBadRequestResponse({ type: ErrorResponseDto, description: 'malformed_json' })
  @ApiUnprocessableEntityResponse({ type: ErrorResponseDto, description: 'validation_failed' })
  async injectMessage(
    @Param() { user_id }: UserIdParamsDto,
    @Body() body: InjectDto,
  ): Promise<InjectResponseDto> {
    const role = body.role ?? 'system';
    const { message, intervention } = await this.interventions.inject(
      user_id,
      body.operator,
      body.content,
      role,
    );
    return {
      user_id,
      message_id: message.id,
      operator: body.operator,
      role,
      content: message.content,
      intervention_id: intervention.id,
      created_at: message.createdAt.toISOString(),
    };
  }

  @Get()
  @ApiOperation({ summary: 'Halted users and the intervention log' })
  @ApiOkResponse({ type: InterventionOverviewDto })
  @ApiUnprocessableEntityResponse({ type: ErrorResponseDto, description: 'validation_failed' })
  async listInterventions(
    @Query() query: InterventionListQueryDto,
  ): Promise<InterventionOverviewDto> {
    const { halted, recent, nextCursor } = await this.interventions.overview({
      limit: query.limit ?? 50,
      cursor: query.cursor,
      userId: query.user_id,
      kind: query.kind,
    });
    return {
      count: halted.length,
      halted_users: halted.map((state) => ({
        user_id: state.userId,
        reason: state.reason,
        operator: state.operator,
        halted_at: state.updatedAt.toISOString(),
      })),
      recent: recent.map(toInterventionDto),
      next_cursor: nextCursor,
    };
  }
}
