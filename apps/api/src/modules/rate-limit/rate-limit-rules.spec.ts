import { loadConfig } from '../../core/config/app-config';
import {
  chatUserOf,
  loginUsernameOf,
  RateLimitedRequest,
  rateLimitRules,
} from './rate-limit-rules';

const request = (overrides: Partial<RateLimitedRequest>): RateLimitedRequest => ({
  method: 'GET',
  route: '/admin/templates',
  ip: '203.0.113.7',
  body: undefined,
  bodyUserIdTrusted: true,
  ...overrides,
});

const rulesFor = (config: ReturnType<typeof loadConfig>, req: RateLimitedRequest) =>
  rateLimitRules(config.rateLimit)
    .filter((rule) => rule.appliesTo(req))
    .map((rule) => ({
      name: rule.name,
      limit: rule.limit,
      windowMs: rule.windowMs,
      tracker: rule.trackerOf(req),
    }));

describe('rate limit rules', () => {
  const config = loadConfig({});

  it('has a generous per-IP default everywhere except the health checks', () => {
    expect(rulesFor(config, request({}))).toEqual([
      { name: 'ip', limit: 1200, windowMs: 60000, tracker: 'ip:203.0.113.7' },
    ]);
    expect(rulesFor(config, request({ route: '/health' }))).toEqual([]);
    expect(rulesFor(config, request({ route: '/health/ready' }))).toEqual([]);
  });

  it('limits chat turns per IP and per user named in the body', () => {
    const chat = request({ method: 'POST', route: '/chat', body: { user_id: 'u-42' } });
    expect(rulesFor(config, chat).map(({ name, tracker }) => [name, tracker])).toEqual([
      ['ip', 'ip:203.0.113.7'],
      ['chat-ip', 'ip:203.0.113.7'],
      ['chat-user', 'user:u-42'],
    ]);
    const stream = request({ method: 'POST', route: '/chat/stream', body: { user_id: 'u-42' } });
    expect(rulesFor(config, stream).find((rule) => rule.name === 'chat-user')?.tracker).toBe(
      'user:u-42',
    );
    // Reading history is not a chat turn.
    expect(rulesFor(config, request({ route: '/chat/history' })).map((r) => r.name)).toEqual([
      'ip',
    ]);
  });

  it('charges the IP when the body names no usable user', () => {
    for (const body of [
      undefined,
      'text',
      {},
      { user_id: 42 },
      { user_id: ' ' },
      { user_id: 'x'.repeat(129) },
    ]) {
      expect(chatUserOf(request({ body }))).toBe('ip:203.0.113.7');
    }
  });

  it('charges the chat token user, and an unvouched user id only together with the IP', () => {
    const chat = { method: 'POST', route: '/chat' };
    expect(chatUserOf(request({ ...chat, tokenUserId: 'u-1', body: { user_id: 'u-2' } }))).toBe(
      'user:u-1',
    );
    expect(
      chatUserOf(request({ ...chat, bodyUserIdTrusted: false, body: { user_id: 'u-2' } })),
    ).toBe('ip:203.0.113.7:user:u-2');
    expect(chatUserOf(request({ ...chat, bodyUserIdTrusted: false, body: {} }))).toBe(
      'ip:203.0.113.7',
    );
  });

  it('is stricter on POST /auth/login, per IP and per username in any case', () => {
    const login = request({
      method: 'POST',
      route: '/auth/login',
      body: { username: 'Admin', password: 'secret' },
    });
    expect(rulesFor(config, login)).toEqual([
      { name: 'ip', limit: 1200, windowMs: 60000, tracker: 'ip:203.0.113.7' },
      { name: 'login-ip', limit: 50, windowMs: 900000, tracker: 'ip:203.0.113.7' },
      { name: 'login-username', limit: 10, windowMs: 900000, tracker: 'username:admin' },
    ]);
    expect(loginUsernameOf(request({ body: { username: 'admin' } }))).toBe('username:admin');
    expect(rulesFor(config, request({ route: '/auth/login' })).map((r) => r.name)).toEqual(['ip']);
  });

  it('reads the limits from the environment; 0 turns a rule off', () => {
    const custom = loadConfig({
      RATE_LIMIT_WINDOW_MS: '1000',
      RATE_LIMIT_PER_IP: '0',
      RATE_LIMIT_CHAT_PER_USER: '5',
      RATE_LIMIT_LOGIN_WINDOW_MS: '60000',
      RATE_LIMIT_LOGIN_PER_USERNAME: '3',
    });
    expect(
      rateLimitRules(custom.rateLimit).map((rule) => [rule.name, rule.limit, rule.windowMs]),
    ).toEqual([
      ['chat-ip', 600, 1000],
      ['chat-user', 5, 1000],
      ['login-ip', 50, 60000],
      ['login-username', 3, 60000],
    ]);
  });

  it('is off by default under test, and rejects bad values', () => {
    expect(rateLimitRules(loadConfig({ NODE_ENV: 'test' }).rateLimit)).toEqual([]);
    expect(() => loadConfig({ RATE_LIMIT_CHAT_PER_IP: '-1' })).toThrow(/RATE_LIMIT_CHAT_PER_IP/);
    expect(() => loadConfig({ RATE_LIMIT_WINDOW_MS: 'soon' })).toThrow(/RATE_LIMIT_WINDOW_MS/);
  });
});
