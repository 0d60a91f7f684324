import { Writable } from 'node:stream';
import { RunningStubServer } from '@promptdev/llm-stub';
import { createRootLogger } from '../../src/core/logging/logger';
import { bearer, createApiKey, createOperator } from '../factories/auth';
import { aUserId } from '../factories/memory';
import { createTemplate } from '../factories/templates';
import { QUICK_LLM_ENV, startLlmStub } from '../setup/llm-stub';
import { createTestDatabase } from '../setup/test-database';
import { loginAs, startTestApp, TEST_ADMIN_PASSWORD, TEST_JWT_SECRET } from '../setup/test-app';

/** A logger at debug level whose lines a test can read. */
function capturedLogs() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
  return { lines, logger: createRootLogger('debug', stream) };
}

const GENERATED = /generated password (\S+) /;
// Each test starts several apps (and hashes passwords) on a shared, busy machine.
jest.setTimeout(30_000);

describe('first start', () => {
  it('creates admin with ADMIN_PASSWORD, once', async () => {
    const logs = capturedLogs();
    const api = await startTestApp(
      { ADMIN_PASSWORD: 'my-own-admin-password' },
      { logger: logs.logger },
    );
    try {
      expect(await api.sql('SELECT username, role FROM operators')).toEqual([
        { username: 'admin', role: 'admin' },
      ]);
      await loginAs(api.baseUrl, 'admin', 'my-own-admin-password');
      expect(logs.lines.filter((line) => line.includes('Created the first operator'))).toHaveLength(
        1,
      );
      expect(logs.lines.join('\n')).not.toContain('my-own-admin-password');
      // A restart finds the admin and creates nothing.
      const again = await startTestApp(
        { ADMIN_PASSWORD: 'other-password-here' },
        { database: api.database, login: false },
      );
      await again.close();
      expect(await api.sql('SELECT count(*)::int AS n FROM operators')).toEqual([{ n: 1 }]);
    } finally {
      await api.close();
    }
  });

  it('without ADMIN_PASSWORD prints a generated password once, even when two instances race', async () => {
    const database = await createTestDatabase();
    const logs = [capturedLogs(), capturedLogs()];
    try {
      const apps = await Promise.all(
        logs.map((log) =>
          startTestApp({ ADMIN_PASSWORD: '' }, { database, logger: log.logger, login: false }),
        ),
      );
      const printed = logs.flatMap((log) => log.lines).filter((line) => GENERATED.test(line));
      expect(printed).toHaveLength(1);
      expect(JSON.parse(printed[0]!).level).toBe(40);
      const password = GENERATED.exec(printed[0]!)![1]!;
      expect(password.length).toBeGreaterThanOrEqual(20);
      expect(await apps[0]!.sql('SELECT count(*)::int AS n FROM operators')).toEqual([{ n: 1 }]);
      for (const app of apps) await loginAs(app.baseUrl, 'admin', password);
      await Promise.all(apps.map((app) => app.close()));
    } finally {
      await database.drop();
    }
  });
});

describe('no secret in any log line', () => {
  let stub: RunningStubServer;
  beforeAll(async () => (stub = await startLlmStub()));
  afterAll(() => stub.close());

  it('keeps passwords, secrets, tokens and API keys out of the logs of a whole session', async () => {
    const chatSecret = 'chat-secret-that-must-not-leak-0123456789';
    const logs = capturedLogs();
    const api = await startTestApp(
      {
        LLM_BASE_URL: stub.url,
        ...QUICK_LLM_ENV,
        CHAT_AUTH: 'token',
        CHAT_TOKEN_SECRET: chatSecret,
      },
      { logger: logs.logger },
    );
    const secrets = [
      TEST_ADMIN_PASSWORD,
      TEST_JWT_SECRET,
      chatSecret,
      api.authHeaders.authorization!.slice(7),
    ];
    try {
      await createTemplate(api);
      const operator = await createOperator(api, 'operator');
      const key = await createApiKey(api, ['chat']);
      await api.http('PUT', `/admin/operators/${operator.id}/password`, {
        password: 'a-new-password-123',
      });
      const wrongLogin = await api.anonymous('POST', '/auth/login', {
        username: 'admin',
        password: 'guess-1234',
      });
      const minted = await api.http('POST', '/chat/tokens', { user_id: aUserId() }, key.headers);
      await api.http('POST', '/chat', { message: 'hello' }, bearer(minted.body.token));
      await api.http('GET', '/chat/history', undefined, {
        cookie: `promptdev_session=${operator.token}`,
      });
      await api.http('GET', `/chat/history?user_id=someone`, undefined, bearer(minted.body.token));
      await api.http('GET', '/admin/users', undefined, bearer(`${key.key}x`));
      // Credentials in a query string: the request line (and the error line) drop their values.
      const inQuery = `token=${minted.body.token}&access_token=${operator.token}&api_key=${key.key}`;
      await api.anonymous('GET', `/app/chat?${inQuery}&theme=dark`);
      await api.anonymous('GET', `/admin/templates?${inQuery}&password=${operator.password}`);
      secrets.push(
        operator.password,
        operator.token,
        key.key,
        minted.body.token,
        'a-new-password-123',
        'guess-1234',
      );
      expect(wrongLogin.status).toBe(401);
    } finally {
      await api.close();
    }
    expect(logs.lines.length).toBeGreaterThan(10);
    const all = logs.lines.join('\n');
    expect(all).toContain('/app/chat?token=[redacted]&access_token=[redacted]');
    expect(all).toContain('api_key=[redacted]&theme=dark');
    expect(all).toContain('&password=[redacted]');
    for (const secret of secrets) expect(all).not.toContain(secret);
    // Tokens leak in pieces too (e.g. a signature alone).
    for (const secret of secrets.filter((s) => s.includes('.'))) {
      for (const part of secret.split('.')) expect(all).not.toContain(part);
    }
  });
});
