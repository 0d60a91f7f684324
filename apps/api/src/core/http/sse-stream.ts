import type { ServerResponse } from 'node:http';
import { AllExceptionsFilter } from '../errors/all-exceptions.filter';
import { DomainError, ServiceUnavailableError } from '../errors/domain-error';
import { SseWriter } from './sse-writer';

/** Why a stream ended; every end goes through one path (SseStream.finish). */
export type SseEndReason = 'completed' | 'failed' | 'client_gone';

export interface SseStreamOptions {
  requestId: string;
  /** A comment this often keeps proxies from closing an idle stream; 0 for none. */
  heartbeatMs: number;
  /**
   * Bytes written but not yet taken by the client that the stream may hold. A client that falls
   * further behind gets an error event and the end: it reconnects (with Last-Event-ID).
   */
  maxUnsentBytes: number;
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

/**
 * A Server-Sent Events response with a bounded send buffer, a heartbeat and one way to end:
 * completion, a failure (sent as an `error` event with the error shape), a write error, a
 * client that reads too slowly or went away. Whatever ends it, the heartbeat stops, end
 * listeners run once, and nothing more is written.
 */
export class SseStream {
  private readonly writer: SseWriter;
  private readonly heartbeat?: NodeJS.Timeout;
  private readonly endListeners: Array<(reason: SseEndReason) => void> = [];
  private endReason?: SseEndReason;

  constructor(
    private readonly response: ServerResponse,
    private readonly options: SseStreamOptions,
  ) {
    this.writer = new SseWriter(response, { 'x-request-id': options.requestId });
    response.on('close', () => this.finish('client_gone'));
    response.on('error', () => this.finish('client_gone'));
    if (options.heartbeatMs > 0) {
      this.heartbeat = setInterval(() => this.comment('heartbeat'), options.heartbeatMs);
      this.heartbeat.unref();
    }
  }

  get isEnded(): boolean {
    return this.endReason !== undefined;
  }

  /** Runs once when the stream ends (at once if it already has). */
  onEnd(listener: (reason: SseEndReason) => void): void {
    if (this.endReason) listener(this.endReason);
    else this.endListeners.push(listener);
  }

  send(event: string, data: unknown, id?: string | number): void {
    this.write(() => this.writer.send(event, data, id));
  }

  comment(text: string): void {
    this.write(() => this.writer.comment(text));
  }

  retry(milliseconds: number): void {
    this.write(() => this.writer.retry(milliseconds));
  }

  /** Ends normally. */
  end(): void {
    this.finish('completed');
  }

  /** Sends the error (in the documented error shape) as an `error` event, then ends. */
  fail(error: unknown): void {
    if (this.isEnded) return;
    this.writer.send('error', errorBodies.toBody(error, this.options.requestId));
    this.finish('failed');
  }

  private write(writeEvent: () => void): void {
    if (this.isEnded) return;
    try {
      writeEvent();
    } catch {
      this.finish('client_gone');
      return;
    }
    if (this.response.writableLength > this.options.maxUnsentBytes) {
      this.fail(new SseClientTooSlowError(`${this.options.maxUnsentBytes} bytes unsent`));
    }
  }

  private finish(reason: SseEndReason): void {
    if (this.endReason) return;
    this.endReason = reason;
    clearInterval(this.heartbeat);
    this.writer.end();
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
