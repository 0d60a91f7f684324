import { RunningStubServer } from '@promptdev/llm-stub';
import { aConfigName } from '../factories/guardrails';
import { aUserId } from '../factories/memory';
import { createTemplate } from '../factories/templates';
import { startLlmStub } from '../setup/llm-stub';
import { readSse } from '../setup/sse';
import { expectError, startTestApp, TestApp } from '../setup/test-app';

/**
 * Regexes that make a backtracking engine run for minutes on a few hundred characters, as an
 * operator could save them, and messages built to hurt them. Guardrail regexes run on RE2:
 * the turn finishes quickly and the server keeps answering meanwhile.
 */
const ATTACKS: Array<{ pattern: string; message: string }> = [
  // Issue 8 item 4 took 11 s on 261 characters; this one is as close as the size limit allows.
  { pattern: '\\d{1,300}\\d{1,300}\\d{1,300}x', message: `${'1'.repeat(900)} `.repeat(8) },
  { pattern: '(a+)+$', message: `${'a'.repeat(1900)}! `.repeat(4) },
  { pattern: '(a|aa)+$', message: `${'a'.repeat(1900)}! `.repeat(4) },
  { pattern: '(.*a){20}', message: `${'a'.repeat(1900)}! `.repeat(4) },
  { pattern: '(\\w+\\s?)+$', message: `${'ab'.repeat(950)}! `.repeat(4) },
];
/** How long a turn may take on this shared machine; a backtracker would need hours. */
const TURN_BUDGET_MS = 10_000;

describe('guardrail regexes under attack', () => {
  let stub: RunningStubServer;
  let api: TestApp;

  beforeAll(async () => {
    stub = await startLlmStub();
    api = await startTestApp({ LLM_BASE_URL: stub.url, LLM_RETRY_BASE_MS: '5' });
    await createTemplate(api, { content: 'You are Luna.' });
  });
  afterAll(async () => {
    await api.close();
    await stub.close();
  });

  /** Flags on both stages: the message is checked on the way in, the echoing reply on the way out. */
  async function configWith(pattern: string): Promise<string> {
    const name = aConfigName('attack');
    const result = await api.http('POST', '/admin/guardrails', {
      name,
      rules: [{ type: 'regex', pattern, stage: 'both', action: 'flag' }],
    });
    expect(result.status).toBe(201);
    return name;
  }

  /**
   * Runs the attack while polling /health; returns the slowest health answer. Polls go on
   * until the attack settles, so each one overlaps it.
   */
  async function whilePollingHealth(attack: () => Promise<void>): Promise<number> {
    let done = false;
    let slowest = 0;
    const polls = (async () => {
      while (!done) {
        const started = performance.now();
        const health = await fetch(`${api.baseUrl}/health`);
        expect(health.status).toBe(200);
        await health.arrayBuffer();
        slowest = Math.max(slowest, performance.now() - started);
      }
    })();
    try {
      await attack();
    } finally {
      done = true;
      await polls;
    }
    return slowest;
  }

  it.each(ATTACKS)('POST /chat with $pattern finishes and /health stays quick', async (attack) => {
    const name = await configWith(attack.pattern);
    const userId = aUserId('regex');
    const started = performance.now();
    const slowestHealth = await whilePollingHealth(async () => {
      const results = await Promise.all(
        [0, 1].map(() =>
          api.http('POST', '/chat', {
            user_id: userId,
            message: attack.message,
            guardrail_config: name,
          }),
        ),
      );
      for (const result of results) expect(result.status).toBe(200);
    });
    expect(performance.now() - started).toBeLessThan(TURN_BUDGET_MS);
    expect(slowestHealth).toBeLessThan(1000);
    // Both turns were stored with their replies: nothing was cut short.
    const rows = await api.sql<{ role: string }>(
      'SELECT role FROM conversation_history WHERE user_id = $1 ORDER BY id',
      [userId],
    );
    expect(rows.map((row) => row.role).sort()).toEqual(['assistant', 'assistant', 'user', 'user']);
  });

  it.each(ATTACKS)(
    'POST /chat/stream with $pattern finishes and /health stays quick',
    async (attack) => {
      const name = await configWith(attack.pattern);
      const userId = aUserId('regex-stream');
      const started = performance.now();
      let streamed = '';
      const slowestHealth = await whilePollingHealth(async () => {
        const response = await fetch(`${api.baseUrl}/chat/stream`, {
          method: 'POST',
          headers: { ...api.authHeaders, 'content-type': 'application/json' },
          body: JSON.stringify({
            user_id: userId,
            message: attack.message,
            guardrail_config: name,
          }),
        });
        expect(response.status).toBe(200);
        const events = await readSse(response);
        expect(events.at(-1)?.event).toBe('done');
        streamed = events
          .filter((event) => event.event === 'token')
          .map((event) => String(event.data.delta))
          .join('');
      });
      expect(performance.now() - started).toBeLessThan(TURN_BUDGET_MS);
      expect(slowestHealth).toBeLessThan(1000);
      // The rule only flags: the whole echo reached the client.
      expect(streamed).toContain(attack.message.trim().slice(0, 200));
    },
  );

  it('refuses a pattern that compiles too large to match quickly, at save', async () => {
    const result = await api.http('POST', '/admin/guardrails', {
      name: aConfigName('attack'),
      rules: [
        {
          type: 'regex',
          pattern: '\\d{1,1000}\\d{1,1000}\\d{1,1000}x',
          stage: 'both',
          action: 'flag',
        },
      ],
    });
    const error = expectError(result, 422, 'validation_failed');
    expect(error.details.fields).toEqual([
      {
        field: 'rules[0].pattern',
        errors: [expect.stringMatching(/^rules\[0\]\.pattern is too large: .*instructions/)],
      },
    ]);
  });
});
