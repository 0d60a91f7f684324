import {
  BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
} from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AppConfig } from '../../core/config/app-config';
import { DATABASE_TARGET } from '../../core/database/database.module';
import type { DatabaseTarget } from '../../core/database/database-target';
import { SseClientTooSlowError, SseShuttingDownError } from '../../core/http/sse-stream';
import { ConversationStore } from '../memory/conversation-store.service';
import { EventsUnavailableError } from './events.errors';
import { EventSink, EventStreamOptions, EventType, LiveEvent, NewEvent } from './events.types';
import { deleteBatchOlderThan } from '../../core/database/delete-older-than';
import { EVENTS_CHANNEL, MessageEventOutbox } from './message-event-outbox';
import { PgNotificationListener } from './pg-notification-listener';

export { EVENTS_CHANNEL };
const BATCH_SIZE = 500;
// A sequence value can commit after a higher one; a missing id is looked for this long.
const GAP_WAIT_MS = 10_000;
const MAX_TRACKED_GAPS = 1000;
const REPLAY_PAGE = 500;
// A NOTIFY that may be for this instance's own event (it is storing events right now), or a
// local event that arrived out of order, waits this long before a catch-up reads the table.
const CATCH_UP_DELAY_MS = 5;
/** New events a stream holds while it replays; a stream that falls further behind ends. */
export const MAX_HELD_EVENTS = 1000;

interface EventRow {
  id: number;
  type: EventType;
  user_id: string | null;
  data: Record<string, unknown>;
  created_at: Date;
  content: string | null;
}

/**
 * Live events across instances. Publishing inserts a row and NOTIFYs its id (messages do both
 * in the statement that stores them, see MessageEventOutbox). The publishing instance hands
 * its own events to its subscribers at once; every other instance reads the rows it has not
 * delivered yet. Either way subscribers get events in id order. The rows also serve
 * Last-Event-ID resume. A poll is the safety net behind NOTIFY, and the only path on the
 * embedded database, which has no LISTEN.
 */
@Injectable()
export class EventsService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('Events');
  private readonly subscribers = new Set<(event: LiveEvent) => void>();
  private readonly streams = new Set<EventSink>();
  private lastDelivered = 0;
  /** The highest id this instance knows exists (its own events, NOTIFYs). */
  private highestKnown = 0;
  /** This instance's own events that wait for a lower id before they can be delivered. */
  private readonly heldLocal = new Map<number, LiveEvent>();
  private catchUpTimer?: NodeJS.Timeout;
  private readonly gaps = new Map<number, number>();
  private publishChain: Promise<void> = Promise.resolve();
  private catchUpRun?: Promise<void>;
  private catchUpRequested = false;
  private listener?: PgNotificationListener;
  private timers: NodeJS.Timeout[] = [];
  private stopped = false;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly config: AppConfig,
    @Inject(DATABASE_TARGET) private readonly target: DatabaseTarget,
    private readonly conversations: ConversationStore,
    private readonly outbox: MessageEventOutbox,
  ) {
    outbox.onStored((event) => this.deliverLocal(event));
  }

  async onApplicationBootstrap(): Promise<void> {
    const [row] = await this.dataSource.query<Array<{ max: number | null }>>(
      'SELECT max(id) AS max FROM events',
    );
    this.lastDelivered = row?.max ?? 0;
    if (this.target.kind === 'external') {
      // The payload is the new event's id: one already delivered needs no catch-up.
      this.listener = new PgNotificationListener(this.target.url, EVENTS_CHANNEL, (payload) => {
        if (payload === undefined) return this.wake();
        const id = Number(payload);
        if (id <= this.lastDelivered) return;
        this.highestKnown = Math.max(this.highestKnown, id);
        // Ours, delivered in a moment, only if this instance is storing events right now.
        if (this.outbox.writesInFlight > 0) this.wakeSoon();
        else this.wake();
      });
      await this.listener.start();
    }
    this.timers.push(setInterval(() => this.wake(), this.config.eventsPollMs));
    this.timers.push(setInterval(() => void this.removeExpired(), 3_600_000));
    for (const timer of this.timers) timer.unref();
  }

  async beforeApplicationShutdown(): Promise<void> {
    // Open streams would keep the server from closing; clients reconnect with Last-Event-ID.
    for (const stream of [...this.streams]) stream.fail(new SseShuttingDownError());
    await this.flush();
    this.stopped = true;
    for (const timer of this.timers) clearInterval(timer);
    clearTimeout(this.catchUpTimer);
    await this.listener?.close();
    await this.catchUpRun;
  }

  /** Queues the event; events of one instance are stored in the order they were published. */
  publish(type: EventType, event: NewEvent): void {
    this.publishChain = this.publishChain
      .then(async () => {
        const [row] = await this.outbox.writing(() =>
          this.dataSource.query<Array<Omit<EventRow, 'content'>>>(
            `WITH inserted AS (
               INSERT INTO events (type, user_id, data) VALUES ($1, $2, $3::jsonb)
               RETURNING id, type, user_id, data, created_at
             )
             SELECT inserted.*, pg_notify($4, id::text) AS sent FROM inserted`,
            [type, event.userId ?? null, JSON.stringify(event.data), EVENTS_CHANNEL],
          ),
        );
        // Delivered here at once; our own NOTIFY then finds it delivered and costs nothing.
        this.deliverLocal(toLiveEvent({ ...row!, content: null }));
      })
      .catch((error: unknown) => {
        this.logger.error(
          `could not publish ${type}: ${error instanceof Error ? error.message : String(error)}`,
        );
      });
  }

  /** Resolves once every event published so far is stored. */
  async flush(): Promise<void> {
    await this.publishChain;
  }

  /** Resolves once every event published so far has been delivered on this instance. */
  async settle(): Promise<void> {
    await this.flush();
    this.wake();
    while (this.catchUpRun) await this.catchUpRun;
  }

  /** Called for every event, in order; returns the unsubscribe function. */
  subscribe(listener: (event: LiveEvent) => void): () => void {
    this.subscribers.add(listener);
    return () => this.subscribers.delete(listener);
  }

  /**
   * Sends events to a sink until it ends: subscribes first and holds new events, replays what
   * the client missed, then goes live, so no event is lost or sent twice around the switch.
   * Every failure ends the stream (the sink tells the client why): replay failing, holding
   * more than MAX_HELD_EVENTS, the sink's own limits and write errors, shutdown.
   */
  async stream(sink: EventSink, { resumeAfter, wanted }: EventStreamOptions): Promise<void> {
    if (this.stopped) return sink.fail(new SseShuttingDownError());
    let held: LiveEvent[] | undefined = resumeAfter === undefined ? undefined : [];
    let sentUpTo = resumeAfter ?? 0;
    const send = (event: LiveEvent) => {
      if (event.id <= sentUpTo || !wanted(event)) return;
      sentUpTo = event.id;
      sink.send(event.type, event, event.id);
    };
    const unsubscribe = this.subscribe((event) => {
      if (!held) return send(event);
      if (!wanted(event)) return;
      if (held.length >= MAX_HELD_EVENTS) {
        return sink.fail(new SseClientTooSlowError(`${MAX_HELD_EVENTS} events held during replay`));
      }
      held.push(event);
    });
    this.streams.add(sink);
    sink.onEnd(() => {
      unsubscribe();
      this.streams.delete(sink);
      held = [];
    });
    if (resumeAfter === undefined) return;
    try {
      // Page through everything missed (sentUpTo only moves for wanted events, so page by id).
      let after = resumeAfter;
      for (;;) {
        const page = await this.replay(after, REPLAY_PAGE);
        if (sink.isEnded) return;
        for (const event of page) send(event);
        if (page.length < REPLAY_PAGE) break;
        after = page.at(-1)!.id;
      }
      for (const event of held ?? []) send(event);
      held = undefined;
    } catch (error) {
      this.logger.warn(
        `event replay failed: ${error instanceof Error ? error.message : String(error)}`,
      );
      sink.fail(new EventsUnavailableError());
    }
  }

  /** Streams open on this instance. */
  get openStreams(): number {
    return this.streams.size;
  }

  /** Events after `afterId` that this instance has already delivered (Last-Event-ID resume). */
  async replay(afterId: number, limit = 1000): Promise<LiveEvent[]> {
    const rows = await this.select('e.id > $1 AND e.id <= $2 ORDER BY e.id LIMIT $3', [
      afterId,
      this.lastDelivered,
      limit,
    ]);
    return rows.map(toLiveEvent);
  }

  get deliveredUpTo(): number {
    return this.lastDelivered;
  }

  /**
   * An event this instance stored (and committed): delivered now when it is the next id, else
   * held until the lower ids arrive, here or through a catch-up.
   */
  private deliverLocal(event: LiveEvent): void {
    if (this.stopped) return;
    if (this.gaps.delete(event.id)) return this.deliver(event);
    if (event.id <= this.lastDelivered) return;
    this.highestKnown = Math.max(this.highestKnown, event.id);
    this.heldLocal.set(event.id, event);
    this.deliverHeld();
    if (this.heldLocal.size > 0) this.wakeSoon();
  }

  /** Held events that are next in line, in order. */
  private deliverHeld(): void {
    for (
      let next = this.heldLocal.get(this.lastDelivered + 1);
      next;
      next = this.heldLocal.get(this.lastDelivered + 1)
    ) {
      this.heldLocal.delete(next.id);
      this.lastDelivered = next.id;
      this.deliver(next);
    }
  }

  /** A catch-up shortly, unless by then everything known has been delivered. */
  private wakeSoon(): void {
    if (this.catchUpTimer || this.stopped) return;
    this.catchUpTimer = setTimeout(() => {
      this.catchUpTimer = undefined;
      if (this.lastDelivered < this.highestKnown || this.heldLocal.size > 0) this.wake();
    }, CATCH_UP_DELAY_MS);
    this.catchUpTimer.unref();
  }

  /** Asks for a catch-up; runs are serialised so each event is delivered once. */
  private wake(): void {
    if (this.stopped) return;
    if (this.catchUpRun) {
      this.catchUpRequested = true;
      return;
    }
    this.catchUpRun = this.catchUp()
      .catch((error: unknown) => {
        this.logger.warn(
          `event catch-up failed: ${error instanceof Error ? error.message : String(error)}`,
        );
      })
      .finally(() => {
        this.catchUpRun = undefined;
        if (this.catchUpRequested) {
          this.catchUpRequested = false;
          this.wake();
        }
      });
  }

  private async catchUp(): Promise<void> {
    if (this.gaps.size > 0) await this.fillGaps();
    for (;;) {
      const rows = await this.select('e.id > $1 ORDER BY e.id LIMIT $2', [
        this.lastDelivered,
        BATCH_SIZE,
      ]);
      for (const row of rows) {
        // Delivered meanwhile, as this instance's own event.
        if (row.id <= this.lastDelivered) continue;
        for (
          let missing = this.lastDelivered + 1;
          missing < row.id && this.gaps.size < MAX_TRACKED_GAPS;
          missing += 1
        ) {
          this.gaps.set(missing, Date.now());
        }
        this.lastDelivered = row.id;
        this.heldLocal.delete(row.id);
        this.deliver(toLiveEvent(row));
        this.deliverHeld();
      }
      if (rows.length < BATCH_SIZE) return;
    }
  }

  private async fillGaps(): Promise<void> {
    const now = Date.now();
    for (const [id, since] of this.gaps) if (now - since > GAP_WAIT_MS) this.gaps.delete(id);
    if (this.gaps.size === 0) return;
    const rows = await this.select('e.id = ANY($1::bigint[]) ORDER BY e.id', [
      [...this.gaps.keys()],
    ]);
    for (const row of rows) {
      if (this.gaps.delete(row.id)) this.deliver(toLiveEvent(row));
    }
  }

  private deliver(event: LiveEvent): void {
    for (const subscriber of this.subscribers) {
      try {
        subscriber(event);
      } catch (error) {
        this.logger.error(
          `event subscriber failed: ${error instanceof Error ? error.message : String(error)}`,
        );
      }
    }
  }

  private async select(where: string, parameters: unknown[]): Promise<EventRow[]> {
    const rows = await this.dataSource.query<Omit<EventRow, 'content'>[]>(
      `SELECT e.id, e.type, e.user_id, e.data, e.created_at FROM events e WHERE ${where}`,
      parameters,
    );
    // Message events carry ids only; the content is read here, unless this instance has it.
    const messageIds = rows
      .filter((row) => !this.heldLocal.has(row.id))
      .map(messageIdOf)
      .filter((id) => id !== undefined);
    const contents =
      messageIds.length === 0 ? undefined : await this.conversations.contentsOf(messageIds);
    return rows.map((row) => {
      const held = this.heldLocal.get(row.id)?.data.content;
      if (typeof held === 'string') return { ...row, content: held };
      const messageId = messageIdOf(row);
      const content = messageId === undefined ? undefined : contents?.get(messageId);
      return { ...row, content: content ?? null };
    });
  }

  /** Retention: one batch of events older than `cutoff`; returns how many went. */
  deleteOlderThan(cutoff: Date, limit: number): Promise<number> {
    return deleteBatchOlderThan(this.dataSource, 'events', cutoff, limit);
  }

  private async removeExpired(): Promise<void> {
    await this.dataSource
      .query(`DELETE FROM events WHERE created_at < now() - make_interval(hours => $1)`, [
        this.config.eventsRetentionHours,
      ])
      .catch((error: unknown) => this.logger.warn(`could not remove old events: ${String(error)}`));
  }
}

function messageIdOf(row: Omit<EventRow, 'content'>): number | undefined {
  const id = row.data.message_id;
  return row.type === 'message.created' && typeof id === 'number' ? id : undefined;
}

function toLiveEvent(row: EventRow): LiveEvent {
  return {
    id: row.id,
    type: row.type,
    user_id: row.user_id,
    data: row.content === null ? row.data : { ...row.data, content: row.content },
    created_at: row.created_at.toISOString(),
  };
}
