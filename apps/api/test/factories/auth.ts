import { randomUUID } from 'node:crypto';
import type { OperatorRole, ApiKeyScope } from '../../src/core/auth/principal';
import { loginAs, TestApp } from '../setup/test-app';

export interface TestOperator {
  id: string;
  username: string;
  password: string;
  token: string;
  headers: Record<string, string>;
}

export function anOperatorName(label = 'op'): string {
  return `${label}-${randomUUID().slice(0, 8)}`;
}

/** An operator created by the admin and logged in. */
export async function createOperator(api: TestApp, role: OperatorRole): Promise<TestOperator> {
  const username = anOperatorName(role);
  const password = `pw-${randomUUID()}`;
  const created = await api.http('POST', '/admin/operators', { username, password, role });
  if (created.status !== 201) throw new Error(`creating ${role} failed: ${created.text}`);
  const token = await loginAs(api.baseUrl, username, password);
  return { id: created.body.id, username, password, token, headers: bearer(token) };
}

export interface TestApiKey {
  id: string;
  key: string;
  headers: Record<string, string>;
}

export async function createApiKey(api: TestApp, scopes: ApiKeyScope[]): Promise<TestApiKey> {
  const created = await api.http('POST', '/admin/api-keys', {
    name: `key-${scopes.join('-')}`,
    scopes,
  });
  if (created.status !== 201) throw new Error(`creating a key failed: ${created.text}`);
  return { id: created.body.id, key: created.body.key, headers: bearer(created.body.key) };
}

export function bearer(token: string): Record<string, string> {
  return { authorization: `Bearer ${token}` };
}
