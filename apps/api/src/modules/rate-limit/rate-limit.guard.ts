import { ExecutionContext, Injectable } from '@nestjs/common';
import { ThrottlerGuard, ThrottlerLimitDetail } from '@nestjs/throttler';
import type { FastifyReply } from 'fastify';
import { RateLimitedError } from './rate-limit.errors';

/** The throttler's guard, answering with the documented error shape and a plain Retry-After. */
@Injectable()
export class RateLimitGuard extends ThrottlerGuard {
  protected override throwThrottlingException(
    context: ExecutionContext,
    detail: ThrottlerLimitDetail,
  ): Promise<void> {
    const retryAfter = Math.max(1, detail.timeToBlockExpire);
    void context.switchToHttp().getResponse<FastifyReply>().header('retry-after', retryAfter);
    // Keys are "<rule>:<tracker>" (see the module's generateKey).
    const rule = detail.key.slice(0, detail.key.indexOf(':'));
    return Promise.reject(new RateLimitedError(rule, retryAfter));
  }
}
