import { Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { bearerTokenOf } from '../../core/auth/chat-token';
import { ANONYMOUS, Principal } from '../../core/auth/principal';
import { ApiKeysService, API_KEY_PREFIX } from './api-keys.service';
import { UnauthorizedError } from './auth.errors';
import { OperatorsService } from './operators.service';
import { CHAT_TOKEN, OPERATOR_TOKEN, SessionTokens } from './session-tokens.service';

export const SESSION_COOKIE = 'promptdev_session';

/** Turns what a request presents (bearer token, API key or session cookie) into a principal. */
@Injectable()
export class CredentialsService {
  constructor(
    private readonly tokens: SessionTokens,
    private readonly operators: OperatorsService,
    private readonly apiKeys: ApiKeysService,
  ) {}

  /** Anonymous without credentials; presented credentials that do not hold are a 401. */
  async authenticate(request: FastifyRequest): Promise<Principal> {
    const header = request.headers.authorization;
    if (header !== undefined) {
      const token = bearerTokenOf(header);
      if (!token) throw new UnauthorizedError('Send credentials as Authorization: Bearer …');
      return this.fromBearer(token);
    }
    const cookie = request.cookies?.[SESSION_COOKIE];
    if (cookie) return this.fromOperatorToken(cookie);
    return ANONYMOUS;
  }

  private async fromBearer(token: string): Promise<Principal> {
    if (token.startsWith(API_KEY_PREFIX)) {
      const key = await this.apiKeys.authenticate(token);
      if (!key) throw new UnauthorizedError('The API key is unknown or revoked');
      return {
        kind: 'api_key',
        keyId: key.id,
        name: key.name,
        prefix: key.prefix,
        scopes: key.scopes,
      };
    }
    const type = this.tokens.typeOf(token);
    if (type === CHAT_TOKEN) {
      const userId = this.tokens.verifyChatToken(token);
      if (userId === undefined) throw new UnauthorizedError('The chat token is invalid or expired');
      return { kind: 'end_user', userId };
    }
    if (type === OPERATOR_TOKEN) return this.fromOperatorToken(token);
    throw new UnauthorizedError('The token is not one this API issued');
  }

  private async fromOperatorToken(token: string): Promise<Principal> {
    const claims = this.tokens.verifyOperatorToken(token);
    const operator =
      claims && (await this.operators.findForToken(claims.operatorId, claims.tokenVersion));
    if (!operator) throw new UnauthorizedError('The session is invalid, expired or was ended');
    return {
      kind: 'operator',
      operatorId: operator.id,
      username: operator.username,
      role: operator.role,
    };
  }
}
