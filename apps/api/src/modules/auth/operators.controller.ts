import { Body, Controller, Get, Param, Post, Put } from '@nestjs/common';
import {
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import { CurrentPrincipal, type Principal } from '../../core/auth/principal';
import { ErrorResponseDto } from '../../core/errors/error-response.dto';
import {
  ChangeRoleDto,
  CreateOperatorDto,
  OperatorDto,
  OperatorIdParamsDto,
  OperatorListDto,
  ResetPasswordDto,
  SetDisabledDto,
  toOperatorDto,
} from './dto/operator.dto';
import { OperatorsService } from './operators.service';

const actingOperator = (principal: Principal) =>
  principal.kind === 'operator' ? principal.operatorId : undefined;

@ApiTags('operators')
@Controller('admin/operators')
export class OperatorsController {
  constructor(private readonly operators: OperatorsService) {}

  @Post()
  @ApiOperation({ summary: 'Create an operator (admins only)' })
  @ApiCreatedResponse({ type: OperatorDto })
  @ApiConflictResponse({ type: ErrorResponseDto, description: 'operator_exists' })
  @ApiUnprocessableEntityResponse({ type: ErrorResponseDto, description: 'validation_failed' })
  async createOperator(@Body() body: CreateOperatorDto): Promise<OperatorDto> {
    return toOperatorDto(await this.operators.create(body.username, body.password, body.role));
  }

  @Get()
  @ApiOperation({ summary: 'All operators (admins only)' })
  @ApiOkResponse({ type: OperatorListDto })
  async listOperators(): Promise<OperatorListDto> {
    const operators = await this.operators.list();
    return { count: operators.length, operators: operators.map(toOperatorDto) };
  }

  @Put(':operator_id/role')
  @ApiOperation({ summary: "Change an operator's role (admins only)" })
  @ApiOkResponse({ type: OperatorDto })
  @ApiNotFoundResponse({ type: ErrorResponseDto, description: 'operator_not_found' })
  @ApiConflictResponse({ type: ErrorResponseDto, description: 'self_lockout' })
  async changeOperatorRole(
    @Param() { operator_id }: OperatorIdParamsDto,
    @Body() body: ChangeRoleDto,
    @CurrentPrincipal() principal: Principal,
  ): Promise<OperatorDto> {
    return toOperatorDto(
      await this.operators.changeRole(operator_id, body.role, actingOperator(principal)),
    );
  }

  @Put(':operator_id/password')
  @ApiOperation({ summary: "Reset an operator's password and end their sessions (admins only)" })
  @ApiOkResponse({ type: OperatorDto })
  @ApiNotFoundResponse({ type: ErrorResponseDto, description: 'operator_not_found' })
  async resetOperatorPassword(
    @Param() { operator_id }: OperatorIdParamsDto,
    @Body() body: ResetPasswordDto,
  ): Promise<OperatorDto> {
    return toOperatorDto(await this.operators.resetPassword(operator_id, body.password));
  }

  @Put(':operator_id/disabled')
  @ApiOperation({
    summary: 'Disable (and log out) or re-enable an operator (admins only)',
  })
  @ApiOkResponse({ type: OperatorDto })
  @ApiNotFoundResponse({ type: ErrorResponseDto, description: 'operator_not_found' })
  @ApiConflictResponse({ type: ErrorResponseDto, description: 'self_lockout' })
  async setOperatorDisabled(
    @Param() { operator_id }: OperatorIdParamsDto,
    @Body() body: SetDisabledDto,
    @CurrentPrincipal() principal: Principal,
  ): Promise<OperatorDto> {
    return toOperatorDto(
      await this.operators.setDisabled(operator_id, body.disabled, actingOperator(principal)),
    );
  }
}
