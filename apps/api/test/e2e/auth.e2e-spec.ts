import { randomUUID } from 'node:crypto';
import { signToken } from '../../src/core/auth/hs256-token';
import { aTemplateBody } from '../factories/templates';
import { bearer, createApiKey, createOperator } from '../factories/auth';
import { eventually } from '../setup/sse';
import {
  expectError,
  loginAs,
  startTestApp,
  TEST_ADMIN_PASSWORD,
  TEST_JWT_SECRET,
  TestApp,
} from '../setup/test-app';

// Many requests and several password hashes per test on a shared, busy machine.
jest.setTimeout(30_000);

describe('operator login, roles and API keys', () => {
  let api: TestApp;
  let adminId: string;

  const now = () => Math.floor(Date.now() / 1000);
  const me = (headers: Record<string, string>) =>
    api.anonymous('GET', '/auth/me', undefined, headers);

  beforeAll(async () => {
    api = await startTestApp();
    adminId = (await api.http('GET', '/auth/me')).body.id;
  });
  afterAll(() => api.close());

  describe('POST /auth/login', () => {
    it('returns a token, its lifetime and the operator, and sets an httpOnly strict cookie', async () => {
      const result = await api.anonymous('POST', '/auth/login', {
        username: 'admin',
        password: TEST_ADMIN_PASSWORD,
      });
      expect(result.status).toBe(200);
      expect(result.body).toEqual({
        access_token: expect.stringMatching(/^[\w-]+\.[\w-]+\.[\w-]+$/),
        expires_in: 3600,
        operator: expect.objectContaining({
          id: adminId,
          username: 'admin',
          role: 'admin',
          disabled: false,
        }),
      });
      const cookie = result.headers.get('set-cookie') ?? '';
      expect(cookie).toContain(`promptdev_session=${result.body.access_token}`);
      expect(cookie).toMatch(/HttpOnly/i);
      expect(cookie).toMatch(/SameSite=Strict/i);
      expect(cookie).not.toMatch(/Secure/i);
      expect((await me(bearer(result.body.access_token))).body.username).toBe('admin');
    });

    it('refuses a wrong password and an unknown user alike', async () => {
      for (const body of [
        { username: 'admin', password: 'wrong-password' },
        { username: 'nobody-here', password: TEST_ADMIN_PASSWORD },
      ]) {
        expectError(await api.anonymous('POST', '/auth/login', body), 401, 'invalid_credentials');
      }
      expectError(
        await api.anonymous('POST', '/auth/login', { username: 'admin' }),
        422,
        'validation_failed',
      );
    });
  });

  describe('tokens', () => {
    const operatorToken = (claims: Record<string, unknown>, secret = TEST_JWT_SECRET) =>
      signToken(
        { typ: 'operator', sub: adminId, ver: 0, iat: now(), exp: now() + 60, ...claims },
        secret,
      );

    it('accepts a well-formed token and the session cookie, and nothing else', async () => {
      expect((await me(bearer(operatorToken({})))).status).toBe(200);
      const valid = operatorToken({});
      expect((await me({ cookie: `promptdev_session=${valid}` })).status).toBe(200);

      const [header, payload, signature] = valid.split('.');
      const tampered = `${header}.${Buffer.from(
        JSON.stringify({ ...JSON.parse(Buffer.from(payload!, 'base64url').toString()), ver: 1 }),
      ).toString('base64url')}.${signature}`;
      const algNone = `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${payload}.`;
      for (const token of [
        operatorToken({ iat: now() - 120, exp: now() - 60 }),
        operatorToken({}, 'another-secret-another-secret-another'),
        operatorToken({ sub: randomUUID() }),
        tampered,
        algNone,
        'not-a-token',
      ]) {
        expectError(await me(bearer(token)), 401, 'unauthorized');
        expectError(await me({ cookie: `promptdev_session=${token}` }), 401, 'unauthorized');
      }
      expectError(await me({ authorization: 'Basic YWRtaW46eA==' }), 401, 'unauthorized');
      expectError(await me({}), 401, 'unauthorized');
    });

    it('logout clears the cookie and ends the sessions already issued', async () => {
      const operator = await createOperator(api, 'operator');
      const second = await loginAs(api.baseUrl, operator.username, operator.password);
      const result = await api.anonymous('POST', '/auth/logout', undefined, {
        cookie: `promptdev_session=${operator.token}`,
      });
      expect(result.status).toBe(200);
      expect(result.headers.get('set-cookie')).toMatch(
        /promptdev_session=;.*(Max-Age=0|Expires=Thu, 01 Jan 1970)/i,
      );
      expectError(await me(operator.headers), 401, 'unauthorized');
      expectError(await me(bearer(second)), 401, 'unauthorized');
      expect(
        (await me(bearer(await loginAs(api.baseUrl, operator.username, operator.password)))).status,
      ).toBe(200);
    });
  });

  describe('roles', () => {
    it('a viewer reads but changes nothing; an operator works but does not manage operators', async () => {
      const viewer = await createOperator(api, 'viewer');
      const operator = await createOperator(api, 'operator');
      expect((await api.http('GET', '/admin/templates', undefined, viewer.headers)).status).toBe(
        200,
      );
      expectError(
        await api.http('POST', '/admin/templates', aTemplateBody(), viewer.headers),
        403,
        'forbidden',
      );
      expectError(
        await api.http('POST', '/chat', { user_id: 'u-1', message: 'hi' }, viewer.headers),
        403,
        'forbidden',
      );
      expect(
        (await api.http('POST', '/admin/templates', aTemplateBody(), operator.headers)).status,
      ).toBe(201);
      expectError(
        await api.http('GET', '/admin/operators', undefined, operator.headers),
        403,
        'forbidden',
      );
      expectError(
        await api.http('GET', '/admin/api-keys', undefined, operator.headers),
        403,
        'forbidden',
      );
      // Everyone may log out.
      expect((await api.http('POST', '/auth/logout', undefined, viewer.headers)).status).toBe(200);
    });
  });

  describe('/admin/operators', () => {
    it('creates, lists, changes roles, resets passwords and disables operators', async () => {
      const alice = await createOperator(api, 'operator');
      expectError(
        await api.http('POST', '/admin/operators', {
          username: alice.username,
          password: 'x'.repeat(12),
          role: 'viewer',
        }),
        409,
        'operator_exists',
      );
      expectError(
        await api.http('POST', '/admin/operators', {
          username: 'bob',
          password: 'short',
          role: 'boss',
        }),
        422,
        'validation_failed',
      );

      const listed = await api.http('GET', '/admin/operators');
      expect(listed.body.operators).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ id: alice.id, role: 'operator', disabled: false }),
        ]),
      );
      expect(listed.text).not.toMatch(/password|argon2/);

      const demoted = await api.http('PUT', `/admin/operators/${alice.id}/role`, {
        role: 'viewer',
      });
      expect(demoted.body.role).toBe('viewer');
      // The role is read per request, so the demotion applies to the token already issued.
      expectError(
        await api.http('POST', '/admin/stats/aggregate', undefined, alice.headers),
        403,
        'forbidden',
      );

      const newPassword = `new-${randomUUID()}`;
      expect(
        (await api.http('PUT', `/admin/operators/${alice.id}/password`, { password: newPassword }))
          .status,
      ).toBe(200);
      expectError(await me(alice.headers), 401, 'unauthorized');
      expectError(
        await api.anonymous('POST', '/auth/login', {
          username: alice.username,
          password: alice.password,
        }),
        401,
        'invalid_credentials',
      );
      const fresh = await loginAs(api.baseUrl, alice.username, newPassword);

      const disabled = await api.http('PUT', `/admin/operators/${alice.id}/disabled`, {
        disabled: true,
      });
      expect(disabled.body.disabled).toBe(true);
      expectError(await me(bearer(fresh)), 401, 'unauthorized');
      expectError(
        await api.anonymous('POST', '/auth/login', {
          username: alice.username,
          password: newPassword,
        }),
        401,
        'invalid_credentials',
      );
      await api.http('PUT', `/admin/operators/${alice.id}/disabled`, { disabled: false });
      expect(
        (await me(bearer(await loginAs(api.baseUrl, alice.username, newPassword)))).status,
      ).toBe(200);

      expectError(
        await api.http('PUT', `/admin/operators/${adminId}/disabled`, { disabled: true }),
        409,
        'self_lockout',
      );
      expectError(
        await api.http('PUT', `/admin/operators/${adminId}/role`, { role: 'viewer' }),
        409,
        'self_lockout',
      );
      expectError(
        await api.http('PUT', `/admin/operators/${randomUUID()}/role`, { role: 'viewer' }),
        404,
        'operator_not_found',
      );
      expectError(
        await api.http('PUT', '/admin/operators/not-a-uuid/role', { role: 'viewer' }),
        422,
        'validation_failed',
      );
    });
  });

  describe('/admin/api-keys', () => {
    it('shows a key once, stores only its hash, and lists it without the secret', async () => {
      const created = await api.http('POST', '/admin/api-keys', {
        name: 'companion',
        scopes: ['chat', 'admin'],
      });
      expect(created.status).toBe(201);
      expect(created.body).toEqual(
        expect.objectContaining({
          key: expect.stringMatching(/^pdk_[\w-]{43}$/),
          prefix: created.body.key.slice(0, 12),
          scopes: ['admin', 'chat'],
          created_by: 'operator:admin',
          last_used_at: null,
          revoked_at: null,
        }),
      );
      const listed = await api.http('GET', '/admin/api-keys');
      expect(listed.body.api_keys).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ id: created.body.id, prefix: created.body.prefix }),
        ]),
      );
      expect(listed.text).not.toContain(created.body.key);
      const rows = await api.sql('SELECT * FROM api_keys WHERE id = $1', [created.body.id]);
      expect(JSON.stringify(rows)).not.toContain(created.body.key);
      expectError(
        await api.http('POST', '/admin/api-keys', { name: 'x', scopes: ['root'] }),
        422,
        'validation_failed',
      );
      expectError(
        await api.http('POST', '/admin/api-keys', { name: 'x', scopes: [] }),
        422,
        'validation_failed',
      );
    });

    it('scopes: admin reaches /admin, chat reaches chat only; neither manages keys', async () => {
      const admin = await createApiKey(api, ['admin']);
      const chat = await createApiKey(api, ['chat']);
      expect((await api.http('GET', '/admin/templates', undefined, admin.headers)).status).toBe(
        200,
      );
      expect((await api.http('GET', '/metrics', undefined, admin.headers)).status).toBe(200);
      expectError(
        await api.http('GET', '/admin/api-keys', undefined, admin.headers),
        403,
        'forbidden',
      );
      expectError(
        await api.http('GET', '/admin/templates', undefined, chat.headers),
        403,
        'forbidden',
      );
      expectError(await api.http('GET', '/metrics', undefined, chat.headers), 403, 'forbidden');
      expect(
        (await api.http('GET', '/chat/history?user_id=anyone', undefined, chat.headers)).status,
      ).toBe(200);
      expectError(await api.http('GET', '/auth/me', undefined, chat.headers), 403, 'forbidden');
    });

    it('records the last use at most once a minute and stops working when revoked', async () => {
      const key = await createApiKey(api, ['admin']);
      const lastUsed = async () =>
        (await api.http('GET', '/admin/api-keys')).body.api_keys.find(
          (k: { id: string }) => k.id === key.id,
        ).last_used_at as string | null;
      expect(await lastUsed()).toBeNull();
      await api.http('GET', '/admin/templates', undefined, key.headers);
      const first = await eventually(async () => {
        const value = await lastUsed();
        if (value === null) throw new Error('not yet recorded');
        return value;
      });
      await api.http('GET', '/admin/templates', undefined, key.headers);
      expect(await lastUsed()).toBe(first);

      const revoked = await api.http('DELETE', `/admin/api-keys/${key.id}`);
      expect(revoked.body.revoked_at).toEqual(expect.any(String));
      expectError(
        await api.http('GET', '/admin/templates', undefined, key.headers),
        401,
        'unauthorized',
      );
      expectError(
        await api.http('GET', '/admin/templates', undefined, bearer('pdk_madeup')),
        401,
        'unauthorized',
      );
      expectError(
        await api.http('DELETE', `/admin/api-keys/${randomUUID()}`),
        404,
        'api_key_not_found',
      );
    });
  });
});
