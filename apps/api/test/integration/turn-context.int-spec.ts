import { ConversationStore } from '../../src/modules/memory/conversation-store.service';
import { MemoryService } from '../../src/modules/memory/memory.service';
import { EXCLUDED_FROM_PROMPT } from '../../src/modules/memory/message-statements';
import { TurnContextService } from '../../src/modules/memory/turn-context.service';
import { aMessage, aUserId, anOperatorNote, jsonValuesOfEveryKind } from '../factories/memory';
import { startTestApp, TestApp } from '../setup/test-app';

describe('a chat turn’s context against PostgreSQL', () => {
  let api: TestApp;
  let turns: TurnContextService;
  let conversations: ConversationStore;
  let memory: MemoryService;

  beforeAll(async () => {
    api = await startTestApp();
    turns = api.app.get(TurnContextService);
    conversations = api.app.get(ConversationStore);
    memory = api.app.get(MemoryService);
  });
  afterAll(() => api.close());

  const historyIds = (history: Array<{ id: number }>) => history.map((message) => message.id);

  /** Two messages, a hidden operator note, an excluded message and one more, in that order. */
  async function aConversation(userId: string) {
    const first = await conversations.append(aMessage(userId));
    const reply = await conversations.append(
      aMessage(userId, { role: 'assistant', source: 'llm', content: 'Hi 🌊 "there"' }),
    );
    const note = await conversations.append(anOperatorNote(userId));
    await conversations.append(
      aMessage(userId, { metadata: { blocked: true, [EXCLUDED_FROM_PROMPT]: true } }),
    );
    const last = await conversations.append(aMessage(userId));
    return { first, reply, note, last };
  }

  it('stores the message with its event and counts it, reading memory and history without it', async () => {
    const userId = aUserId('turn');
    const values = jsonValuesOfEveryKind();
    // Set in reverse, so key order cannot come from the order of writing.
    for (const key of Object.keys(values).reverse()) {
      await memory.setKey(userId, key, values[key] as never);
    }
    const { first, reply, note, last } = await aConversation(userId);

    const turn = await turns.begin(aMessage(userId, { content: 'what now?' }), 10);

    expect(turn.message).toMatchObject({ userId, role: 'user', content: 'what now?' });
    expect(await conversations.listAll(userId)).toContainEqual(turn.message);
    expect(
      await api.sql(`SELECT data FROM events WHERE type = 'message.created' AND user_id = $1`, [
        userId,
      ]),
    ).toContainEqual({
      data: expect.objectContaining({ message_id: turn.message.id, role: 'user' }),
    });
    expect(turn.state).toEqual({ mode: 'active', reason: null, operator: null, messageCount: 6 });
    const [stored] = await api.sql('SELECT message_count FROM user_state WHERE user_id = $1', [
      userId,
    ]);
    expect(stored).toEqual({ message_count: 6 });

    expect(turn.memory).toEqual(values);
    const keyOrder = await api.sql<{ key: string }>(
      'SELECT key FROM user_memory WHERE user_id = $1 ORDER BY key',
      [userId],
    );
    expect(Object.keys(turn.memory)).toEqual(keyOrder.map((row) => row.key));
    expect(Object.keys(turn.memory)).not.toEqual(Object.keys(values).reverse());

    expect(turn.history).toEqual(
      [first, reply, note, last].map((message) => ({
        id: message.id,
        role: message.role,
        content: message.content,
        createdAt: message.createdAt,
      })),
    );
  });

  it('gives the last N messages of the history, oldest first', async () => {
    const userId = aUserId('turn');
    const { note, last } = await aConversation(userId);
    const turn = await turns.begin(aMessage(userId), 2);
    expect(historyIds(turn.history)).toEqual([note.id, last.id]);
    expect(turn.memory).toEqual({});
  });

  it('gives no history with a limit of 0', async () => {
    const userId = aUserId('turn');
    await aConversation(userId);
    expect((await turns.begin(aMessage(userId), 0)).history).toEqual([]);
    expect((await turns.read(userId, 0)).history).toEqual([]);
  });

  it('reads the same without storing anything, leaving out the message being answered', async () => {
    const userId = aUserId('turn');
    await memory.setKey(userId, 'name', 'Mia');
    const { first, reply, note, last } = await aConversation(userId);
    const begun = await turns.begin(aMessage(userId, { content: 'answer me' }), 10);

    const answering = await turns.read(userId, 10, begun.message.id);
    expect(answering.state).toEqual(begun.state);
    expect(answering.memory).toEqual({ name: 'Mia' });
    expect(historyIds(answering.history)).toEqual([first.id, reply.id, note.id, last.id]);

    const everything = await turns.read(userId, 3);
    expect(historyIds(everything.history)).toEqual([note.id, last.id, begun.message.id]);
    expect(await conversations.count(userId)).toBe(6);
  });

  it('reads a user never seen as no state, no memory and no history', async () => {
    const userId = aUserId('stranger');
    expect(await turns.read(userId, 10)).toEqual({ state: null, memory: {}, history: [] });
    expect(await api.sql('SELECT 1 FROM user_state WHERE user_id = $1', [userId])).toEqual([]);
  });
});
