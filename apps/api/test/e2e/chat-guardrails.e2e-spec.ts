import { RunningStubServer } from '@promptdev/llm-stub';
import { EventsService } from '../../src/modules/events/events.service';
import { TelemetryService } from '../../src/modules/telemetry/telemetry.service';
import { aConfigName } from '../factories/guardrails';
import { aUserId } from '../factories/memory';
import { createTemplate } from '../factories/templates';
import { startLlmStub } from '../setup/llm-stub';
import { eventually, readSse } from '../setup/sse';
import { expectError, startTestApp, TestApp } from '../setup/test-app';

type Rule = Record<string, unknown>;

describe('guardrails around the chat', () => {
  let stub: RunningStubServer;
  let api: TestApp;

  const createConfig = async (rules: Rule[], fallback = 'Let us talk about something else.') => {
    const name = aConfigName('chat');
    const result = await api.http('POST', '/admin/guardrails', {
      name,
      rules,
      fallback_message: fallback,
    });
    expect(result.status).toBe(201);
    return name;
  };
  const chat = (userId: string, message: string, guardrailConfig?: string) =>
    api.http('POST', '/chat', {
      user_id: userId,
      message,
      ...(guardrailConfig ? { guardrail_config: guardrailConfig } : {}),
    });
  const stream = async (userId: string, message: string, guardrailConfig: string) =>
    readSse(
      await fetch(`${api.baseUrl}/chat/stream`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...api.authHeaders },
        body: JSON.stringify({ user_id: userId, message, guardrail_config: guardrailConfig }),
      }),
    );
  const lastPrompt = () =>
    (
      stub.control.requests().at(-1)?.body as
        { messages: Array<{ role: string; content: string }> } | undefined
    )?.messages;
  const eventsOf = async (userId: string) => {
    await eventually(async () => {
      await api.app.get(EventsService).settle();
      return true;
    });
    return api.sql(
      'SELECT rule_type, action, stage, excerpt, message_id FROM guardrail_events WHERE user_id = $1 ORDER BY id',
      [userId],
    );
  };
  const messagesOf = (userId: string) =>
    api.sql(
      'SELECT role, content, metadata, visible_to_user FROM conversation_history WHERE user_id = $1 ORDER BY id',
      [userId],
    );

  beforeAll(async () => {
    stub = await startLlmStub();
    api = await startTestApp({ LLM_BASE_URL: stub.url, LLM_RETRY_BASE_MS: '5' });
    await createTemplate(api, { content: 'You are Luna.' });
  });
  beforeEach(() => stub.control.reset());
  afterAll(async () => {
    await api.close();
    await stub.close();
  });

  it('prepends system instructions by priority', async () => {
    const name = await createConfig([
      { type: 'system_instruction', priority: 1, content: 'Second.' },
      { type: 'system_instruction', priority: 9, content: 'First.' },
    ]);
    await chat(aUserId(), 'hello', name);
    expect(lastPrompt()?.[0]).toEqual({
      role: 'system',
      content: 'First.\n\nSecond.\n\nYou are Luna.',
    });
  });

  it('uses the guardrail config named by the template version, and lets the request override it', async () => {
    const fromTemplate = await createConfig([
      { type: 'system_instruction', content: 'From the template.' },
    ]);
    const fromRequest = await createConfig([
      { type: 'system_instruction', content: 'From the request.' },
    ]);
    const template = await createTemplate(api, {
      content: 'T.',
      config: { guardrail_config: fromTemplate },
    });
    const userId = aUserId();
    const first = await api.http('POST', '/chat', {
      user_id: userId,
      message: 'a',
      template_name: template.name,
    });
    expect(first.body.metadata.guardrail_config).toBe(fromTemplate);
    expect(lastPrompt()?.[0]?.content).toBe('From the template.\n\nT.');
    await api.http('POST', '/chat', {
      user_id: userId,
      message: 'b',
      template_name: template.name,
      guardrail_config: fromRequest,
    });
    expect(lastPrompt()?.[0]?.content).toBe('From the request.\n\nT.');
  });

  it('answers 404 for an unknown guardrail config, storing nothing (spec section 4, step 2)', async () => {
    const userId = aUserId();
    expectError(await chat(userId, 'hi', 'no-such-config'), 404, 'guardrail_not_found');
    expect(await messagesOf(userId)).toEqual([]);
  });

  it('blocks input with 422 guardrail_blocked: message kept and marked, no LLM call, firing recorded', async () => {
    const name = await createConfig([
      { type: 'blocked_terms', terms: ['forbidden'], stage: 'input', action: 'block' },
    ]);
    const userId = aUserId();
    const result = await chat(userId, 'this is Forbidden talk', name);
    expect(expectError(result, 422, 'guardrail_blocked').details).toMatchObject({
      guardrail_config: name,
      rule_type: 'blocked_terms',
      message_stored: true,
    });
    expect(stub.control.requests()).toHaveLength(0);
    const [stored] = await messagesOf(userId);
    expect(stored).toMatchObject({
      content: 'this is Forbidden talk',
      metadata: expect.objectContaining({ blocked: true, excluded_from_prompt: true }),
    });
    expect(await eventsOf(userId)).toEqual([
      expect.objectContaining({ rule_type: 'blocked_terms', action: 'block', stage: 'input' }),
    ]);
    await api.app.get(TelemetryService).flush();
    const [row] = await api.sql('SELECT status, attempts FROM llm_requests WHERE user_id = $1', [
      userId,
    ]);
    expect(row).toEqual({ status: 'blocked', attempts: 0 });

    // The blocked message never reaches a later prompt.
    await chat(userId, 'something fine', name);
    expect(lastPrompt()?.map((message) => message.content)).not.toContain('this is Forbidden talk');
  });

  it('redacts personal data in the input before the LLM sees it', async () => {
    const name = await createConfig([
      { type: 'pii', kinds: ['email', 'credit_card'], stage: 'input', action: 'redact' },
    ]);
    const userId = aUserId();
    const result = await chat(userId, 'mail me at ann@example.com, card 4111 1111 1111 1111', name);
    expect(result.status).toBe(200);
    expect(lastPrompt()?.at(-1)?.content).toBe('mail me at [REDACTED], card [REDACTED]');
    expect((await eventsOf(userId)).map((event) => event.action)).toEqual(['redact', 'redact']);
  });

  it('flags without changing anything', async () => {
    const name = await createConfig([
      { type: 'regex', pattern: 'order\\s+\\d+', stage: 'input', action: 'flag' },
    ]);
    const userId = aUserId();
    await chat(userId, 'where is order 123456', name);
    expect(lastPrompt()?.at(-1)?.content).toBe('where is order 123456');
    expect(await eventsOf(userId)).toEqual([
      expect.objectContaining({ rule_type: 'regex', action: 'flag' }),
    ]);
  });

  it('replaces a blocked reply with the fallback message', async () => {
    const name = await createConfig(
      [{ type: 'blocked_terms', terms: ['secret'], stage: 'output', action: 'block' }],
      'I cannot share that.',
    );
    const userId = aUserId();
    const result = await chat(userId, 'tell me the secret', name);
    expect(result.status).toBe(200);
    expect(result.body.response).toBe('I cannot share that.');
    expect(result.body.metadata.guardrail_blocked).toBe(true);
    expect((await messagesOf(userId)).at(-1)).toMatchObject({
      content: 'I cannot share that.',
      metadata: expect.objectContaining({ guardrail: 'blocked' }),
    });
    expect(await eventsOf(userId)).toEqual([
      expect.objectContaining({ stage: 'output', action: 'block' }),
    ]);
  });

  it('redacts the reply (max_length truncates)', async () => {
    const name = await createConfig([
      { type: 'pii', kinds: ['phone'], stage: 'output', action: 'redact' },
      { type: 'max_length', max_chars: 40, stage: 'output', action: 'redact' },
    ]);
    const result = await chat(
      aUserId(),
      'call +1 415 555 0100 please, it is urgent and important',
      name,
    );
    // Every rule measures the reply as the LLM wrote it: 40 characters, then the redaction.
    expect(result.body.response).toBe('Echo: call [REDACTED] please, it is');
  });

  describe('streamed replies', () => {
    it('never sends a blocked term, even split across tokens, and ends with the fallback', async () => {
      const name = await createConfig(
        [{ type: 'blocked_terms', terms: ['launch codes'], stage: 'output', action: 'block' }],
        'Nope.',
      );
      const userId = aUserId();
      const events = await stream(userId, 'here are the launch codes for you', name);
      const sent = events
        .filter((event) => event.event === 'token')
        .map((event) => event.data.delta)
        .join('');
      expect(sent.toLowerCase()).not.toContain('launch codes');
      expect('Echo: here are the launch codes for you'.startsWith(sent)).toBe(true);
      const done = events.at(-1)!;
      expect(done).toMatchObject({
        event: 'done',
        data: { response: 'Nope.', metadata: { guardrail_blocked: true } },
      });
      // The LLM request was cut off once the reply was blocked.
      await stub.control.waitForRequest((request) => request.outcome !== 'pending', 3000);
      expect((await messagesOf(userId)).at(-1)).toMatchObject({ content: 'Nope.' });
    });

    it('redacts inside the stream before tokens reach the client', async () => {
      const name = await createConfig([
        { type: 'pii', kinds: ['email'], stage: 'output', action: 'redact' },
      ]);
      const events = await stream(aUserId(), 'write to bob@example.org today', name);
      const sent = events
        .filter((event) => event.event === 'token')
        .map((event) => event.data.delta)
        .join('');
      expect(sent).toBe('Echo: write to [REDACTED] today');
      expect(events.at(-1)?.data.response).toBe(sent);
    });

    it('sends one error event when the input is blocked', async () => {
      const name = await createConfig([{ type: 'max_length', max_chars: 5, stage: 'input' }]);
      const events = await stream(aUserId(), 'far too long', name);
      expect(events).toEqual([
        expect.objectContaining({
          event: 'error',
          data: expect.objectContaining({ code: 'guardrail_blocked' }),
        }),
      ]);
      expect(stub.control.requests()).toHaveLength(0);
    });
  });
});
