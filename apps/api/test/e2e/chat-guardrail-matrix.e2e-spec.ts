import { RunningStubServer } from '@promptdev/llm-stub';
import { aConfigName } from '../factories/guardrails';
import { aUserId } from '../factories/memory';
import { createTemplate } from '../factories/templates';
import { startLlmStub } from '../setup/llm-stub';
import { readSse } from '../setup/sse';
import { expectError, startTestApp, TestApp } from '../setup/test-app';

/** One trigger per rule type: the rule, a message that trips it, and what redaction makes of text. */
const RULE_TYPES = {
  blocked_terms: {
    rule: { type: 'blocked_terms', terms: ['zebra'] },
    message: 'I like zebra stripes',
    redact: (text: string) => text.replace('zebra', '[REDACTED]'),
  },
  regex: {
    rule: { type: 'regex', pattern: 'order\\s+\\d{6}' },
    message: 'my order 123456 please',
    redact: (text: string) => text.replace('order 123456', '[REDACTED]'),
  },
  pii: {
    rule: { type: 'pii', kinds: ['email'] },
    message: 'mail ann@example.com now',
    redact: (text: string) => text.replace('ann@example.com', '[REDACTED]'),
  },
  max_length: {
    rule: { type: 'max_length', max_chars: 12 },
    message: 'abcdefghijklmnopqrstuvwxyz',
    redact: (text: string) => text.slice(0, 12),
  },
} as const;

const FALLBACK = 'That is not something I can say.';
const cases = Object.entries(RULE_TYPES).flatMap(([type, trigger]) =>
  (['input', 'output'] as const).flatMap((stage) =>
    (['block', 'redact', 'flag'] as const).flatMap((action) =>
      (['chat', 'stream'] as const).map((route) => ({ type, trigger, stage, action, route })),
    ),
  ),
);

describe('every guardrail rule type and action, on input and output, through /chat and /chat/stream', () => {
  let stub: RunningStubServer;
  let api: TestApp;

  beforeAll(async () => {
    stub = await startLlmStub();
    api = await startTestApp({ LLM_BASE_URL: stub.url });
    await createTemplate(api, { content: 'You are Luna.' });
  });
  beforeEach(() => stub.control.reset());
  afterAll(async () => {
    await api.close();
    await stub.close();
  });

  /** The reply text and whether it was refused, as the client of either route sees it. */
  async function send(route: 'chat' | 'stream', userId: string, message: string, config: string) {
    const body = { user_id: userId, message, guardrail_config: config };
    if (route === 'chat') {
      const result = await api.http('POST', '/chat', body);
      if (result.status !== 200)
        return { error: expectError(result, result.status, result.body.code) };
      return { reply: result.body.response as string, tokens: undefined };
    }
    const events = await readSse(
      await fetch(`${api.baseUrl}/chat/stream`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...api.authHeaders },
        body: JSON.stringify(body),
      }),
    );
    const last = events.at(-1)!;
    if (last.event === 'error') return { error: last.data };
    const tokens = events
      .filter((event) => event.event === 'token')
      .map((event) => event.data.delta as string)
      .join('');
    return { reply: last.data.response as string, tokens };
  }

  it.each(cases)(
    '$type, $action on $stage, via $route',
    async ({ type, trigger, stage, action, route }) => {
      const name = aConfigName(`${type}-${action}`);
      const created = await api.http('POST', '/admin/guardrails', {
        name,
        fallback_message: FALLBACK,
        rules: [{ ...trigger.rule, stage, action }],
      });
      expect(created.status).toBe(201);
      const userId = aUserId();
      const outcome = await send(route, userId, trigger.message, name);
      const sentToLlm = (
        stub.control.requests().at(-1)?.body as { messages: Array<{ content: string }> } | undefined
      )?.messages.at(-1)?.content;
      const echo = (text: string) => `Echo: ${text}`;

      if (stage === 'input' && action === 'block') {
        expect(outcome.error).toMatchObject({ statusCode: 422, code: 'guardrail_blocked' });
        expect(stub.control.requests()).toHaveLength(0);
      } else if (stage === 'input') {
        const expected = action === 'redact' ? trigger.redact(trigger.message) : trigger.message;
        expect(sentToLlm).toBe(expected);
        expect(outcome.reply).toBe(echo(expected));
      } else {
        expect(sentToLlm).toBe(trigger.message);
        const full = echo(trigger.message);
        const expected =
          action === 'block' ? FALLBACK : action === 'redact' ? trigger.redact(full) : full;
        expect(outcome.reply).toBe(expected);
        if (outcome.tokens !== undefined) {
          // What was streamed never contains what the rule refused.
          if (action === 'redact') expect(outcome.tokens).toBe(expected);
          if (action === 'block')
            expect(full.startsWith(outcome.tokens) && outcome.tokens.length < full.length).toBe(
              true,
            );
        }
      }

      const firings = await api.sql(
        'SELECT rule_type, action, stage FROM guardrail_events WHERE user_id = $1',
        [userId],
      );
      expect(firings).toEqual([{ rule_type: type, action, stage }]);
    },
  );
});
