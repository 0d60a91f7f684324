export interface SseEvent {
  event: string;
  id?: string;
  data: any;
}

/**
 * A Server-Sent Events stream chunk by chunk as received: its text, and the events it completed
 * (data parsed as JSON; blocks without data, such as heartbeat comments, are skipped).
 */
async function* sseChunks(
  reader: ReadableStreamDefaultReader<Uint8Array>,
): AsyncGenerator<{ text: string; events: SseEvent[] }> {
  const decoder = new TextDecoder();
  let buffer = '';
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return;
    const text = decoder.decode(value, { stream: true });
    const events: SseEvent[] = [];
    buffer += text;
    let boundary = buffer.indexOf('\n\n');
    while (boundary !== -1) {
      const block = buffer.slice(0, boundary);
      buffer = buffer.slice(boundary + 2);
      const event: SseEvent = { event: 'message', data: undefined };
      const data: string[] = [];
      for (const line of block.split('\n')) {
        if (line.startsWith('event: ')) event.event = line.slice(7);
        else if (line.startsWith('id: ')) event.id = line.slice(4);
        else if (line.startsWith('data: ')) data.push(line.slice(6));
      }
      if (data.length > 0) {
        event.data = JSON.parse(data.join('\n'));
        events.push(event);
      }
      boundary = buffer.indexOf('\n\n');
    }
    yield { text, events };
  }
}

/** Reads a whole Server-Sent Events response into its events (data parsed as JSON). */
export async function readSse(
  response: Response,
  onEvent?: (event: SseEvent) => boolean | void,
): Promise<SseEvent[]> {
  const events: SseEvent[] = [];
  const reader = response.body!.getReader();
  for await (const chunk of sseChunks(reader)) {
    for (const event of chunk.events) {
      events.push(event);
      // The callback may stop reading (e.g. to simulate a client going away).
      if (onEvent?.(event) === true) {
        await reader.cancel();
        return events;
      }
    }
  }
  return events;
}

/** Polls until `check` passes or the deadline is reached (no fixed sleeps). */
export async function eventually<T>(check: () => Promise<T>, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      return await check();
    } catch (error) {
      lastError = error;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }
  throw lastError;
}

export interface SseConnection {
  status: number;
  headers: Headers;
  events: SseEvent[];
  /** Everything received, comments included. */
  raw(): string;
  /** Resolves with the first event (already received or coming) that matches, or rejects. */
  waitFor(predicate: (event: SseEvent) => boolean, timeoutMs?: number): Promise<SseEvent>;
  waitForText(text: string, timeoutMs?: number): Promise<void>;
  close(): void;
}

/** Opens an event stream and keeps reading it in the background until closed. */
export async function openSse(
  url: string,
  headers: Record<string, string> = {},
): Promise<SseConnection> {
  const controller = new AbortController();
  const response = await fetch(url, { headers, signal: controller.signal });
  const events: SseEvent[] = [];
  let text = '';
  const waiters = new Set<() => void>();
  const notify = () => waiters.forEach((waiter) => waiter());
  if (response.ok && response.headers.get('content-type')?.includes('text/event-stream')) {
    void (async () => {
      try {
        for await (const chunk of sseChunks(response.body!.getReader())) {
          text += chunk.text;
          events.push(...chunk.events);
          notify();
        }
      } catch {
        // Closed by the test.
      }
    })();
  }
  const waitUntil = (check: () => boolean, timeoutMs: number, what: string) =>
    new Promise<void>((resolve, reject) => {
      if (check()) return resolve();
      const timer = setTimeout(() => {
        waiters.delete(waiter);
        reject(
          new Error(
            `timed out after ${timeoutMs} ms waiting for ${what}; received: ${text.slice(-2000)}`,
          ),
        );
      }, timeoutMs);
      const waiter = () => {
        if (!check()) return;
        clearTimeout(timer);
        waiters.delete(waiter);
        resolve();
      };
      waiters.add(waiter);
    });
  return {
    status: response.status,
    headers: response.headers,
    events,
    raw: () => text,
    waitFor: async (predicate, timeoutMs = 5000) => {
      await waitUntil(() => events.some(predicate), timeoutMs, 'an event');
      return events.find(predicate)!;
    },
    waitForText: (wanted, timeoutMs = 5000) =>
      waitUntil(() => text.includes(wanted), timeoutMs, JSON.stringify(wanted)),
    close: () => controller.abort(),
  };
}
