import { EventEmitter } from 'node:events';
import type { ServerResponse } from 'node:http';
import type { FastifyReply } from 'fastify';
import { NotFoundError } from '../errors/domain-error';
import { openSseStream, pipeToSse, SseEvent, SseStream } from './sse-stream';

/** A raw response as far as the stream uses it: records what was written and how it ended. */
class FakeResponse extends EventEmitter {
  status?: number;
  headers: Record<string, string> = {};
  text = '';
  destroyed = false;
  writableEnded = false;
  writableFinished = false;
  writableLength = 0;
  /** Bytes the client "takes"; the rest stays unsent. */
  unsentAfterWrite = 0;
  failWrites = false;

  writeHead(status: number, headers: Record<string, string>): this {
    this.status = status;
    this.headers = headers;
    return this;
  }

  flushHeaders(): void {}

  write(chunk: string): boolean {
    if (this.failWrites) throw new Error('EPIPE');
    this.text += chunk;
    this.writableLength += this.unsentAfterWrite;
    return true;
  }

  end(): this {
    this.writableEnded = true;
    this.writableFinished = true;
    this.emit('finish');
    return this;
  }

  destroy(): this {
    this.destroyed = true;
    return this;
  }

  /** The client goes away. */
  hangUp(): void {
    this.destroyed = true;
    this.emit('close');
  }

  events(): Array<{ id: string; event: string; data: unknown }> {
    return [...this.text.matchAll(/id: (.*)\nevent: (.*)\ndata: (.*)\n\n/g)].map(
      ([, id, event, data]) => ({ id: id!, event: event!, data: JSON.parse(data!) as unknown }),
    );
  }
}

function open(options: { heartbeatMs?: number; maxUnsentBytes?: number } = {}) {
  const response = new FakeResponse();
  const stream = new SseStream(response as unknown as ServerResponse, {
    requestId: 'req-1',
    ...options,
  });
  return { response, stream };
}

/** An event source the test drives: each `next()` waits for the test to push or throw. */
function controlledEvents() {
  const waiting: Array<{
    resolve: (result: IteratorResult<SseEvent>) => void;
    reject: (error: unknown) => void;
  }> = [];
  let returned = 0;
  const iterator: AsyncIterator<SseEvent> = {
    next: () => new Promise((resolve, reject) => waiting.push({ resolve, reject })),
    return: () => {
      returned += 1;
      for (const pending of waiting.splice(0)) pending.resolve({ done: true, value: undefined });
      return Promise.resolve({ done: true, value: undefined });
    },
  };
  const nextTurn = () => new Promise((resolve) => setImmediate(resolve));
  return {
    events: { [Symbol.asyncIterator]: () => iterator },
    get returned() {
      return returned;
    },
    async push(event: SseEvent) {
      await nextTurn();
      waiting.shift()!.resolve({ done: false, value: event });
      await nextTurn();
    },
    async throw(error: unknown) {
      await nextTurn();
      waiting.shift()!.reject(error);
      await nextTurn();
    },
  };
}

describe('SseStream', () => {
  it('opens with the event-stream headers and numbers events without an id', () => {
    const { response, stream } = open();
    stream.send('token', { delta: 'Hi' });
    stream.send('message.created', { id: 42 }, 42);
    stream.send('done', {});

    expect(response.status).toBe(200);
    expect(response.headers).toEqual({
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
      'x-request-id': 'req-1',
    });
    expect(response.text).toBe(
      'id: 1\nevent: token\ndata: {"delta":"Hi"}\n\n' +
        'id: 42\nevent: message.created\ndata: {"id":42}\n\n' +
        'id: 2\nevent: done\ndata: {}\n\n',
    );
  });

  it('sends a failure as an error event in the error shape, then ends', () => {
    const { response, stream } = open();
    const reasons: string[] = [];
    stream.onEnd((reason) => reasons.push(reason));
    stream.fail(new NotFoundError('template_not_found', 'No template'));

    expect(response.events()).toEqual([
      {
        id: '1',
        event: 'error',
        data: expect.objectContaining({
          statusCode: 404,
          code: 'template_not_found',
          requestId: 'req-1',
        }) as unknown,
      },
    ]);
    expect(response.writableEnded).toBe(true);
    expect(reasons).toEqual(['failed']);
    expect(stream.signal.aborted).toBe(true);
  });

  it('ignores writes after the end, and ends once', () => {
    const { response, stream } = open();
    const reasons: string[] = [];
    stream.onEnd((reason) => reasons.push(reason));
    stream.end();
    stream.send('token', { delta: 'late' });
    stream.comment('late');
    stream.fail(new Error('late'));
    stream.end();
    response.hangUp();

    expect(response.text).toBe('');
    expect(reasons).toEqual(['completed']);
    expect(stream.signal.aborted).toBe(false);
  });

  it('ends as client_gone when a write fails, and aborts the work', () => {
    const { response, stream } = open();
    const reasons: string[] = [];
    stream.onEnd((reason) => reasons.push(reason));
    response.failWrites = true;
    stream.send('token', { delta: 'x' });

    expect(reasons).toEqual(['client_gone']);
    expect(stream.signal.aborted).toBe(true);
  });

  it('ends a client that falls too far behind with stream_too_slow', () => {
    const { response, stream } = open({ maxUnsentBytes: 10 });
    response.unsentAfterWrite = 11;
    stream.send('token', { delta: 'x' });

    expect(response.events().at(-1)).toMatchObject({
      event: 'error',
      data: { code: 'stream_too_slow' },
    });
    expect(stream.isEnded).toBe(true);
  });

  it('sends heartbeats until it ends', () => {
    jest.useFakeTimers();
    try {
      const { response, stream } = open({ heartbeatMs: 1000 });
      jest.advanceTimersByTime(2500);
      stream.end();
      jest.advanceTimersByTime(5000);
      expect(response.text).toBe(': heartbeat\n\n: heartbeat\n\n');
    } finally {
      jest.useRealTimers();
    }
  });

  it('ends at once on a response whose client already left', () => {
    const response = new FakeResponse();
    response.destroyed = true;
    const stream = new SseStream(response as unknown as ServerResponse, { requestId: 'req-1' });

    expect(stream.isEnded).toBe(true);
    expect(stream.signal.aborted).toBe(true);
  });

  it('aborts the controller the work was started with', () => {
    const cancel = new AbortController();
    const response = new FakeResponse();
    new SseStream(response as unknown as ServerResponse, { requestId: 'req-1', cancel });
    response.hangUp();

    expect(cancel.signal.aborted).toBe(true);
  });
});

describe('openSseStream', () => {
  it('takes the reply over and, for resumable streams, sends retry and a connected comment', () => {
    const response = new FakeResponse();
    const hijack = jest.fn();
    const reply = { hijack, raw: response } as unknown as FastifyReply;
    openSseStream(reply, { requestId: 'req-1', headers: { 'idempotent-replayed': 'true' } });
    expect(hijack).toHaveBeenCalled();
    expect(response.headers['idempotent-replayed']).toBe('true');
    expect(response.text).toBe('');

    const resumable = new FakeResponse();
    openSseStream({ hijack, raw: resumable } as unknown as FastifyReply, {
      requestId: 'req-2',
      retryMs: 3000,
    });
    expect(resumable.text).toBe('retry: 3000\n\n: connected\n\n');
  });
});

describe('pipeToSse', () => {
  it('sends every event, then ends the stream', async () => {
    const { response, stream } = open();
    async function* reply() {
      yield { event: 'meta', data: { version: 1 } };
      yield { event: 'done', data: { response: 'Hi' } };
    }
    await pipeToSse(stream, reply());

    expect(response.events().map((event) => event.event)).toEqual(['meta', 'done']);
    expect(response.writableEnded).toBe(true);
    expect(stream.signal.aborted).toBe(false);
  });

  it('sends an error event and ends when the work throws mid-stream', async () => {
    const { response, stream } = open();
    async function* reply() {
      yield { event: 'token', data: { delta: 'Hel' } };
      throw new NotFoundError('template_not_found', 'No template');
    }
    await pipeToSse(stream, reply());

    expect(response.events()).toEqual([
      { id: '1', event: 'token', data: { delta: 'Hel' } },
      {
        id: '2',
        event: 'error',
        data: expect.objectContaining({ code: 'template_not_found' }) as unknown,
      },
    ]);
    expect(response.writableEnded).toBe(true);
  });

  it('aborts the work and returns its iterator when the client goes away mid-stream', async () => {
    const { response, stream } = open();
    const source = controlledEvents();
    const piping = pipeToSse(stream, source.events);
    await source.push({ event: 'token', data: { delta: 'Hel' } });
    response.hangUp();
    await piping;

    expect(stream.signal.aborted).toBe(true);
    expect(source.returned).toBe(1);
    expect(response.events()).toHaveLength(1);
  });

  it('lets a generator that is stopped run its cleanup', async () => {
    const { response, stream } = open();
    const cleanedUp: string[] = [];
    let release: () => void = () => undefined;
    async function* reply() {
      try {
        yield { event: 'meta', data: {} };
        await new Promise<void>((resolve) => (release = resolve));
        yield { event: 'token', data: { delta: 'unseen' } };
      } finally {
        cleanedUp.push('finally');
      }
    }
    const piping = pipeToSse(stream, reply());
    await new Promise((resolve) => setImmediate(resolve));
    response.hangUp();
    release();
    await piping;
    await new Promise((resolve) => setImmediate(resolve));

    expect(cleanedUp).toEqual(['finally']);
    expect(response.events().map((event) => event.event)).toEqual(['meta']);
  });

  it('starts the work even when the client left before the stream opened', async () => {
    const response = new FakeResponse();
    response.destroyed = true;
    const stream = new SseStream(response as unknown as ServerResponse, { requestId: 'req-1' });
    const ran: string[] = [];
    async function* reply() {
      try {
        ran.push('started');
        yield { event: 'meta', data: {} };
      } finally {
        ran.push('finally');
      }
    }
    await pipeToSse(stream, reply());
    await new Promise((resolve) => setImmediate(resolve));

    expect(ran).toEqual(['started', 'finally']);
    expect(response.text).toBe('');
  });

  it('sends nothing more when the work fails after the client went away', async () => {
    const { response, stream } = open();
    let cutShort: (error: Error) => void = () => undefined;
    async function* reply() {
      yield { event: 'token', data: { delta: 'Hel' } };
      await new Promise<void>((_resolve, reject) => (cutShort = reject));
    }
    const piping = pipeToSse(stream, reply());
    await new Promise((resolve) => setImmediate(resolve));
    response.hangUp();
    cutShort(new Error('aborted'));
    await piping;

    expect(response.events().map((event) => event.event)).toEqual(['token']);
  });
});
