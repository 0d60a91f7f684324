export const EVENT_TYPES = [
  'message.created',
  'user.state_changed',
  'intervention.created',
  'template.changed',
  'guardrail.fired',
  'guardrail_config.changed',
] as const;

export type EventType = (typeof EVENT_TYPES)[number];

/** An event as subscribers receive it; `id` orders events and is the SSE event id. */
export interface LiveEvent {
  id: number;
  type: EventType;
  user_id: string | null;
  data: Record<string, unknown>;
  created_at: string;
}

export interface NewEvent {
  userId?: string | null;
  /** Small: ids and a few fields. Message content is read when the event is delivered. */
  data: Record<string, unknown>;
}

/** Where a stream of events goes (an SseStream); ends once, for whatever reason. */
export interface EventSink {
  readonly isEnded: boolean;
  send(event: string, data: unknown, id: number): void;
  /** Tells the client why, then ends. */
  fail(error: unknown): void;
  onEnd(listener: () => void): void;
}

export interface EventStreamOptions {
  /** Last-Event-ID: events after it are replayed first. */
  resumeAfter?: number;
  wanted: (event: LiveEvent) => boolean;
}
