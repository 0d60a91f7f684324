import { RunningStubServer } from '@promptdev/llm-stub';
import {
  chatBody,
  chatStreamText,
  completionBody,
  post,
  rawPost,
  sseData,
  sseJson,
  useStub,
} from './stub-harness';

const CHAT = '/v1/chat/completions';
const COMPLETION = '/completion';

async function fail(stub: RunningStubServer, ...failures: unknown[]) {
  const result = await post(stub, '/_stub/control', { failures });
  expect(result.status).toBe(200);
}

/** The outcome of the latest request once it has one. */
async function lastOutcome(stub: RunningStubServer): Promise<string> {
  const requests = stub.control.requests();
  const last = requests.at(-1);
  if (!last) throw new Error('no request recorded');
  const settled = await stub.control.waitForRequest(
    (request) => request.id === last.id && request.outcome !== 'pending',
  );
  return settled.outcome;
}

describe('failure modes', () => {
  const stub = useStub();

  describe('status', () => {
    it('fails the next N calls with the status and Retry-After, then answers normally', async () => {
      await fail(stub(), { mode: 'status', status: 503, count: 2, retry_after: 1 });
      for (let call = 1; call <= 2; call++) {
        const result = await post(stub(), CHAT, chatBody());
        expect(result.status).toBe(503);
        expect(result.headers.get('retry-after')).toBe('1');
        expect(result.json).toEqual({
          error: {
            message: 'Stub failure: HTTP 503',
            type: 'unavailable_error',
            param: null,
            code: null,
          },
        });
        expect(await lastOutcome(stub())).toBe('failed:status');
      }
      const recovered = await post(stub(), CHAT, chatBody());
      expect(recovered.status).toBe(200);
      expect(recovered.headers.get('retry-after')).toBeNull();
      expect(await lastOutcome(stub())).toBe('ok');
    });

    it('speaks each API: a 429 for OpenAI, a default 500 for llama.cpp', async () => {
      await fail(stub(), { mode: 'status', status: 429, message: 'Slow down' }, { mode: 'status' });
      const limited = await post(stub(), CHAT, chatBody());
      expect(limited.status).toBe(429);
      expect(limited.json.error).toEqual({
        message: 'Slow down',
        type: 'rate_limit_error',
        param: null,
        code: 'rate_limit_exceeded',
      });
      const broken = await post(stub(), COMPLETION, completionBody());
      expect(broken.status).toBe(500);
      expect(broken.json).toEqual({
        error: { code: 500, message: 'Stub failure: HTTP 500', type: 'server_error' },
      });
      expect((await post(stub(), COMPLETION, completionBody())).status).toBe(200);
    });

    it('answers a streaming request with the plain JSON error', async () => {
      await fail(stub(), { mode: 'status', status: 502 });
      const result = await post(stub(), CHAT, chatBody('hi', { stream: true }));
      expect(result.status).toBe(502);
      expect(result.headers.get('content-type')).toBe('application/json');
      expect(result.json.error.type).toBe('server_error');
    });
  });

  describe('hang', () => {
    it('holds the request open while other calls are answered', async () => {
      await fail(stub(), { mode: 'hang' });
      const hanging = post(stub(), CHAT, chatBody()).then(
        () => 'answered',
        () => 'failed',
      );
      const pending = await stub().control.waitForRequest((request) => request.path === CHAT);
      expect(pending.outcome).toBe('pending');
      expect((await post(stub(), COMPLETION, completionBody())).status).toBe(200);
      expect(pending.outcome).toBe('pending');

      await stub().close();
      expect(await hanging).toBe('failed');
      expect(pending.outcome).toBe('aborted');
    });

    it('records a client timeout as aborted', async () => {
      await fail(stub(), { mode: 'hang' });
      const call = fetch(`${stub().url}${CHAT}`, {
        method: 'POST',
        body: JSON.stringify(chatBody()),
        signal: AbortSignal.timeout(100),
      });
      await expect(call).rejects.toThrow();
      expect(await lastOutcome(stub())).toBe('aborted');
    });
  });

  describe('drop', () => {
    it('closes the connection before any byte without streaming', async () => {
      await fail(stub(), { mode: 'drop' });
      const result = await rawPost(stub(), CHAT, chatBody());
      expect(result.status).toBe(0);
      expect(result.error).toBeDefined();
      expect(await lastOutcome(stub())).toBe('failed:drop');
      expect((await post(stub(), CHAT, chatBody())).status).toBe(200);
    });

    it('closes an OpenAI stream after K tokens', async () => {
      await fail(stub(), { mode: 'drop', after_tokens: 2 });
      const result = await rawPost(stub(), CHAT, chatBody('one two three', { stream: true }));
      expect(result.status).toBe(200);
      expect(result.error).toBeDefined();
      expect(result.received).not.toContain('[DONE]');
      expect(chatStreamText(result.received)).toBe('Echo: one');
      expect(await lastOutcome(stub())).toBe('failed:drop');
    });

    it('closes a llama.cpp stream after the headers when K is 0', async () => {
      await fail(stub(), { mode: 'drop', after_tokens: 0 });
      const result = await rawPost(stub(), COMPLETION, completionBody('hi', { stream: true }));
      expect(result.status).toBe(200);
      expect(result.received).toBe('');
      expect(result.error).toBeDefined();
    });

    it('makes fetch fail mid-stream', async () => {
      await fail(stub(), { mode: 'drop', after_tokens: 1 });
      const response = await fetch(`${stub().url}${CHAT}`, {
        method: 'POST',
        body: JSON.stringify(chatBody('a b c', { stream: true })),
      });
      expect(response.status).toBe(200);
      await expect(response.text()).rejects.toThrow();
    });
  });

  describe('malformed', () => {
    it('answers 200 with a body that is not JSON', async () => {
      await fail(stub(), { mode: 'malformed' }, { mode: 'malformed' });
      for (const [path, body] of [
        [CHAT, chatBody()],
        [COMPLETION, completionBody()],
      ] as const) {
        const result = await post(stub(), path, body);
        expect(result.status).toBe(200);
        expect(result.headers.get('content-type')).toBe('application/json');
        expect(() => JSON.parse(result.text) as unknown).toThrow();
        expect(await lastOutcome(stub())).toBe('failed:malformed');
      }
    });

    it('sends a broken event in an OpenAI stream after K tokens, then [DONE]', async () => {
      await fail(stub(), { mode: 'malformed', after_tokens: 2 });
      const result = await post(stub(), CHAT, chatBody('one two three', { stream: true }));
      const events = sseData(result.text);
      expect(events.at(-1)).toBe('[DONE]');
      const unparsable = events.filter((data) => {
        try {
          JSON.parse(data);
          return false;
        } catch {
          return data !== '[DONE]';
        }
      });
      expect(unparsable).toHaveLength(1);
      // The role chunk, two tokens, the broken event, [DONE].
      expect(events).toHaveLength(5);
    });

    it('sends a broken event in a llama.cpp stream after K tokens', async () => {
      await fail(stub(), { mode: 'malformed', after_tokens: 1 });
      const result = await post(stub(), COMPLETION, completionBody('one two', { stream: true }));
      const events = sseData(result.text);
      expect(JSON.parse(events[0]!)).toEqual({ content: 'Echo:', stop: false });
      expect(events).toHaveLength(2);
      expect(() => JSON.parse(events[1]!) as unknown).toThrow();
    });
  });

  describe('stream_error', () => {
    it('sends K tokens then an error event and ends the stream', async () => {
      await fail(stub(), { mode: 'stream_error', after_tokens: 2, message: 'GPU on fire' });
      const result = await post(stub(), CHAT, chatBody('one two three', { stream: true }));
      expect(result.status).toBe(200);
      const events = sseData(result.text);
      expect(events).not.toContain('[DONE]');
      expect(JSON.parse(events.at(-1)!)).toEqual({
        error: { message: 'GPU on fire', type: 'server_error' },
      });
      expect(chatStreamText(result.text)).toBe('Echo: one');
      expect(await lastOutcome(stub())).toBe('failed:stream_error');
    });

    it('does the same in a llama.cpp stream', async () => {
      await fail(stub(), { mode: 'stream_error' });
      const result = await post(stub(), COMPLETION, completionBody('one two', { stream: true }));
      const events = sseJson(result.text);
      expect(events).toEqual([
        { content: 'Echo:', stop: false },
        { error: { message: 'Stub stream error', type: 'server_error' } },
      ]);
    });

    it('answers 500 when the request does not stream', async () => {
      await fail(stub(), { mode: 'stream_error' });
      const result = await post(stub(), COMPLETION, completionBody());
      expect(result.status).toBe(500);
      expect(result.json.error).toMatchObject({ code: 500, type: 'server_error' });
    });
  });

  describe('latency and slow', () => {
    it('waits the latency before answering, plus the token latency per token', async () => {
      await post(stub(), '/_stub/control', { latency_ms: 60, token_latency_ms: 20 });
      const started = performance.now();
      const result = await post(stub(), CHAT, chatBody('a b'));
      // "Echo:", " a", " b": 60 + 3 × 20 ms.
      expect(performance.now() - started).toBeGreaterThanOrEqual(115);
      expect(result.json.choices[0].message.content).toBe('Echo: a b');
    });

    it('spaces streamed tokens by the token latency', async () => {
      await post(stub(), '/_stub/control', { token_latency_ms: 40 });
      const response = await fetch(`${stub().url}${COMPLETION}`, {
        method: 'POST',
        body: JSON.stringify(completionBody('a b', { stream: true })),
      });
      const arrivals: number[] = [];
      const decoder = new TextDecoder();
      let text = '';
      for await (const chunk of response.body!) {
        text += decoder.decode(chunk as Uint8Array, { stream: true });
        arrivals.push(performance.now());
      }
      expect(sseData(text)).toHaveLength(4);
      expect(arrivals.length).toBeGreaterThanOrEqual(3);
      expect(arrivals.at(-1)! - arrivals[0]!).toBeGreaterThanOrEqual(75);
    });

    it('slows only the next N calls', async () => {
      await fail(stub(), { mode: 'slow', latency_ms: 60_000 });
      const slowCall = fetch(`${stub().url}${CHAT}`, {
        method: 'POST',
        body: JSON.stringify(chatBody()),
        signal: AbortSignal.timeout(100),
      });
      await expect(slowCall).rejects.toThrow();
      expect(await lastOutcome(stub())).toBe('aborted');
      const next = await post(stub(), CHAT, chatBody());
      expect(next.status).toBe(200);
      expect(await lastOutcome(stub())).toBe('ok');
    });

    it('records a stream the client abandons midway as aborted', async () => {
      await post(stub(), '/_stub/control', { token_latency_ms: 50 });
      const controller = new AbortController();
      const response = await fetch(`${stub().url}${CHAT}`, {
        method: 'POST',
        body: JSON.stringify(chatBody('a b c d e f g h', { stream: true })),
        signal: controller.signal,
      });
      const reader = response.body!.getReader();
      const first = await reader.read();
      expect(new TextDecoder().decode(first.value)).toContain('"role":"assistant"');
      controller.abort();
      expect(await lastOutcome(stub())).toBe('aborted');
    });
  });
});
