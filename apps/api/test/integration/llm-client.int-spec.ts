import { RunningStubServer } from '@promptdev/llm-stub';
import { loadConfig } from '../../src/core/config/app-config';
import { LlmClient } from '../../src/modules/llm/llm.client';
import {
  LlmAbortedError,
  LlmBadResponseError,
  LlmCircuitOpenError,
  LlmRejectedError,
  LlmTimeoutError,
  LlmUnavailableError,
} from '../../src/modules/llm/llm.errors';
import { LlmRequest, LlmStreamEvent } from '../../src/modules/llm/llm.types';
import { startLlmStub } from '../setup/llm-stub';

const hello: LlmRequest = {
  messages: [
    { role: 'system', content: 'You are Luna.' },
    { role: 'user', content: 'hello there' },
  ],
  requestId: 'req-1',
};

describe('LlmClient against the stub LLM over HTTP', () => {
  let stub: RunningStubServer;
  const clients: LlmClient[] = [];

  const client = (env: Record<string, string> = {}) => {
    const created = new LlmClient(
      loadConfig({ LLM_BASE_URL: stub.url, LLM_RETRY_BASE_MS: '10', LLM_MAX_RETRIES: '3', ...env }),
    );
    clients.push(created);
    return created;
  };
  const completions = () =>
    stub.control.requests().filter((request) => request.path !== '/v1/models');

  beforeAll(async () => {
    stub = await startLlmStub();
  });
  beforeEach(() => stub.control.reset());
  afterEach(() => clients.splice(0).forEach((created) => created.onModuleDestroy()));
  afterAll(() => stub.close());

  it('completes a chat and reports usage, model and one attempt', async () => {
    const completion = await client().complete(hello);
    expect(completion).toMatchObject({
      content: 'Echo: hello there',
      finishReason: 'stop',
      attempts: 1,
    });
    expect(completion.promptTokens).toBeGreaterThan(0);
    expect(completion.completionTokens).toBeGreaterThan(0);
    const [request] = completions();
    expect(request?.body).toMatchObject({
      messages: hello.messages,
      stream: false,
      model: 'default',
    });
    expect(request?.headers['x-request-id']).toBe('req-1');
  });

  it('sends the generation parameters it is given', async () => {
    await client().complete({
      ...hello,
      params: { temperature: 0.3, max_tokens: 5, top_p: 0.9, stop: ['\n'], model: 'm2' },
    });
    expect(completions()[0]?.body).toMatchObject({
      temperature: 0.3,
      max_tokens: 5,
      top_p: 0.9,
      stop: ['\n'],
      model: 'm2',
    });
  });

  it('retries 503s and succeeds on the third attempt', async () => {
    stub.control.configure({ failures: [{ mode: 'status', status: 503, count: 2 }] });
    const completion = await client().complete(hello);
    expect(completion.attempts).toBe(3);
    expect(completions()).toHaveLength(3);
  });

  it('gives up after retries + 1 attempts with llm_unavailable, never more', async () => {
    stub.control.configure({ failures: [{ mode: 'status', status: 500, count: 10 }] });
    const error = await client({ LLM_MAX_RETRIES: '2' })
      .complete(hello)
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(LlmUnavailableError);
    expect(error).toMatchObject({ status: 502, code: 'llm_unavailable', attempts: 3 });
    expect(completions()).toHaveLength(3);
  });

  it('never retries a 4xx other than 429', async () => {
    stub.control.configure({ failures: [{ mode: 'status', status: 400, count: 5 }] });
    const error = await client()
      .complete(hello)
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(LlmRejectedError);
    expect(error).toMatchObject({ status: 502, attempts: 1, details: { upstream_status: 400 } });
    expect(completions()).toHaveLength(1);
  });

  it('honours Retry-After on 429', async () => {
    stub.control.configure({
      failures: [{ mode: 'status', status: 429, count: 1, retry_after: 1 }],
    });
    const completion = await client().complete(hello);
    expect(completion.attempts).toBe(2);
    const [first, second] = completions();
    const waited = Date.parse(second!.received_at) - Date.parse(first!.received_at);
    expect(waited).toBeGreaterThanOrEqual(950);
  });

  it('times out a hanging server per attempt, retries, then answers llm_timeout', async () => {
    stub.control.configure({ failures: [{ mode: 'hang', count: 10 }] });
    const error = await client({ LLM_TIMEOUT_MS: '200', LLM_MAX_RETRIES: '1' })
      .complete(hello)
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(LlmTimeoutError);
    expect(error).toMatchObject({ status: 504, code: 'llm_timeout', attempts: 2 });
    expect(completions()).toHaveLength(2);
  });

  it('stops retrying at the overall deadline', async () => {
    stub.control.configure({ failures: [{ mode: 'hang', count: 10 }] });
    const started = Date.now();
    const error = await client({ LLM_TIMEOUT_MS: '5000', LLM_DEADLINE_MS: '300' })
      .complete(hello)
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(LlmTimeoutError);
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it('reports malformed JSON as an invalid response without retrying', async () => {
    stub.control.configure({ failures: [{ mode: 'malformed', count: 1 }] });
    const error = await client()
      .complete(hello)
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(LlmBadResponseError);
    expect(error).toMatchObject({ status: 502, code: 'llm_unavailable', attempts: 1 });
  });

  it('retries a connection dropped before any byte', async () => {
    stub.control.configure({ failures: [{ mode: 'drop', count: 1 }] });
    expect((await client().complete(hello)).attempts).toBe(2);
  });

  it('answers llm_unavailable when nothing listens', async () => {
    const error = await new LlmClient(
      loadConfig({
        LLM_BASE_URL: 'http://127.0.0.1:9',
        LLM_RETRY_BASE_MS: '1',
        LLM_MAX_RETRIES: '1',
      }),
    )
      .complete(hello)
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(LlmUnavailableError);
    expect(error).toMatchObject({ attempts: 2 });
  });

  it('opens the circuit after consecutive failures, fails fast, then probes and closes', async () => {
    stub.control.configure({ failures: [{ mode: 'status', status: 500, count: 2 }] });
    const llm = client({
      LLM_MAX_RETRIES: '0',
      LLM_CIRCUIT_FAILURES: '2',
      LLM_CIRCUIT_RESET_MS: '300',
    });
    await expect(llm.complete(hello)).rejects.toBeInstanceOf(LlmUnavailableError);
    await expect(llm.complete(hello)).rejects.toBeInstanceOf(LlmUnavailableError);
    expect(llm.circuit().state).toBe('open');
    const fastFailure = await llm.complete(hello).catch((caught: unknown) => caught);
    expect(fastFailure).toBeInstanceOf(LlmCircuitOpenError);
    expect(fastFailure).toMatchObject({ status: 503, code: 'llm_unavailable' });
    expect(completions()).toHaveLength(2);

    const deadline = Date.now() + 3000;
    while (llm.circuit().state === 'open' && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 20));
    expect((await llm.complete(hello)).content).toBe('Echo: hello there');
    expect(llm.circuit().state).toBe('closed');
  });

  async function collect(stream: AsyncIterable<LlmStreamEvent>) {
    const events: LlmStreamEvent[] = [];
    for await (const event of stream) events.push(event);
    return events;
  }

  it('streams tokens whose concatenation is the reply, then a done event with usage', async () => {
    const events = await collect(client().stream(hello));
    const tokens = events.filter((event) => event.type === 'token');
    expect(tokens.length).toBeGreaterThan(1);
    expect(tokens.map((event) => event.delta).join('')).toBe('Echo: hello there');
    const done = events.at(-1);
    expect(done).toMatchObject({ type: 'done', finishReason: 'stop', attempts: 1 });
    expect(done?.type === 'done' && done.completionTokens).toBeGreaterThan(0);
    expect(done?.type === 'done' && done.ttftMs).not.toBeNull();
    expect(completions()[0]?.body).toMatchObject({
      stream: true,
      stream_options: { include_usage: true },
    });
  });

  it('retries a stream that fails before its first byte', async () => {
    stub.control.configure({ failures: [{ mode: 'status', status: 503, count: 1 }] });
    const events = await collect(client().stream(hello));
    expect(events.at(-1)).toMatchObject({ type: 'done', attempts: 2 });
  });

  it.each([
    ['an error event inside a 200 stream', { mode: 'stream_error', after_tokens: 1 }],
    ['a connection dropped mid-stream', { mode: 'drop', after_tokens: 2 }],
    ['malformed JSON in the stream', { mode: 'malformed', after_tokens: 1 }],
  ])('fails the stream on %s, after the tokens that came', async (_name, failure) => {
    stub.control.configure({ failures: [{ ...failure, count: 1 }] });
    const seen: string[] = [];
    const error = await (async () => {
      for await (const event of client().stream(hello))
        if (event.type === 'token') seen.push(event.delta);
    })().catch((caught: unknown) => caught);
    expect(error).toMatchObject({ status: 502, code: 'llm_unavailable' });
    expect(seen.length).toBeGreaterThanOrEqual(1);
    expect(completions()).toHaveLength(1);
  });

  describe('stream faults', () => {
    const failure = async (stream: AsyncGenerator<LlmStreamEvent>) => {
      const seen: string[] = [];
      const error = await (async () => {
        for await (const event of stream) if (event.type === 'token') seen.push(event.delta);
      })().catch((caught: unknown) => caught);
      return { error, seen };
    };

    it('retries a stream dropped after its headers but before its first token', async () => {
      stub.control.configure({ failures: [{ mode: 'drop', after_tokens: 0, count: 2 }] });
      const events = await collect(client().stream(hello));
      expect(events.at(-1)).toMatchObject({ type: 'done', attempts: 3 });
      expect(
        events
          .filter((event) => event.type === 'token')
          .map((event) => event.delta)
          .join(''),
      ).toBe('Echo: hello there');
      expect(completions().map((request) => request.outcome)).toEqual([
        'failed:drop',
        'failed:drop',
        'ok',
      ]);
    });

    it('shares one retry budget between failed responses and broken streams', async () => {
      stub.control.configure({
        failures: [
          { mode: 'status', status: 503, count: 1 },
          { mode: 'drop', after_tokens: 0, count: 10 },
        ],
      });
      const { error, seen } = await failure(client({ LLM_MAX_RETRIES: '2' }).stream(hello));
      expect(error).toBeInstanceOf(LlmUnavailableError);
      expect(error).toMatchObject({ code: 'llm_unavailable', attempts: 3 });
      expect(seen).toEqual([]);
      expect(completions()).toHaveLength(3);
    });

    it('retries an error event that comes before the first token, like a 5xx', async () => {
      stub.control.configure({ failures: [{ mode: 'stream_error', after_tokens: 0, count: 1 }] });
      const events = await collect(client().stream(hello));
      expect(events.at(-1)).toMatchObject({ type: 'done', attempts: 2 });
    });

    it('fails a hung stream after the first-token timeout, without retrying', async () => {
      stub.control.configure({ failures: [{ mode: 'hang', count: 10 }] });
      const started = Date.now();
      const { error } = await failure(client({ LLM_FIRST_TOKEN_TIMEOUT_MS: '300' }).stream(hello));
      const elapsed = Date.now() - started;
      expect(error).toBeInstanceOf(LlmTimeoutError);
      expect(error).toMatchObject({ status: 504, code: 'llm_timeout', attempts: 1 });
      expect((error as Error).message).toContain('no first token within 300 ms');
      expect(elapsed).toBeGreaterThanOrEqual(290);
      expect(elapsed).toBeLessThan(2000);
      expect(completions()).toHaveLength(1);
      await stub.control.waitForRequest((request) => request.outcome === 'aborted', 3000);
    });

    it('counts the first-token timeout from the request, not from the headers', async () => {
      // The stub sends its headers with the first token; a slow prompt within the bound is fine.
      stub.control.configure({ failures: [{ mode: 'slow', latency_ms: 150 }] });
      const events = await collect(client({ LLM_FIRST_TOKEN_TIMEOUT_MS: '600' }).stream(hello));
      expect(events.at(-1)).toMatchObject({ type: 'done', attempts: 1 });
    });

    it('fails a stream that stalls between tokens after the idle timeout, keeping what came', async () => {
      stub.control.configure({
        failures: [{ mode: 'slow', latency_ms: 0, token_latency_ms: 1500 }],
      });
      const llm = client({ LLM_STREAM_IDLE_TIMEOUT_MS: '300', LLM_FIRST_TOKEN_TIMEOUT_MS: '5000' });
      const started = Date.now();
      const { error, seen } = await failure(llm.stream(hello));
      expect(error).toBeInstanceOf(LlmTimeoutError);
      expect((error as Error).message).toContain('no data for 300 ms mid-reply');
      expect(seen).toEqual(['Echo:']);
      // First token after 1.5 s, then 0.3 s of silence: not the 4.5 s the whole reply takes.
      expect(Date.now() - started).toBeLessThan(3500);
      expect(completions()).toHaveLength(1);
    });

    it('lets a steady stream run longer than the idle timeout in total', async () => {
      stub.control.configure({ token_latency_ms: 100 });
      const events = await collect(
        client({ LLM_STREAM_IDLE_TIMEOUT_MS: '400', LLM_FIRST_TOKEN_TIMEOUT_MS: '400' }).stream(
          hello,
        ),
      );
      expect(events.at(-1)).toMatchObject({ type: 'done' });
    });
  });

  it('aborts the upstream request when the caller gives up mid-stream', async () => {
    stub.control.configure({ token_latency_ms: 50 });
    const controller = new AbortController();
    const error = await (async () => {
      for await (const event of client().stream(hello, { signal: controller.signal })) {
        if (event.type === 'token') controller.abort();
      }
    })().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(LlmAbortedError);
    const aborted = await stub.control.waitForRequest(
      (request) => request.outcome === 'aborted',
      3000,
    );
    expect(aborted.path).toBe('/v1/chat/completions');
  });

  it('aborts the upstream request when the consumer stops reading', async () => {
    stub.control.configure({ token_latency_ms: 50 });
    for await (const event of client().stream(hello)) if (event.type === 'token') break;
    await stub.control.waitForRequest((request) => request.outcome === 'aborted', 3000);
  });

  describe('llama.cpp native API', () => {
    it('completes through /completion with a transcript prompt', async () => {
      const completion = await client({ LLM_API: 'llamacpp' }).complete({
        ...hello,
        params: { max_tokens: 50 },
      });
      expect(completion.content).toBe('Echo: hello there');
      const [request] = completions();
      expect(request?.path).toBe('/completion');
      expect(request?.body).toMatchObject({
        prompt: 'You are Luna.\n\nUser: hello there\nAssistant:',
        n_predict: 50,
      });
    });

    it('streams through /completion', async () => {
      const events = await collect(client({ LLM_API: 'llamacpp' }).stream(hello));
      expect(
        events
          .filter((event) => event.type === 'token')
          .map((event) => event.delta)
          .join(''),
      ).toBe('Echo: hello there');
      expect(events.at(-1)).toMatchObject({ type: 'done' });
    });
  });

  it('probes reachability for the readiness check', async () => {
    expect(await client().probe()).toMatchObject({ reachable: true });
    const unreachable = new LlmClient(loadConfig({ LLM_BASE_URL: 'http://127.0.0.1:9' }));
    expect(await unreachable.probe()).toMatchObject({ reachable: false });
  });
});
