import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { AccessLevel, accessFor, isMutation } from '../../core/auth/access-policy';
import { ANONYMOUS, Principal } from '../../core/auth/principal';
import { AppConfig } from '../../core/config/app-config';
import { requestContext } from '../../core/logging/request-context';
import {
  ForbiddenError,
  OverrideNotAllowedError,
  UnauthorizedError,
  UserMismatchError,
} from './auth.errors';
import { CredentialsService } from './credentials.service';

/** Chat request fields that change what the operator configured; privileged. */
const OVERRIDE_FIELDS = ['template_name', 'guardrail_config'] as const;

/**
 * Runs before every route: establishes the principal (request.principal, also in the request
 * context for logs and audit) and applies the access policy of the route's path.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly credentials: CredentialsService,
    private readonly config: AppConfig,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const access = accessFor(request.method, request.routeOptions.url ?? request.url);
    const principal =
      access === 'public' ? ANONYMOUS : await this.credentials.authenticate(request);
    request.principal = principal;
    const store = requestContext.getStore();
    if (store) store.principal = principal;
    this.authorize(access, principal, request);
    return true;
  }

  private authorize(access: AccessLevel, principal: Principal, request: FastifyRequest): void {
    const mutation = isMutation(request.method);
    switch (access) {
      case 'public':
        return;
      case 'session':
        return requireOperator(principal);
      case 'admin':
        requireOperator(principal);
        if (principal.kind === 'operator' && principal.role !== 'admin') {
          throw new ForbiddenError('Only admins manage operators and API keys');
        }
        return;
      case 'metrics':
        if (this.config.metricsPublic) return;
        return requireStaff(principal, mutation);
      case 'staff':
        return requireStaff(principal, mutation);
      case 'chat_tokens':
        if (principal.kind === 'anonymous') throw new UnauthorizedError();
        if (principal.kind === 'api_key' && principal.scopes.includes('chat')) return;
        if (principal.kind === 'operator' && principal.role !== 'viewer') return;
        throw new ForbiddenError('Minting chat tokens needs a chat-scoped API key or an operator');
      case 'chat':
        return this.authorizeChat(principal, request, mutation);
    }
  }

  private authorizeChat(principal: Principal, request: FastifyRequest, mutation: boolean): void {
    if (principal.kind === 'anonymous' && this.config.chatAuth === 'token') {
      throw new UnauthorizedError('CHAT_AUTH=token: send a chat token, an API key or log in');
    }
    if (principal.kind === 'operator' && principal.role === 'viewer' && mutation) {
      throw new ForbiddenError('Viewers can read but not change anything');
    }
    if (principal.kind !== 'anonymous' && principal.kind !== 'end_user') return;
    if (request.method === 'POST') rejectOverrides(request.body);
    if (principal.kind === 'end_user') bindUserId(request, principal.userId);
  }
}

function requireOperator(principal: Principal): void {
  if (principal.kind === 'anonymous') throw new UnauthorizedError();
  if (principal.kind !== 'operator') throw new ForbiddenError('This needs an operator login');
}

function requireStaff(principal: Principal, mutation: boolean): void {
  switch (principal.kind) {
    case 'anonymous':
      throw new UnauthorizedError();
    case 'end_user':
      throw new ForbiddenError('Chat tokens only reach the chat routes');
    case 'api_key':
      if (!principal.scopes.includes('admin')) {
        throw new ForbiddenError('This API key lacks the admin scope');
      }
      return;
    case 'operator':
      if (principal.role === 'viewer' && mutation) {
        throw new ForbiddenError('Viewers can read but not change anything');
      }
  }
}

function rejectOverrides(body: unknown): void {
  if (!isRecord(body)) return;
  const chosen = OVERRIDE_FIELDS.filter(
    (field) => body[field] !== undefined && body[field] !== null,
  );
  if (chosen.length > 0) throw new OverrideNotAllowedError(chosen);
}

/**
 * An end user acts only as the user of their token: a user id named anywhere (body, path, query)
 * must be theirs, and one left out is filled in from the token (body on POST, else the query).
 */
function bindUserId(request: FastifyRequest, userId: string): void {
  for (const source of [request.body, request.params, request.query]) {
    if (isRecord(source) && source.user_id !== undefined && source.user_id !== userId) {
      throw new UserMismatchError();
    }
  }
  const target = request.method === 'POST' ? request.body : request.query;
  const inPath = isRecord(request.params) && request.params.user_id !== undefined;
  if (!inPath && isRecord(target) && target.user_id === undefined) target.user_id = userId;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
