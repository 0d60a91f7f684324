import type { ServerResponse } from 'node:http';

/**
 * Writes Server-Sent Events to a raw Node response (the route has taken the response over
 * from Fastify). Knows whether the client is still there.
 */
export class SseWriter {
  private closed = false;
  private nextId = 1;

  constructor(
    private readonly response: ServerResponse,
    headers: Record<string, string>,
  ) {
    response.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      // Proxies such as nginx must not buffer the stream.
      'x-accel-buffering': 'no',
      ...headers,
    });
    response.flushHeaders();
    response.on('close', () => {
      this.closed = true;
    });
  }

  /** True once the client went away (or the stream was ended). */
  get isClosed(): boolean {
    return this.closed || this.response.destroyed;
  }

  onClose(listener: () => void): void {
    this.response.on('close', listener);
  }

  send(event: string, data: unknown, id: string | number = this.nextId++): void {
    if (this.isClosed) return;
    this.response.write(`id: ${id}\nevent: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  }

  /** How long a browser's EventSource waits before reconnecting. */
  retry(milliseconds: number): void {
    if (!this.isClosed) this.response.write(`retry: ${milliseconds}\n\n`);
  }

  comment(text: string): void {
    if (!this.isClosed) this.response.write(`: ${text}\n\n`);
  }

  end(): void {
    if (!this.isClosed) this.response.end();
    this.closed = true;
  }
}
