import { ConversationStore } from '../../src/modules/memory/conversation-store.service';
import { MAX_MEMORY_VALUE_BYTES } from '../../src/modules/memory/memory-value';
import { aMessage, aUserId, jsonValuesOfEveryKind, storedMemoryRows } from '../factories/memory';
import { expectError, HttpResult, startTestApp, TestApp } from '../setup/test-app';

describe('memory and state over HTTP', () => {
  let api: TestApp;
  /** A user with memory and state, so "nothing changed" has something to lose. */
  let seeded: string;

  beforeAll(async () => {
    api = await startTestApp();
    seeded = aUserId('seeded');
    await api.app.get(ConversationStore).append(aMessage(seeded));
    expect((await put(seeded, 'name', { value: 'Mia' })).status).toBe(200);
  });
  afterAll(() => api.close());

  const memoryPath = (userId: string, key?: string) =>
    `/admin/memory/${encodeURIComponent(userId)}${key === undefined ? '' : `/${encodeURIComponent(key)}`}`;
  const statePath = (userId: string, query = '') =>
    `/admin/state/${encodeURIComponent(userId)}${query}`;
  const put = (userId: string, key: string, body: unknown) =>
    api.http('PUT', memoryPath(userId, key), body);
  const fieldNames = (error: { details: { fields: Array<{ field: string }> } }): string[] =>
    error.details.fields.map((problem) => problem.field);

  /** Sends a request that must fail with the error shape and leave every stored row as it was. */
  async function rejected(
    status: number,
    code: string,
    request: () => Promise<HttpResult>,
  ): Promise<any> {
    const before = await storedMemoryRows(api);
    const error = expectError(await request(), status, code);
    expect(await storedMemoryRows(api)).toEqual(before);
    return error;
  }

  describe('GET /admin/memory/{user_id}', () => {
    it('is an empty object for a user with no memory', async () => {
      const userId = aUserId();
      const result = await api.http('GET', memoryPath(userId));
      expect(result.status).toBe(200);
      expect(result.body).toEqual({ user_id: userId, memory: {} });
    });

    it('rejects a bad user_id with 422 naming it', async () => {
      for (const userId of ['has space', 'ünïcode', 'a/b']) {
        const error = await rejected(422, 'validation_failed', () =>
          api.http('GET', memoryPath(userId)),
        );
        expect(fieldNames(error)).toEqual(['user_id']);
      }
    });
  });

  describe('PUT /admin/memory/{user_id}/{key}', () => {
    it('round-trips JSON values of every kind exactly', async () => {
      const userId = aUserId();
      const values = jsonValuesOfEveryKind();
      for (const [key, value] of Object.entries(values)) {
        const result = await put(userId, key, { value });
        expect(result.status).toBe(200);
        expect(result.body).toEqual({
          user_id: userId,
          key,
          memory_id: expect.any(Number),
          value,
          updated_at: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/),
        });
        const single = await api.http('GET', memoryPath(userId, key));
        expect(single.body).toEqual(result.body);
      }
      const all = await api.http('GET', memoryPath(userId));
      expect(all.body).toEqual({ user_id: userId, memory: values });
      // Byte for byte too: no key reordering surprises within a value, no lost unicode.
      expect(JSON.stringify(all.body.memory.unicode)).toBe(JSON.stringify(values.unicode));
    });

    it('replaces a value in place: same memory_id, new value', async () => {
      const userId = aUserId();
      const first = await put(userId, 'mood', { value: 'calm' });
      const second = await put(userId, 'mood', { value: { level: 3 } });
      expect(second.status).toBe(200);
      expect(second.body.memory_id).toBe(first.body.memory_id);
      expect(Date.parse(second.body.updated_at)).toBeGreaterThanOrEqual(
        Date.parse(first.body.updated_at),
      );
      expect((await api.http('GET', memoryPath(userId))).body.memory).toEqual({
        mood: { level: 3 },
      });
    });

    it('accepts keys starting with __ and the edges of the charset', async () => {
      const userId = aUserId('a.b_c:d@e');
      for (const key of ['__onboarding', 'a.b:c-d_e', '9']) {
        expect((await put(userId, key, { value: 1 })).status).toBe(200);
      }
      expect(Object.keys((await api.http('GET', memoryPath(userId))).body.memory)).toEqual([
        '9',
        '__onboarding',
        'a.b:c-d_e',
      ]);
    });

    it('requires value, naming it', async () => {
      const error = await rejected(422, 'validation_failed', () => put(seeded, 'name', {}));
      expect(fieldNames(error)).toEqual(['value']);
      const noBody = await rejected(422, 'validation_failed', () =>
        api.http('PUT', memoryPath(seeded, 'name')),
      );
      expect(fieldNames(noBody)).toEqual(['value']);
    });

    it('rejects unknown fields, naming each', async () => {
      const error = await rejected(422, 'validation_failed', () =>
        put(seeded, 'name', { value: 'Zoë', user_id: 'someone-else', extra: true }),
      );
      expect(fieldNames(error)).toEqual(['user_id', 'extra']);
    });

    it('rejects a body that is not an object', async () => {
      for (const body of [['value'], 'text', 7]) {
        const error = await rejected(422, 'validation_failed', () =>
          put(seeded, 'name', JSON.stringify(body)),
        );
        expect(fieldNames(error)).toEqual(['body']);
      }
    });

    it('answers malformed JSON with 400 malformed_json', async () => {
      await rejected(400, 'malformed_json', () => put(seeded, 'name', '{"value": '));
      // A prototype-poisoning key is refused by the JSON parser itself.
      await rejected(400, 'malformed_json', () =>
        put(seeded, 'name', '{"value": {"__proto__": {"admin": true}}}'),
      );
    });

    it('rejects bad user ids and keys, naming each', async () => {
      const cases: Array<[string, string, string[]]> = [
        ['has space', 'name', ['user_id']],
        [seeded, '-dash', ['key']],
        [seeded, '__proto__', ['key']],
        [seeded, 'constructor', ['key']],
        [seeded, 'with space', ['key']],
        ['bad/id', 'bad key', ['key', 'user_id']],
      ];
      for (const [userId, key, fields] of cases) {
        const error = await rejected(422, 'validation_failed', () =>
          put(userId, key, { value: 1 }),
        );
        expect(fieldNames(error).sort()).toEqual(fields);
      }
    });

    it('rejects values too large, too deep or not storable, naming value', async () => {
      const tooDeep = JSON.parse(`${'['.repeat(40)}1${']'.repeat(40)}`);
      for (const value of ['x'.repeat(MAX_MEMORY_VALUE_BYTES), tooDeep, { text: 'nul\u0000' }]) {
        const error = await rejected(422, 'validation_failed', () =>
          put(seeded, 'name', { value }),
        );
        expect(fieldNames(error)).toEqual(['value']);
      }
    });
  });

  describe('GET /admin/memory/{user_id}/{key}', () => {
    it('answers 404 memory_key_not_found for a missing key', async () => {
      const error = await rejected(404, 'memory_key_not_found', () =>
        api.http('GET', memoryPath(seeded, 'missing')),
      );
      expect(error.details).toEqual({ user_id: seeded, key: 'missing' });
    });

    it('rejects a bad key with 422', async () => {
      const error = await rejected(422, 'validation_failed', () =>
        api.http('GET', memoryPath(seeded, 'prototype')),
      );
      expect(fieldNames(error)).toEqual(['key']);
    });
  });

  describe('DELETE /admin/memory/{user_id}/{key}', () => {
    it('forgets one key, then answers 404 for it', async () => {
      const userId = aUserId();
      await put(userId, 'a', { value: 1 });
      await put(userId, 'b', { value: 2 });
      const result = await api.http('DELETE', memoryPath(userId, 'a'));
      expect(result.status).toBe(200);
      expect(result.body).toEqual({ user_id: userId, key: 'a', deleted: true });
      expect((await api.http('GET', memoryPath(userId))).body.memory).toEqual({ b: 2 });
      await rejected(404, 'memory_key_not_found', () =>
        api.http('DELETE', memoryPath(userId, 'a')),
      );
    });

    it('rejects a bad user_id with 422', async () => {
      const error = await rejected(422, 'validation_failed', () =>
        api.http('DELETE', memoryPath('no spaces please', 'name')),
      );
      expect(fieldNames(error)).toEqual(['user_id']);
    });
  });

  describe('DELETE /admin/memory/{user_id}', () => {
    it("forgets all of one user's keys and no one else's", async () => {
      const userId = aUserId();
      await put(userId, 'a', { value: 1 });
      await put(userId, 'b', { value: null });
      const result = await api.http('DELETE', memoryPath(userId));
      expect(result.status).toBe(200);
      expect(result.body).toEqual({ user_id: userId, deleted_count: 2 });
      expect((await api.http('GET', memoryPath(userId))).body.memory).toEqual({});
      expect((await api.http('GET', memoryPath(seeded))).body.memory).toEqual({ name: 'Mia' });
      expect((await api.http('DELETE', memoryPath(userId))).body.deleted_count).toBe(0);
    });

    it('rejects a bad user_id with 422', async () => {
      await rejected(422, 'validation_failed', () => api.http('DELETE', memoryPath('x:y z')));
    });
  });

  describe('GET /admin/state/{user_id}', () => {
    it('answers 404 state_not_found for a user never seen', async () => {
      const userId = aUserId();
      const error = await rejected(404, 'state_not_found', () =>
        api.http('GET', statePath(userId)),
      );
      expect(error.details).toEqual({ user_id: userId });
    });

    it('shows mode and activity of a user who chatted', async () => {
      const result = await api.http('GET', statePath(seeded));
      expect(result.status).toBe(200);
      expect(result.body).toEqual({
        user_id: seeded,
        mode: 'active',
        updated_at: expect.any(String),
        reason: null,
        operator: null,
        first_seen: expect.any(String),
        last_activity: expect.any(String),
        message_count: 1,
      });
    });

    it('rejects a bad user_id with 422', async () => {
      const error = await rejected(422, 'validation_failed', () =>
        api.http('GET', statePath('bad id')),
      );
      expect(fieldNames(error)).toEqual(['user_id']);
    });
  });

  describe('PUT /admin/state/{user_id}', () => {
    it('sets a label from the query, keeping activity, and shows it on GET', async () => {
      const userId = aUserId();
      await api.app.get(ConversationStore).append(aMessage(userId));
      const result = await api.http(
        'PUT',
        statePath(userId, '?mode=learning&reason=Onboarding%20week&operator=ann'),
      );
      expect(result.status).toBe(200);
      expect(result.body).toMatchObject({
        user_id: userId,
        mode: 'learning',
        reason: 'Onboarding week',
        operator: 'ann',
        message_count: 1,
      });
      expect((await api.http('GET', statePath(userId))).body).toEqual(result.body);
    });

    it('creates a user never seen, and takes fields from a JSON body', async () => {
      const userId = aUserId();
      const result = await api.http('PUT', statePath(userId), {
        mode: 'halted',
        reason: 'Spam',
        operator: 'bob',
      });
      expect(result.status).toBe(200);
      expect(result.body).toMatchObject({
        user_id: userId,
        mode: 'halted',
        reason: 'Spam',
        operator: 'bob',
        message_count: 0,
      });
    });

    it('clears reason and operator when a new mode comes without them', async () => {
      const userId = aUserId();
      await api.http('PUT', statePath(userId, '?mode=halted&reason=spam&operator=bob'));
      const result = await api.http('PUT', statePath(userId, '?mode=active'), { mode: 'active' });
      expect(result.status).toBe(200);
      expect(result.body).toMatchObject({ mode: 'active', reason: null, operator: null });
    });

    it('requires a valid mode, naming it', async () => {
      const queries = ['', '?mode=', '?mode=Halted', `?mode=${'m'.repeat(33)}`, '?mode=a%20b'];
      for (const query of queries) {
        const error = await rejected(422, 'validation_failed', () =>
          api.http('PUT', statePath(seeded, query)),
        );
        expect(fieldNames(error)).toEqual(['mode']);
      }
      const inBody = await rejected(422, 'validation_failed', () =>
        api.http('PUT', statePath(seeded), { mode: 42 }),
      );
      expect(fieldNames(inBody)).toEqual(['mode']);
    });

    it('rejects a mode that differs between query and body', async () => {
      const error = await rejected(422, 'validation_failed', () =>
        api.http('PUT', statePath(seeded, '?mode=active'), { mode: 'halted' }),
      );
      expect(fieldNames(error)).toEqual(['mode']);
    });

    it('rejects unknown fields, empty reasons and bad user ids', async () => {
      const cases: Array<[() => Promise<HttpResult>, string[]]> = [
        [() => api.http('PUT', statePath(seeded, '?mode=active&until=tomorrow')), ['until']],
        [() => api.http('PUT', statePath(seeded, '?mode=active'), { note: 'x' }), ['note']],
        [() => api.http('PUT', statePath(seeded, '?mode=active&reason=')), ['reason']],
        [() => api.http('PUT', statePath(seeded), { mode: 'active', operator: '' }), ['operator']],
        [() => api.http('PUT', statePath('bad id', '?mode=active')), ['user_id']],
      ];
      for (const [request, fields] of cases) {
        const error = await rejected(422, 'validation_failed', request);
        expect(fieldNames(error)).toEqual(fields);
      }
    });

    it('answers malformed JSON with 400 malformed_json', async () => {
      await rejected(400, 'malformed_json', () =>
        api.http('PUT', statePath(seeded), '{"mode": "halted"', {
          'content-type': 'application/json',
        }),
      );
    });
  });

  // Fastify's default maxParamLength (100) would answer 414 here; app-factory raises it.
  it('serves the longest user id and key, and refuses one character more', async () => {
    const userId = `${aUserId()}-`.padEnd(128, 'x');
    const key = 'k'.repeat(128);
    expect((await put(userId, key, { value: 1 })).status).toBe(200);
    expect((await api.http('GET', memoryPath(userId))).body.memory).toEqual({ [key]: 1 });
    const longId = await rejected(422, 'validation_failed', () =>
      api.http('GET', memoryPath(`${userId}x`)),
    );
    expect(fieldNames(longId)).toEqual(['user_id']);
    const longKey = await rejected(422, 'validation_failed', () =>
      put(userId, `${key}k`, { value: 1 }),
    );
    expect(fieldNames(longKey)).toEqual(['key']);
  });

  it('documents every route in the OpenAPI document', async () => {
    const document = (await api.http('GET', '/docs-json')).body;
    const operations = (path: string) =>
      Object.values(document.paths[path] as Record<string, { operationId: string }>).map(
        (operation) => operation.operationId,
      );
    expect(operations('/admin/memory/{user_id}')).toEqual(['getUserMemory', 'clearUserMemory']);
    expect(operations('/admin/memory/{user_id}/{key}')).toEqual([
      'getUserMemoryKey',
      'setUserMemory',
      'deleteUserMemoryKey',
    ]);
    expect(operations('/admin/state/{user_id}')).toEqual(['getUserState', 'setUserState']);
    expect(document.components.schemas.SetMemoryValueDto.required).toEqual(['value']);
  });
});
