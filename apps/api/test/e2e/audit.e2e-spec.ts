import { randomUUID } from 'node:crypto';
import { buildOpenApiDocument } from '../../src/openapi';
import { bearer, createApiKey, createOperator, TestApiKey, TestOperator } from '../factories/auth';
import { aGuardrailConfig } from '../factories/guardrails';
import { aUserId } from '../factories/memory';
import { aTemplateBody, createTemplate } from '../factories/templates';
import {
  expectError,
  HttpResult,
  httpRequest,
  startTestApp,
  TEST_ADMIN_PASSWORD,
  TestApp,
} from '../setup/test-app';

interface AuditRow {
  id: string;
  actor: string;
  action: string;
  target_type: string;
  target_id: string | null;
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
  request_id: string | null;
}

interface Expected {
  actor?: string;
  action: string;
  targetType: string;
  targetId?: string | null;
  before?: Record<string, unknown> | null;
  after?: Record<string, unknown> | null;
}

/** Every mutation of the API and the actions it records (the tests below perform each). */
const AUDITED: Record<string, string[]> = {
  'POST /admin/templates': ['template.create'],
  'PUT /admin/templates/{template_id}': ['template.update'],
  'POST /admin/templates/{template_id}/rollback/{version}': ['template.rollback'],
  'POST /admin/templates/{template_id}/activate': ['template.activate'],
  'POST /admin/templates/{template_id}/deactivate': ['template.deactivate'],
  'POST /admin/templates/{template_id}/default': ['template.set_default'],
  'PUT /admin/memory/{user_id}/{key}': ['memory.put'],
  'DELETE /admin/memory/{user_id}/{key}': ['memory.delete'],
  'DELETE /admin/memory/{user_id}': ['memory.clear'],
  // Entering or leaving `halted` records user.halt or user.resume instead.
  'PUT /admin/state/{user_id}': ['user.set_mode'],
  'POST /admin/interventions/{user_id}/halt': ['user.halt'],
  'POST /admin/interventions/{user_id}/resume': ['user.resume'],
  'POST /admin/interventions/{user_id}/inject': ['user.inject'],
  'POST /admin/guardrails': ['guardrail.create'],
  'PUT /admin/guardrails/{config_id}': ['guardrail.update'],
  'DELETE /admin/guardrails/{config_id}': ['guardrail.deactivate', 'guardrail.delete'],
  'DELETE /chat/history/{user_id}': ['chat_history.delete'],
  'POST /admin/stats/aggregate': ['stats.aggregate'],
  'POST /admin/operators': ['operator.create'],
  'PUT /admin/operators/{operator_id}/role': ['operator.change_role'],
  'PUT /admin/operators/{operator_id}/password': ['operator.reset_password'],
  'PUT /admin/operators/{operator_id}/disabled': ['operator.set_disabled'],
  'POST /admin/api-keys': ['api_key.create'],
  'DELETE /admin/api-keys/{api_key_id}': ['api_key.revoke'],
  'POST /auth/login': ['auth.login', 'auth.login_failed'],
  'POST /auth/logout': ['auth.logout'],
  // Only tokens an operator mints; an API key mints one per end-user session.
  'POST /chat/tokens': ['chat_token.create'],
};
/** POST routes that change nothing an audit row should describe. */
const EXEMPT: Record<string, string> = {
  'POST /admin/templates/{template_id}/preview': 'renders; stores nothing',
  'POST /chat': 'a chat turn: stored as conversation history and LLM call records',
  'POST /chat/stream': 'a chat turn: stored as conversation history and LLM call records',
};

// Many requests and several password hashes per test on a shared, busy machine.
jest.setTimeout(60_000);

describe('audit trail', () => {
  let api: TestApp;
  let operator: TestOperator;
  let viewer: TestOperator;
  let chatKey: TestApiKey;
  /** Every secret the tests handle; none may reach an audit row. */
  const secrets: string[] = [TEST_ADMIN_PASSWORD];

  const rowsOf = (requestId: string | null) =>
    api.sql<AuditRow>('SELECT * FROM audit_log WHERE request_id = $1 ORDER BY id', [requestId]);

  /** Exactly one row, written by the request that made the change, describing it. */
  async function expectAudited(result: HttpResult, expected: Expected): Promise<AuditRow> {
    expect(result.status).toBeLessThan(300);
    return expectRow(result, expected);
  }

  /** The same for a request that failed on purpose (a rejected login is still an event). */
  async function expectRow(result: HttpResult, expected: Expected): Promise<AuditRow> {
    const requestId = result.headers.get('x-request-id');
    expect(requestId).toEqual(expect.any(String));
    const rows = await rowsOf(requestId);
    expect(rows).toHaveLength(1);
    const [row] = rows as [AuditRow];
    expect(row).toMatchObject({
      actor: expected.actor ?? `operator:${operator.username}`,
      action: expected.action,
      target_type: expected.targetType,
      request_id: requestId,
    });
    if (expected.targetId !== undefined) expect(row.target_id).toBe(expected.targetId);
    if (expected.before !== undefined) {
      expect(row.before).toEqual(expected.before && expect.objectContaining(expected.before));
    }
    if (expected.after !== undefined) {
      expect(row.after).toEqual(expected.after && expect.objectContaining(expected.after));
    }
    return row;
  }

  async function expectNotAudited(result: HttpResult): Promise<void> {
    expect(await rowsOf(result.headers.get('x-request-id'))).toEqual([]);
  }

  beforeAll(async () => {
    api = await startTestApp({ CHAT_TOKEN_SECRET: 'c'.repeat(32) });
    operator = await createOperator(api, 'operator');
    viewer = await createOperator(api, 'viewer');
    chatKey = await createApiKey(api, ['chat']);
    secrets.push(operator.password, viewer.password, chatKey.key, operator.token, viewer.token);
    secrets.push(api.authHeaders.authorization!.slice('Bearer '.length));
  });
  afterAll(() => api.close());

  it('records every mutation once, with actor, action, target, request id and the change', async () => {
    const as = operator.headers;
    const call = (method: string, path: string, body?: unknown) => api.http(method, path, body, as);

    // Templates.
    const body = aTemplateBody();
    const created = await call('POST', '/admin/templates', body);
    const templateId = String(created.body.id);
    await expectAudited(created, {
      action: 'template.create',
      targetType: 'template',
      targetId: templateId,
      before: null,
      after: { name: body.name, current_version: 1, is_active: true },
    });
    const target = { targetType: 'template', targetId: templateId };
    await expectAudited(
      await call('PUT', `/admin/templates/${templateId}`, {
        content: 'You are version two. {{ user_id }}',
        updated_by: 'alice',
      }),
      {
        ...target,
        action: 'template.update',
        before: { current_version: 1 },
        after: { current_version: 2 },
      },
    );
    await expectAudited(await call('POST', `/admin/templates/${templateId}/rollback/1`), {
      ...target,
      action: 'template.rollback',
      before: { current_version: 2 },
      after: { current_version: 3 },
    });
    const other = await createTemplate(api);
    await expectAudited(await call('POST', `/admin/templates/${other.id}/default`), {
      action: 'template.set_default',
      targetType: 'template',
      targetId: String(other.id),
      before: { is_default: false },
      after: { is_default: true },
    });
    await expectAudited(await call('POST', `/admin/templates/${templateId}/deactivate`), {
      ...target,
      action: 'template.deactivate',
      before: { is_active: true },
      after: { is_active: false },
    });
    await expectAudited(await call('POST', `/admin/templates/${templateId}/activate`), {
      ...target,
      action: 'template.activate',
      before: { is_active: false },
      after: { is_active: true },
    });

    // Memory.
    const userId = aUserId();
    const memoryTarget = { targetType: 'memory', targetId: `${userId}/mood` };
    await expectAudited(await call('PUT', `/admin/memory/${userId}/mood`, { value: 'calm' }), {
      ...memoryTarget,
      action: 'memory.put',
      before: null,
      after: { value: '"calm"' },
    });
    await expectAudited(await call('PUT', `/admin/memory/${userId}/mood`, { value: 'happy' }), {
      ...memoryTarget,
      action: 'memory.put',
      before: { value: '"calm"' },
      after: { value: '"happy"' },
    });
    await expectAudited(await call('DELETE', `/admin/memory/${userId}/mood`), {
      ...memoryTarget,
      action: 'memory.delete',
      before: { value: '"happy"' },
    });
    await call('PUT', `/admin/memory/${userId}/a`, { value: 1 });
    await expectAudited(await call('DELETE', `/admin/memory/${userId}`), {
      action: 'memory.clear',
      targetType: 'user',
      targetId: userId,
      after: { deleted_count: 1 },
    });

    // User state and interventions.
    const userTarget = { targetType: 'user', targetId: userId };
    await expectAudited(await call('PUT', `/admin/state/${userId}`, { mode: 'vip' }), {
      ...userTarget,
      action: 'user.set_mode',
      before: null,
      after: { mode: 'vip' },
    });
    await expectAudited(
      await call('POST', `/admin/interventions/${userId}/halt`, {
        operator: 'alice',
        reason: 'Reviewing a report',
      }),
      { ...userTarget, action: 'user.halt', before: { mode: 'vip' }, after: { mode: 'halted' } },
    );
    await expectAudited(await call('POST', `/admin/interventions/${userId}/resume`), {
      ...userTarget,
      action: 'user.resume',
      before: { mode: 'halted' },
      after: { mode: 'active' },
    });
    // PUT /admin/state into and out of `halted` is a halt and a resume: still one row each.
    await expectAudited(await call('PUT', `/admin/state/${userId}`, { mode: 'halted' }), {
      ...userTarget,
      action: 'user.halt',
      after: { mode: 'halted' },
    });
    await expectAudited(await call('PUT', `/admin/state/${userId}`, { mode: 'active' }), {
      ...userTarget,
      action: 'user.resume',
      before: { mode: 'halted' },
      after: { mode: 'active' },
    });
    const longNote = `Be gentle. ${'x'.repeat(500)}`;
    const injected = await expectAudited(
      await call('POST', `/admin/interventions/${userId}/inject`, {
        operator: 'alice',
        content: longNote,
      }),
      { ...userTarget, action: 'user.inject', after: { role: 'system' } },
    );
    // Message bodies appear only as a short excerpt.
    expect(String(injected.after?.content).length).toBeLessThanOrEqual(100);
    expect(String(injected.after?.content)).toMatch(/^Be gentle\. x+…$/);

    // Guardrails.
    const config = aGuardrailConfig();
    const guardrail = await call('POST', '/admin/guardrails', config);
    const guardrailTarget = { targetType: 'guardrail', targetId: String(guardrail.body.id) };
    await expectAudited(guardrail, {
      ...guardrailTarget,
      action: 'guardrail.create',
      before: null,
      after: { name: config.name, is_active: true },
    });
    await expectAudited(
      await call('PUT', `/admin/guardrails/${guardrail.body.id}`, { description: 'stricter' }),
      { ...guardrailTarget, action: 'guardrail.update', after: { description: 'stricter' } },
    );
    await expectAudited(await call('DELETE', `/admin/guardrails/${guardrail.body.id}`), {
      ...guardrailTarget,
      action: 'guardrail.deactivate',
      before: { is_active: true },
      after: { is_active: false },
    });
    await expectAudited(await call('DELETE', `/admin/guardrails/${guardrail.body.id}?soft=false`), {
      ...guardrailTarget,
      action: 'guardrail.delete',
      after: null,
    });

    // Chat history and stats.
    await api.http('POST', '/chat', { user_id: userId, message: 'hello' });
    await expectAudited(await call('DELETE', `/chat/history/${userId}`), {
      ...userTarget,
      action: 'chat_history.delete',
      after: { include_memory: false },
    });
    await expectAudited(await call('POST', '/admin/stats/aggregate', {}), {
      action: 'stats.aggregate',
      targetType: 'stats',
      targetId: null,
    });

    // Chat tokens: an operator's are audited, an integrator key's (one per session) are not.
    const minted = await call('POST', '/chat/tokens', { user_id: userId });
    secrets.push(minted.body.token as string);
    await expectAudited(minted, {
      action: 'chat_token.create',
      targetType: 'user',
      targetId: userId,
    });
    const byKey = await api.http('POST', '/chat/tokens', { user_id: userId }, chatKey.headers);
    expect(byKey.status).toBe(201);
    secrets.push(byKey.body.token as string);
    await expectNotAudited(byKey);
  });

  it('records operator and API key management by the admin, and logins and logouts', async () => {
    const admin = 'operator:admin';
    const username = `audited-${randomUUID().slice(0, 8)}`;
    const password = `pw-${randomUUID()}`;
    const newPassword = `pw-${randomUUID()}`;
    secrets.push(password, newPassword);
    const created = await api.http('POST', '/admin/operators', {
      username,
      password,
      role: 'operator',
    });
    const operatorTarget = { targetType: 'operator', targetId: created.body.id as string };
    await expectAudited(created, {
      ...operatorTarget,
      actor: admin,
      action: 'operator.create',
      after: { username, role: 'operator' },
    });
    await expectAudited(
      await api.http('PUT', `/admin/operators/${created.body.id}/role`, { role: 'viewer' }),
      {
        ...operatorTarget,
        actor: admin,
        action: 'operator.change_role',
        before: { role: 'operator' },
        after: { role: 'viewer' },
      },
    );
    await expectAudited(
      await api.http('PUT', `/admin/operators/${created.body.id}/password`, {
        password: newPassword,
      }),
      {
        ...operatorTarget,
        actor: admin,
        action: 'operator.reset_password',
        after: { password_changed: true },
      },
    );

    const login = await api.anonymous('POST', '/auth/login', { username, password: newPassword });
    secrets.push(login.body.access_token as string);
    await expectAudited(login, {
      ...operatorTarget,
      actor: `operator:${username}`,
      action: 'auth.login',
    });
    const failed = await api.anonymous('POST', '/auth/login', {
      username,
      password: 'wrong-password',
    });
    expectError(failed, 401, 'invalid_credentials');
    await expectRow(failed, {
      ...operatorTarget,
      actor: 'anonymous',
      action: 'auth.login_failed',
      after: { username },
    });
    const unknown = await api.anonymous('POST', '/auth/login', {
      username: 'nobody-here',
      password: 'x',
    });
    expectError(unknown, 401, 'invalid_credentials');
    await expectRow(unknown, {
      targetType: 'operator',
      targetId: null,
      actor: 'anonymous',
      action: 'auth.login_failed',
    });
    await expectAudited(
      await api.http('POST', '/auth/logout', undefined, bearer(login.body.access_token as string)),
      { ...operatorTarget, actor: `operator:${username}`, action: 'auth.logout' },
    );
    await expectAudited(
      await api.http('PUT', `/admin/operators/${created.body.id}/disabled`, { disabled: true }),
      {
        ...operatorTarget,
        actor: admin,
        action: 'operator.set_disabled',
        before: { disabled: false },
        after: { disabled: true },
      },
    );

    const key = await api.http('POST', '/admin/api-keys', {
      name: 'integration',
      scopes: ['chat'],
    });
    secrets.push(key.body.key as string);
    const keyTarget = { targetType: 'api_key', targetId: key.body.id as string };
    await expectAudited(key, {
      ...keyTarget,
      actor: admin,
      action: 'api_key.create',
      after: { name: 'integration', prefix: key.body.prefix, scopes: ['chat'] },
    });
    await expectAudited(await api.http('DELETE', `/admin/api-keys/${key.body.id}`), {
      ...keyTarget,
      actor: admin,
      action: 'api_key.revoke',
      before: { revoked_at: null },
    });
  });

  it('writes nothing for a mutation that fails', async () => {
    const template = await createTemplate(api);
    const failures = [
      [
        await api.http('POST', '/admin/templates', aTemplateBody({ name: template.name })),
        409,
        'template_exists',
      ],
      [
        await api.http('PUT', '/admin/templates/999999', { content: 'x', updated_by: 'a' }),
        404,
        'template_not_found',
      ],
      [await api.http('DELETE', `/admin/memory/${aUserId()}/missing`), 404, 'memory_key_not_found'],
      [await api.http('POST', `/admin/interventions/${aUserId()}/resume`), 400, 'not_halted'],
      [
        await api.http('PUT', '/admin/guardrails/999999', { description: 'x' }),
        404,
        'guardrail_not_found',
      ],
      [await api.http('POST', '/admin/guardrails', { name: '' }), 422, 'validation_failed'],
      [await api.http('DELETE', `/admin/api-keys/${randomUUID()}`), 404, 'api_key_not_found'],
      [
        await api.http('PUT', `/admin/operators/${randomUUID()}/role`, { role: 'viewer' }),
        404,
        'operator_not_found',
      ],
      [
        await api.http('POST', '/admin/templates', aTemplateBody(), viewer.headers),
        403,
        'forbidden',
      ],
    ] as const;
    for (const [result, status, code] of failures) {
      expectError(result, status, code);
      await expectNotAudited(result);
    }
  });

  it('rolls the row back with the change when the transaction fails after the audit insert', async () => {
    // Fails at COMMIT, after both the change and its audit row were written.
    await api.sql(`
      CREATE FUNCTION refuse_doomed() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'doomed change'; END $$`);
    await api.sql(`
      CREATE CONSTRAINT TRIGGER refuse_doomed AFTER INSERT ON audit_log
      DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
      WHEN (NEW.target_id LIKE 'doomed-%') EXECUTE FUNCTION refuse_doomed()`);
    try {
      const userId = `doomed-${randomUUID().slice(0, 8)}`;
      const result = await api.http('PUT', `/admin/memory/${userId}/mood`, { value: 'calm' });
      expect(result.status).toBeGreaterThanOrEqual(500);
      await expectNotAudited(result);
      expect(await api.sql('SELECT 1 FROM user_memory WHERE user_id = $1', [userId])).toEqual([]);
      const halted = await api.http('POST', `/admin/interventions/${userId}/halt`, {
        operator: 'alice',
        reason: 'x',
      });
      expect(halted.status).toBeGreaterThanOrEqual(500);
      expect(await api.sql('SELECT 1 FROM user_state WHERE user_id = $1', [userId])).toEqual([]);
      expect(await api.sql('SELECT 1 FROM interventions WHERE user_id = $1', [userId])).toEqual([]);
    } finally {
      await api.sql('DROP TRIGGER refuse_doomed ON audit_log');
      await api.sql('DROP FUNCTION refuse_doomed()');
    }
  });

  it('lists newest first, in pages, filtered', async () => {
    const userId = aUserId('paged');
    for (const key of ['k1', 'k2', 'k3', 'k4', 'k5']) {
      await api.http('PUT', `/admin/memory/${userId}/${key}`, { value: key }, operator.headers);
    }
    const all = await api.http('GET', `/admin/audit?action=memory.put&limit=200`);
    expect(all.status).toBe(200);
    const ids = (all.body.entries as AuditRow[]).map((entry) => Number(entry.id));
    expect(ids).toEqual([...ids].sort((a, b) => b - a));

    const seen: string[] = [];
    const seenIds = new Set<string>();
    let cursor: string | null = null;
    let pages = 0;
    do {
      const query: string =
        `actor=operator:${operator.username}&target_type=memory&limit=2` +
        (cursor ? `&cursor=${cursor}` : '');
      const page = await api.http('GET', `/admin/audit?${query}`);
      expect(page.status).toBe(200);
      expect(page.body.entries.length).toBeLessThanOrEqual(2);
      for (const entry of page.body.entries as AuditRow[]) {
        expect(entry).toMatchObject({
          actor: `operator:${operator.username}`,
          target_type: 'memory',
        });
        seen.push(entry.target_id!);
        seenIds.add(String(entry.id));
      }
      cursor = page.body.next_cursor as string | null;
      pages += 1;
    } while (cursor && pages < 50);
    const mine = seen.filter((target) => target.startsWith(`${userId}/`));
    expect(mine).toEqual(['k5', 'k4', 'k3', 'k2', 'k1'].map((key) => `${userId}/${key}`));
    expect(seenIds.size).toBe(seen.length);

    const one = await api.http('GET', `/admin/audit?target_type=memory&target_id=${userId}/k3`);
    expect(one.body.entries).toHaveLength(1);
    expect(one.body.entries[0]).toMatchObject({
      action: 'memory.put',
      after: { value: '"k3"' },
      created_at: expect.any(String),
    });

    const at = new Date(one.body.entries[0].created_at as string);
    const future = new Date(at.getTime() + 3_600_000).toISOString();
    expect((await api.http('GET', `/admin/audit?since=${future}`)).body.entries).toEqual([]);
    const until = await api.http('GET', `/admin/audit?until=${future}&target_id=${userId}/k3`);
    expect(until.body.entries).toHaveLength(1);

    expectError(await api.http('GET', '/admin/audit?cursor=bogus'), 422, 'validation_failed');
    expectError(await api.http('GET', '/admin/audit?limit=201'), 422, 'validation_failed');
    expectError(
      await api.http('GET', `/admin/audit?since=${future}&until=${at.toISOString()}`),
      422,
      'validation_failed',
    );
    expectError(await api.http('GET', '/admin/audit?colour=red'), 422, 'validation_failed');
  });

  it('every operator role and admin keys read it; others do not', async () => {
    expect((await api.http('GET', '/admin/audit', undefined, viewer.headers)).status).toBe(200);
    expect((await api.http('GET', '/admin/audit', undefined, operator.headers)).status).toBe(200);
    const adminKey = await createApiKey(api, ['admin']);
    secrets.push(adminKey.key);
    expect((await api.http('GET', '/admin/audit', undefined, adminKey.headers)).status).toBe(200);
    expectError(await api.anonymous('GET', '/admin/audit'), 401, 'unauthorized');
    expectError(
      await api.http('GET', '/admin/audit', undefined, chatKey.headers),
      403,
      'forbidden',
    );
  });

  it('no audit row holds a password, hash, key or token', async () => {
    const rows = await api.sql<AuditRow>('SELECT * FROM audit_log');
    expect(rows.length).toBeGreaterThan(30);
    const text = JSON.stringify(rows);
    for (const secret of secrets) expect(text).not.toContain(secret);
    const hashes = await api.sql<{ value: string }>(
      'SELECT password_hash AS value FROM operators UNION ALL SELECT key_hash FROM api_keys',
    );
    for (const { value } of hashes) expect(text).not.toContain(value);
    expect(text).not.toMatch(/\$argon2|\$scrypt|pdk_[A-Za-z0-9_-]{20,}/);
    // The listing is what operators see: the same rows.
    const listed = await httpRequest(
      api.baseUrl,
      'GET',
      '/admin/audit?limit=200',
      undefined,
      api.authHeaders,
    );
    for (const secret of secrets) expect(listed.text).not.toContain(secret);
  });

  it('covers every mutation of the OpenAPI document, each action seen above', async () => {
    const document = buildOpenApiDocument(api.app);
    const mutations = Object.entries(document.paths).flatMap(([path, item]) =>
      Object.keys(item)
        .filter((method) => ['post', 'put', 'patch', 'delete'].includes(method))
        .map((method) => `${method.toUpperCase()} ${path}`),
    );
    expect(mutations.sort()).toEqual([...Object.keys(AUDITED), ...Object.keys(EXEMPT)].sort());
    const recorded = await api.sql<{ action: string }>('SELECT DISTINCT action FROM audit_log');
    expect(recorded.map((row) => row.action).sort()).toEqual(
      [...new Set(Object.values(AUDITED).flat())].sort(),
    );
  });
});
