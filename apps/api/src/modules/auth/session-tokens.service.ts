import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { AppConfig } from '../../core/config/app-config';
import { CHAT_TOKEN, chatTokenUserId } from '../../core/auth/chat-token';
import { peekTokenType, signToken, verifyToken } from '../../core/auth/hs256-token';
import { actorOf, type Principal } from '../../core/auth/principal';
import { AuditService } from '../audit/audit.service';
import { ChatTokensUnavailableError } from './auth.errors';

export const OPERATOR_TOKEN = 'operator';
export { CHAT_TOKEN };
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export interface IssuedToken {
  token: string;
  expiresIn: number;
}

/** Operator tokens (JWT_SECRET) and end-user chat tokens (CHAT_TOKEN_SECRET). */
@Injectable()
export class SessionTokens implements OnModuleInit {
  constructor(
    private readonly config: AppConfig,
    private readonly audit: AuditService,
  ) {}

  onModuleInit(): void {
    if (this.config.jwtSecretGenerated) {
      new Logger('Auth').warn(
        'JWT_SECRET is not set: using a random one for this run, so logins end at restart and ' +
          'do not carry across instances (set JWT_SECRET; production requires it)',
      );
    }
  }

  issueOperatorToken(operatorId: string, tokenVersion: number): IssuedToken {
    const ttl = this.config.operatorTokenTtlSeconds;
    return {
      token: signToken(
        { typ: OPERATOR_TOKEN, sub: operatorId, ver: tokenVersion, ...lifetime(ttl) },
        this.config.jwtSecret,
      ),
      expiresIn: ttl,
    };
  }

  verifyOperatorToken(token: string): { operatorId: string; tokenVersion: number } | undefined {
    const claims = verifyToken(token, this.config.jwtSecret, OPERATOR_TOKEN);
    if (!claims || !Number.isSafeInteger(claims.ver) || !UUID.test(claims.sub)) return undefined;
    return { operatorId: claims.sub, tokenVersion: claims.ver as number };
  }

  issueChatToken(userId: string, ttlSeconds = this.config.chatTokenTtlSeconds): IssuedToken {
    const secret = this.config.chatTokenSecret;
    if (secret === undefined) throw new ChatTokensUnavailableError();
    return {
      token: signToken({ typ: CHAT_TOKEN, sub: userId, ...lifetime(ttlSeconds) }, secret),
      expiresIn: ttlSeconds,
    };
  }

  /**
   * POST /chat/tokens. A token an operator mints (to act as that user) is audited; an API key's
   * are not: an integrator mints one per end-user session, which would flood the trail, and
   * the key's last_used_at already shows it is in use.
   */
  async mintChatToken(
    userId: string,
    ttlSeconds: number | undefined,
    minter: Principal,
  ): Promise<IssuedToken> {
    const issued = this.issueChatToken(userId, ttlSeconds);
    if (minter.kind === 'operator') {
      await this.audit.recordEvent({
        action: 'chat_token.create',
        targetType: 'user',
        targetId: userId,
        actor: actorOf(minter),
        after: { expires_in: issued.expiresIn },
      });
    }
    return issued;
  }

  /** The user id of a valid chat token. */
  verifyChatToken(token: string): string | undefined {
    return chatTokenUserId(token, this.config.chatTokenSecret);
  }

  typeOf(token: string): string | undefined {
    return peekTokenType(token);
  }
}

function lifetime(ttlSeconds: number): { iat: number; exp: number } {
  const iat = Math.floor(Date.now() / 1000);
  return { iat, exp: iat + ttlSeconds };
}
