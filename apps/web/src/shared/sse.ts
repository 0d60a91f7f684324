// The one place the SPA reads Server-Sent Events (the generated client cannot stream):
// POST streams for chat replies, GET streams with reconnect and Last-Event-ID for live events.

export interface SseMessage {
  event: string;
  id?: string;
  data: string;
}

export class SseHttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
  ) {
    super(
      typeof body === 'object' && body !== null && 'message' in body
        ? String(body.message)
        : `HTTP ${status}`,
    );
  }
}

/** Splits a byte stream into SSE messages (comments and data-less blocks are skipped). */
export async function* readSseStream(
  body: ReadableStream<Uint8Array>,
  signal?: AbortSignal,
): AsyncGenerator<SseMessage> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  const onAbort = () => void reader.cancel().catch(() => undefined);
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true }).replace(/\r\n?/g, '\n');
      let boundary = buffer.indexOf('\n\n');
      while (boundary !== -1) {
        const message = parseBlock(buffer.slice(0, boundary));
        buffer = buffer.slice(boundary + 2);
        if (message) yield message;
        boundary = buffer.indexOf('\n\n');
      }
    }
    const last = parseBlock(buffer);
    if (last) yield last;
  } finally {
    signal?.removeEventListener('abort', onAbort);
    reader.releaseLock();
  }
}

function parseBlock(block: string): SseMessage | undefined {
  let event = 'message';
  let id: string | undefined;
  const data: string[] = [];
  for (const line of block.split('\n')) {
    if (line === '' || line.startsWith(':')) continue;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    const value = colon === -1 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (field === 'event') event = value;
    else if (field === 'id') id = value;
    else if (field === 'data') data.push(value);
  }
  if (data.length === 0) return undefined;
  return { event, id, data: data.join('\n') };
}

async function failure(response: Response): Promise<SseHttpError> {
  const text = await response.text().catch(() => '');
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: keep the text
  }
  return new SseHttpError(response.status, body);
}

/** POSTs JSON and yields the events of the streamed response (e.g. POST /chat/stream). */
export async function* postSse(
  url: string,
  body: unknown,
  signal?: AbortSignal,
  headers: Record<string, string> = {},
): AsyncGenerator<SseMessage> {
  const response = await fetch(url, {
    method: 'POST',
    credentials: 'include',
    headers: { ...headers, 'content-type': 'application/json', accept: 'text/event-stream' },
    body: JSON.stringify(body),
    signal,
  });
  if (!response.ok || !response.body) throw await failure(response);
  yield* readSseStream(response.body, signal);
}

export interface SubscribeOptions {
  onMessage: (message: SseMessage) => void;
  /** Connected (true) or waiting to reconnect (false). */
  onStatus?: (connected: boolean) => void;
  /** A response that will not get better by retrying (4xx): the subscription stops. */
  onFatal?: (error: SseHttpError) => void;
  retryMs?: number;
  maxRetryMs?: number;
  headers?: Record<string, string>;
}

/**
 * Follows a GET event stream until unsubscribed; reconnects with backoff and resumes with
 * Last-Event-ID so no event is lost or repeated.
 */
export function subscribeSse(url: string, options: SubscribeOptions): () => void {
  const controller = new AbortController();
  const { retryMs = 500, maxRetryMs = 10_000 } = options;
  let lastEventId: string | undefined;
  let delay = retryMs;

  const run = async () => {
    while (!controller.signal.aborted) {
      try {
        const headers: Record<string, string> = {
          ...options.headers,
          accept: 'text/event-stream',
        };
        if (lastEventId !== undefined) headers['last-event-id'] = lastEventId;
        const response = await fetch(url, {
          credentials: 'include',
          headers,
          signal: controller.signal,
        });
        if (!response.ok || !response.body) {
          const error = await failure(response);
          if (response.status >= 400 && response.status < 500 && response.status !== 429) {
            options.onFatal?.(error);
            return;
          }
          throw error;
        }
        options.onStatus?.(true);
        delay = retryMs;
        for await (const message of readSseStream(response.body, controller.signal)) {
          if (message.id !== undefined) lastEventId = message.id;
          options.onMessage(message);
        }
      } catch {
        // network error or server restart: reconnect below
      }
      if (controller.signal.aborted) return;
      options.onStatus?.(false);
      await new Promise((resolve) => setTimeout(resolve, delay));
      delay = Math.min(delay * 2, maxRetryMs);
    }
  };
  void run();
  return () => controller.abort();
}
