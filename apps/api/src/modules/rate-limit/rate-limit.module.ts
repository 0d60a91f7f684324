import { ExecutionContext, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import {
  getOptionsToken,
  getStorageToken,
  ThrottlerModuleOptions,
  ThrottlerStorageService,
} from '@nestjs/throttler';
import type { FastifyRequest } from 'fastify';
import { AppConfig } from '../../core/config/app-config';
import { RateLimitedRequest, rateLimitRules } from './rate-limit-rules';
import { RateLimitGuard } from './rate-limit.guard';
import { RedisThrottlerStorage } from './redis-throttler-storage';

function toRateLimited(request: FastifyRequest): RateLimitedRequest {
  return {
    method: request.method,
    route: request.routeOptions.url,
    ip: request.ip,
    body: request.body,
  };
}

const requestOf = (context: ExecutionContext) =>
  toRateLimited(context.switchToHttp().getRequest<FastifyRequest>());

function throttlerOptions(config: AppConfig): ThrottlerModuleOptions {
  return {
    setHeaders: false,
    // One counter per rule and tracker, shared by every route the rule covers.
    generateKey: (_context, tracker, rule) => `${rule}:${tracker}`,
    throttlers: rateLimitRules(config.rateLimit).map((rule) => ({
      name: rule.name,
      limit: rule.limit,
      ttl: rule.windowMs,
      skipIf: (context: ExecutionContext) => !rule.appliesTo(requestOf(context)),
      getTracker: (request: Record<string, unknown>) =>
        rule.trackerOf(toRateLimited(request as unknown as FastifyRequest)),
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
