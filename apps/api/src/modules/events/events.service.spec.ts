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
