import { Injectable } from '@nestjs/common';
import type { LiveEvent } from './events.types';

export const EVENTS_CHANNEL = 'promptdev_events';

/** What a statement that stored a message and its event returns about the event. */
export interface StoredEventColumns {
  eventId: number;
  eventData: Record<string, unknown>;
  eventCreatedAt: Date;
}

/**
 * The write side of message.created: the memory module stores a message and its event in one
 * statement, with these CTEs (the events table stays this module's), then hands the stored
 * event back here so this instance delivers it without reading it again.
 */
@Injectable()
export class MessageEventOutbox {
  private readonly listeners = new Set<(event: LiveEvent) => void>();
  private inFlight = 0;

  /**
   * Runs a statement that stores events, counted until it settles: a NOTIFY that arrives
   * meanwhile may be for its own event, about to be delivered without reading it.
   */
  async writing<T>(statement: () => Promise<T>): Promise<T> {
    this.inFlight += 1;
    try {
      return await statement();
    } finally {
      this.inFlight -= 1;
    }
  }

  get writesInFlight(): number {
    return this.inFlight;
  }

  /**
   * CTEs `event` (the message.created row for the message CTE `from`) and `notified` (its
   * NOTIFY, sent at commit). The final SELECT must name both in FROM (`eventFrom`), since a
   * CTE nothing reads never runs.
   */
  ctes(from: string): string {
    return `event AS (
         INSERT INTO events (type, user_id, data)
         SELECT 'message.created', ${from}.user_id,
                jsonb_build_object(
                  'message_id', ${from}.id, 'role', ${from}.role, 'source', ${from}.source,
                  'operator', ${from}.operator, 'visible_to_user', ${from}.visible_to_user,
                  'template_name', ${from}.template_name,
                  'template_version', ${from}.template_version)
                || CASE WHEN ${from}.metadata @> '{"interrupted": true}'
                        THEN '{"interrupted": true}'::jsonb ELSE '{}'::jsonb END
                || CASE WHEN ${from}.metadata @> '{"withheld_by_halt": true}'
                        THEN '{"withheld_by_halt": true}'::jsonb ELSE '{}'::jsonb END
           FROM ${from}
         RETURNING id, data, created_at
       ), notified AS (
         SELECT pg_notify('${EVENTS_CHANNEL}', event.id::text) AS sent FROM event
       )`;
  }

  readonly eventFrom = 'event, notified';
  readonly eventColumns =
    'event.id AS "eventId", event.data AS "eventData", event.created_at AS "eventCreatedAt"';

  /** A message and its event were committed: deliver it here at once, content included. */
  stored(userId: string, content: string, columns: StoredEventColumns): void {
    const event: LiveEvent = {
      id: Number(columns.eventId),
      type: 'message.created',
      user_id: userId,
      data: { ...columns.eventData, content },
      created_at: columns.eventCreatedAt.toISOString(),
    };
    for (const listener of this.listeners) listener(event);
  }

  /** The events service's local delivery; returns the unsubscribe function. */
  onStored(listener: (event: LiveEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
