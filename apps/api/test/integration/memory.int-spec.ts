import { ConversationStore } from '../../src/modules/memory/conversation-store.service';
import { HALTED_MODE } from '../../src/modules/memory/user-mode';
import { MemoryKeyNotFoundError, StateNotFoundError } from '../../src/modules/memory/memory.errors';
import { MemoryService } from '../../src/modules/memory/memory.service';
import { UserStateService } from '../../src/modules/memory/user-state.service';
import { aMessage, aUserId, jsonValuesOfEveryKind } from '../factories/memory';
import { startTestApp, TestApp } from '../setup/test-app';

describe('memory module against PostgreSQL', () => {
  let api: TestApp;
  let memory: MemoryService;
  let userState: UserStateService;
  let conversations: ConversationStore;

  beforeAll(async () => {
    api = await startTestApp();
    memory = api.app.get(MemoryService);
    userState = api.app.get(UserStateService);
    conversations = api.app.get(ConversationStore);
  });
  afterAll(() => api.close());

  async function appendMany(userId: string, count: number) {
    const stored = [];
    for (let index = 0; index < count; index += 1) {
      stored.push(await conversations.append(aMessage(userId)));
    }
    return stored;
  }

  describe('UserStateService', () => {
    it('counts 50 concurrent messages of one user exactly', async () => {
      const userId = aUserId();
      await Promise.all(Array.from({ length: 50 }, () => userState.recordMessage(userId)));
      expect((await userState.require(userId)).messageCount).toBe(50);
    });

    it('creates the user on the first message and only moves last_activity forward', async () => {
      const userId = aUserId();
      const first = await userState.recordMessage(userId, new Date('2026-01-01T10:00:00Z'));
      expect(first).toMatchObject({ userId, mode: 'active', messageCount: 1, reason: null });
      expect(first.firstSeen.toISOString()).toBe('2026-01-01T10:00:00.000Z');

      await userState.recordMessage(userId, new Date('2026-01-01T12:00:00Z'));
      const late = await userState.recordMessage(userId, new Date('2026-01-01T11:00:00Z'));
      expect(late.messageCount).toBe(3);
      expect(late.firstSeen.toISOString()).toBe('2026-01-01T10:00:00.000Z');
      expect(late.lastActivity.toISOString()).toBe('2026-01-01T12:00:00.000Z');
    });

    it('sets modes, keeps activity, and only halted halts', async () => {
      const userId = aUserId();
      expect(await userState.get(userId)).toBeNull();
      await expect(userState.require(userId)).rejects.toBeInstanceOf(StateNotFoundError);
      expect(await userState.isHalted(userId)).toBe(false);

      await userState.recordMessage(userId);
      const halted = await userState.setMode(userId, HALTED_MODE, {
        reason: 'abuse',
        operator: 'ann',
      });
      expect(halted).toMatchObject({ mode: 'halted', reason: 'abuse', operator: 'ann' });
      expect(halted.messageCount).toBe(1);
      expect(await userState.isHalted(userId)).toBe(true);

      const learning = await userState.setMode(userId, 'learning');
      expect(learning).toMatchObject({ mode: 'learning', reason: null, operator: null });
      expect(learning.updatedAt.getTime()).toBeGreaterThanOrEqual(halted.updatedAt.getTime());
      expect(await userState.isHalted(userId)).toBe(false);
    });

    it('lists users by last activity, filtered, each exactly once across pages', async () => {
      const prefix = aUserId('list');
      const ids = Array.from({ length: 7 }, (_, index) => `${prefix}-${index}`);
      // Two users share one instant, so the user id must break the tie.
      const instants = [1, 2, 3, 3, 4, 5, 6].map((hour) => new Date(Date.UTC(2026, 0, 1, hour)));
      for (const [index, userId] of ids.entries()) {
        await userState.recordMessage(userId, instants[index]);
      }
      await userState.setMode(ids[0]!, HALTED_MODE);

      const seen: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await userState.listUsers({ limit: 3, cursor, search: prefix });
        expect(page.totalCount).toBe(7);
        seen.push(...page.users.map((user) => user.userId));
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
      expect(seen).toEqual([...ids].reverse());

      const halted = await userState.listUsers({ limit: 10, search: prefix, mode: HALTED_MODE });
      expect(halted.users.map((user) => user.userId)).toEqual([ids[0]]);
      expect(halted).toMatchObject({ totalCount: 1, nextCursor: null });
    });

    it('pages users whose last activity differs by microseconds only', async () => {
      const prefix = aUserId('micro');
      const ids = [1, 2, 3].map((index) => `${prefix}-${index}`);
      for (const [index, userId] of ids.entries()) {
        await userState.recordMessage(userId);
        await api.sql('UPDATE user_state SET last_activity = $2 WHERE user_id = $1', [
          userId,
          `2026-01-01T00:00:00.00000${index + 1}Z`,
        ]);
      }
      const seen: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await userState.listUsers({ limit: 1, cursor, search: prefix });
        seen.push(...page.users.map((user) => user.userId));
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
      expect(seen).toEqual([...ids].reverse());
    });

    it('treats LIKE wildcards in the search as plain characters', async () => {
      const userId = aUserId('under_score');
      await userState.recordMessage(userId);
      await userState.recordMessage(userId.replace('_', 'X'));
      const page = await userState.listUsers({ limit: 10, search: userId });
      expect(page.users.map((user) => user.userId)).toEqual([userId]);
    });

    it('rejects a cursor it did not make', async () => {
      await expect(userState.listUsers({ limit: 5, cursor: 'bogus' })).rejects.toMatchObject({
        code: 'validation_failed',
        details: { fields: [{ field: 'cursor', errors: [expect.any(String)] }] },
      });
    });
  });

  describe('ConversationStore', () => {
    it('stores 50 concurrent appends of one user, in id order, and counts them', async () => {
      const userId = aUserId();
      const stored = await Promise.all(
        Array.from({ length: 50 }, (_, index) =>
          conversations.append(aMessage(userId, { content: `concurrent ${index}` })),
        ),
      );
      const all = await conversations.listAll(userId);
      expect(all).toHaveLength(50);
      expect(all.map((message) => message.id)).toEqual(
        stored.map((message) => message.id).sort((a, b) => a - b),
      );
      expect(new Set(all.map((message) => message.content)).size).toBe(50);
      expect(await conversations.count(userId)).toBe(50);
      expect((await userState.require(userId)).messageCount).toBe(50);
    });

    it('returns what it stored, with defaults filled in', async () => {
      const userId = aUserId();
      const stored = await conversations.append(
        aMessage(userId, {
          role: 'assistant',
          source: 'llm',
          content: 'Hi 🌊',
          templateName: 'companion',
          templateVersion: 3,
        }),
      );
      expect(stored).toMatchObject({
        id: expect.any(Number),
        userId,
        role: 'assistant',
        source: 'llm',
        content: 'Hi 🌊',
        templateName: 'companion',
        templateVersion: 3,
        operator: null,
        visibleToUser: true,
        metadata: {},
      });
      expect(stored.createdAt).toBeInstanceOf(Date);
      expect(await conversations.listAll(userId)).toEqual([stored]);
    });

    it('gives the prompt the last N messages oldest first, hidden notes included, excluded ones not', async () => {
      const userId = aUserId();
      const [first, second] = await appendMany(userId, 2);
      const note = await conversations.append(
        aMessage(userId, {
          role: 'system',
          source: 'operator',
          operator: 'ann',
          content: '[Operator: ann] be kind',
          visibleToUser: false,
        }),
      );
      await conversations.append(
        aMessage(userId, { metadata: { blocked: true, excluded_from_prompt: true } }),
      );
      const last = await conversations.append(aMessage(userId));

      const ids = (messages: Array<{ id: number }>) => messages.map((message) => message.id);
      expect(ids(await conversations.recent(userId, 10))).toEqual([
        first!.id,
        second!.id,
        note.id,
        last.id,
      ]);
      expect(ids(await conversations.recent(userId, 2))).toEqual([note.id, last.id]);
      expect(ids(await conversations.recent(userId, 10, { includeHidden: false }))).toEqual([
        first!.id,
        second!.id,
        last.id,
      ]);
      expect(await conversations.recent(userId, 0)).toEqual([]);
    });

    it('pages back through every visible message exactly once, oldest first in each page', async () => {
      const userId = aUserId();
      const stored = await appendMany(userId, 23);
      await conversations.append(aMessage(userId, { role: 'system', visibleToUser: false }));
      const visibleIds = stored.map((message) => message.id);

      const pages: number[][] = [];
      let before: string | undefined;
      do {
        const page = await conversations.page(userId, { limit: 5, before });
        expect(page.totalCount).toBe(23);
        const ids = page.messages.map((message) => message.id);
        expect(ids).toEqual([...ids].sort((a, b) => a - b));
        pages.push(ids);
        before = page.nextCursor ?? undefined;
      } while (before);

      expect(pages.map((ids) => ids.length)).toEqual([5, 5, 5, 5, 3]);
      expect(pages.reverse().flat()).toEqual(visibleIds);
    });

    it('includes hidden messages in pages when asked', async () => {
      const userId = aUserId();
      await appendMany(userId, 2);
      await conversations.append(aMessage(userId, { visibleToUser: false }));
      const page = await conversations.page(userId, { limit: 200, visibleOnly: false });
      expect(page).toMatchObject({ totalCount: 3, nextCursor: null });
      expect(page.messages).toHaveLength(3);
      expect(await conversations.count(userId, { visibleOnly: true })).toBe(2);
    });

    it('rejects a page cursor it did not make', async () => {
      await expect(
        conversations.page(aUserId(), { limit: 5, before: 'not-a-cursor' }),
      ).rejects.toMatchObject({ code: 'validation_failed' });
    });

    it('deletes only messages (and resets the count) unless memory is included', async () => {
      const userId = aUserId();
      const other = aUserId();
      await appendMany(userId, 3);
      await appendMany(other, 2);
      await memory.setKey(userId, 'name', 'Mia');
      await userState.setMode(userId, 'learning');

      expect(await conversations.deleteForUser(userId)).toBe(3);
      expect(await conversations.count(userId)).toBe(0);
      expect(await memory.getMemory(userId)).toEqual({ name: 'Mia' });
      expect(await userState.require(userId)).toMatchObject({ mode: 'learning', messageCount: 0 });
      expect(await conversations.count(other)).toBe(2);
    });

    it('deletes messages, memory and state together when memory is included', async () => {
      const userId = aUserId();
      const other = aUserId();
      await appendMany(userId, 2);
      await memory.setKey(userId, 'name', 'Mia');
      await memory.setKey(other, 'name', 'Zoë');
      await appendMany(other, 1);

      expect(await conversations.deleteForUser(userId, { includeMemory: true })).toBe(2);
      expect(await memory.getMemory(userId)).toEqual({});
      expect(await userState.get(userId)).toBeNull();
      expect(await memory.getMemory(other)).toEqual({ name: 'Zoë' });
      expect(await userState.require(other)).toMatchObject({ messageCount: 1 });
      expect(await conversations.deleteForUser(aUserId(), { includeMemory: true })).toBe(0);
    });
  });

  describe('MemoryService', () => {
    it('round-trips JSON values of every kind and keeps the id across updates', async () => {
      const userId = aUserId();
      const values = jsonValuesOfEveryKind();
      for (const [key, value] of Object.entries(values)) {
        await memory.setKey(userId, key, value as never);
      }
      expect(await memory.getMemory(userId)).toEqual(values);

      const first = await memory.getKey(userId, 'text');
      const updated = await memory.setKey(userId, 'text', { now: ['an', 'object'] });
      expect(updated.id).toBe(first.id);
      expect(updated.value).toEqual({ now: ['an', 'object'] });
      expect(updated.updatedAt.getTime()).toBeGreaterThanOrEqual(first.updatedAt.getTime());
    });

    it('keeps 20 concurrent writes of one key to one row', async () => {
      const userId = aUserId();
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, index) => memory.setKey(userId, 'counter', index)),
      );
      expect(new Set(results.map((result) => result.id)).size).toBe(1);
      const [{ count }] = await api.sql(
        'SELECT count(*) AS count FROM user_memory WHERE user_id = $1',
        [userId],
      );
      expect(count).toBe(1);
    });

    it('deletes keys and clears users, each user on their own', async () => {
      const userId = aUserId();
      const other = aUserId();
      await memory.setKey(userId, 'a', 1);
      await memory.setKey(userId, 'b', 2);
      await memory.setKey(other, 'a', 'other');

      await memory.deleteKey(userId, 'a');
      await expect(memory.deleteKey(userId, 'a')).rejects.toBeInstanceOf(MemoryKeyNotFoundError);
      await expect(memory.getKey(userId, 'a')).rejects.toBeInstanceOf(MemoryKeyNotFoundError);
      expect(await memory.clear(userId)).toBe(1);
      expect(await memory.clear(userId)).toBe(0);
      expect(await memory.getMemory(other)).toEqual({ a: 'other' });
    });

    it('refuses a value PostgreSQL cannot store, storing nothing', async () => {
      const userId = aUserId();
      await expect(memory.setKey(userId, 'bad', 'nul \u0000 byte')).rejects.toMatchObject({
        code: 'validation_failed',
        details: { fields: [{ field: 'value', errors: [expect.any(String)] }] },
      });
      expect(await memory.getMemory(userId)).toEqual({});
    });
  });
});
