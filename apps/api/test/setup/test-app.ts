import 'reflect-metadata';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Logger as PinoLogger } from 'pino';
import { DataSource } from 'typeorm';
import { createApp } from '../../src/core/app-factory';
import { signToken } from '../../src/core/auth/hs256-token';
import { loadConfig } from '../../src/core/config/app-config';
import { createTestDatabase, TestDatabase } from './test-database';

export interface HttpResult<T = any> {
  status: number;
  body: T;
  headers: Headers;
  text: string;
}

export interface TestApp {
  app: NestFastifyApplication;
  baseUrl: string;
  database: TestDatabase;
  dataSource: DataSource;
  /**
   * Real HTTP to the listening app, logged in as the first admin unless `headers` carry their own
   * authorization. A non-string body is sent as JSON.
   */
  http<T = any>(
    method: string,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<HttpResult<T>>;
  /** The same without any credentials. */
  anonymous<T = any>(
    method: string,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<HttpResult<T>>;
  /** The admin's `authorization` header, for requests made without `http` (SSE, raw fetch). */
  authHeaders: Record<string, string>;
  /** Raw SQL against the app's database, to check what is stored. */
  sql<T = any>(query: string, parameters?: unknown[]): Promise<T[]>;
  close(): Promise<void>;
}

export interface TestAppOptions {
  /** Another app's database: the two behave like two instances of one deployment. */
  database?: TestDatabase;
  /** Receives the app's log lines (e.g. to check that no secret is logged). */
  logger?: PinoLogger;
  /** Log in as the first admin after start (default true). */
  login?: boolean;
}

/** The first admin's password in every test app (unless a test sets ADMIN_PASSWORD itself). */
export const TEST_ADMIN_PASSWORD = 'test-admin-password-2f8c1e';
/** Fixed so tests can craft expired or tampered tokens. */
export const TEST_JWT_SECRET = 'test-jwt-secret-0123456789abcdef0123456789';

/** The whole API on a free loopback port, on its own fresh database (or a shared one). */
export async function startTestApp(
  env: Record<string, string> = {},
  options: TestAppOptions = {},
): Promise<TestApp> {
  const ownsDatabase = options.database === undefined;
  const database = options.database ?? (await createTestDatabase());
  const config = loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    ADMIN_PASSWORD: TEST_ADMIN_PASSWORD,
    JWT_SECRET: TEST_JWT_SECRET,
    ...env,
  });
  const app = await createApp({ config, database: database.target, logger: options.logger });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.getHttpServer().address();
  if (!address || typeof address === 'string') throw new Error('test app has no TCP address');
  const baseUrl = `http://127.0.0.1:${address.port}`;
  const dataSource = app.get(DataSource);
  const authHeaders: Record<string, string> = {};
  if (options.login !== false) {
    authHeaders.authorization = `Bearer ${await adminToken(dataSource, config.jwtSecret)}`;
  }

  return {
    app,
    baseUrl,
    database,
    dataSource,
    authHeaders,
    http: (method, path, body, headers = {}) => {
      const own = Object.keys(headers).some((name) => name.toLowerCase() === 'authorization');
      return httpRequest(
        baseUrl,
        method,
        path,
        body,
        own ? headers : { ...authHeaders, ...headers },
      );
    },
    anonymous: (method, path, body, headers = {}) =>
      httpRequest(baseUrl, method, path, body, headers),
    sql: (query, parameters) => dataSource.query(query, parameters),
    close: async () => {
      await app.close();
      if (ownsDatabase) await database.drop();
    },
  };
}

/**
 * A token for the first admin, signed like a login would (the login itself, with its password
 * hash check, is tested in auth.e2e-spec; skipping it keeps app starts quick on a busy machine).
 */
async function adminToken(dataSource: DataSource, secret: string): Promise<string> {
  const [admin] = await dataSource.query<Array<{ id: string; token_version: number }>>(
    "SELECT id, token_version FROM operators WHERE username = 'admin'",
  );
  if (!admin) throw new Error('the first admin was not created');
  const iat = Math.floor(Date.now() / 1000);
  return signToken(
    { typ: 'operator', sub: admin.id, ver: admin.token_version, iat, exp: iat + 3600 },
    secret,
  );
}

/** Logs in and returns the access token. */
export async function loginAs(
  baseUrl: string,
  username: string,
  password: string,
): Promise<string> {
  const result = await httpRequest<{ access_token: string }>(baseUrl, 'POST', '/auth/login', {
    username,
    password,
  });
  if (result.status !== 200) throw new Error(`login as ${username} failed: ${result.text}`);
  return result.body.access_token;
}

export async function httpRequest<T = any>(
  baseUrl: string,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<HttpResult<T>> {
  const init: RequestInit = { method, headers: { ...headers } };
  if (body !== undefined) {
    init.body = typeof body === 'string' ? body : JSON.stringify(body);
    init.headers = { 'content-type': 'application/json', ...headers };
  }
  const response = await fetch(`${baseUrl}${path}`, init);
  const text = await response.text();
  let parsed: unknown = text;
  if (response.headers.get('content-type')?.includes('json') && text) parsed = JSON.parse(text);
  return { status: response.status, body: parsed as T, headers: response.headers, text };
}

/** Asserts the documented error shape and returns the body for further checks. */
export function expectError(result: HttpResult, status: number, code: string): any {
  expect({ status: result.status, code: result.body?.code }).toEqual({ status, code });
  expect(result.body).toEqual(
    expect.objectContaining({
      statusCode: status,
      code,
      message: expect.any(String),
      detail: result.body.message,
      details: expect.any(Object),
      requestId: expect.any(String),
    }),
  );
  expect(JSON.stringify(result.body)).not.toMatch(
    /at .+\.(js|ts):\d+|SELECT |INSERT |QueryFailedError/,
  );
  return result.body;
}
