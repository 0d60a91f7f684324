import { RunningStubServer } from '@promptdev/llm-stub';
import type { Browser } from 'playwright-core';
// eslint-disable-next-line @nx/enforce-module-boundaries -- browser tests start the real API with its own test harness
import { QUICK_LLM_ENV, startLlmStub } from '../../api/test/setup/llm-stub';
// eslint-disable-next-line @nx/enforce-module-boundaries -- browser tests start the real API with its own test harness
import { startTestApp, TestApp } from '../../api/test/setup/test-app';
import {
  browserAvailable,
  launchBrowser,
  openPage,
  screenshot,
  sendAndWatchReply,
} from './browser';

const describeInBrowser = browserAvailable() ? describe : describe.skip;
jest.setTimeout(90_000);

describeInBrowser('chat route with CHAT_AUTH=token in a real browser', () => {
  let stub: RunningStubServer;
  let api: TestApp;
  let browser: Browser;

  beforeAll(async () => {
    stub = await startLlmStub({ token_latency_ms: 40 });
    api = await startTestApp({
      LLM_BASE_URL: stub.url,
      ...QUICK_LLM_ENV,
      CHAT_AUTH: 'token',
      CHAT_TOKEN_SECRET: 'web-e2e-chat-token-secret-0123456789abcdef',
    });
    browser = await launchBrowser();
    const template = await api.http('POST', '/admin/templates', {
      name: 'token-companion',
      content: 'You are kind.',
      created_by: 'test',
    });
    expect(template.status).toBe(201);
    expect((await api.http('POST', `/admin/templates/${template.body.id}/default`)).status).toBe(
      200,
    );
  });
  afterAll(async () => {
    await browser?.close();
    await api?.close();
    await stub?.close();
  });

  it('a backend mints a token with a chat key; the app chats with ?token= and streams the reply', async () => {
    const key = await api.http('POST', '/admin/api-keys', {
      name: 'app-backend',
      scopes: ['chat'],
    });
    expect(key.status).toBe(201);
    const minted = await api.anonymous(
      'POST',
      '/chat/tokens',
      { user_id: 'token-user' },
      { authorization: `Bearer ${key.body.key}` },
    );
    expect(minted.status).toBe(201);
    // Without a token the chat routes are closed in this mode.
    expect((await api.anonymous('GET', '/chat/history?user_id=token-user')).status).toBe(401);

    const context = await browser.newContext({
      baseURL: api.baseUrl,
      viewport: { width: 420, height: 800 },
    });
    context.setDefaultTimeout(15_000);
    try {
      const page = await openPage(context, `/app/chat?token=${minted.body.token}`);
      await page.getByTestId('chat-user').filter({ hasText: 'token-user' }).waitFor();
      await page.getByText('Say hello to start the conversation.').waitFor();
      const seen = await sendAndWatchReply(page, 'hello with a token');
      expect(seen.length).toBeGreaterThan(2);
      await screenshot(page, 'chat-token-mode');

      // Stored for the token's user; the operator's live message reaches the chat over the
      // token-authenticated event stream.
      const history = await api.http('GET', '/chat/history?user_id=token-user');
      expect(history.body.messages.map((m: { content: string }) => m.content)).toEqual([
        'hello with a token',
        'Echo: hello with a token',
      ]);
      expect(
        (
          await api.http('POST', '/admin/interventions/token-user/inject', {
            operator: 'admin',
            content: 'A person says hi',
            role: 'assistant',
          })
        ).status,
      ).toBeLessThan(300);
      await page.getByTestId('chat-assistant').filter({ hasText: 'A person says hi' }).waitFor();
      expect(page.errors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('a token that is not valid (expired, tampered) says so instead of a bare error', async () => {
    const minted = await api.http('POST', '/chat/tokens', { user_id: 'late-user' });
    expect(minted.status).toBe(201);
    const token = String(minted.body.token);
    const tampered = `${token.slice(0, -2)}${token.endsWith('AA') ? 'BB' : 'AA'}`;
    const context = await browser.newContext({ baseURL: api.baseUrl });
    context.setDefaultTimeout(15_000);
    try {
      const page = await openPage(context, `/app/chat?token=${tampered}`, {
        expectStatuses: [401],
      });
      await page.getByText('This chat link has expired or is not valid.').waitFor();
      expect(page.errors).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
