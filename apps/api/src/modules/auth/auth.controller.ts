import { Body, Controller, Get, HttpCode, Post, Res } from '@nestjs/common';
import {
  ApiCookieAuth,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiUnauthorizedResponse,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { CurrentPrincipal, type Principal } from '../../core/auth/principal';
import { AppConfig } from '../../core/config/app-config';
import { ErrorResponseDto } from '../../core/errors/error-response.dto';
import { UnauthorizedError } from './auth.errors';
import { SESSION_COOKIE } from './credentials.service';
import { LoginDto, LoginResponseDto, LogoutResponseDto } from './dto/login.dto';
import { OperatorDto, toOperatorDto } from './dto/operator.dto';
import { OperatorsService } from './operators.service';
import { SessionTokens } from './session-tokens.service';

@ApiTags('auth')
@Controller('auth')
export class AuthController {
  constructor(
    private readonly operators: OperatorsService,
    private readonly tokens: SessionTokens,
    private readonly config: AppConfig,
  ) {}

  @Post('login')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Log in as an operator',
    description:
      'Returns a short-lived token (AUTH_TOKEN_TTL_SECONDS, default 1 h) and sets it as the ' +
      'httpOnly, SameSite=Strict cookie promptdev_session for the web app.',
  })
  @ApiOkResponse({ type: LoginResponseDto })
  @ApiUnauthorizedResponse({
    type: ErrorResponseDto,
    description: 'invalid_credentials (also for a disabled operator)',
  })
  @ApiUnprocessableEntityResponse({ type: ErrorResponseDto, description: 'validation_failed' })
  async login(
    @Body() body: LoginDto,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<LoginResponseDto> {
    const operator = await this.operators.verifyLogin(body.username, body.password);
    const issued = this.tokens.issueOperatorToken(operator.id, operator.tokenVersion);
    void reply.setCookie(SESSION_COOKIE, issued.token, {
      httpOnly: true,
      sameSite: 'strict',
      secure: this.config.authCookieSecure,
      path: '/',
      maxAge: issued.expiresIn,
    });
    return {
      access_token: issued.token,
      expires_in: issued.expiresIn,
      operator: toOperatorDto(operator),
    };
  }

  @Post('logout')
  @HttpCode(200)
  @ApiCookieAuth('session')
  @ApiOperation({
    summary: 'Log out',
    description: 'Clears the cookie and ends every session of this operator (all their tokens).',
  })
  @ApiOkResponse({ type: LogoutResponseDto })
  async logout(
    @CurrentPrincipal() principal: Principal,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<LogoutResponseDto> {
    if (principal.kind === 'operator') await this.operators.revokeTokens(principal.operatorId);
    void reply.clearCookie(SESSION_COOKIE, { path: '/' });
    return { message: 'Logged out' };
  }

  @Get('me')
  @ApiOperation({ summary: 'The logged-in operator' })
  @ApiOkResponse({ type: OperatorDto })
  async getCurrentOperator(@CurrentPrincipal() principal: Principal): Promise<OperatorDto> {
    if (principal.kind !== 'operator') throw new UnauthorizedError();
    return toOperatorDto(await this.operators.get(principal.operatorId));
  }
}
