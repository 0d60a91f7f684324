import { normalizeIp } from '@nestjs/throttler';
import type { RateLimitConfig } from '../../core/config/app-config';

/** What a rule looks at: the matched route pattern (not the raw URL), the client and the body. */
export interface RateLimitedRequest {
  method: string;
  route: string | undefined;
  ip: string;
  body: unknown;
}

export interface RateLimitRule {
  name: string;
  limit: number;
  windowMs: number;
  appliesTo(request: RateLimitedRequest): boolean;
  /** Whose budget the request spends: counters are per rule and per tracker. */
  trackerOf(request: RateLimitedRequest): string;
}

const CHAT_ROUTES = new Set(['/chat', '/chat/stream']);
export const LOGIN_ROUTE = '/auth/login';
// Longer values are rejected by validation anyway; they must not become huge Redis keys.
const MAX_TRACKED_ID = 128;

export const clientIp = (request: RateLimitedRequest): string => `ip:${normalizeIp(request.ip)}`;

function bodyField(body: unknown, field: string): string | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const value = (body as Record<string, unknown>)[field];
  if (typeof value !== 'string') return undefined;
  const trimmed = value.trim();
  return trimmed.length > 0 && trimmed.length <= MAX_TRACKED_ID ? trimmed : undefined;
}

/**
 * The end user a chat request speaks for. Today the body names it (CHAT_AUTH=open); with
 * per-user tokens this is the one function to change. Without a usable id, the IP pays.
 */
export function chatUserOf(request: RateLimitedRequest): string {
  const userId = bodyField(request.body, 'user_id');
  return userId === undefined ? clientIp(request) : `user:${userId}`;
}

/** Login guesses count per username, whatever its case, from any IP. */
export function loginUsernameOf(request: RateLimitedRequest): string {
  const username = bodyField(request.body, 'username');
  return username === undefined ? clientIp(request) : `username:${username.toLowerCase()}`;
}

const isChat = (request: RateLimitedRequest) =>
  request.method === 'POST' && request.route !== undefined && CHAT_ROUTES.has(request.route);
const isLogin = (request: RateLimitedRequest) =>
  request.method === 'POST' && request.route === LOGIN_ROUTE;
/** Load balancers probe these; a flood elsewhere must not mark the instance unhealthy. */
export const isHealthRoute = (route: string | undefined): boolean =>
  route === '/health' || route?.startsWith('/health/') === true;
const isHealth = (request: RateLimitedRequest) => isHealthRoute(request.route);

/** The rules in force; a rule whose limit is 0 is left out. */
export function rateLimitRules(config: RateLimitConfig): RateLimitRule[] {
  const rules: RateLimitRule[] = [
    {
      name: 'ip',
      limit: config.perIp,
      windowMs: config.windowMs,
      appliesTo: (request) => !isHealth(request),
      trackerOf: clientIp,
    },
    {
      name: 'chat-ip',
      limit: config.chatPerIp,
      windowMs: config.windowMs,
      appliesTo: isChat,
      trackerOf: clientIp,
    },
    {
      name: 'chat-user',
      limit: config.chatPerUser,
      windowMs: config.windowMs,
      appliesTo: isChat,
      trackerOf: chatUserOf,
    },
    {
      name: 'login-ip',
      limit: config.loginPerIp,
      windowMs: config.loginWindowMs,
      appliesTo: isLogin,
      trackerOf: clientIp,
    },
    {
      name: 'login-username',
      limit: config.loginPerUsername,
      windowMs: config.loginWindowMs,
      appliesTo: isLogin,
      trackerOf: loginUsernameOf,
    },
  ];
  return rules.filter((rule) => rule.limit > 0);
}
