import { startLlmStub } from '../setup/llm-stub';
import { expectError, startTestApp } from '../setup/test-app';

describe('chat without any template', () => {
  it('answers 503 no_template and keeps the message', async () => {
    const stub = await startLlmStub();
    const api = await startTestApp({ LLM_BASE_URL: stub.url });
    try {
      expectError(
        await api.http('POST', '/chat', { user_id: 'u1', message: 'hello' }),
        503,
        'no_template',
      );
      expect(await api.sql('SELECT content FROM conversation_history')).toEqual([
        { content: 'hello' },
      ]);
    } finally {
      await api.close();
      await stub.close();
    }
  });
});
