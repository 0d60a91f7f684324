import type { ServerResponse } from 'node:http';
import type { FastifyReply } from 'fastify';
import { AllExceptionsFilter } from '../errors/all-exceptions.filter';
import { DomainError, ServiceUnavailableError } from '../errors/domain-error';

/** Why a stream ended; every end goes through one path (SseStream.finish). */
export type SseEndReason = 'completed' | 'failed' | 'client_gone';

/** One event as a client receives it; without an id, the stream numbers events from 1. */
export interface SseEvent {
  event: string;
  data: unknown;
  id?: string | number;
}

export interface SseStreamOptions {
  requestId: string;
  /** Sent with the status line, after the event-stream headers. */
  headers?: Record<string, string>;
  /** A comment this often keeps proxies from closing an idle stream; 0 (the default) for none. */
  heartbeatMs?: number;
  /**
   * Bytes written but not yet taken by the client that the stream may hold. A client that falls
   * further behind gets an error event and the end: it reconnects (with Last-Event-ID).
   */
  maxUnsentBytes?: number;
  /**
   * Aborted when the stream ends before the work completed it (client gone, write error,
   * failure, shutdown). Pass the controller the work was started with when it began before the
   * stream opened; otherwise the stream makes its own (see `signal`).
   */
  cancel?: AbortController;
}

/** The client reads slower than events come. */
export class SseClientTooSlowError extends DomainError {
  constructor(limit: string) {
    super(
      503,
      'stream_too_slow',
      `The client fell too far behind (${limit}): reconnect to resume, with Last-Event-ID where it applies`,
      { limit },
    );
  }
}

/** The server is shutting down; clients reconnect to another instance or after the restart. */
export class SseShuttingDownError extends ServiceUnavailableError {
  constructor() {
    super('shutting_down', 'The server is shutting down: reconnect to resume');
  }
}

/** How long an ended stream may take to hand its last bytes to a client that does not read. */
const DRAIN_GRACE_MS = 5000;
const errorBodies = new AllExceptionsFilter();

function eventFrame(event: string, data: unknown, id: string | number): string {
  return `id: ${id}\nevent: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

/**
 * A Server-Sent Events response (on a raw Node response the route has taken over from Fastify)
 * with a bounded send buffer, an optional heartbeat and one way to end: completion, a failure
 * (sent as an `error` event with the error shape), a write error, a client that reads too slowly
 * or went away. Whatever ends it, the heartbeat stops, the work is cancelled unless it completed,
 * end listeners run once, and nothing more is written.
 */
export class SseStream {
  private readonly heartbeat?: NodeJS.Timeout;
  private readonly endListeners: Array<(reason: SseEndReason) => void> = [];
  private readonly cancel: AbortController;
  private endReason?: SseEndReason;
  private nextId = 1;

  constructor(
    private readonly response: ServerResponse,
    private readonly options: SseStreamOptions,
  ) {
    this.cancel = options.cancel ?? new AbortController();
    response.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      // Proxies such as nginx must not buffer the stream.
      'x-accel-buffering': 'no',
      'x-request-id': options.requestId,
      ...options.headers,
    });
    response.flushHeaders();
    response.on('close', () => this.finish('client_gone'));
    response.on('error', () => this.finish('client_gone'));
    if (options.heartbeatMs) {
      this.heartbeat = setInterval(() => this.comment('heartbeat'), options.heartbeatMs);
      this.heartbeat.unref();
    }
    // The client may have left while the work was being started.
    if (response.destroyed) this.finish('client_gone');
  }

  get isEnded(): boolean {
    return this.endReason !== undefined;
  }

  /** Aborted when the stream ended before the work completed it. */
  get signal(): AbortSignal {
    return this.cancel.signal;
  }

  /** Runs once when the stream ends (at once if it already has). */
  onEnd(listener: (reason: SseEndReason) => void): void {
    if (this.endReason) listener(this.endReason);
    else this.endListeners.push(listener);
  }

  send(event: string, data: unknown, id: string | number = this.nextId++): void {
    this.write(eventFrame(event, data, id));
  }

  comment(text: string): void {
    this.write(`: ${text}\n\n`);
  }

  /** How long a browser's EventSource waits before reconnecting. */
  retry(milliseconds: number): void {
    this.write(`retry: ${milliseconds}\n\n`);
  }

  /** Ends normally. */
  end(): void {
    this.finish('completed');
  }

  /** Sends the error (in the documented error shape) as an `error` event, then ends. */
  fail(error: unknown): void {
    if (this.isEnded) return;
    this.writeRaw(
      eventFrame('error', errorBodies.toBody(error, this.options.requestId), this.nextId++),
    );
    this.finish('failed');
  }

  private write(text: string): void {
    if (this.isEnded) return;
    if (!this.writeRaw(text)) return this.finish('client_gone');
    const limit = this.options.maxUnsentBytes;
    if (limit !== undefined && this.response.writableLength > limit) {
      this.fail(new SseClientTooSlowError(`${limit} bytes unsent`));
    }
  }

  /** False when the client can no longer be written to. */
  private writeRaw(text: string): boolean {
    if (this.response.destroyed || this.response.writableEnded) return false;
    try {
      this.response.write(text);
      return true;
    } catch {
      return false;
    }
  }

  private finish(reason: SseEndReason): void {
    if (this.endReason) return;
    this.endReason = reason;
    clearInterval(this.heartbeat);
    if (reason !== 'completed') this.cancel.abort();
    if (!this.response.destroyed && !this.response.writableEnded) this.response.end();
    if (!this.response.writableFinished && !this.response.destroyed) {
      // A client that never reads would keep the unsent bytes (bounded) forever.
      const drain = setTimeout(() => this.response.destroy(), DRAIN_GRACE_MS);
      drain.unref();
      this.response.once('finish', () => clearTimeout(drain));
      this.response.once('close', () => clearTimeout(drain));
    }
    for (const listener of this.endListeners.splice(0)) listener(reason);
  }
}

/**
 * Takes the response over from Fastify and opens an event stream on it. With `retryMs`, tells
 * the browser how soon to reconnect and the client that the stream is live (a `connected`
 * comment), for streams a client resumes.
 */
export function openSseStream(
  reply: FastifyReply,
  options: SseStreamOptions & { retryMs?: number },
): SseStream {
  reply.hijack();
  const stream = new SseStream(reply.raw, options);
  if (options.retryMs !== undefined) {
    stream.retry(options.retryMs);
    stream.comment('connected');
  }
  return stream;
}

/**
 * Sends every event the work gives, then ends the stream. A failure of the work is sent as an
 * `error` event before the end. When the stream ends first (client gone, write error, shutdown),
 * the work's signal is aborted and its iterator returned, so it stops too.
 */
export async function pipeToSse(stream: SseStream, events: AsyncIterable<SseEvent>): Promise<void> {
  const iterator = events[Symbol.asyncIterator]();
  // Started before anything can return it: a generator returned before it ran skips its cleanup.
  let pending = iterator.next();
  let settled = false;
  stream.onEnd(() => {
    // An async generator runs return() after the pending next(), so its `finally` still runs.
    if (!settled) iterator.return?.().catch(() => undefined);
  });
  try {
    for (;;) {
      const next = await pending;
      if (next.done) {
        settled = true;
        return stream.end();
      }
      stream.send(next.value.event, next.value.data, next.value.id);
      if (stream.isEnded) return;
      pending = iterator.next();
    }
  } catch (error) {
    settled = true;
    stream.fail(error);
  }
}
