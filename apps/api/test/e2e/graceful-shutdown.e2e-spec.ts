import { aUserId } from '../factories/memory';
import { createTemplate } from '../factories/templates';
import { startLlmStub } from '../setup/llm-stub';
import { startTestApp } from '../setup/test-app';

describe('graceful shutdown', () => {
  it('loses no telemetry row or live event written in the background', async () => {
    const stub = await startLlmStub();
    const observer = await startTestApp({ LLM_BASE_URL: stub.url });
    const instance = await startTestApp(
      { LLM_BASE_URL: stub.url },
      { database: observer.database },
    );
    try {
      await createTemplate(instance, {});
      const users = Array.from({ length: 20 }, () => aUserId('shutdown'));
      const replies = await Promise.all(
        users.map((userId) => instance.http('POST', '/chat', { user_id: userId, message: 'bye' })),
      );
      expect(replies.every((reply) => reply.status === 200)).toBe(true);
      // Closed at once: the background writes must be finished by the shutdown itself.
      await instance.close();

      const [requests] = await observer.sql(
        'SELECT count(*)::int AS n FROM llm_requests WHERE user_id = ANY($1)',
        [users],
      );
      expect(requests.n).toBe(20);
      const [events] = await observer.sql(
        `SELECT count(*)::int AS n FROM events WHERE type = 'message.created' AND user_id = ANY($1)`,
        [users],
      );
      expect(events.n).toBe(40);
    } finally {
      await observer.close();
      await stub.close();
    }
  });
});
