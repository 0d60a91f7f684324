import { randomUUID } from 'node:crypto';
import { Logger } from '@nestjs/common';
import { RunningStubServer } from '@promptdev/llm-stub';
import { bearer, createApiKey, TestApiKey } from '../factories/auth';
import { aUserId } from '../factories/memory';
import { createTemplate } from '../factories/templates';
import { QUICK_LLM_ENV, startLlmStub } from '../setup/llm-stub';
import { eventually } from '../setup/sse';
import { expectError, HttpResult, startTestApp, TestApp } from '../setup/test-app';

const REDIS_URL = 'redis://127.0.0.1:6379';
// A unique prefix per run, so parallel test files and reruns never share counters.
const redisPrefix = () => `promptdev-test:${randomUUID()}:`;
const WINDOW_MS = '1500';

function expectRateLimited(result: HttpResult, rule: string): void {
  const body = expectError(result, 429, 'rate_limited');
  expect(body.details).toEqual({ rule, retry_after_seconds: expect.any(Number) });
  const retryAfter = Number(result.headers.get('retry-after'));
  expect(retryAfter).toBeGreaterThanOrEqual(1);
  expect(retryAfter).toBeLessThanOrEqual(2);
}

describe('rate limits', () => {
  let stub: RunningStubServer;

  beforeAll(async () => {
    stub = await startLlmStub();
  });
  afterAll(async () => {
    await stub.close();
  });

  describe('per user on chat, in memory', () => {
    let api: TestApp;

    beforeAll(async () => {
      api = await startTestApp({
        LLM_BASE_URL: stub.url,
        ...QUICK_LLM_ENV,
        RATE_LIMIT_WINDOW_MS: WINDOW_MS,
        RATE_LIMIT_CHAT_PER_USER: '3',
      });
      await createTemplate(api, { content: 'You are Luna.' });
    });
    afterAll(() => api.close());

    it('counts /chat and /chat/stream together, answers 429 with Retry-After, and recovers', async () => {
      const userId = aUserId();
      const turn = { user_id: userId, message: 'hi' };
      expect((await api.http('POST', '/chat', turn)).status).toBe(200);
      expect((await api.http('POST', '/chat/stream', turn)).status).toBe(200);
      expect((await api.http('POST', '/chat', turn)).status).toBe(200);

      expectRateLimited(await api.http('POST', '/chat', turn), 'chat-user');
      expectRateLimited(await api.http('POST', '/chat/stream', turn), 'chat-user');
      // Another user from the same IP is not affected.
      expect((await api.http('POST', '/chat', { user_id: aUserId(), message: 'hi' })).status).toBe(
        200,
      );
      const stored = await api.sql<{ count: string }>(
        'SELECT count(*) FROM conversation_history WHERE user_id = $1',
        [userId],
      );
      expect(Number(stored[0]?.count)).toBe(6);

      const recovered = await eventually(async () => {
        const result = await api.http('POST', '/chat', turn);
        expect(result.status).toBe(200);
        return result;
      }, 10000);
      expect(recovered.body.response).toBe('Echo: hi');
    });
  });

  describe('per token user on chat, CHAT_AUTH=token', () => {
    let api: TestApp;
    let chatKey: TestApiKey;

    beforeAll(async () => {
      api = await startTestApp({
        LLM_BASE_URL: stub.url,
        ...QUICK_LLM_ENV,
        CHAT_AUTH: 'token',
        CHAT_TOKEN_SECRET: 't'.repeat(32),
        // Long enough that nothing recovers during the test.
        RATE_LIMIT_WINDOW_MS: '600000',
        RATE_LIMIT_CHAT_PER_USER: '2',
      });
      await createTemplate(api, { content: 'You are Luna.' });
      chatKey = await createApiKey(api, ['chat']);
    });
    afterAll(() => api.close());

    const expectLimitedBy = (result: HttpResult, rule: string) =>
      expect(expectError(result, 429, 'rate_limited').details.rule).toBe(rule);
    const tokenOf = async (userId: string) => {
      const minted = await api.http('POST', '/chat/tokens', { user_id: userId }, chatKey.headers);
      expect(minted.status).toBe(201);
      return bearer(minted.body.token as string);
    };

    it("spends the token user's budget, and naming another user never spends theirs", async () => {
      const [alice, bob, mallory] = [aUserId('alice'), aUserId('bob'), aUserId('mallory')];
      const asAlice = await tokenOf(alice);
      // The token names the user; the body does not.
      expect((await api.http('POST', '/chat', { message: 'hi' }, asAlice)).status).toBe(200);
      expect((await api.http('POST', '/chat', { message: 'hi' }, asAlice)).status).toBe(200);
      expectLimitedBy(await api.http('POST', '/chat', { message: 'hi' }, asAlice), 'chat-user');

      // Mallory names Bob: refused, and counted against Mallory, not Bob.
      const asMallory = await tokenOf(mallory);
      const naming = { user_id: bob, message: 'hi' };
      expectError(await api.http('POST', '/chat', naming, asMallory), 403, 'user_mismatch');
      expectError(await api.http('POST', '/chat', naming, asMallory), 403, 'user_mismatch');
      expectLimitedBy(await api.http('POST', '/chat', naming, asMallory), 'chat-user');
      // Nor does an anonymous caller naming Bob (401) spend Bob's budget.
      for (let attempt = 0; attempt < 3; attempt += 1) {
        expect((await api.anonymous('POST', '/chat', naming)).status).not.toBe(200);
      }

      // Same IP, another token user: a full budget.
      const asBob = await tokenOf(bob);
      expect((await api.http('POST', '/chat', { message: 'hi' }, asBob)).status).toBe(200);
      expect((await api.http('POST', '/chat/stream', { message: 'hi' }, asBob)).status).toBe(200);
      expectLimitedBy(await api.http('POST', '/chat', { message: 'hi' }, asBob), 'chat-user');
    });
  });

  describe('per IP, in memory', () => {
    let api: TestApp;

    beforeAll(async () => {
      api = await startTestApp({ RATE_LIMIT_WINDOW_MS: WINDOW_MS, RATE_LIMIT_PER_IP: '4' });
    });
    afterAll(() => api.close());

    it('documents the 429 answer on every limited operation', async () => {
      const { body } = await api.http('GET', '/docs-json');
      expect(Object.keys(body.paths['/chat'].post.responses)).toContain('429');
      expect(body.paths['/admin/templates'].get.responses['429'].headers).toHaveProperty(
        'Retry-After',
      );
      expect(body.paths['/health'].get.responses).not.toHaveProperty('429');
    });

    it('limits each client IP across routes, never the health checks', async () => {
      const from = (ip: string) => ({ 'x-forwarded-for': ip });
      for (const path of ['/admin/templates', '/admin/users', '/admin/templates', '/metrics']) {
        expect((await api.http('GET', path, undefined, from('10.1.0.1'))).status).toBe(200);
      }
      expectRateLimited(
        await api.http('GET', '/admin/guardrails', undefined, from('10.1.0.1')),
        'ip',
      );
      expect((await api.http('GET', '/health', undefined, from('10.1.0.1'))).status).toBe(200);
      expect((await api.http('GET', '/health/ready', undefined, from('10.1.0.1'))).status).toBe(
        200,
      );
      expect((await api.http('GET', '/admin/templates', undefined, from('10.1.0.2'))).status).toBe(
        200,
      );
    });
  });

  describe('with TRUST_PROXY=false', () => {
    let api: TestApp;

    beforeAll(async () => {
      api = await startTestApp({
        TRUST_PROXY: 'false',
        RATE_LIMIT_WINDOW_MS: WINDOW_MS,
        RATE_LIMIT_PER_IP: '2',
      });
    });
    afterAll(() => api.close());

    it('ignores X-Forwarded-For, so a client cannot name a fresh IP per request', async () => {
      for (const ip of ['10.4.0.1', '10.4.0.2']) {
        const result = await api.http('GET', '/admin/templates', undefined, {
          'x-forwarded-for': ip,
        });
        expect(result.status).toBe(200);
      }
      expectRateLimited(
        await api.http('GET', '/admin/templates', undefined, { 'x-forwarded-for': '10.4.0.3' }),
        'ip',
      );
    });
  });

  describe('shared through Redis', () => {
    let first: TestApp;
    let second: TestApp;

    beforeAll(async () => {
      const env = {
        REDIS_URL,
        RATE_LIMIT_REDIS_PREFIX: redisPrefix(),
        RATE_LIMIT_WINDOW_MS: WINDOW_MS,
        RATE_LIMIT_PER_IP: '4',
      };
      first = await startTestApp(env);
      // A second instance of the API on the same database and Redis.
      second = await startTestApp(env, { database: first.database });
    });
    afterAll(async () => {
      await second.close();
      await first.close();
    });

    it('counts hits on both instances against one limit, and both recover', async () => {
      const ip = { 'x-forwarded-for': '10.2.0.1' };
      for (const api of [first, second, first, second]) {
        expect((await api.http('GET', '/admin/templates', undefined, ip)).status).toBe(200);
      }
      expectRateLimited(await first.http('GET', '/admin/templates', undefined, ip), 'ip');
      expectRateLimited(await second.http('GET', '/admin/templates', undefined, ip), 'ip');

      await eventually(async () => {
        expect((await second.http('GET', '/admin/templates', undefined, ip)).status).toBe(200);
      }, 10000);
      expect((await first.http('GET', '/admin/templates', undefined, ip)).status).toBe(200);
    });
  });

  describe('when Redis is unreachable', () => {
    let api: TestApp;
    const warn = jest.spyOn(Logger.prototype, 'warn');

    beforeAll(async () => {
      warn.mockClear();
      api = await startTestApp({
        // Nothing listens on port 1 of the loopback interface.
        REDIS_URL: 'redis://127.0.0.1:1',
        RATE_LIMIT_WINDOW_MS: WINDOW_MS,
        RATE_LIMIT_PER_IP: '3',
      });
    });
    afterAll(async () => {
      await api.close();
      warn.mockRestore();
    });

    it('keeps serving and limiting per instance, and warns once', async () => {
      const ip = { 'x-forwarded-for': '10.3.0.1' };
      for (let i = 0; i < 3; i++) {
        expect((await api.http('GET', '/admin/templates', undefined, ip)).status).toBe(200);
      }
      expectRateLimited(await api.http('GET', '/admin/templates', undefined, ip), 'ip');
      const redisWarnings = warn.mock.calls.filter(([message]) =>
        String(message).startsWith('Redis unavailable'),
      );
      expect(redisWarnings).toHaveLength(1);
      expect(String(redisWarnings[0]?.[0])).not.toContain('127.0.0.1:1@');
    });
  });
});
