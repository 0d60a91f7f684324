import { RunningStubServer } from '@promptdev/llm-stub';
import type { Browser, BrowserContext, Page } from 'playwright-core';
// eslint-disable-next-line @nx/enforce-module-boundaries -- browser tests start the real API with its own test harness
import { QUICK_LLM_ENV, startLlmStub } from '../../api/test/setup/llm-stub';
// eslint-disable-next-line @nx/enforce-module-boundaries -- browser tests start the real API with its own test harness
import { loginAs, startTestApp, TEST_ADMIN_PASSWORD, TestApp } from '../../api/test/setup/test-app';
import {
  browserAvailable,
  buttonLabels,
  launchBrowser,
  type OpenOptions,
  openPage,
  screenshot,
  sendAndWatchReply,
  setSessionCookie,
  type WatchedPage,
} from './browser';

const describeInBrowser = browserAvailable() ? describe : describe.skip;
// testTimeout is a global option: a per-project value would be ignored by `npm test`.
jest.setTimeout(90_000);

describeInBrowser('web app in a real browser (Chromium, real API, stub LLM, PostgreSQL)', () => {
  let stub: RunningStubServer;
  let api: TestApp;
  let browser: Browser;
  let context: BrowserContext;
  let endUser: BrowserContext;

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
  // Operators' pages share a context logged in as the admin; end users chat in their own, without
  // the operator's cookie (as on their own device).
  beforeEach(async () => {
    context = await browser.newContext({
      baseURL: api.baseUrl,
      viewport: { width: 1280, height: 860 },
    });
    context.setDefaultTimeout(15_000);
    await setSessionCookie(
      context,
      api.baseUrl,
      (api.authHeaders.authorization ?? '').replace(/^Bearer /, ''),
    );
    endUser = await browser.newContext({
      baseURL: api.baseUrl,
      viewport: { width: 420, height: 800 },
    });
    endUser.setDefaultTimeout(15_000);
  });
  afterEach(async () => {
    await context.close();
    await endUser.close();
  });

  const open = (path: string, options?: OpenOptions): Promise<WatchedPage> =>
    openPage(context, path, options);
  const openChat = (path: string, options?: OpenOptions): Promise<WatchedPage> =>
    openPage(endUser, path, options);

  /** The login form, as an operator fills it. */
  const signIn = async (page: WatchedPage, username: string, password: string) => {
    await page.getByLabel('Username').fill(username);
    await page.getByRole('textbox', { name: 'Password' }).fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
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
    // Logged out: the login page, then back to where the operator was going.
    await context.clearCookies();
    // 401 before logging in; 422 for the template that does not compile.
    const page = await open('/app/personalities', { expectStatuses: [401, 422] });
    await page.waitForURL('**/app/login?next=%2Fpersonalities');
    await signIn(page, 'admin', TEST_ADMIN_PASSWORD);
    await page.waitForURL('**/app/personalities');
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
    const page = await openChat('/app/chat?user_id=stream-user');
    await page.getByText('Say hello to start the conversation.').waitFor();
    const seen = await sendAndWatchReply(page, 'tell me a story about the sea');
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

    // 423 while halted.
    const chat = await openChat(`/app/chat?user_id=${user}`, { expectStatuses: [423] });
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
    // The API rejects the first pattern (422).
    const page = await open('/app/guardrails', { expectStatuses: [422] });
    await page.getByRole('button', { name: '+ New config' }).click();
    await page.getByLabel('Name').fill('no-secrets');
    await page.getByRole('button', { name: '+ Add rule' }).click();
    await page.getByRole('menuitem', { name: 'Regular expression' }).click();
    // A pattern the API rejects (RE2 has no backreferences): its message shows at the field.
    await page.getByLabel('Pattern').fill('(a)\\1');
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

    const chat = await openChat('/app/chat?user_id=guard-user', { expectStatuses: [422] });
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
    expect(page.errors).toEqual([]);
    expect(chat.errors).toEqual([]);
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
    expect(requests.errors).toEqual([]);
    expect(monitor.errors).toEqual([]);
  });

  it('an operator logs in: a wrong password is an error, the right one lands on the dashboard', async () => {
    const created = await api.http('POST', '/admin/operators', {
      username: 'olga',
      password: 'olga-password-123',
      role: 'operator',
    });
    expect(created.status).toBe(201);
    await context.clearCookies();
    const page = await open('/app/', { expectStatuses: [401] });
    await page.waitForURL('**/app/login?next=%2F');
    await signIn(page, 'olga', 'not-her-password');
    await page.getByRole('alert').filter({ hasText: 'Wrong username or password' }).waitFor();
    await screenshot(page, 'login-wrong-password');
    expect(page.url()).toContain('/app/login');

    await signIn(page, 'olga', 'olga-password-123');
    await page.getByTestId('tile-messages').waitFor();
    expect(['/app', '/app/']).toContain(new URL(page.url()).pathname);
    await page.getByTestId('role').filter({ hasText: 'operator' }).waitFor();
    // An operator has Settings for their account only.
    await page.getByRole('link', { name: 'Settings' }).click();
    await page.getByTestId('settings-username').filter({ hasText: 'olga' }).waitFor();
    expect(await page.getByRole('heading', { name: 'Operators' }).count()).toBe(0);
    expect(await page.getByRole('heading', { name: 'API keys' }).count()).toBe(0);

    await page.getByRole('button', { name: 'Log out' }).click();
    await page.waitForURL('**/app/login**');
    await page.goto('/app/monitor');
    await page.waitForURL('**/app/login?next=%2Fmonitor');
    expect(page.errors).toEqual([]);
  });

  it('an expired session goes to the login page and, after logging in, back where the operator was', async () => {
    const page = await open('/app/monitor', { expectStatuses: [401] });
    await page.getByRole('heading', { name: 'Monitor' }).waitFor();
    // The session ends (cookie gone, as when it expires): the next screen's calls are 401.
    await context.clearCookies();
    await page.getByRole('link', { name: 'Requests' }).click();
    await page.waitForURL('**/app/login?next=%2Frequests');
    await page.getByText('Sign in to continue where you were.').waitFor();
    await screenshot(page, 'login-session-expired');
    await signIn(page, 'admin', TEST_ADMIN_PASSWORD);
    await page.waitForURL('**/app/requests');
    await page.getByRole('heading', { name: 'LLM requests' }).waitFor();
    expect(page.errors).toEqual([]);
  });

  it('a viewer sees no edit controls on personalities, monitor, guardrails or settings', async () => {
    await createDefaultTemplate('viewer-visible', 'You are kind.');
    expect(
      (await api.http('POST', '/chat', { user_id: 'viewed-user', message: 'hello' })).status,
    ).toBe(200);
    expect(
      (await api.http('PUT', '/admin/memory/viewed-user/mood', { value: 'sunny' })).status,
    ).toBe(200);
    expect(
      (
        await api.http('POST', '/admin/guardrails', {
          name: 'viewer-rules',
          rules: [{ type: 'regex', pattern: 'secret', stage: 'input', action: 'block' }],
        })
      ).status,
    ).toBe(201);
    const created = await api.http('POST', '/admin/operators', {
      username: 'vera',
      password: 'vera-password-123',
      role: 'viewer',
    });
    expect(created.status).toBe(201);
    await context.clearCookies();
    await setSessionCookie(
      context,
      api.baseUrl,
      await loginAs(api.baseUrl, 'vera', 'vera-password-123'),
    );
    const EDITS =
      /new|save|create|add|edit|delete|remove|halt|resume|inject|send|roll ?back|default|activate|revoke|disable|reset/i;

    const page = await open('/app/personalities');
    await page.getByRole('link', { name: 'viewer-visible' }).waitFor();
    expect(await page.getByRole('link', { name: '+ New Personality' }).count()).toBe(0);
    await screenshot(page, 'viewer-personalities');
    await page.getByRole('link', { name: 'viewer-visible' }).click();
    await page.getByText('v1', { exact: true }).first().waitFor();
    await page.locator('.cm-content').waitFor();
    expect((await buttonLabels(page)).filter((label) => EDITS.test(label))).toEqual([]);
    await screenshot(page, 'viewer-personality');

    await page.goto('/app/monitor/viewed-user');
    await page.getByTestId('monitor-message').filter({ hasText: 'Echo: hello' }).waitFor();
    expect(await page.getByLabel('Message to inject').count()).toBe(0);
    expect((await buttonLabels(page)).filter((label) => EDITS.test(label))).toEqual([]);
    await screenshot(page, 'viewer-monitor');
    await page.getByRole('tab', { name: 'Memory' }).click();
    await page.getByText('mood').waitFor();
    expect((await buttonLabels(page)).filter((label) => EDITS.test(label))).toEqual([]);

    await page.goto('/app/guardrails');
    await page.getByText('viewer-rules').click();
    await page.getByLabel('Pattern').waitFor();
    expect(await page.getByLabel('Pattern').getAttribute('readonly')).not.toBeNull();
    expect((await buttonLabels(page)).filter((label) => EDITS.test(label))).toEqual([]);
    await screenshot(page, 'viewer-guardrails');

    await page.goto('/app/settings');
    await page.getByTestId('settings-username').filter({ hasText: 'vera' }).waitFor();
    expect(await page.getByRole('heading', { name: 'Operators' }).count()).toBe(0);
    // The audit trail is read-only, so a viewer reads it too: the admin created this viewer.
    const audit = page.getByTestId('audit-log');
    await audit.getByTestId('audit-row').filter({ hasText: 'operator.create' }).first().waitFor();
    expect((await buttonLabels(page)).filter((label) => EDITS.test(label))).toEqual([]);
    expect(page.errors).toEqual([]);
  });

  it('an admin manages operators and creates an API key that is shown once', async () => {
    const page = await open('/app/settings', { expectStatuses: [409, 422] });
    await page.getByRole('heading', { name: 'Operators' }).waitFor();
    await page.getByTestId('operator-row-admin').waitFor();

    // A new operator; a short password is refused with the API's reason at the field.
    await page.getByRole('button', { name: '+ New operator' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Username').fill('nina');
    await dialog.getByLabel('Initial password').fill('short');
    await dialog.getByRole('button', { name: 'Create operator' }).click();
    await dialog.getByRole('alert').first().waitFor();
    await dialog.getByLabel('Initial password').fill('nina-password-123');
    await dialog.getByRole('button', { name: 'Create operator' }).click();
    const nina = page.getByTestId('operator-row-nina');
    await nina.waitFor();
    await nina.getByLabel('Role of nina').click();
    await page.getByRole('option', { name: 'viewer' }).click();
    await nina.getByRole('button', { name: 'Disable' }).click();
    await nina.getByText('DISABLED').waitFor();
    const stored = await api.sql(
      `SELECT role, disabled_at IS NOT NULL AS disabled FROM operators WHERE username = 'nina'`,
    );
    expect(stored).toEqual([{ role: 'viewer', disabled: true }]);

    // The API's refusal is shown: an admin may not disable themself.
    await page.getByTestId('operator-row-admin').getByRole('button', { name: 'Disable' }).click();
    await page
      .getByRole('alert')
      .filter({ hasText: /own|yourself|lock/i })
      .waitFor();

    await page.getByRole('button', { name: '+ New API key' }).click();
    await page.getByRole('dialog').getByLabel('Name').fill('mobile-backend');
    await page.getByRole('dialog').getByRole('button', { name: 'Create key' }).click();
    const secret = page.getByTestId('new-api-key');
    await secret.waitFor();
    const key = (await secret.textContent())?.trim() ?? '';
    expect(key).toMatch(/^pdk_/);
    await page.getByText("Copy it now: you won't see it again").waitFor();
    await screenshot(page, 'settings-api-key-once');
    // The key works, and the list shows only its prefix.
    const withKey = () =>
      api.anonymous('GET', '/chat/history?user_id=key-user', undefined, {
        authorization: `Bearer ${key}`,
      });
    expect((await withKey()).status).toBe(200);
    await page.getByRole('button', { name: 'I have saved it' }).click();
    await page.getByRole('dialog').waitFor({ state: 'detached' });
    const row = page.getByTestId('api-key-row-mobile-backend');
    await row.waitFor();
    expect(await page.getByText(key).count()).toBe(0);
    await screenshot(page, 'settings');

    await row.getByRole('button', { name: 'Revoke' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Revoke key' }).click();
    await row.getByText('REVOKED', { exact: false }).waitFor();
    expect((await withKey()).status).toBe(401);

    // Both key changes are in the audit log, by this admin, filterable by action.
    await page.reload();
    const audit = page.getByTestId('audit-log');
    await audit.getByLabel('Action').fill('api_key.revoke');
    const revoked = audit.getByTestId('audit-row').filter({ hasText: 'api_key.revoke' });
    await revoked.first().waitFor();
    expect(await revoked.first().textContent()).toContain('operator:admin');
    await audit
      .getByTestId('audit-row')
      .filter({ hasText: 'api_key.create' })
      .first()
      .waitFor({ state: 'detached' });
    await screenshot(page, 'settings-audit');
    expect(page.errors).toEqual([]);
  });
});
