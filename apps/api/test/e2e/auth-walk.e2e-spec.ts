import { randomUUID } from 'node:crypto';
import type { OpenAPIObject } from '@nestjs/swagger';
import { buildOpenApiDocument } from '../../src/openapi';
import { createApiKey, createOperator, TestApiKey, TestOperator } from '../factories/auth';
import { expectError, startTestApp, TestApp } from '../setup/test-app';

interface Operation {
  method: string;
  path: string;
  url: string;
  security: Array<Record<string, string[]>>;
}

const PARAM_VALUES: Record<string, string> = { version: '1', template_id: '1', config_id: '1' };

/** Every operation of the document with its path parameters filled in. */
function operationsOf(document: OpenAPIObject): Operation[] {
  return Object.entries(document.paths).flatMap(([path, item]) =>
    Object.entries(item)
      .filter(([method]) => ['get', 'post', 'put', 'patch', 'delete'].includes(method))
      .map(([method, operation]) => ({
        method: method.toUpperCase(),
        path,
        url: path.replace(/\{(\w+)\}/g, (_all, name: string) =>
          name.endsWith('_id') && !(name in PARAM_VALUES) && name !== 'user_id'
            ? randomUUID()
            : (PARAM_VALUES[name] ?? 'walk-user'),
        ),
        security: (operation as { security: Array<Record<string, string[]>> }).security,
      })),
  );
}

// Many requests and several password hashes per test on a shared, busy machine.
jest.setTimeout(30_000);

describe('every operation in the OpenAPI document is protected as documented', () => {
  let api: TestApp;
  let operations: Operation[];
  let viewer: TestOperator;
  let operator: TestOperator;
  let chatKey: TestApiKey;

  const isPublic = (op: Operation) => op.security.length === 0;
  const call = (op: Operation, headers: Record<string, string>) =>
    api.anonymous(
      op.method,
      op.url,
      op.method === 'GET' || op.method === 'DELETE' ? undefined : {},
      headers,
    );

  beforeAll(async () => {
    api = await startTestApp({ CHAT_AUTH: 'token', CHAT_TOKEN_SECRET: 'c'.repeat(32) });
    operations = operationsOf(buildOpenApiDocument(api.app));
    viewer = await createOperator(api, 'viewer');
    operator = await createOperator(api, 'operator');
    chatKey = await createApiKey(api, ['chat']);
  });
  afterAll(() => api.close());

  it('documents only health and login as public', () => {
    expect(operations.length).toBeGreaterThan(50);
    expect(
      operations
        .filter(isPublic)
        .map((op) => `${op.method} ${op.path}`)
        .sort(),
    ).toEqual(['GET /health', 'GET /health/ready', 'POST /auth/login']);
  });

  it('answers 401 unauthorized without credentials everywhere else', async () => {
    const open: string[] = [];
    for (const op of operations.filter((op) => !isPublic(op))) {
      const result = await call(op, {});
      if (result.status !== 401) open.push(`${op.method} ${op.path} → ${result.status}`);
      else expectError(result, 401, 'unauthorized');
    }
    expect(open).toEqual([]);
  });

  it('answers 403 forbidden to a viewer on every mutation (logout aside)', async () => {
    const allowed: string[] = [];
    const mutations = operations.filter(
      (op) => op.method !== 'GET' && !isPublic(op) && op.path !== '/auth/logout',
    );
    expect(mutations.length).toBeGreaterThan(25);
    for (const op of mutations) {
      const result = await call(op, viewer.headers);
      if (result.status !== 403) allowed.push(`${op.method} ${op.path} → ${result.status}`);
      else expectError(result, 403, 'forbidden');
    }
    expect(allowed).toEqual([]);
  });

  it('keeps operator and key management from operators, and /admin from chat keys', async () => {
    const allowed: string[] = [];
    const management = operations.filter((op) => /^\/admin\/(operators|api-keys)/.test(op.path));
    expect(management.length).toBeGreaterThanOrEqual(8);
    for (const op of management) {
      const result = await call(op, operator.headers);
      if (result.status !== 403)
        allowed.push(`operator: ${op.method} ${op.path} → ${result.status}`);
    }
    for (const op of operations.filter((op) => op.path.startsWith('/admin/'))) {
      const result = await call(op, chatKey.headers);
      if (result.status !== 403)
        allowed.push(`chat key: ${op.method} ${op.path} → ${result.status}`);
    }
    expect(allowed).toEqual([]);
  });

  it('opens /metrics only when METRICS_PUBLIC=true', async () => {
    expectError(await api.anonymous('GET', '/metrics'), 401, 'unauthorized');
    const open = await startTestApp({ METRICS_PUBLIC: 'true' }, { database: api.database });
    try {
      expect((await open.anonymous('GET', '/metrics')).status).toBe(200);
      expectError(await open.anonymous('GET', '/admin/users'), 401, 'unauthorized');
    } finally {
      await open.close();
    }
  });
});
