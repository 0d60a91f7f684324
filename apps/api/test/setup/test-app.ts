import 'reflect-metadata';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Logger as PinoLogger } from 'pino';
import { DataSource } from 'typeorm';
import { createApp } from '../../src/core/app-factory';
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
  /** Real HTTP to the listening app. A non-string body is sent as JSON. */
  http<T = any>(
    method: string,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<HttpResult<T>>;
  /** Raw SQL against the app's database, to check what is stored. */
  sql<T = any>(query: string, parameters?: unknown[]): Promise<T[]>;
  close(): Promise<void>;
}

export interface TestAppOptions {
  /** Another app's database: the two behave like two instances of one deployment. */
  database?: TestDatabase;
  /** Where the app logs (default: silent unless TEST_LOG_LEVEL is set). */
  logger?: PinoLogger;
}

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
    ...env,
  });
  const app = await createApp({ config, database: database.target, logger: options.logger });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.getHttpServer().address();
  if (!address || typeof address === 'string') throw new Error('test app has no TCP address');
  const baseUrl = `http://127.0.0.1:${address.port}`;
  const dataSource = app.get(DataSource);

  return {
    app,
    baseUrl,
    database,
    dataSource,
    http: (method, path, body, headers = {}) => httpRequest(baseUrl, method, path, body, headers),
    sql: (query, parameters) => dataSource.query(query, parameters),
    close: async () => {
      await app.close();
      if (ownsDatabase) await database.drop();
    },
  };
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
