import { RunningStubServer } from '@promptdev/llm-stub';
import { ChatIdempotencyService } from '../../src/modules/chat/chat-idempotency.service';
import { aUserId } from '../factories/memory';
import { createTemplate } from '../factories/templates';
import { QUICK_LLM_ENV, startLlmStub } from '../setup/llm-stub';
import { readSse } from '../setup/sse';
import { expectError, startTestApp, TestApp } from '../setup/test-app';

describe('Idempotency-Key on POST /chat and /chat/stream', () => {
  let stub: RunningStubServer;
  let api: TestApp;
  let key = 0;
  const aKey = () => `key-${process.pid}-${++key}`;

  const chat = (body: Record<string, unknown>, idempotencyKey?: string, target = api) =>
    target.http(
      'POST',
      '/chat',
      body,
      idempotencyKey === undefined ? {} : { 'idempotency-key': idempotencyKey },
    );
  const stream = async (body: Record<string, unknown>, idempotencyKey: string) => {
    const response = await fetch(`${api.baseUrl}/chat/stream`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': idempotencyKey },
      body: JSON.stringify(body),
    });
    return { response, events: await readSse(response) };
  };
  const completions = () =>
    stub.control.requests().filter((request) => request.path === '/v1/chat/completions');
  const messagesOf = (userId: string) =>
    api.sql<{ role: string; content: string }>(
      'SELECT role, content FROM conversation_history WHERE user_id = $1 ORDER BY id',
      [userId],
    );
  const messageCount = async (userId: string) =>
    (
      await api.sql<{ message_count: number }>(
        'SELECT message_count FROM user_state WHERE user_id = $1',
        [userId],
      )
    )[0]?.message_count;

  beforeAll(async () => {
    stub = await startLlmStub();
    api = await startTestApp({ LLM_BASE_URL: stub.url, ...QUICK_LLM_ENV });
    await createTemplate(api, { content: 'You are Luna.' });
  });
  beforeEach(() => stub.control.reset());
  afterAll(async () => {
    await api.close();
    await stub.close();
  });

  it('answers a retry with the first outcome, on this instance or another, storing the turn once', async () => {
    const userId = aUserId();
    const idempotencyKey = aKey();
    const body = { user_id: userId, message: 'hello once' };
    const first = await chat(body, idempotencyKey);
    expect(first.status).toBe(200);
    expect(first.headers.get('idempotent-replayed')).toBeNull();

    const again = await chat(body, idempotencyKey);
    expect(again.status).toBe(200);
    expect(again.body).toEqual(first.body);
    expect(again.headers.get('idempotent-replayed')).toBe('true');

    const other = await startTestApp(
      { LLM_BASE_URL: stub.url, ...QUICK_LLM_ENV },
      { database: api.database },
    );
    try {
      const elsewhere = await chat(body, idempotencyKey, other);
      expect(elsewhere.body).toEqual(first.body);
    } finally {
      await other.close();
    }
    expect(completions()).toHaveLength(1);
    expect(await messagesOf(userId)).toEqual([
      { role: 'user', content: 'hello once' },
      { role: 'assistant', content: 'Echo: hello once' },
    ]);
    expect(await messageCount(userId)).toBe(2);
  });

  it('lets exactly one of two concurrent duplicates run; the other gets 409 idempotency_in_progress', async () => {
    const userId = aUserId();
    const idempotencyKey = aKey();
    stub.control.configure({ latency_ms: 300 });
    const body = { user_id: userId, message: 'at the same time' };
    const results = await Promise.all([chat(body, idempotencyKey), chat(body, idempotencyKey)]);
    const winner = results.find((result) => result.status === 200)!;
    const other = results.find((result) => result !== winner)!;
    expect(winner).toBeDefined();
    // The duplicate lands while the first runs (the LLM takes 300 ms); on a very slow machine
    // it may land after, and then it gets the first outcome: never a second turn.
    if (other.status === 409) expectError(other, 409, 'idempotency_in_progress');
    else expect(other.body).toEqual(winner.body);
    expect(completions()).toHaveLength(1);
    expect(await messagesOf(userId)).toHaveLength(2);
    // Once the first is done, the duplicate gets its outcome.
    const later = await chat(body, idempotencyKey);
    expect(later.body).toEqual(winner.body);
  });

  it('answers 409 to a stream duplicate while the first stream runs', async () => {
    const userId = aUserId();
    const idempotencyKey = aKey();
    stub.control.configure({ token_latency_ms: 100 });
    const body = { user_id: userId, message: 'slow stream' };
    const first = stream(body, idempotencyKey);
    await stub.control.waitForRequest((request) => request.outcome === 'pending', 3000);
    expectError(
      await api.http('POST', '/chat/stream', body, { 'idempotency-key': idempotencyKey }),
      409,
      'idempotency_in_progress',
    );
    expect((await first).events.at(-1)?.event).toBe('done');
    expect(await messagesOf(userId)).toHaveLength(2);
  });

  it('rejects the same key with a different body with 422 idempotency_key_reused, storing nothing', async () => {
    const userId = aUserId();
    const idempotencyKey = aKey();
    await chat({ user_id: userId, message: 'first words' }, idempotencyKey);
    expectError(
      await chat({ user_id: userId, message: 'other words' }, idempotencyKey),
      422,
      'idempotency_key_reused',
    );
    expectError(
      await api.http(
        'POST',
        '/chat/stream',
        { user_id: userId, message: 'other words' },
        { 'idempotency-key': idempotencyKey },
      ),
      422,
      'idempotency_key_reused',
    );
    expect(await messagesOf(userId)).toHaveLength(2);
  });

  it('keeps keys per user: the same key for two users is two turns', async () => {
    const idempotencyKey = aKey();
    const [ann, ben] = [aUserId('ann'), aUserId('ben')];
    const forAnn = await chat({ user_id: ann, message: 'same words' }, idempotencyKey);
    const forBen = await chat({ user_id: ben, message: 'same words' }, idempotencyKey);
    expect([forAnn.status, forBen.status]).toEqual([200, 200]);
    expect(forBen.headers.get('idempotent-replayed')).toBeNull();
    expect(forBen.body.metadata.message_id).not.toBe(forAnn.body.metadata.message_id);
    expect(await messagesOf(ann)).toHaveLength(2);
    expect(await messagesOf(ben)).toHaveLength(2);
  });

  it('runs a retry after an LLM failure again, without storing the message a second time', async () => {
    const userId = aUserId();
    const idempotencyKey = aKey();
    const body = { user_id: userId, message: 'are you up?' };
    stub.control.configure({ failures: [{ mode: 'status', status: 503, count: 4 }] });
    expectError(await chat(body, idempotencyKey), 502, 'llm_unavailable');
    expect(await messagesOf(userId)).toEqual([{ role: 'user', content: 'are you up?' }]);

    const retry = await chat(body, idempotencyKey);
    expect(retry.status).toBe(200);
    expect(retry.headers.get('idempotent-replayed')).toBeNull();
    expect(retry.body).toMatchObject({
      response: 'Echo: are you up?',
      metadata: { message_count: 2 },
    });
    expect(completions()).toHaveLength(5);
    expect(await messagesOf(userId)).toEqual([
      { role: 'user', content: 'are you up?' },
      { role: 'assistant', content: 'Echo: are you up?' },
    ]);
    // The LLM saw the message once, as the last turn, not twice.
    const prompt = completions().at(-1)!.body as { messages: Array<{ content: string }> };
    expect(prompt.messages.filter((message) => message.content === 'are you up?')).toHaveLength(1);
    // Now completed: replayed.
    expect((await chat(body, idempotencyKey)).headers.get('idempotent-replayed')).toBe('true');
  });

  it('replays a 4xx outcome as it was (a halted user gets the 423 again, message stored once)', async () => {
    const userId = aUserId();
    const idempotencyKey = aKey();
    await api.http('POST', `/admin/interventions/${userId}/halt`, { operator: 'al', reason: 'r' });
    const body = { user_id: userId, message: 'hello?' };
    const first = expectError(await chat(body, idempotencyKey), 423, 'conversation_halted');
    const again = await chat(body, idempotencyKey);
    const replayed = expectError(again, 423, 'conversation_halted');
    expect({ ...replayed, requestId: null }).toEqual({ ...first, requestId: null });
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(await messagesOf(userId)).toEqual([{ role: 'user', content: 'hello?' }]);
  });

  it('replays a finished stream as meta, the whole reply as one token, and done', async () => {
    const userId = aUserId();
    const idempotencyKey = aKey();
    const body = { user_id: userId, message: 'stream me' };
    const first = await stream(body, idempotencyKey);
    const done = first.events.at(-1)!;
    expect(done.event).toBe('done');
    const again = await stream(body, idempotencyKey);
    expect(again.response.headers.get('idempotent-replayed')).toBe('true');
    expect(again.events.map(({ event, data }) => ({ event, data }))).toEqual([
      {
        event: 'meta',
        data: expect.objectContaining({
          template: done.data.metadata.template_used,
          replayed: true,
        }),
      },
      { event: 'token', data: { delta: 'Echo: stream me' } },
      { event: 'done', data: done.data },
    ]);
    // The same key on /chat is the same turn: its outcome, as JSON.
    expect((await chat(body, idempotencyKey)).body).toEqual(done.data);
    expect(completions()).toHaveLength(1);
    expect(await messagesOf(userId)).toHaveLength(2);
  });

  it('replays a stream that ended in an error as that error event', async () => {
    const userId = aUserId();
    const idempotencyKey = aKey();
    await api.http('POST', `/admin/interventions/${userId}/halt`, { operator: 'al', reason: 'r' });
    const body = { user_id: userId, message: 'hi' };
    const first = await stream(body, idempotencyKey);
    const again = await stream(body, idempotencyKey);
    expect(again.events.map(({ event, data }) => ({ event, data }))).toEqual([
      { event: 'error', data: { ...first.events[0]!.data, requestId: expect.any(String) } },
    ]);
    expect(again.events[0]!.data.code).toBe('conversation_halted');
    expect(await messagesOf(userId)).toHaveLength(1);
  });

  it.each([
    ['an empty key', ''],
    ['a key with a space', 'two words'],
    ['a non-ASCII key', 'clé'],
    ['a key over 255 characters', 'k'.repeat(256)],
  ])('rejects %s with 422 and stores nothing', async (_name, idempotencyKey) => {
    const userId = aUserId();
    for (const path of ['/chat', '/chat/stream']) {
      const result = await api.http(
        'POST',
        path,
        { user_id: userId, message: 'x' },
        { 'idempotency-key': idempotencyKey },
      );
      const error = expectError(result, 422, 'validation_failed');
      expect(error.details.fields[0].field).toBe('Idempotency-Key');
    }
    expect(await messagesOf(userId)).toEqual([]);
  });

  it('accepts a 255-character key; an expired key starts a new turn; the sweep deletes expired keys', async () => {
    const userId = aUserId();
    const idempotencyKey = 'k'.repeat(255);
    const body = { user_id: userId, message: 'long key' };
    expect((await chat(body, idempotencyKey)).status).toBe(200);
    await api.sql(
      `UPDATE chat_idempotency_keys SET expires_at = now() - interval '1 second' WHERE user_id = $1`,
      [userId],
    );
    const fresh = await chat(body, idempotencyKey);
    expect(fresh.headers.get('idempotent-replayed')).toBeNull();
    expect(await messagesOf(userId)).toHaveLength(4);

    await api.sql(
      `UPDATE chat_idempotency_keys SET expires_at = now() - interval '1 second' WHERE user_id = $1`,
      [userId],
    );
    await api.app.get(ChatIdempotencyService).removeExpired();
    expect(
      await api.sql('SELECT * FROM chat_idempotency_keys WHERE user_id = $1', [userId]),
    ).toEqual([]);
  });

  it("forgets a user's keys (and the replies they hold) when their history is erased", async () => {
    const userId = aUserId();
    const idempotencyKey = aKey();
    await chat({ user_id: userId, message: 'forget me' }, idempotencyKey);
    await api.http('DELETE', `/chat/history/${userId}`);
    expect(
      await api.sql('SELECT * FROM chat_idempotency_keys WHERE user_id = $1', [userId]),
    ).toEqual([]);
  });

  it('does not consume the key when the request names an unknown template', async () => {
    const userId = aUserId();
    const idempotencyKey = aKey();
    expectError(
      await chat({ user_id: userId, message: 'x', template_name: 'nope' }, idempotencyKey),
      404,
      'template_not_found',
    );
    expect((await chat({ user_id: userId, message: 'x' }, idempotencyKey)).status).toBe(200);
  });
});
