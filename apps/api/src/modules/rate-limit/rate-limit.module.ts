import { ExecutionContext, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import {
  getOptionsToken,
  getStorageToken,
  ThrottlerModuleOptions,
  ThrottlerStorageService,
} from '@nestjs/throttler';
import type { FastifyRequest } from 'fastify';
import { bearerTokenOf, chatTokenUserId } from '../../core/auth/chat-token';
import { AppConfig } from '../../core/config/app-config';
import { isChat, RateLimitedRequest, rateLimitRules } from './rate-limit-rules';
import { RateLimitGuard } from './rate-limit.guard';
import { RedisThrottlerStorage } from './redis-throttler-storage';

/**
 * This guard runs before the auth guard (so floods never reach credential checks), which is why
 * the chat user comes from a chat token verified here (an HMAC, no I/O) unless the principal is
 * already known.
 */
function toRateLimited(request: FastifyRequest, config: AppConfig): RateLimitedRequest {
  const route = request.routeOptions.url;
  const base = { method: request.method, route, ip: request.ip, body: request.body };
  if (!isChat(base)) return { ...base, bodyUserIdTrusted: true };
  const principal = request.principal;
  const token = bearerTokenOf(request.headers.authorization);
  const tokenUserId =
    principal?.kind === 'end_user'
      ? principal.userId
      : token === undefined
        ? undefined
        : chatTokenUserId(token, config.chatTokenSecret);
  const staff = principal?.kind === 'operator' || principal?.kind === 'api_key';
  return { ...base, tokenUserId, bodyUserIdTrusted: config.chatAuth === 'open' || staff };
}

function throttlerOptions(config: AppConfig): ThrottlerModuleOptions {
  return {
    setHeaders: false,
    // One counter per rule and tracker, shared by every route the rule covers.
    generateKey: (_context, tracker, rule) => `${rule}:${tracker}`,
    throttlers: rateLimitRules(config.rateLimit).map((rule) => ({
      name: rule.name,
      limit: rule.limit,
      ttl: rule.windowMs,
      skipIf: (context: ExecutionContext) =>
        !rule.appliesTo(toRateLimited(context.switchToHttp().getRequest(), config)),
      getTracker: (request: Record<string, unknown>) =>
        rule.trackerOf(toRateLimited(request as unknown as FastifyRequest, config)),
    })),
  };
}

/** Per-IP, per-user and login limits (see rate-limit-rules.ts); Redis when REDIS_URL is set. */
@Module({
  providers: [
    { provide: getOptionsToken(), useFactory: throttlerOptions, inject: [AppConfig] },
    {
      provide: getStorageToken(),
      useFactory: (config: AppConfig) =>
        config.redisUrl === undefined
          ? new ThrottlerStorageService()
          : RedisThrottlerStorage.connect(config.redisUrl, config.rateLimit.redisPrefix),
      inject: [AppConfig],
    },
    { provide: APP_GUARD, useClass: RateLimitGuard },
  ],
})
export class RateLimitModule {}
