import { connect, Socket } from 'node:net';
import { EventsService } from '../../src/modules/events/events.service';
import { aUserId } from '../factories/memory';
import { eventually, openSse, readSse } from '../setup/sse';
import { startTestApp, TestApp } from '../setup/test-app';

const HOOK_TIMEOUT_MS = 60_000;
const MAX_UNSENT_BYTES = 64 * 1024;

/** The error event a stream ends with, parsed. */
function lastErrorEvent(text: string): { code: string; statusCode: number } | undefined {
  const blocks = text.split('\n\n').filter((block) => block.includes('event: error'));
  const data = blocks.at(-1)?.match(/^data: (.*)$/m)?.[1];
  return data === undefined ? undefined : JSON.parse(data);
}

/**
 * An event stream read by a raw socket: paused, it is a client that never reads, and the
 * server's writes pile up in its buffers.
 */
function rawStream(
  baseUrl: string,
  path: string,
  headers: Record<string, string>,
): Promise<{ socket: Socket; text: () => string }> {
  const { hostname, port } = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    let text = '';
    const socket = connect(Number(port), hostname, () => {
      const extra = Object.entries(headers)
        .map(([name, value]) => `${name}: ${value}\r\n`)
        .join('');
      socket.write(
        `GET ${path} HTTP/1.1\r\nHost: ${hostname}\r\nAccept: text/event-stream\r\n${extra}\r\n`,
      );
    });
    socket.setEncoding('utf8');
    const onData = (chunk: string) => {
      text += chunk;
      if (text.includes(': connected')) {
        resolve({ socket, text: () => text });
      }
    };
    socket.on('data', onData);
    socket.on('error', reject);
  });
}

describe('event streams end on failure', () => {
  let api: TestApp;
  const events = () => api.app.get(EventsService);

  beforeAll(async () => {
    api = await startTestApp({
      EVENTS_HEARTBEAT_MS: '100',
      EVENTS_POLL_MS: '100',
      EVENTS_STREAM_MAX_UNSENT_BYTES: String(MAX_UNSENT_BYTES),
    });
  }, HOOK_TIMEOUT_MS);
  afterAll(() => api.close(), HOOK_TIMEOUT_MS);

  it('ends the stream with an error event when the replay fails, and stops the heartbeat', async () => {
    const userId = aUserId('replay');
    await api.http('PUT', `/admin/state/${userId}?mode=one`);
    await events().settle();
    // The events table cannot be read while the client resumes.
    await api.sql('ALTER TABLE events RENAME TO events_unreadable');
    try {
      const response = await fetch(`${api.baseUrl}/admin/events`, {
        headers: { ...api.authHeaders, 'last-event-id': '0' },
      });
      expect(response.status).toBe(200);
      // readSse returns once the response finished: the stream ended instead of idling on.
      const received = await readSse(response);
      expect(received.map((event) => event.event)).toEqual(['error']);
      expect(received[0]!.data).toMatchObject({ statusCode: 503, code: 'events_unavailable' });
    } finally {
      await api.sql('ALTER TABLE events_unreadable RENAME TO events');
    }
    await eventually(async () => expect(events().openStreams).toBe(0));
    // The stream works again once the table is back.
    const feed = await openSse(`${api.baseUrl}/admin/events?user_id=${userId}`, {
      ...api.authHeaders,
      'last-event-id': '0',
    });
    try {
      await feed.waitFor((event) => event.data?.data?.mode === 'one');
    } finally {
      feed.close();
    }
  });

  it('ends the stream of a client that never reads once its unsent bytes pass the limit', async () => {
    const { socket, text } = await rawStream(api.baseUrl, '/admin/events', api.authHeaders);
    socket.pause();
    await eventually(async () => expect(events().openStreams).toBe(1));
    // ~64 KB per event: the kernel's socket buffers take the first megabytes, then the
    // server's own buffer fills up to the limit and the stream is ended.
    const blob = 'x'.repeat(64 * 1024);
    let published = 0;
    while (events().openStreams > 0 && published < 600) {
      for (let batch = 0; batch < 10; batch += 1) {
        events().publish('template.changed', { data: { blob, n: published } });
        published += 1;
      }
      await events().settle();
    }
    expect(events().openStreams).toBe(0);
    const publishedBytes = published * blob.length;
    // Reading now gets what was sent before the end, then the error event, then the last
    // chunk of the response (the connection itself may stay open for keep-alive).
    socket.resume();
    await eventually(
      async () => expect(text()).toMatch(/event: error\n[^]*\r\n0\r\n\r\n$/),
      15_000,
    );
    const error = lastErrorEvent(text());
    expect(error).toMatchObject({ statusCode: 503, code: 'stream_too_slow' });
    // What the server kept for this client was bounded: less than what was published.
    expect(text().length).toBeLessThan(publishedBytes);
    expect(text().slice(text().lastIndexOf('event: error'))).not.toContain('heartbeat');
    socket.destroy();
  });

  it('ends open streams with an error event when the app shuts down', async () => {
    const app = await startTestApp({ EVENTS_HEARTBEAT_MS: '100' }, { database: api.database });
    const response = await fetch(`${app.baseUrl}/chat/events?user_id=${aUserId('shutdown')}`);
    const reading = readSse(response);
    await eventually(async () => expect(app.app.get(EventsService).openStreams).toBe(1));
    await app.close();
    const received = await reading;
    expect(received.map((event) => event.event)).toEqual(['error']);
    expect(received[0]!.data).toMatchObject({ statusCode: 503, code: 'shutting_down' });
  });
});
