import type { DataSource } from 'typeorm';
import type { AppConfig } from '../../core/config/app-config';
import type { DatabaseTarget } from '../../core/database/database-target';
import { DomainError } from '../../core/errors/domain-error';
import type { ConversationStore } from '../memory/conversation-store.service';
import { EventsService, MAX_HELD_EVENTS } from './events.service';
import type { EventSink } from './events.types';
import { MessageEventOutbox } from './message-event-outbox';

/**
 * The events table as far as the stream needs it, with a replay the test releases: what
 * happens to events that arrive while a resuming stream is still replaying. (Replay failing
 * against the real database is in test/e2e/event-stream-failures.)
 */
function eventsTable() {
  const rows: Array<{ id: number; type: string; user_id: null; data: object; created_at: Date }> =
    [];
  let releaseReplay: () => void = () => undefined;
  const replayGate = new Promise<void>((resolve) => (releaseReplay = resolve));
  const query = async (sql: string, parameters: unknown[] = []): Promise<unknown[]> => {
    if (sql.startsWith('WITH inserted')) {
      const row = {
        id: rows.length + 1,
        type: parameters[0] as string,
        user_id: null,
        data: JSON.parse(parameters[2] as string) as object,
        created_at: new Date(),
      };
      rows.push(row);
      return [row];
    }
    if (sql.includes('e.id <= $2')) {
      await replayGate;
      return [];
    }
    if (sql.includes('FROM events e')) {
      const after = parameters[0] as number;
      return rows
        .filter((row) => row.id > after)
        .slice(0, parameters[1] as number)
        .map((row) => ({ ...row, content: null }));
    }
    return [];
  };
  return { dataSource: { query } as unknown as DataSource, releaseReplay };
}

function recordingSink() {
  const sent: number[] = [];
  const failures: unknown[] = [];
  const endListeners: Array<() => void> = [];
  let ended = false;
  const sink: EventSink = {
    get isEnded() {
      return ended;
    },
    send: (_event, _data, id) => {
      if (!ended) sent.push(id);
    },
    fail: (error) => {
      if (ended) return;
      failures.push(error);
      ended = true;
      endListeners.splice(0).forEach((listener) => listener());
    },
    onEnd: (listener) => endListeners.push(listener),
  };
  return { sink, sent, failures };
}

describe('EventsService streams', () => {
  const config = { eventsPollMs: 1000, eventsRetentionHours: 24 } as AppConfig;
  const target = { kind: 'embedded' } as unknown as DatabaseTarget;
  // These events carry no message, so no content is read.
  const conversations = {} as ConversationStore;

  it('sends events that arrived during the replay after it, each once and in order', async () => {
    const table = eventsTable();
    const service = new EventsService(
      table.dataSource,
      config,
      target,
      conversations,
      new MessageEventOutbox(),
    );
    const { sink, sent, failures } = recordingSink();
    const streaming = service.stream(sink, { resumeAfter: 0, wanted: () => true });
    for (let index = 0; index < 5; index += 1) service.publish('template.changed', { data: {} });
    await service.settle();
    expect(sent).toEqual([]);
    table.releaseReplay();
    await streaming;
    expect(sent).toEqual([1, 2, 3, 4, 5]);
    expect(failures).toEqual([]);
  });

  it(`ends a stream that holds more than ${MAX_HELD_EVENTS} events while replaying`, async () => {
    const table = eventsTable();
    const service = new EventsService(
      table.dataSource,
      config,
      target,
      conversations,
      new MessageEventOutbox(),
    );
    const { sink, sent, failures } = recordingSink();
    const streaming = service.stream(sink, { resumeAfter: 0, wanted: () => true });
    expect(service.openStreams).toBe(1);
    for (let index = 0; index <= MAX_HELD_EVENTS; index += 1) {
      service.publish('template.changed', { data: { index } });
    }
    await service.settle();
    expect(failures).toEqual([expect.any(DomainError)]);
    expect(failures[0]).toMatchObject({ status: 503, code: 'stream_too_slow' });
    // Unsubscribed: nothing more is held or sent, also once the replay returns.
    expect(service.openStreams).toBe(0);
    service.publish('template.changed', { data: {} });
    await service.settle();
    table.releaseReplay();
    await streaming;
    expect(sent).toEqual([]);
  });
});

/**
 * An events table shared with other writers: rows become visible when the test commits them,
 * and the next catch-up read can be held open to see what arrives meanwhile.
 */
function sharedEventsTable() {
  const committed = new Map<number, { id: number; type: string; user_id: string; data: object }>();
  const reads: number[] = [];
  let gate: Promise<void> | undefined;
  let heldReads = 0;
  const query = async (sql: string, parameters: unknown[] = []): Promise<unknown[]> => {
    if (!sql.includes('FROM events e')) return [];
    if (gate) {
      heldReads += 1;
      await gate;
    }
    const visible = [...committed.values()].sort((a, b) => a.id - b.id);
    if (sql.includes('ANY($1')) {
      const ids = parameters[0] as number[];
      return visible.filter((row) => ids.includes(row.id)).map(withTime);
    }
    const after = parameters[0] as number;
    reads.push(after);
    return visible
      .filter((row) => row.id > after)
      .slice(0, parameters[1] as number)
      .map(withTime);
  };
  const withTime = (row: object) => ({ ...row, created_at: new Date() });
  return {
    dataSource: { query } as unknown as DataSource,
    reads,
    heldReads: () => heldReads,
    commit: (id: number) =>
      committed.set(id, {
        id,
        type: 'message.created',
        user_id: 'u',
        data: { message_id: 100 + id, role: 'user' },
      }),
    holdReads: () => {
      let release!: () => void;
      gate = new Promise<void>((resolve) => (release = resolve));
      return () => {
        gate = undefined;
        release();
      };
    },
  };
}

async function until(check: () => boolean, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('EventsService local delivery', () => {
  const config = { eventsPollMs: 60_000, eventsRetentionHours: 24 } as AppConfig;
  const target = { kind: 'embedded' } as unknown as DatabaseTarget;
  // What another instance stored is read back with its content.
  const conversations = {
    contentsOf: async (ids: number[]) => new Map(ids.map((id) => [id, `read ${id}`])),
  } as unknown as ConversationStore;

  function setUp() {
    const table = sharedEventsTable();
    const outbox = new MessageEventOutbox();
    const service = new EventsService(table.dataSource, config, target, conversations, outbox);
    const received: Array<{ id: number; content: unknown }> = [];
    service.subscribe((event) => received.push({ id: event.id, content: event.data.content }));
    // This instance stored (and committed) event `id`.
    const storedHere = (id: number) => {
      table.commit(id);
      outbox.stored('u', `own ${id}`, {
        eventId: id,
        eventData: { message_id: 100 + id, role: 'user' },
        eventCreatedAt: new Date(),
      });
    };
    const ids = () => received.map((event) => event.id);
    return { table, service, received, storedHere, ids };
  }

  it('delivers its own events at once, in id order, holding one that came early', async () => {
    const { table, service, received, storedHere, ids } = setUp();
    storedHere(1);
    expect(received).toEqual([{ id: 1, content: 'own 1' }]);
    storedHere(3);
    expect(ids()).toEqual([1]);
    storedHere(2);
    expect(received).toEqual([
      { id: 1, content: 'own 1' },
      { id: 2, content: 'own 2' },
      { id: 3, content: 'own 3' },
    ]);
    // Nothing is missing any more: the delayed catch-up finds nothing to read.
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(table.reads).toEqual([]);
    await service.settle();
    expect(ids()).toEqual([1, 2, 3]);
  });

  it('reads an id stored elsewhere after a short delay, then delivers the held ones after it', async () => {
    const { table, received, storedHere, ids } = setUp();
    storedHere(1);
    table.commit(2); // another instance's event: it never arrives here but through the table
    storedHere(4);
    storedHere(3);
    expect(ids()).toEqual([1]);
    await until(() => received.length === 4);
    expect(received).toEqual([
      { id: 1, content: 'own 1' },
      { id: 2, content: 'read 102' },
      { id: 3, content: 'own 3' },
      { id: 4, content: 'own 4' },
    ]);
  });

  it('moves past an id that is never committed (rolled back) once the catch-up finds a higher one', async () => {
    const { service, storedHere, ids } = setUp();
    storedHere(1);
    storedHere(3);
    await until(() => ids().length === 2);
    expect(ids()).toEqual([1, 3]);
    storedHere(4);
    await service.settle();
    expect(ids()).toEqual([1, 3, 4]);
  });

  it('skips rows a catch-up reads that were delivered locally while it read', async () => {
    const { table, service, storedHere, ids } = setUp();
    storedHere(1);
    const release = table.holdReads();
    storedHere(3);
    // The catch-up for the missing 2 is reading; 2 arrives here meanwhile.
    await until(() => table.heldReads() === 1);
    expect(ids()).toEqual([1]);
    storedHere(2);
    expect(ids()).toEqual([1, 2, 3]);
    release();
    await service.settle();
    storedHere(4);
    expect(ids()).toEqual([1, 2, 3, 4]);
  });
});
