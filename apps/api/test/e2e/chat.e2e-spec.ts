import { RunningStubServer } from '@promptdev/llm-stub';
import { EventsService } from '../../src/modules/events/events.service';
import { TelemetryService } from '../../src/modules/telemetry/telemetry.service';
import { aUserId } from '../factories/memory';
import { createTemplate } from '../factories/templates';
import { QUICK_LLM_ENV, startLlmStub } from '../setup/llm-stub';
import { eventually, readSse } from '../setup/sse';
import { expectError, startTestApp, TestApp } from '../setup/test-app';

describe('chat over HTTP with the stub LLM', () => {
  let stub: RunningStubServer;
  let api: TestApp;
  let templateName: string;

  const chat = (body: Record<string, unknown>) => api.http('POST', '/chat', body);
  const completions = () =>
    stub.control.requests().filter((request) => request.path === '/v1/chat/completions');
  const lastPrompt = () =>
    completions().at(-1)?.body as { messages: Array<{ role: string; content: string }> };
  const messagesOf = (userId: string) =>
    api.sql(
      'SELECT role, content, source, visible_to_user, metadata FROM conversation_history WHERE user_id = $1 ORDER BY id',
      [userId],
    );
  const llmRequestsOf = async (userId: string) => {
    await api.app.get(TelemetryService).flush();
    return api.sql('SELECT * FROM llm_requests WHERE user_id = $1 ORDER BY id', [userId]);
  };

  beforeAll(async () => {
    stub = await startLlmStub();
    api = await startTestApp({ LLM_BASE_URL: stub.url, ...QUICK_LLM_ENV });
    templateName = (
      await createTemplate(api, { content: 'You are Luna. You talk to {{ user_id }}.' })
    ).name;
  });
  beforeEach(() => stub.control.reset());
  afterAll(async () => {
    await api.close();
    await stub.close();
  });

  describe('POST /chat', () => {
    it('answers with the LLM reply and the documented metadata, storing both messages', async () => {
      const userId = aUserId();
      const result = await chat({ user_id: userId, message: 'hello there' });
      expect(result.status).toBe(200);
      expect(result.body).toEqual({
        response: 'Echo: hello there',
        metadata: expect.objectContaining({
          template_used: templateName,
          template_version: 1,
          guardrail_config: null,
          message_count: 2,
          response_time_ms: expect.any(Number),
          llm_time_ms: expect.any(Number),
          prompt_tokens: expect.any(Number),
          completion_tokens: expect.any(Number),
          request_id: result.headers.get('x-request-id'),
        }),
      });
      expect(await messagesOf(userId)).toEqual([
        expect.objectContaining({
          role: 'user',
          content: 'hello there',
          source: 'user',
          visible_to_user: true,
        }),
        expect.objectContaining({
          role: 'assistant',
          content: 'Echo: hello there',
          source: 'llm',
          visible_to_user: true,
        }),
      ]);
      const [row] = await llmRequestsOf(userId);
      expect(row).toMatchObject({
        status: 'ok',
        attempts: 1,
        template_name: templateName,
        template_version: 1,
        stream: false,
      });
      expect(row.prompt_tokens).toBeGreaterThan(0);
    });

    it('sends the rendered prompt, the history as messages, and the message last', async () => {
      const userId = aUserId();
      await chat({ user_id: userId, message: 'first' });
      await chat({ user_id: userId, message: 'second' });
      expect(lastPrompt().messages).toEqual([
        { role: 'system', content: `You are Luna. You talk to ${userId}.` },
        { role: 'user', content: 'first' },
        { role: 'assistant', content: 'Echo: first' },
        { role: 'user', content: 'second' },
      ]);
    });

    it('renders every variable of the context and leaves the history out when the template lays it out', async () => {
      const name = (
        await createTemplate(api, {
          content: [
            'user={{ user_id }} mode={{ user_mode }} msg={{ message }} color={{ favorite_color }}',
            'ctx:{{ user_context }}',
            'mem={{ memory.favorite_color }} n={{ history | length }} now={{ now.slice(0, 4) }}',
            'hist:{{ conversation_history }}',
          ].join('\n'),
          config: { history_limit: 1, temperature: 0.4, max_tokens: 64 },
        })
      ).name;
      const userId = aUserId();
      await api.http('PUT', `/admin/memory/${userId}/favorite_color`, { value: 'teal' });
      await api.http('PUT', `/admin/memory/${userId}/__internal`, { value: 'hidden' });
      await api.http('PUT', `/admin/state/${userId}?mode=learning`);
      await chat({ user_id: userId, message: 'one', template_name: name });
      await chat({ user_id: userId, message: 'two', template_name: name });

      const prompt = lastPrompt() as {
        messages: Array<{ role: string; content: string }>;
        temperature: number;
        max_tokens: number;
      };
      const year = new Date().toISOString().slice(0, 4);
      expect(prompt.messages).toEqual([
        {
          role: 'system',
          content: [
            `user=${userId} mode=learning msg=two color=teal`,
            'ctx:favorite_color: teal',
            `mem=teal n=1 now=${year}`,
            'hist:assistant: Echo: one',
          ].join('\n'),
        },
        { role: 'user', content: 'two' },
      ]);
      expect(prompt).toMatchObject({ temperature: 0.4, max_tokens: 64 });
    });

    it('shows an injected system note to the AI in the next turn, never to the user', async () => {
      const userId = aUserId();
      await chat({ user_id: userId, message: 'hi' });
      await api.http('POST', `/admin/interventions/${userId}/inject`, {
        operator: 'alice',
        content: 'Be gentle.',
      });
      await chat({ user_id: userId, message: 'again' });
      expect(lastPrompt().messages).toContainEqual({
        role: 'system',
        content: '[Operator: alice] Be gentle.',
      });
      const history = await api.http('GET', `/chat/history?user_id=${userId}`);
      expect(
        history.body.messages.map((message: { content: string }) => message.content),
      ).not.toContain('[Operator: alice] Be gentle.');
    });

    it("puts an operator's takeover message in the user's history", async () => {
      const userId = aUserId();
      await chat({ user_id: userId, message: 'is anyone there?' });
      await api.http('POST', `/admin/interventions/${userId}/inject`, {
        operator: 'bob',
        content: 'Yes, a human.',
        role: 'assistant',
      });
      const history = await api.http('GET', `/chat/history?user_id=${userId}`);
      expect(history.body.messages.at(-1)).toMatchObject({
        role: 'assistant',
        content: 'Yes, a human.',
        source: 'operator',
      });
    });

    it('answers 423 for a halted user, keeps the message and never calls the LLM; resume lets it answer', async () => {
      const userId = aUserId();
      await api.http('POST', `/admin/interventions/${userId}/halt`, {
        operator: 'alice',
        reason: 'Safety review',
      });
      const result = await chat({ user_id: userId, message: 'hello?' });
      const body = expectError(result, 423, 'conversation_halted');
      expect(body.message).toBe('Conversation halted by alice: Safety review');
      expect(body.details).toEqual({
        reason: 'Safety review',
        operator: 'alice',
        message_stored: true,
      });
      expect(completions()).toHaveLength(0);
      expect(await messagesOf(userId)).toEqual([
        expect.objectContaining({ role: 'user', content: 'hello?' }),
      ]);

      await api.http('POST', `/admin/interventions/${userId}/resume?operator=alice`);
      expect((await chat({ user_id: userId, message: 'back?' })).status).toBe(200);
    });

    it('withholds a reply when a halt lands during generation', async () => {
      const userId = aUserId();
      stub.control.configure({ latency_ms: 400 });
      const pending = chat({ user_id: userId, message: 'tell me something' });
      await stub.control.waitForRequest((request) => request.outcome === 'pending', 3000);
      await api.http('POST', `/admin/interventions/${userId}/halt`, {
        operator: 'carol',
        reason: 'Stop now',
      });
      const result = await pending;
      expectError(result, 423, 'conversation_halted');
      const stored = await messagesOf(userId);
      expect(stored.at(-1)).toMatchObject({
        role: 'assistant',
        content: 'Echo: tell me something',
        visible_to_user: false,
        metadata: expect.objectContaining({ withheld_by_halt: true }),
      });
      const history = await api.http('GET', `/chat/history?user_id=${userId}`);
      expect(history.body.messages.map((message: { role: string }) => message.role)).toEqual([
        'user',
      ]);
    });

    it.each([
      [
        '500 on every attempt',
        [{ mode: 'status', status: 500, count: 10 }],
        502,
        'llm_unavailable',
        4,
      ],
      [
        '429 on every attempt',
        [{ mode: 'status', status: 429, count: 10 }],
        502,
        'llm_unavailable',
        4,
      ],
      [
        'a 400 (never retried)',
        [{ mode: 'status', status: 400, count: 10 }],
        502,
        'llm_rejected',
        1,
      ],
      ['malformed JSON', [{ mode: 'malformed', count: 10 }], 502, 'llm_unavailable', 1],
      ['a hang past the timeout', [{ mode: 'hang', count: 10 }], 504, 'llm_timeout', 4],
    ])(
      'answers %s with the documented error, keeps the message, records the failure',
      async (_name, failures, status, code, attempts) => {
        const userId = aUserId();
        stub.control.configure({ failures });
        const slowApi = _name.includes('hang')
          ? await startTestApp(
              { LLM_BASE_URL: stub.url, LLM_TIMEOUT_MS: '150', LLM_RETRY_BASE_MS: '5' },
              { database: api.database },
            )
          : api;
        try {
          const result = await slowApi.http('POST', '/chat', {
            user_id: userId,
            message: 'are you there?',
          });
          expect(expectError(result, status, code).details.attempts).toBe(attempts);
          expect(completions()).toHaveLength(attempts);
          const stored = await slowApi.sql(
            'SELECT role, content FROM conversation_history WHERE user_id = $1',
            [userId],
          );
          expect(stored).toEqual([{ role: 'user', content: 'are you there?' }]);
          await slowApi.app.get(TelemetryService).flush();
          const [row] = await slowApi.sql('SELECT * FROM llm_requests WHERE user_id = $1', [
            userId,
          ]);
          expect(row).toMatchObject({ status: 'error', error_code: code, attempts });
        } finally {
          if (slowApi !== api) await slowApi.close();
        }
      },
    );

    it('retries transient failures and succeeds', async () => {
      const userId = aUserId();
      stub.control.configure({ failures: [{ mode: 'status', status: 503, count: 2 }] });
      const result = await chat({ user_id: userId, message: 'hi' });
      expect(result.status).toBe(200);
      expect(result.body.metadata.attempts).toBe(3);
      expect((await llmRequestsOf(userId))[0]).toMatchObject({ status: 'ok', attempts: 3 });
    });

    it.each([
      ['an unknown template', { template_name: 'no-such-template' }, 404, 'template_not_found'],
      [
        'an unknown guardrail config',
        { guardrail_config: 'no-such-config' },
        404,
        'guardrail_not_found',
      ],
      ['an inactive template', { template_name: 'inactive' }, 409, 'template_inactive'],
    ])(
      'answers %s before storing anything, on /chat and /chat/stream',
      async (_name, reference, status, code) => {
        const inactive = await createTemplate(api, {});
        await api.http('POST', `/admin/templates/${inactive.id}/deactivate`);
        const body = {
          ...reference,
          ...('template_name' in reference && reference.template_name === 'inactive'
            ? { template_name: inactive.name }
            : {}),
        };
        const userId = aUserId();
        expectError(await chat({ user_id: userId, message: 'a', ...body }), status, code);
        expectError(
          await api.http('POST', '/chat/stream', { user_id: userId, message: 'b', ...body }),
          status,
          code,
        );
        expect(await messagesOf(userId)).toEqual([]);
        expect(await api.sql('SELECT * FROM user_state WHERE user_id = $1', [userId])).toEqual([]);
        await api.app.get(EventsService).flush();
        expect(await api.sql('SELECT type FROM events WHERE user_id = $1', [userId])).toEqual([]);
        expect(await llmRequestsOf(userId)).toEqual([]);
        expect(completions()).toHaveLength(0);
        // The same user's next valid turn counts from zero: nothing orphaned before it.
        const ok = await chat({ user_id: userId, message: 'c' });
        expect(ok.body.metadata.message_count).toBe(2);
      },
    );

    it.each([
      ['a bad user_id', { user_id: 'not ok!', message: 'x' }, 'user_id'],
      ['a missing message', { user_id: 'u1' }, 'message'],
      ['an empty message', { user_id: 'u1', message: '' }, 'message'],
      ['a blank message', { user_id: 'u1', message: '   ' }, 'message'],
      ['a NUL character', { user_id: 'u1', message: 'a\u0000b' }, 'message'],
      ['an unknown field', { user_id: 'u1', message: 'x', mood: 'happy' }, 'mood'],
      [
        'a non-string template_name',
        { user_id: 'u1', message: 'x', template_name: 5 },
        'template_name',
      ],
    ])('rejects %s with 422 and stores nothing', async (_name, body, field) => {
      const before = await api.sql('SELECT count(*)::int AS n FROM conversation_history');
      const result = await chat(body);
      const error = expectError(result, 422, 'validation_failed');
      expect(error.details.fields.map((problem: { field: string }) => problem.field)).toContain(
        field,
      );
      expect(await api.sql('SELECT count(*)::int AS n FROM conversation_history')).toEqual(before);
    });

    it('enforces CHAT_MAX_CHARS', async () => {
      const small = await startTestApp(
        { LLM_BASE_URL: stub.url, CHAT_MAX_CHARS: '10' },
        { database: api.database },
      );
      try {
        const userId = aUserId();
        const result = await small.http('POST', '/chat', {
          user_id: userId,
          message: 'x'.repeat(11),
        });
        expect(expectError(result, 422, 'validation_failed').details.fields[0].field).toBe(
          'message',
        );
        const stored = await small.sql('SELECT * FROM conversation_history WHERE user_id = $1', [
          userId,
        ]);
        expect(stored).toEqual([]);
        const fits = await small.http('POST', '/chat', {
          user_id: userId,
          message: 'x'.repeat(10),
        });
        expect(fits.status).toBe(200);
      } finally {
        await small.close();
      }
    });

    it('stores 50 concurrent messages of one user in order with exact counts', async () => {
      const userId = aUserId();
      const results = await Promise.all(
        Array.from({ length: 50 }, (_, index) =>
          chat({ user_id: userId, message: `message ${index}` }),
        ),
      );
      expect(results.every((result) => result.status === 200)).toBe(true);
      const stored = await messagesOf(userId);
      expect(stored).toHaveLength(100);
      expect(
        stored
          .filter((message) => message.role === 'user')
          .map((message) => message.content)
          .sort(),
      ).toEqual(Array.from({ length: 50 }, (_, index) => `message ${index}`).sort());
      const [state] = await api.sql('SELECT message_count FROM user_state WHERE user_id = $1', [
        userId,
      ]);
      expect(state.message_count).toBe(100);
    });

    it('keeps users apart', async () => {
      const [ann, ben] = [aUserId('ann'), aUserId('ben')];
      await chat({ user_id: ann, message: 'I am Ann' });
      await chat({ user_id: ben, message: 'I am Ben' });
      expect(
        lastPrompt()
          .messages.map((message) => message.content)
          .join(' '),
      ).not.toContain('Ann');
      const annHistory = await api.http('GET', `/chat/history?user_id=${ann}`);
      expect(
        annHistory.body.messages.map((message: { content: string }) => message.content),
      ).toEqual(['I am Ann', 'Echo: I am Ann']);
    });
  });

  describe('POST /chat/stream', () => {
    const stream = (body: Record<string, unknown>, signal?: AbortSignal) =>
      fetch(`${api.baseUrl}/chat/stream`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...api.authHeaders },
        body: JSON.stringify(body),
        signal,
      });

    it('streams meta, tokens and done, and stores the reply', async () => {
      const userId = aUserId();
      const response = await stream({ user_id: userId, message: 'stream this please' });
      expect(response.headers.get('content-type')).toContain('text/event-stream');
      const events = await readSse(response);
      expect(events[0]).toMatchObject({
        event: 'meta',
        data: { template: templateName, version: 1 },
      });
      const tokens = events.filter((event) => event.event === 'token');
      expect(tokens.length).toBeGreaterThan(1);
      expect(tokens.map((event) => event.data.delta).join('')).toBe('Echo: stream this please');
      const done = events.at(-1)!;
      expect(done.event).toBe('done');
      expect(done.data).toMatchObject({
        response: 'Echo: stream this please',
        metadata: { template_used: templateName, message_count: 2 },
      });
      expect((await messagesOf(userId)).at(-1)).toMatchObject({
        role: 'assistant',
        content: 'Echo: stream this please',
      });
      expect((await llmRequestsOf(userId))[0]).toMatchObject({ status: 'ok', stream: true });
    });

    it('sends one error event to a halted user', async () => {
      const userId = aUserId();
      await api.http('POST', `/admin/interventions/${userId}/halt`, {
        operator: 'alice',
        reason: 'Paused',
      });
      const events = await readSse(await stream({ user_id: userId, message: 'hi' }));
      expect(events).toHaveLength(1);
      expect(events[0]).toMatchObject({
        event: 'error',
        data: { statusCode: 423, code: 'conversation_halted', details: { message_stored: true } },
      });
      expect(completions()).toHaveLength(0);
    });

    it('stops a streamed reply when a halt lands mid-stream, keeping the part for operators', async () => {
      const userId = aUserId();
      const message = 'a fairly long answer with many words';
      // Long enough (400 tokens, 24 s) that the stream cannot end before the halt lands, however
      // slow the machine: with a 9-token reply the halt had 0.5 s to land, and sometimes missed.
      stub.control.configure({ token_latency_ms: 60, reply_tokens: 400 });
      let halted: Promise<unknown> | undefined;
      const events = await readSse(await stream({ user_id: userId, message }), (event) => {
        if (event.event === 'token' && !halted) {
          halted = api.http('POST', `/admin/interventions/${userId}/halt`, {
            operator: 'dana',
            reason: 'stop',
          });
        }
      });
      await halted;
      expect(events.at(-1)).toMatchObject({
        event: 'error',
        data: { code: 'conversation_halted', message: 'Conversation halted by dana: stop' },
      });
      const tokens = events
        .filter((event) => event.event === 'token')
        .map((event) => event.data.delta)
        .join('');
      stub.control.configure({ reply_tokens: 400 });
      const whole = await fetch(`${stub.url}/v1/chat/completions`, {
        method: 'POST',
        body: JSON.stringify({ messages: [{ role: 'user', content: message }] }),
      }).then((response) => response.json() as Promise<any>);
      const reply: string = whole.choices[0].message.content;
      expect(reply.startsWith(tokens)).toBe(true);
      expect(tokens.length).toBeLessThan(reply.length);
      await stub.control.waitForRequest((request) => request.outcome === 'aborted', 3000);
      const stored = await messagesOf(userId);
      expect(stored.at(-1)).toMatchObject({
        role: 'assistant',
        content: tokens,
        visible_to_user: false,
        metadata: expect.objectContaining({ interrupted: true, withheld_by_halt: true }),
      });
    });

    it('stores a reply the LLM cut off after some tokens as interrupted, and sends an error event', async () => {
      const userId = aUserId();
      stub.control.configure({ failures: [{ mode: 'drop', after_tokens: 3, count: 1 }] });
      const events = await readSse(
        await stream({ user_id: userId, message: 'one two three four' }),
      );
      const tokens = events
        .filter((event) => event.event === 'token')
        .map((event) => event.data.delta);
      expect(tokens.join('')).toBe('Echo: one two');
      expect(events.at(-1)).toMatchObject({
        event: 'error',
        data: { statusCode: 502, code: 'llm_unavailable' },
      });
      expect(completions()).toHaveLength(1);
      expect(await messagesOf(userId)).toEqual([
        expect.objectContaining({ role: 'user', content: 'one two three four' }),
        expect.objectContaining({
          role: 'assistant',
          content: 'Echo: one two',
          visible_to_user: true,
          metadata: expect.objectContaining({
            interrupted: true,
            interrupted_by: 'llm_unavailable',
          }),
        }),
      ]);
      expect(await llmRequestsOf(userId)).toEqual([
        expect.objectContaining({ status: 'error', error_code: 'llm_unavailable', attempts: 1 }),
      ]);
      const history = await api.http('GET', `/chat/history?user_id=${userId}`);
      expect(history.body.messages.at(-1)).toMatchObject({
        content: 'Echo: one two',
        interrupted: true,
      });
    });

    it('retries a stream dropped before its first token, as /chat does', async () => {
      const userId = aUserId();
      stub.control.configure({ failures: [{ mode: 'drop', after_tokens: 0, count: 2 }] });
      const events = await readSse(await stream({ user_id: userId, message: 'try again' }));
      expect(events.map((event) => event.event)).toEqual([
        'meta',
        'token',
        'token',
        'token',
        'done',
      ]);
      expect(events.at(-1)!.data).toMatchObject({
        response: 'Echo: try again',
        metadata: { attempts: 3, message_count: 2 },
      });
      expect(completions().map((request) => request.outcome)).toEqual([
        'failed:drop',
        'failed:drop',
        'ok',
      ]);
      expect((await messagesOf(userId)).map((message) => message.content)).toEqual([
        'try again',
        'Echo: try again',
      ]);
    });

    it('ends a hung stream at the first-token timeout, not the total budget', async () => {
      const quick = await startTestApp(
        {
          LLM_BASE_URL: stub.url,
          ...QUICK_LLM_ENV,
          LLM_TIMEOUT_MS: '20000',
          LLM_FIRST_TOKEN_TIMEOUT_MS: '400',
        },
        { database: api.database },
      );
      try {
        const userId = aUserId();
        stub.control.configure({ failures: [{ mode: 'hang', count: 10 }] });
        const started = Date.now();
        const response = await fetch(`${quick.baseUrl}/chat/stream`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ user_id: userId, message: 'anyone?' }),
        });
        const events = await readSse(response);
        const elapsed = Date.now() - started;
        expect(events.map((event) => event.event)).toEqual(['meta', 'error']);
        expect(events[1]!.data).toMatchObject({
          statusCode: 504,
          code: 'llm_timeout',
          details: { attempts: 1 },
        });
        expect(elapsed).toBeGreaterThanOrEqual(390);
        expect(elapsed).toBeLessThan(5000);
        expect(completions()).toHaveLength(1);
        expect(
          await quick.sql('SELECT role FROM conversation_history WHERE user_id = $1', [userId]),
        ).toEqual([{ role: 'user' }]);
      } finally {
        await quick.close();
      }
    });

    it('sends an error event when the LLM fails mid-stream', async () => {
      const userId = aUserId();
      stub.control.configure({ failures: [{ mode: 'stream_error', after_tokens: 2, count: 1 }] });
      const events = await readSse(
        await stream({ user_id: userId, message: 'one two three four' }),
      );
      expect(events.filter((event) => event.event === 'token').length).toBeGreaterThanOrEqual(1);
      expect(events.at(-1)).toMatchObject({ event: 'error', data: { code: 'llm_unavailable' } });
    });

    it('answers validation errors as JSON before any stream starts', async () => {
      const result = await api.http('POST', '/chat/stream', { user_id: 'bad id', message: 'x' });
      expectError(result, 422, 'validation_failed');
    });

    it('aborts the LLM request when the client disconnects and stores the partial reply as interrupted', async () => {
      const userId = aUserId();
      stub.control.configure({ token_latency_ms: 40 });
      const controller = new AbortController();
      const response = await stream(
        { user_id: userId, message: 'a long answer with many words please' },
        controller.signal,
      );
      await readSse(response, (event) => event.event === 'token').catch(() => undefined);
      controller.abort();
      await stub.control.waitForRequest((request) => request.outcome === 'aborted', 5000);
      const stored = await eventually(async () => {
        const rows = await messagesOf(userId);
        expect(rows).toHaveLength(2);
        return rows;
      });
      const partial = stored[1]!;
      expect(partial).toMatchObject({
        role: 'assistant',
        metadata: expect.objectContaining({ interrupted: true }),
      });
      expect('Echo: a long answer with many words please'.startsWith(partial.content)).toBe(true);
      expect(partial.content.length).toBeLessThan(
        'Echo: a long answer with many words please'.length,
      );
      const [row] = await eventually(async () => {
        const rows = await llmRequestsOf(userId);
        expect(rows).toHaveLength(1);
        return rows;
      });
      expect(row).toMatchObject({ status: 'interrupted', stream: true });
      const history = await api.http('GET', `/chat/history?user_id=${userId}`);
      expect(history.body.messages.at(-1)).toMatchObject({ interrupted: true });
    });
  });

  describe('history', () => {
    it('pages through visible messages, oldest first, and erases them', async () => {
      const userId = aUserId();
      for (const message of ['a', 'b', 'c']) await chat({ user_id: userId, message });
      const first = await api.http('GET', `/chat/history?user_id=${userId}&limit=4`);
      expect(first.body).toMatchObject({ user_id: userId, total_count: 6 });
      expect(first.body.messages.map((message: { content: string }) => message.content)).toEqual([
        'b',
        'Echo: b',
        'c',
        'Echo: c',
      ]);
      const second = await api.http(
        'GET',
        `/chat/history?user_id=${userId}&limit=4&before=${first.body.next_cursor}`,
      );
      expect(second.body.messages.map((message: { content: string }) => message.content)).toEqual([
        'a',
        'Echo: a',
      ]);
      expect(second.body.next_cursor).toBeNull();
      expect(first.body.messages[0]).toEqual({
        id: expect.any(Number),
        role: 'user',
        content: 'b',
        created_at: expect.any(String),
        source: 'user',
        interrupted: false,
      });

      await api.http('PUT', `/admin/memory/${userId}/name`, { value: 'Zoe' });
      const erased = await api.http('DELETE', `/chat/history/${userId}`);
      expect(erased.body).toEqual({ user_id: userId, deleted_count: 6 });
      expect((await api.http('GET', `/admin/memory/${userId}`)).body.memory).toEqual({
        name: 'Zoe',
      });
      await api.http('DELETE', `/chat/history/${userId}?include_memory=true`);
      expect((await api.http('GET', `/admin/memory/${userId}`)).body.memory).toEqual({});
      expectError(await api.http('GET', `/admin/state/${userId}`), 404, 'state_not_found');
    });

    it('rejects bad queries', async () => {
      expectError(await api.http('GET', '/chat/history'), 422, 'validation_failed');
      expectError(
        await api.http('GET', '/chat/history?user_id=u1&limit=500'),
        422,
        'validation_failed',
      );
      expectError(
        await api.http('GET', '/chat/history?user_id=u1&before=garbage'),
        422,
        'validation_failed',
      );
      expectError(
        await api.http('DELETE', '/chat/history/u1?include_memory=maybe'),
        422,
        'validation_failed',
      );
    });
  });
});
