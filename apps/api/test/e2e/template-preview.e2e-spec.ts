import { RunningStubServer } from '@promptdev/llm-stub';
import { TelemetryService } from '../../src/modules/telemetry/telemetry.service';
import { aUserId } from '../factories/memory';
import { createTemplate } from '../factories/templates';
import { startLlmStub } from '../setup/llm-stub';
import { expectError, startTestApp, TestApp } from '../setup/test-app';

describe('template preview with a real user and the LLM', () => {
  let stub: RunningStubServer;
  let api: TestApp;

  beforeAll(async () => {
    stub = await startLlmStub();
    api = await startTestApp({
      LLM_BASE_URL: stub.url,
      LLM_RETRY_BASE_MS: '5',
      LLM_MAX_RETRIES: '1',
    });
  });
  beforeEach(() => stub.control.reset());
  afterAll(async () => {
    await api.close();
    await stub.close();
  });

  const storedRows = async () => {
    // Telemetry is written in the background: let earlier writes land first.
    await api.app.get(TelemetryService).flush();
    return storedRowsNow();
  };
  const storedRowsNow = async () => ({
    messages: await api.sql('SELECT * FROM conversation_history ORDER BY id'),
    requests: await api.sql('SELECT * FROM llm_requests ORDER BY id'),
    state: await api.sql('SELECT * FROM user_state ORDER BY user_id'),
  });

  it("renders with a real user's memory, mode and history", async () => {
    const template = await createTemplate(api, {
      content: 'Hi {{ name }} ({{ user_mode }}). Last: {{ conversation_history }}',
    });
    const userId = aUserId();
    await api.http('PUT', `/admin/memory/${userId}/name`, { value: 'Mia' });
    await api.http('PUT', `/admin/state/${userId}?mode=learning`);
    await api.http('POST', '/chat', {
      user_id: userId,
      message: 'earlier',
      template_name: template.name,
    });

    const preview = await api.http('POST', `/admin/templates/${template.id}/preview`, {
      user_id: userId,
      message: 'now',
    });
    expect(preview.status).toBe(200);
    expect(preview.body.rendered).toBe(
      'Hi Mia (learning). Last: user: earlier\nassistant: Echo: earlier',
    );
    expect(preview.body.messages).toEqual([
      { role: 'system', content: preview.body.rendered },
      { role: 'user', content: 'now' },
    ]);
    expect(preview.body.llm).toBeNull();
  });

  it('calls the LLM with call_llm, and stores nothing', async () => {
    const template = await createTemplate(api, {
      content: 'You are Nova.',
      config: { temperature: 0.2 },
    });
    const userId = aUserId();
    await api.http('POST', '/chat', {
      user_id: userId,
      message: 'first',
      template_name: template.name,
    });
    const before = await storedRows();
    stub.control.clearRequests();

    const preview = await api.http('POST', `/admin/templates/${template.id}/preview`, {
      user_id: userId,
      message: 'what now?',
      call_llm: true,
    });
    expect(preview.status).toBe(200);
    expect(preview.body.llm).toMatchObject({
      response: 'Echo: what now?',
      attempts: 1,
      finish_reason: 'stop',
    });
    const [sent] = stub.control.requests();
    expect(sent?.body).toMatchObject({
      temperature: 0.2,
      messages: [
        { role: 'system', content: 'You are Nova.' },
        { role: 'user', content: 'first' },
        { role: 'assistant', content: 'Echo: first' },
        { role: 'user', content: 'what now?' },
      ],
    });
    expect(await storedRows()).toEqual(before);
  });

  it('previews unsaved content against the LLM with the sample context', async () => {
    const template = await createTemplate(api, {});
    const preview = await api.http('POST', `/admin/templates/${template.id}/preview`, {
      content: 'Draft for {{ user_id }}',
      call_llm: true,
    });
    expect(preview.body).toMatchObject({ rendered: 'Draft for preview-user', version: null });
    expect(preview.body.llm.response).toMatch(/^Echo: /);
  });

  it('reports LLM failures with the documented error and stores nothing', async () => {
    const template = await createTemplate(api, {});
    stub.control.configure({ failures: [{ mode: 'status', status: 500, count: 5 }] });
    const before = await storedRows();
    const result = await api.http('POST', `/admin/templates/${template.id}/preview`, {
      call_llm: true,
    });
    expect(expectError(result, 502, 'llm_unavailable').details.attempts).toBe(2);
    expect(await storedRows()).toEqual(before);
  });

  it('rejects a non-boolean call_llm', async () => {
    const template = await createTemplate(api, {});
    const result = await api.http('POST', `/admin/templates/${template.id}/preview`, {
      call_llm: 'yes',
    });
    expect(expectError(result, 422, 'validation_failed').details.fields[0].field).toBe('call_llm');
  });
});
