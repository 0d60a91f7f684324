import { RunningStubServer } from '@promptdev/llm-stub';
import { signToken } from '../../src/core/auth/hs256-token';
import { bearer, createApiKey, createOperator, TestApiKey } from '../factories/auth';
import { aUserId } from '../factories/memory';
import { createTemplate } from '../factories/templates';
import { QUICK_LLM_ENV, startLlmStub } from '../setup/llm-stub';
import { openSse } from '../setup/sse';
import { expectError, startTestApp, TestApp } from '../setup/test-app';

const CHAT_TOKEN_SECRET = 'chat-token-secret-for-tests-0123456789';

// Many requests and several password hashes per test on a shared, busy machine.
jest.setTimeout(30_000);

describe('end-user identity with CHAT_AUTH=token', () => {
  let stub: RunningStubServer;
  let api: TestApp;
  let chatKey: TestApiKey;

  const mint = async (userId: string, ttl?: number) => {
    const result = await api.http(
      'POST',
      '/chat/tokens',
      { user_id: userId, ttl_seconds: ttl },
      chatKey.headers,
    );
    expect(result.status).toBe(201);
    return result.body as { token: string; expires_in: number; user_id: string };
  };

  beforeAll(async () => {
    stub = await startLlmStub();
    api = await startTestApp({
      LLM_BASE_URL: stub.url,
      ...QUICK_LLM_ENV,
      CHAT_AUTH: 'token',
      CHAT_TOKEN_SECRET,
    });
    await createTemplate(api);
    chatKey = await createApiKey(api, ['chat']);
  });
  afterAll(async () => {
    await api.close();
    await stub.close();
  });

  it('a chat key (or an operator) mints a short-lived token for one user', async () => {
    const userId = aUserId();
    expect(await mint(userId)).toEqual({
      token: expect.any(String),
      expires_in: 900,
      user_id: userId,
    });
    expect((await mint(userId, 60)).expires_in).toBe(60);
    expect((await api.http('POST', '/chat/tokens', { user_id: userId })).status).toBe(201);

    const viewer = await createOperator(api, 'viewer');
    const adminKey = await createApiKey(api, ['admin']);
    const own = (await mint(userId)).token;
    expectError(
      await api.anonymous('POST', '/chat/tokens', { user_id: userId }),
      401,
      'unauthorized',
    );
    for (const headers of [viewer.headers, adminKey.headers, bearer(own)]) {
      expectError(
        await api.http('POST', '/chat/tokens', { user_id: userId }, headers),
        403,
        'forbidden',
      );
    }
    for (const body of [
      { user_id: 'bad id!' },
      { user_id: userId, ttl_seconds: 5 },
      { user_id: userId, ttl_seconds: 864000 },
    ]) {
      expectError(
        await api.http('POST', '/chat/tokens', body, chatKey.headers),
        422,
        'validation_failed',
      );
    }
  });

  it('refuses anonymous chat and bad or expired chat tokens', async () => {
    const userId = aUserId();
    const now = Math.floor(Date.now() / 1000);
    const expired = signToken(
      { typ: 'chat', sub: userId, iat: now - 120, exp: now - 60 },
      CHAT_TOKEN_SECRET,
    );
    const otherSecret = signToken(
      { typ: 'chat', sub: userId, iat: now, exp: now + 60 },
      'x'.repeat(40),
    );
    expectError(
      await api.anonymous('POST', '/chat', { user_id: userId, message: 'hi' }),
      401,
      'unauthorized',
    );
    expectError(await api.anonymous('GET', `/chat/history?user_id=${userId}`), 401, 'unauthorized');
    for (const token of [expired, otherSecret]) {
      expectError(
        await api.http('POST', '/chat', { user_id: userId, message: 'hi' }, bearer(token)),
        401,
        'unauthorized',
      );
    }
  });

  it('a token user chats as themselves and can reach no one else on any chat route', async () => {
    const me = aUserId();
    const other = aUserId();
    const headers = bearer((await mint(me)).token);
    // The other user has a history that must stay out of reach.
    expect(
      (
        await api.http(
          'POST',
          '/chat',
          { user_id: other, message: 'secret of other' },
          chatKey.headers,
        )
      ).status,
    ).toBe(200);

    const sent = await api.http('POST', '/chat', { message: 'hello, I am me' }, headers);
    expect(sent.status).toBe(200);
    expect(
      (await api.http('POST', '/chat', { user_id: me, message: 'again' }, headers)).status,
    ).toBe(200);
    const history = await api.http('GET', '/chat/history', undefined, headers);
    expect(history.body.user_id).toBe(me);
    expect(history.body.messages.map((m: { content: string }) => m.content)).toContain(
      'hello, I am me',
    );
    expect(history.text).not.toContain('secret of other');

    const mismatches = [
      await api.http('POST', '/chat', { user_id: other, message: 'hi' }, headers),
      await api.http('POST', '/chat/stream', { user_id: other, message: 'hi' }, headers),
      await api.http('GET', `/chat/history?user_id=${other}`, undefined, headers),
      await api.http('DELETE', `/chat/history/${other}`, undefined, headers),
      await api.http('GET', `/chat/events?user_id=${other}`, undefined, headers),
    ];
    for (const result of mismatches) expectError(result, 403, 'user_mismatch');
    const stored = await api.sql(
      'SELECT count(*)::int AS n FROM conversation_history WHERE user_id = $1',
      [other],
    );
    expect(stored[0].n).toBe(2);

    const events = await openSse(`${api.baseUrl}/chat/events`, headers);
    try {
      await events.waitForText(': connected');
    } finally {
      events.close();
    }
    expectError(await api.http('GET', '/admin/templates', undefined, headers), 403, 'forbidden');
    const deleted = await api.http('DELETE', `/chat/history/${me}`, undefined, headers);
    expect(deleted.body).toEqual({ user_id: me, deleted_count: 4 });
  });

  it('overrides are for operators and API keys only', async () => {
    const me = aUserId();
    const headers = bearer((await mint(me)).token);
    for (const path of ['/chat', '/chat/stream']) {
      for (const override of [
        { guardrail_config: 'unrestricted' },
        { template_name: 'anything' },
      ]) {
        const result = await api.http(
          'POST',
          path,
          { user_id: me, message: 'hi', ...override },
          headers,
        );
        expectError(result, 403, 'override_not_allowed');
      }
    }
    expect(await api.sql('SELECT 1 FROM conversation_history WHERE user_id = $1', [me])).toEqual(
      [],
    );
    const byKey = await api.http(
      'POST',
      '/chat',
      { user_id: me, message: 'hi', guardrail_config: 'unrestricted' },
      chatKey.headers,
    );
    expect(byKey.status).toBe(200);
    const byOperator = await api.http('POST', '/chat', {
      user_id: me,
      message: 'hi',
      guardrail_config: 'unrestricted',
    });
    expect(byOperator.status).toBe(200);
  });
});

describe('CHAT_AUTH=open', () => {
  let stub: RunningStubServer;
  let api: TestApp;

  beforeAll(async () => {
    stub = await startLlmStub();
    api = await startTestApp({ LLM_BASE_URL: stub.url, ...QUICK_LLM_ENV });
    await createTemplate(api);
  });
  afterAll(async () => {
    await api.close();
    await stub.close();
  });

  it('lets anonymous clients chat as the user they name, but not switch guardrails or templates', async () => {
    const userId = aUserId();
    expect((await api.anonymous('POST', '/chat', { user_id: userId, message: 'hi' })).status).toBe(
      200,
    );
    expect((await api.anonymous('GET', `/chat/history?user_id=${userId}`)).body.total_count).toBe(
      2,
    );
    expectError(
      await api.anonymous('POST', '/chat', {
        user_id: userId,
        message: 'hi',
        guardrail_config: 'unrestricted',
      }),
      403,
      'override_not_allowed',
    );
    expectError(
      await api.anonymous('POST', '/chat/stream', {
        user_id: userId,
        message: 'hi',
        template_name: 'x',
      }),
      403,
      'override_not_allowed',
    );
    expectError(await api.anonymous('GET', '/admin/users'), 401, 'unauthorized');
    // Wrong credentials are an error even where none are needed.
    expectError(
      await api.anonymous('POST', '/chat', { user_id: userId, message: 'hi' }, bearer('nope')),
      401,
      'unauthorized',
    );
  });
});
