import { ConversationStore } from '../../src/modules/memory/conversation-store.service';
import { aMessage, aUserId } from '../factories/memory';
import { expectError, startTestApp, TestApp } from '../setup/test-app';

describe('interventions and the monitor over HTTP', () => {
  let api: TestApp;
  let conversations: ConversationStore;

  beforeAll(async () => {
    api = await startTestApp();
    conversations = api.app.get(ConversationStore);
  });
  afterAll(() => api.close());

  const stored = async () => ({
    state: await api.sql('SELECT * FROM user_state ORDER BY user_id'),
    interventions: await api.sql('SELECT * FROM interventions ORDER BY id'),
    messages: await api.sql('SELECT * FROM conversation_history ORDER BY id'),
  });
  const halt = (userId: string, body: unknown) =>
    api.http('POST', `/admin/interventions/${userId}/halt`, body);

  describe('halt and resume', () => {
    it('halts a user, logs it, and shows it in the state and the interventions list', async () => {
      const userId = aUserId();
      await conversations.append(aMessage(userId));
      const halted = await halt(userId, { operator: 'alice', reason: 'Reviewing a report' });
      expect(halted.status).toBe(200);
      expect(halted.body).toEqual({
        user_id: userId,
        status: 'halted',
        operator: 'alice',
        reason: 'Reviewing a report',
        halted_at: expect.any(String),
        intervention_id: expect.any(Number),
      });
      const state = await api.http('GET', `/admin/state/${userId}`);
      expect(state.body).toMatchObject({
        mode: 'halted',
        operator: 'alice',
        reason: 'Reviewing a report',
      });

      const list = await api.http('GET', '/admin/interventions');
      expect(list.body.halted_users).toContainEqual({
        user_id: userId,
        reason: 'Reviewing a report',
        operator: 'alice',
        halted_at: halted.body.halted_at,
      });
      expect(list.body.count).toBe(list.body.halted_users.length);
      expect(list.body.recent[0]).toMatchObject({
        user_id: userId,
        kind: 'halt',
        operator: 'alice',
      });
    });

    it('halts a user never seen (pre-emptively)', async () => {
      const userId = aUserId('fresh');
      expect((await halt(userId, { operator: 'bob', reason: 'Known abuser' })).status).toBe(200);
      expect((await api.http('GET', `/admin/state/${userId}`)).body.mode).toBe('halted');
    });

    it('resumes a halted user and refuses to resume one that is not halted', async () => {
      const userId = aUserId();
      await halt(userId, { operator: 'alice', reason: 'r' });
      const resumed = await api.http(
        'POST',
        `/admin/interventions/${userId}/resume?operator=carol`,
      );
      expect(resumed.status).toBe(200);
      expect(resumed.body).toEqual({
        user_id: userId,
        status: 'active',
        operator: 'carol',
        intervention_id: expect.any(Number),
      });
      expect((await api.http('GET', `/admin/state/${userId}`)).body).toMatchObject({
        mode: 'active',
        operator: 'carol',
      });

      const before = await stored();
      const again = await api.http('POST', `/admin/interventions/${userId}/resume`);
      expect(expectError(again, 400, 'not_halted').details).toMatchObject({
        user_id: userId,
        mode: 'active',
      });
      expect(await stored()).toEqual(before);
    });

    it('lets exactly one of two concurrent resumes win', async () => {
      const userId = aUserId();
      await halt(userId, { operator: 'alice', reason: 'r' });
      const results = await Promise.all(
        [1, 2].map(() => api.http('POST', `/admin/interventions/${userId}/resume`)),
      );
      expect(results.map((result) => result.status).sort()).toEqual([200, 400]);
      const resumes = await api.sql(
        `SELECT * FROM interventions WHERE user_id = $1 AND kind = 'resume'`,
        [userId],
      );
      expect(resumes).toHaveLength(1);
    });

    it.each([
      ['no body', undefined],
      ['missing reason', { operator: 'alice' }],
      ['missing operator', { reason: 'r' }],
      ['empty operator', { operator: '  ', reason: 'r' }],
      ['empty reason', { operator: 'alice', reason: '' }],
      ['unknown field', { operator: 'alice', reason: 'r', extra: 1 }],
      ['wrong type', { operator: 7, reason: 'r' }],
    ])('rejects a halt with %s (422) and stores nothing', async (_name, body) => {
      const userId = aUserId();
      const before = await stored();
      const result = await halt(userId, body);
      expect(expectError(result, 422, 'validation_failed').details.fields.length).toBeGreaterThan(
        0,
      );
      expect(await stored()).toEqual(before);
    });

    it('rejects malformed JSON (400) and a bad user id (422)', async () => {
      const before = await stored();
      expectError(await halt(aUserId(), '{"operator": "a",'), 400, 'malformed_json');
      const bad = await halt('bad user!', { operator: 'a', reason: 'r' });
      expect(expectError(bad, 422, 'validation_failed').details.fields[0].field).toBe('user_id');
      expect(await stored()).toEqual(before);
    });

    it('treats PUT /admin/state?mode=halted as a halt and leaving it as a resume', async () => {
      const userId = aUserId();
      const set = await api.http(
        'PUT',
        `/admin/state/${userId}?mode=halted&operator=dan&reason=spam`,
      );
      expect(set.status).toBe(200);
      expect(set.body).toMatchObject({ mode: 'halted', operator: 'dan', reason: 'spam' });
      await api.http('PUT', `/admin/state/${userId}?mode=learning&operator=dan`);
      const kinds = await api.sql(`SELECT kind FROM interventions WHERE user_id = $1 ORDER BY id`, [
        userId,
      ]);
      expect(kinds.map((row: { kind: string }) => row.kind)).toEqual(['halt', 'resume']);
      expect((await api.http('GET', `/admin/state/${userId}`)).body.mode).toBe('learning');
    });
  });

  describe('inject', () => {
    it('stores a system note the user does not see, prefixed with the operator', async () => {
      const userId = aUserId();
      const result = await api.http('POST', `/admin/interventions/${userId}/inject`, {
        operator: 'alice',
        content: 'Be gentle.',
      });
      expect(result.status).toBe(200);
      expect(result.body).toMatchObject({
        user_id: userId,
        message_id: expect.any(Number),
        operator: 'alice',
        role: 'system',
        content: '[Operator: alice] Be gentle.',
      });
      const [row] = await api.sql('SELECT * FROM conversation_history WHERE id = $1', [
        result.body.message_id,
      ]);
      expect(row).toMatchObject({
        role: 'system',
        source: 'operator',
        operator: 'alice',
        visible_to_user: false,
        content: '[Operator: alice] Be gentle.',
      });
      const [intervention] = await api.sql(`SELECT * FROM interventions WHERE user_id = $1`, [
        userId,
      ]);
      expect(intervention).toMatchObject({
        kind: 'inject',
        role: 'system',
        content: 'Be gentle.',
        message_id: result.body.message_id,
      });
    });

    it('stores an assistant message as-is, visible to the user (operator takeover)', async () => {
      const userId = aUserId();
      const result = await api.http('POST', `/admin/interventions/${userId}/inject`, {
        operator: 'alice',
        content: 'Hi, a human here.',
        role: 'assistant',
      });
      expect(result.body.content).toBe('Hi, a human here.');
      const [row] = await api.sql('SELECT * FROM conversation_history WHERE id = $1', [
        result.body.message_id,
      ]);
      expect(row).toMatchObject({ role: 'assistant', source: 'operator', visible_to_user: true });
    });

    it.each([
      ['missing content', { operator: 'alice' }],
      ['empty content', { operator: 'alice', content: '' }],
      ['a user role', { operator: 'alice', content: 'x', role: 'user' }],
      ['too long content', { operator: 'alice', content: 'x'.repeat(8001) }],
    ])('rejects %s (422) and stores nothing', async (_name, body) => {
      const before = await stored();
      expectError(
        await api.http('POST', `/admin/interventions/${aUserId()}/inject`, body),
        422,
        'validation_failed',
      );
      expect(await stored()).toEqual(before);
    });
  });

  describe('monitor', () => {
    it('lists users with their counts and modes, filtered and paginated', async () => {
      const label = `mon${process.pid}x`;
      const users = [aUserId(label), aUserId(label), aUserId(label)];
      for (const userId of users) await conversations.append(aMessage(userId));
      await conversations.append(aMessage(users[0]!));
      await halt(users[1]!, { operator: 'alice', reason: 'r' });

      const all = await api.http('GET', `/admin/users?search=${label}`);
      expect(all.body.count).toBe(3);
      const first = all.body.users.find((user: { user_id: string }) => user.user_id === users[0]);
      expect(first).toMatchObject({
        message_count: 2,
        state: 'active',
        last_activity: expect.any(String),
      });

      const halted = await api.http('GET', `/admin/users?search=${label}&mode=halted`);
      expect(halted.body.users.map((user: { user_id: string }) => user.user_id)).toEqual([
        users[1],
      ]);

      const pageOne = await api.http('GET', `/admin/users?search=${label}&limit=2`);
      const pageTwo = await api.http(
        'GET',
        `/admin/users?search=${label}&limit=2&cursor=${pageOne.body.next_cursor}`,
      );
      const seen = [...pageOne.body.users, ...pageTwo.body.users].map(
        (user: { user_id: string }) => user.user_id,
      );
      expect(seen.sort()).toEqual([...users].sort());
      expect(pageTwo.body.next_cursor).toBeNull();
    });

    it('shows the whole conversation to operators, hidden notes included', async () => {
      const userId = aUserId();
      await conversations.append(aMessage(userId, { content: 'hello' }));
      await api.http('POST', `/admin/interventions/${userId}/inject`, {
        operator: 'alice',
        content: 'note',
      });
      await conversations.append(
        aMessage(userId, {
          role: 'assistant',
          source: 'llm',
          content: 'hi!',
          templateName: 'luna',
          templateVersion: 2,
        }),
      );
      const result = await api.http('GET', `/admin/conversations/${userId}`);
      expect(result.status).toBe(200);
      expect(result.body).toMatchObject({
        user_id: userId,
        state: 'active',
        message_count: 3,
        total_count: 3,
      });
      expect(result.body.messages.map((message: { role: string }) => message.role)).toEqual([
        'user',
        'system',
        'assistant',
      ]);
      expect(result.body.messages[1]).toMatchObject({
        source: 'operator',
        operator: 'alice',
        visible_to_user: false,
      });
      expect(result.body.messages[2]).toMatchObject({
        template_name: 'luna',
        template_version: 2,
        source: 'llm',
      });
    });

    it('answers 404 for a user never seen and 422 for bad queries', async () => {
      expectError(
        await api.http('GET', `/admin/conversations/${aUserId('ghost')}`),
        404,
        'user_not_found',
      );
      expectError(await api.http('GET', '/admin/users?limit=0'), 422, 'validation_failed');
      expectError(await api.http('GET', '/admin/users?limit=201'), 422, 'validation_failed');
      expectError(await api.http('GET', '/admin/users?mode=HALTED'), 422, 'validation_failed');
      expectError(
        await api.http('GET', '/admin/interventions?kind=explode'),
        422,
        'validation_failed',
      );
    });
  });
});
