import { RunningStubServer } from '@promptdev/llm-stub';
import type { Browser, BrowserContext, Page } from 'playwright-core';
// eslint-disable-next-line @nx/enforce-module-boundaries -- browser tests start the real API with its own test harness
import { QUICK_LLM_ENV, startLlmStub } from '../../api/test/setup/llm-stub';
// eslint-disable-next-line @nx/enforce-module-boundaries -- browser tests start the real API with its own test harness
import { startTestApp, TestApp } from '../../api/test/setup/test-app';
import { browserAvailable, launchBrowser, screenshot } from './browser';

const describeInBrowser = browserAvailable() ? describe : describe.skip;
// testTimeout is a global option: a per-project value would be ignored by `npm test`.
jest.setTimeout(90_000);

describeInBrowser('web app in a real browser (Chromium, real API, stub LLM, PostgreSQL)', () => {
  let stub: RunningStubServer;
  let api: TestApp;
  let browser: Browser;
  let context: BrowserContext;

  beforeAll(async () => {
    // Slow tokens, so a streamed reply is visibly streamed.
    stub = await startLlmStub({ token_latency_ms: 40 });
    api = await startTestApp({ LLM_BASE_URL: stub.url, ...QUICK_LLM_ENV });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await api?.close();
    await stub?.close();
  });
  beforeEach(async () => {
    context = await browser.newContext({
      baseURL: api.baseUrl,
      viewport: { width: 1280, height: 860 },
    });
    context.setDefaultTimeout(15_000);
  });
  afterEach(async () => {
    await context.close();
  });

  const open = async (path: string): Promise<Page & { errors: string[] }> => {
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    if (process.env.WEB_E2E_DEBUG) {
      page.on('console', (message) => console.log(`[browser] ${message.text()}`));
      page.on('response', (response) =>
        console.log(`[http] ${response.status()} ${response.url()}`),
      );
    }
    await page.goto(path);
    return Object.assign(page, { errors });
  };

  /** Replaces the CodeMirror document by typing, as an operator would. */
  const typeTemplate = async (page: Page, text: string) => {
    const editor = page.locator('.cm-content');
    await editor.click();
    await page.keyboard.press('ControlOrMeta+a');
    await page.keyboard.press('Delete');
    await page.keyboard.insertText(text);
  };

  const createDefaultTemplate = async (name: string, content: string) => {
    const created = await api.http('POST', '/admin/templates', {
      name,
      content,
      created_by: 'test',
    });
    expect(created.status).toBeLessThan(300);
    expect((await api.http('POST', `/admin/templates/${created.body.id}/default`)).status).toBe(
      200,
    );
    return created.body.id as number;
  };

  it('serves the SPA: / → /app/, client routes fall back to index.html, missing assets are 404', async () => {
    const root = await fetch(`${api.baseUrl}/`, { redirect: 'manual' });
    expect([root.status, root.headers.get('location')]).toEqual([302, '/app/']);
    const old = await fetch(`${api.baseUrl}/static/index.html`, { redirect: 'manual' });
    expect([old.status, old.headers.get('location')]).toEqual([302, '/app/chat']);
    const deep = await fetch(`${api.baseUrl}/app/monitor/someone`);
    expect(deep.status).toBe(200);
    expect(await deep.text()).toContain('<div id="root">');
    const missing = await api.http('GET', '/app/assets/nope-123.js');
    expect(missing.status).toBe(404);
    expect(missing.body.code).toBe('not_found');
    const api404 = await api.http('GET', '/admin/templates/does-not-exist');
    expect(api404.body.code).toBe('template_not_found');
  });

  it('personality: create → edit → compile error at its line → history → diff → rollback → make default', async () => {
    await createDefaultTemplate('starter', 'You are kind.');
    const page = await open('/app/personalities');
    await page.getByRole('link', { name: '+ New Personality' }).click();
    await page.getByLabel('Name').fill('luna');
    await typeTemplate(page, 'You are Luna, talking with {{ user_id }}.\nBe brief.');
    await page.getByRole('button', { name: 'Create personality' }).click();
    await page.waitForURL('**/app/personalities/luna');
    await page.getByText('v1', { exact: true }).first().waitFor();

    // A template that does not compile: the error names its line and the editor marks it.
    await typeTemplate(page, 'You are Luna.\nBe brief.\n{% if %}');
    await page.getByRole('button', { name: 'Save new version' }).click();
    await page.getByRole('alert').filter({ hasText: 'line 3' }).first().waitFor();
    await page.locator('.cm-lint-marker-error').first().waitFor();
    await screenshot(page, 'personality-compile-error');

    await typeTemplate(page, 'You are Luna, talking with {{ user_id }}.\nBe thorough and kind.');
    // The live preview renders the draft with sample values.
    await page
      .getByTestId('preview-rendered')
      .filter({ hasText: 'Be thorough and kind.' })
      .waitFor();
    await page.getByLabel('What changed').fill('kinder');
    await page.getByRole('button', { name: 'Save new version' }).click();
    await page.getByText('Saved as v2').waitFor();
    await screenshot(page, 'personality-editor');

    await page.getByRole('tab', { name: 'History' }).click();
    await page.getByTestId('version-2').waitFor();
    await page.getByLabel('removed: Be brief.').waitFor();
    await page.getByLabel('added: Be thorough and kind.').waitFor();
    await screenshot(page, 'personality-history-diff');

    await page.getByRole('button', { name: 'Roll back to v1' }).first().click();
    await page.getByRole('dialog').getByRole('button', { name: 'Roll back to v1' }).click();
    await page.getByText('Rolled back to v1: now v3').waitFor();

    await page.getByRole('button', { name: 'Make default' }).click();
    await page.getByText('DEFAULT', { exact: true }).waitFor();

    const stored = await api.http('GET', '/admin/templates/luna');
    expect(stored.body).toMatchObject({ version: 3, is_default: true });
    expect(stored.body.content).toBe('You are Luna, talking with {{ user_id }}.\nBe brief.');

    await page.getByRole('link', { name: '← Personalities' }).click();
    await page.getByRole('link', { name: 'luna' }).waitFor();
    await screenshot(page, 'personalities-list');
    expect(page.errors).toEqual([]);
  });

  it('chat: an end user gets the reply streamed token by token, and history on reload', async () => {
    await createDefaultTemplate('chat-companion', 'You are kind.');
    const page = await open('/app/chat?user_id=stream-user');
    await page.getByText('Say hello to start the conversation.').waitFor();
    // Every distinct text the reply bubble shows while it streams.
    await page.evaluate(() => {
      const seen: string[] = [];
      (window as unknown as { seen: string[] }).seen = seen;
      new MutationObserver(() => {
        const bubbles = document.querySelectorAll('[data-testid="chat-assistant"]');
        const text = bubbles[bubbles.length - 1]?.textContent ?? '';
        if (text && seen[seen.length - 1] !== text) seen.push(text);
      }).observe(document.body, { subtree: true, childList: true, characterData: true });
    });
    await page.getByLabel('Message').fill('tell me a story about the sea');
    await page.keyboard.press('Enter');
    await page
      .getByTestId('chat-assistant')
      .filter({ hasText: 'Echo: tell me a story about the sea' })
      .waitFor();
    const seen = await page.evaluate(() => (window as unknown as { seen: string[] }).seen);
    expect(seen.length).toBeGreaterThan(2);
    expect(seen.at(-1)).toBe('Echo: tell me a story about the sea');
    await screenshot(page, 'chat-streamed');

    await page.reload();
    await page.getByTestId('chat-user').filter({ hasText: 'stream-user' }).waitFor();
    await page
      .getByTestId('chat-assistant')
      .filter({ hasText: 'Echo: tell me a story about the sea' })
      .waitFor();
    expect(page.errors).toEqual([]);
  });

  it('operator halts → chat shows paused → operator answers as the companion, live → resume → the AI answers', async () => {
    await createDefaultTemplate('halt-companion', 'You are kind.');
    const user = 'halt-user';
    expect(
      (await api.http('POST', '/chat', { user_id: user, message: 'first hello' })).status,
    ).toBe(200);

    const chat = await open(`/app/chat?user_id=${user}`);
    await chat.getByTestId('chat-assistant').filter({ hasText: 'Echo: first hello' }).waitFor();

    const monitor = await open(`/app/monitor/${user}`);
    await monitor.getByTestId(`user-row-${user}`).waitFor();
    await monitor.getByRole('button', { name: 'Halt' }).click();
    await monitor.getByLabel('Reason').fill('checking in personally');
    await monitor.getByRole('button', { name: 'Halt conversation' }).click();
    await monitor.getByText('HALTED').first().waitFor();

    await chat.getByTestId('chat-paused').waitFor();
    await chat.getByLabel('Message').fill('is anyone there?');
    await chat.keyboard.press('Enter');
    await chat.getByTestId('chat-user').filter({ hasText: 'is anyone there?' }).first().waitFor();
    await screenshot(chat, 'chat-paused');

    // The operator sees the message live and answers as the companion.
    await monitor.getByTestId('monitor-message').filter({ hasText: 'is anyone there?' }).waitFor();
    await monitor.getByLabel('Message to inject').fill('Hi, a person here. How can I help?');
    await monitor.getByRole('button', { name: 'Send as companion' }).click();
    await chat
      .getByTestId('chat-assistant')
      .filter({ hasText: 'Hi, a person here. How can I help?' })
      .waitFor();
    await screenshot(monitor, 'monitor-conversation');

    await monitor.getByRole('button', { name: 'Resume' }).click();
    await monitor.getByRole('dialog').getByRole('button', { name: 'Resume' }).click();
    await chat.getByTestId('chat-paused').waitFor({ state: 'detached' });
    await chat.getByLabel('Message').fill('thanks');
    await chat.keyboard.press('Enter');
    await chat.getByTestId('chat-assistant').filter({ hasText: 'Echo: thanks' }).waitFor();
    await screenshot(chat, 'chat-after-resume');
    expect(chat.errors).toEqual([]);
    expect(monitor.errors).toEqual([]);
  });

  it('a guardrail made in the rule editor blocks a chat message, and the firing is listed', async () => {
    const templateId = await createDefaultTemplate('guarded', 'You are kind.');
    const page = await open('/app/guardrails');
    await page.getByRole('button', { name: '+ New config' }).click();
    await page.getByLabel('Name').fill('no-secrets');
    await page.getByRole('button', { name: '+ Add rule' }).click();
    await page.getByRole('menuitem', { name: 'Regular expression' }).click();
    // A pattern the API rejects: its message shows at the field.
    await page.getByLabel('Pattern').fill('(a+)+$');
    await page.getByRole('button', { name: 'Create config' }).click();
    await page.getByRole('alert').filter({ hasText: 'pattern' }).first().waitFor();
    await screenshot(page, 'guardrail-validation');

    await page.getByRole('button', { name: 'Remove' }).click();
    await page.getByRole('button', { name: '+ Add rule' }).click();
    await page.getByRole('menuitem', { name: 'Blocked terms' }).click();
    await page.getByRole('combobox', { name: 'Terms' }).fill('password');
    await page.keyboard.press('Enter');
    await page.getByRole('button', { name: 'Create config' }).click();
    await page.getByText('Created no-secrets').waitFor();

    const update = await api.http('PUT', `/admin/templates/${templateId}`, {
      content: 'You are kind.',
      updated_by: 'test',
      config: { guardrail_config: 'no-secrets' },
    });
    expect(update.status).toBe(200);

    const chat = await open('/app/chat?user_id=guard-user');
    await chat.getByLabel('Message').fill('my password is hunter2');
    await chat.keyboard.press('Enter');
    await chat.getByText('Message not sent to the AI').waitFor();
    await screenshot(chat, 'chat-guardrail-blocked');

    await page.reload();
    await page.getByRole('cell', { name: 'guard-user' }).waitFor();
    await screenshot(page, 'guardrails');
    const stored = await api.sql(
      `SELECT count(*)::int AS n FROM guardrail_events WHERE user_id = 'guard-user'`,
    );
    expect(stored[0].n).toBe(1);
  });

  it('dashboard counts move as users chat, and the request log lists the calls', async () => {
    await createDefaultTemplate('dash-companion', 'You are kind.');
    const page = await open('/app/');
    const tile = page.getByTestId('tile-messages');
    await tile.waitFor();
    const before = Number(await tile.textContent());
    expect(
      (await api.http('POST', '/chat', { user_id: 'dash-user', message: 'hello' })).status,
    ).toBe(200);
    // Live: the operator event stream refreshes the tiles without a reload.
    await page.waitForFunction(
      (expected) =>
        Number(document.querySelector('[data-testid="tile-messages"]')?.textContent) >= expected,
      before + 1,
    );
    await page.getByText('dash-companion').waitFor();
    await screenshot(page, 'dashboard');

    const requests = await open('/app/requests');
    await requests.getByLabel('User id').fill('dash-user');
    await requests.getByRole('cell', { name: 'dash-user' }).waitFor();
    await screenshot(requests, 'requests');

    const monitor = await open('/app/monitor');
    await monitor.getByTestId('user-row-dash-user').waitFor();
    await screenshot(monitor, 'monitor');

    await page.setViewportSize({ width: 390, height: 800 });
    await screenshot(page, 'dashboard-narrow');
    expect(page.errors).toEqual([]);
  });
});
