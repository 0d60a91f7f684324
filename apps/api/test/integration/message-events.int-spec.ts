import { TransactionHost } from '@nestjs-cls/transactional';
import { TransactionalAdapterTypeOrm } from '@nestjs-cls/transactional-adapter-typeorm';
import { EventsService } from '../../src/modules/events/events.service';
import type { LiveEvent } from '../../src/modules/events/events.types';
import { ConversationStore } from '../../src/modules/memory/conversation-store.service';
import { aMessage, aUserId, anOperatorNote } from '../factories/memory';
import { eventually } from '../setup/sse';
import { startTestApp, TestApp } from '../setup/test-app';

class RolledBack extends Error {}

describe('message.created events of stored messages', () => {
  let api: TestApp;
  let conversations: ConversationStore;
  let txHost: TransactionHost<TransactionalAdapterTypeOrm>;
  const received: LiveEvent[] = [];
  let unsubscribe: () => void;

  beforeAll(async () => {
    // The poll is the only way in on the embedded database, which has no LISTEN.
    api = await startTestApp({ EVENTS_POLL_MS: '100' });
    conversations = api.app.get(ConversationStore);
    txHost = api.app.get<TransactionHost<TransactionalAdapterTypeOrm>>(TransactionHost);
    unsubscribe = api.app.get(EventsService).subscribe((event) => received.push(event));
  });
  afterAll(async () => {
    unsubscribe();
    await api.close();
  });

  const eventsOf = (messageId: number) =>
    received.filter(
      (event) => event.type === 'message.created' && event.data.message_id === messageId,
    );
  /** Waits until the message's event has been delivered, once. */
  const deliveredOnce = (messageId: number) =>
    eventually(async () => {
      const events = eventsOf(messageId);
      expect(events).toHaveLength(1);
      return events[0]!;
    });

  it('is delivered by the time append returns, with the content and every field', async () => {
    const userId = aUserId('events');
    const message = await conversations.append(
      aMessage(userId, {
        role: 'assistant',
        source: 'llm',
        content: 'Hi 🌊 "quoted"',
        templateName: 'companion',
        templateVersion: 3,
      }),
    );
    const [event] = eventsOf(message.id);
    expect(event).toEqual({
      id: expect.any(Number),
      type: 'message.created',
      user_id: userId,
      created_at: expect.any(String),
      data: {
        message_id: message.id,
        role: 'assistant',
        source: 'llm',
        operator: null,
        visible_to_user: true,
        template_name: 'companion',
        template_version: 3,
        content: 'Hi 🌊 "quoted"',
      },
    });
    const [row] = await api.sql('SELECT data, created_at FROM events WHERE id = $1', [event!.id]);
    // The row carries ids and fields only; the content is the message's.
    const { content, ...data } = event!.data;
    expect(content).toBe(message.content);
    expect(row).toEqual({ data, created_at: new Date(event!.created_at) });
  });

  it('carries an operator note’s fields and the interrupted and withheld flags when set', async () => {
    const userId = aUserId('events');
    const note = await conversations.append(
      anOperatorNote(userId, { metadata: { other: 'not copied' } }),
    );
    expect(eventsOf(note.id).map((event) => event.data)).toEqual([
      {
        message_id: note.id,
        role: 'system',
        source: 'operator',
        operator: 'ann',
        visible_to_user: false,
        template_name: null,
        template_version: null,
        content: '[Operator: ann] be kind',
      },
    ]);

    const cut = await conversations.append(
      aMessage(userId, {
        role: 'assistant',
        source: 'llm',
        metadata: { interrupted: true, withheld_by_halt: true },
      }),
    );
    expect(eventsOf(cut.id)[0]!.data).toMatchObject({ interrupted: true, withheld_by_halt: true });
    const plain = await conversations.append(
      aMessage(userId, { metadata: { interrupted: false } }),
    );
    expect(Object.keys(eventsOf(plain.id)[0]!.data)).not.toContain('interrupted');
    expect(Object.keys(eventsOf(plain.id)[0]!.data)).not.toContain('withheld_by_halt');
  });

  it('is delivered only once its transaction commits, with its content', async () => {
    const userId = aUserId('events');
    let messageId = 0;
    await txHost.withTransaction(async () => {
      messageId = (await conversations.append(aMessage(userId, { content: 'committed later' }))).id;
      expect(eventsOf(messageId)).toEqual([]);
    });
    const delivered = await deliveredOnce(messageId);
    expect(delivered.data).toMatchObject({ message_id: messageId, content: 'committed later' });
    await api.app.get(EventsService).settle();
    expect(eventsOf(messageId)).toHaveLength(1);
  });

  // The embedded database is one session: a second connection would share the transaction.
  const onServer = process.env.PD_TEST_DB_MODE === 'embedded' ? it.skip : it;
  onServer('does not deliver an open transaction’s message while later ones go out', async () => {
    const userId = aUserId('events');
    let messageId = 0;
    let laterId = 0;
    await txHost.withTransaction(async () => {
      messageId = (await conversations.append(aMessage(userId, { content: 'still open' }))).id;
      // Another user's: this one's state row is locked by the open transaction.
      const later = await txHost.withoutTransaction(() =>
        conversations.append(aMessage(aUserId('events'), { content: 'committed first' })),
      );
      laterId = later.id;
      // Held for the lower, uncommitted id at first; the catch-up then lets it go alone.
      await deliveredOnce(laterId);
      await api.app.get(EventsService).settle();
      expect(eventsOf(messageId)).toEqual([]);
    });
    expect(messageId).toBeLessThan(laterId);
    const delivered = await deliveredOnce(messageId);
    expect(delivered.data).toMatchObject({ message_id: messageId, content: 'still open' });
    expect(eventsOf(laterId)[0]!.data).toMatchObject({ content: 'committed first' });
  });

  it('is never delivered when its transaction rolls back', async () => {
    const userId = aUserId('events');
    let messageId = 0;
    await expect(
      txHost.withTransaction(async () => {
        messageId = (await conversations.append(aMessage(userId))).id;
        throw new RolledBack();
      }),
    ).rejects.toBeInstanceOf(RolledBack);
    // A later message is delivered: the events service moved past the rolled-back id.
    const after = await conversations.append(aMessage(userId));
    await deliveredOnce(after.id);
    await api.app.get(EventsService).settle();
    expect(eventsOf(messageId)).toEqual([]);
    expect(await api.sql('SELECT 1 FROM conversation_history WHERE id = $1', [messageId])).toEqual(
      [],
    );
  });

  it('reaches subscribers once each and in id order', async () => {
    const userId = aUserId('events');
    await Promise.all(Array.from({ length: 20 }, () => conversations.append(aMessage(userId))));
    await txHost.withTransaction(() => conversations.append(aMessage(userId)));
    await eventually(async () =>
      expect(received.filter((event) => event.user_id === userId)).toHaveLength(21),
    );
    await api.app.get(EventsService).settle();
    const ids = received.filter((event) => event.user_id === userId).map((event) => event.id);
    expect(ids).toEqual([...new Set(ids)].sort((a, b) => a - b));
  });
});
