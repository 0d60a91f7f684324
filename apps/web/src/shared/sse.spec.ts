/**
 * @jest-environment node
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { postSse, readSseStream, SseHttpError, type SseMessage, subscribeSse } from './sse';

type Handler = (request: IncomingMessage, response: ServerResponse) => void;
let server: Server;
let base: string;
let handler: Handler;

beforeAll(async () => {
  server = createServer((request, response) => handler(request, response));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

function streamOf(chunks: string[]): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  return new ReadableStream({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(encoder.encode(chunk));
      controller.close();
    },
  });
}

async function collect(iterable: AsyncIterable<SseMessage>): Promise<SseMessage[]> {
  const out: SseMessage[] = [];
  for await (const message of iterable) out.push(message);
  return out;
}

describe('readSseStream', () => {
  it('parses events split across chunks, skips comments, joins multi-line data', async () => {
    const messages = await collect(
      readSseStream(
        streamOf([
          ': heartbeat\n\nid: 4\nevent: tok',
          'en\ndata: {"delta":"Hel"}\n\n',
          'event: done\r\ndata: line one\r\ndata: line two\r\n\r\n',
          'data: no newline at end',
        ]),
      ),
    );
    expect(messages).toEqual([
      { event: 'token', id: '4', data: '{"delta":"Hel"}' },
      { event: 'done', id: undefined, data: 'line one\nline two' },
      { event: 'message', id: undefined, data: 'no newline at end' },
    ]);
  });
});

describe('postSse', () => {
  it('sends the JSON body and yields each event as it arrives', async () => {
    let received = '';
    handler = (request, response) => {
      request.on('data', (chunk: Buffer) => (received += chunk.toString()));
      request.on('end', () => {
        response.writeHead(200, { 'content-type': 'text/event-stream' });
        response.write('event: token\ndata: {"delta":"a"}\n\n');
        response.end('event: done\ndata: {"response":"a"}\n\n');
      });
    };
    const events = await collect(postSse(`${base}/chat/stream`, { message: 'hi' }));
    expect(JSON.parse(received)).toEqual({ message: 'hi' });
    expect(events.map((e) => e.event)).toEqual(['token', 'done']);
  });

  it('throws the error body of a non-2xx response', async () => {
    handler = (_request, response) => {
      response.writeHead(423, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ code: 'conversation_halted', message: 'Halted by ops: test' }));
    };
    const failure = await collect(postSse(`${base}/chat/stream`, {})).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(SseHttpError);
    expect(failure).toMatchObject({
      status: 423,
      message: 'Halted by ops: test',
      body: { code: 'conversation_halted' },
    });
  });
});

describe('subscribeSse', () => {
  it('reconnects after the stream drops and resumes with Last-Event-ID', async () => {
    const lastEventIds: (string | undefined)[] = [];
    handler = (request, response) => {
      lastEventIds.push(request.headers['last-event-id'] as string | undefined);
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      if (lastEventIds.length === 1) {
        response.end('id: 7\nevent: message.created\ndata: {"n":1}\n\n');
      } else {
        response.write('id: 8\nevent: message.created\ndata: {"n":2}\n\n');
      }
    };
    const received: string[] = [];
    const statuses: boolean[] = [];
    await new Promise<void>((resolve) => {
      const stop = subscribeSse(`${base}/admin/events`, {
        retryMs: 10,
        onStatus: (connected) => statuses.push(connected),
        onMessage: (message) => {
          received.push(`${message.id}:${message.data}`);
          if (received.length === 2) {
            stop();
            resolve();
          }
        },
      });
    });
    expect(received).toEqual(['7:{"n":1}', '8:{"n":2}']);
    expect(lastEventIds).toEqual([undefined, '7']);
    expect(statuses).toEqual([true, false, true]);
  });

  it('stops on a 4xx that retrying cannot fix', async () => {
    let calls = 0;
    handler = (_request, response) => {
      calls += 1;
      response.writeHead(401, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ code: 'unauthorized', message: 'Log in' }));
    };
    const error = await new Promise<SseHttpError>((resolve) => {
      subscribeSse(`${base}/admin/events`, {
        retryMs: 10,
        onMessage: () => undefined,
        onFatal: resolve,
      });
    });
    expect(error.status).toBe(401);
    expect(calls).toBe(1);
  });
});
