import { normalizeIp } from '@nestjs/throttler';
import type { RateLimitConfig } from '../../core/config/app-config';

/** What a rule looks at: the matched route pattern (not the raw URL), the client and the body. */
export interface RateLimitedRequest {
  method: string;
  route: string | undefined;
  ip: string;
  body: unknown;
  /** The end user the request's credentials name: a verified chat token or the principal. */
  tokenUserId?: string;
  /** Whether the body may name the user (CHAT_AUTH=open, operators, API keys). */
  bodyUserIdTrusted: boolean;
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
 * The end user a chat request speaks for: the user of its chat token, else the body's user_id
 * (CHAT_AUTH=open, operators, API keys). A name nobody vouches for (token mode, credentials not
 * checked yet) counts per IP as well, so naming a victim cannot spend the victim's budget.
 * Without a usable id, the IP pays.
 */
export function chatUserOf(request: RateLimitedRequest): string {
  if (request.tokenUserId !== undefined) return `user:${request.tokenUserId}`;
  const userId = bodyField(request.body, 'user_id');
  if (userId === undefined) return clientIp(request);
  return request.bodyUserIdTrusted ? `user:${userId}` : `${clientIp(request)}:user:${userId}`;
}

/** Login guesses count per username, whatever its case, from any IP. */
export function loginUsernameOf(request: RateLimitedRequest): string {
  const username = bodyField(request.body, 'username');
  return username === undefined ? clientIp(request) : `username:${username.toLowerCase()}`;
}

export const isChat = (request: Pick<RateLimitedRequest, 'method' | 'route'>) =>
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
