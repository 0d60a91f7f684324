import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';

export type OperatorRole = 'admin' | 'operator' | 'viewer';
export const OPERATOR_ROLES: readonly OperatorRole[] = ['admin', 'operator', 'viewer'];
export type ApiKeyScope = 'chat' | 'admin';
export const API_KEY_SCOPES: readonly ApiKeyScope[] = ['chat', 'admin'];

/** Who is calling, as established by the auth guard for every request. */
export type Principal =
  | { kind: 'operator'; operatorId: string; username: string; role: OperatorRole }
  | { kind: 'api_key'; keyId: string; name: string; prefix: string; scopes: ApiKeyScope[] }
  | { kind: 'end_user'; userId: string }
  | { kind: 'anonymous' };

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
  }
}

export const ANONYMOUS: Principal = { kind: 'anonymous' };

/** A stable one-line name of the principal, for audit rows and `updated_by`-style fields. */
export function actorOf(principal: Principal): string {
  switch (principal.kind) {
    case 'operator':
      return `operator:${principal.username}`;
    case 'api_key':
      return `api_key:${principal.prefix}`;
    case 'end_user':
      return `user:${principal.userId}`;
    case 'anonymous':
      return 'anonymous';
  }
}

/** The authenticated principal of the current request (anonymous on public routes). */
export const CurrentPrincipal = createParamDecorator(
  (_data: unknown, context: ExecutionContext): Principal =>
    context.switchToHttp().getRequest<FastifyRequest>().principal ?? ANONYMOUS,
);
