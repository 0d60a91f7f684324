import { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { RecordedRequest, RequestOutcome } from './request-log';
import { StubControl } from './stub-control';

/**
 * One request/response pair: pauses that end early when the client goes away, and the outcome
 * recorded for it once the response closes.
 */
export class Exchange {
  /** The recorded outcome if the response completes. */
  outcome: RequestOutcome = 'ok';
  record: RecordedRequest | undefined;
  closed = false;
  private timer: NodeJS.Timeout | undefined;
  private wake: ((completed: boolean) => void) | undefined;
  private readonly startedAt = performance.now();

  constructor(
    readonly request: IncomingMessage,
    readonly response: ServerResponse,
    private readonly control: StubControl,
    private readonly log: ((line: string) => void) | undefined,
  ) {
    response.once('close', () => this.onClose());
  }

  /** Resolves true after `ms`, or false as soon as the client has gone. */
  pause(ms: number): Promise<boolean> {
    if (this.closed) return Promise.resolve(false);
    return new Promise((resolve) => {
      this.wake = resolve;
      this.timer = setTimeout(() => {
        this.wake = undefined;
        resolve(true);
      }, ms);
    });
  }

  sendJson(status: number, body: string, headers?: OutgoingHttpHeaders): void {
    this.response.writeHead(status, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(body),
      ...headers,
    });
    this.response.end(body);
  }

  /** Closes the connection: after `pending` (and the headers) when streaming, else at once. */
  drop(pending?: string): void {
    this.settle('failed:drop');
    const socket = this.response.socket;
    if (!socket) return;
    if (pending === undefined) {
      socket.destroy();
      return;
    }
    if (pending) this.response.write(pending);
    else this.response.flushHeaders();
    socket.end(() => socket.destroy());
  }

  private settle(outcome: RequestOutcome): void {
    if (this.record?.outcome === 'pending') this.control.settle(this.record, outcome);
  }

  private onClose(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.wake?.(false);
    this.settle(this.response.writableFinished ? this.outcome : 'aborted');
    if (this.log) {
      const elapsed = (performance.now() - this.startedAt).toFixed(1);
      const outcome = this.record?.outcome ?? (this.response.writableFinished ? 'ok' : 'aborted');
      this.log(
        `${this.request.method} ${this.request.url} ${this.response.statusCode} ${outcome} ${elapsed}ms`,
      );
    }
  }
}
