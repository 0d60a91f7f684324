import { RunningStubServer } from '@promptdev/llm-stub';
import { EventsService } from '../../src/modules/events/events.service';
import { aUserId } from '../factories/memory';
import { createTemplate } from '../factories/templates';
import { startLlmStub } from '../setup/llm-stub';
import { openSse, SseConnection } from '../setup/sse';
import { expectError, startTestApp, TestApp } from '../setup/test-app';

describe('live events', () => {
  let stub: RunningStubServer;
  let api: TestApp;
  let other: TestApp;
  const connections: SseConnection[] = [];
  const env = () => ({ LLM_BASE_URL: stub.url, EVENTS_HEARTBEAT_MS: '200', EVENTS_POLL_MS: '100' });
  const open = async (app: TestApp, path: string, headers: Record<string, string> = {}) => {
    const connection = await openSse(`${app.baseUrl}${path}`, { ...app.authHeaders, ...headers });
    connections.push(connection);
    await connection.waitForText(': connected');
    return connection;
  };
  const isMessage = (userId: string, content: string) => (event: { event: string; data: any }) =>
    event.event === 'message.created' &&
    event.data.user_id === userId &&
    event.data.data.content === content;

  beforeAll(async () => {
    stub = await startLlmStub();
    api = await startTestApp(env());
    // A second instance of the API on the same database.
    other = await startTestApp(env(), { database: api.database });
    await createTemplate(api, { content: 'Version one for {{ user_id }}' });
  });
  afterEach(() => connections.splice(0).forEach((connection) => connection.close()));
  afterAll(async () => {
    await other.close();
    await api.close();
    await stub.close();
  });

  it('streams chat messages with their content, state changes and interventions to operators', async () => {
    const feed = await open(api, '/admin/events');
    expect(feed.headers.get('content-type')).toContain('text/event-stream');
    const userId = aUserId();
    await api.http('POST', '/chat', { user_id: userId, message: 'hello events' });
    const userMessage = await feed.waitFor(isMessage(userId, 'hello events'));
    expect(userMessage.data).toMatchObject({
      type: 'message.created',
      user_id: userId,
      data: { role: 'user', source: 'user', visible_to_user: true, message_id: expect.any(Number) },
    });
    expect(userMessage.id).toBe(String(userMessage.data.id));
    await feed.waitFor(isMessage(userId, 'Echo: hello events'));

    await api.http('POST', `/admin/interventions/${userId}/halt`, {
      operator: 'alice',
      reason: 'look',
    });
    await feed.waitFor(
      (event) => event.event === 'user.state_changed' && event.data.data.mode === 'halted',
    );
    const intervention = await feed.waitFor((event) => event.event === 'intervention.created');
    expect(intervention.data.data).toMatchObject({
      kind: 'halt',
      operator: 'alice',
      reason: 'look',
    });

    const ids = feed.events.map((event) => Number(event.id));
    expect([...ids].sort((a, b) => a - b)).toEqual(ids);
  });

  it('filters by type and user', async () => {
    const userId = aUserId();
    const feed = await open(api, `/admin/events?types=user.state_changed&user_id=${userId}`);
    await api.http('PUT', `/admin/state/${aUserId()}?mode=learning`);
    await api.http('POST', '/chat', { user_id: userId, message: 'not this' });
    await api.http('PUT', `/admin/state/${userId}?mode=learning`);
    await feed.waitFor((event) => event.event === 'user.state_changed');
    expect(feed.events.map((event) => [event.event, event.data.user_id])).toEqual([
      ['user.state_changed', userId],
    ]);
  });

  it("sends an operator's takeover message to the end user's chat stream, and not their own messages", async () => {
    const userId = aUserId();
    const chatFeed = await open(api, `/chat/events?user_id=${userId}`);
    await api.http('POST', '/chat', { user_id: userId, message: 'my own message' });
    await api.http('POST', `/admin/interventions/${aUserId()}/inject`, {
      operator: 'bob',
      content: 'someone else',
      role: 'assistant',
    });
    await api.http('POST', `/admin/interventions/${userId}/inject`, {
      operator: 'bob',
      content: 'secret note',
    });
    await api.http('POST', `/admin/interventions/${userId}/inject`, {
      operator: 'bob',
      content: 'A human here!',
      role: 'assistant',
    });
    const takeover = await chatFeed.waitFor(isMessage(userId, 'A human here!'));
    expect(takeover.data.data).toMatchObject({
      role: 'assistant',
      source: 'operator',
      operator: 'bob',
    });
    await api.http('POST', `/admin/interventions/${userId}/halt`, {
      operator: 'bob',
      reason: 'pause',
    });
    await chatFeed.waitFor((event) => event.event === 'user.state_changed');
    const contents = chatFeed.events.map((event) => event.data.data.content).filter(Boolean);
    expect(contents).toEqual(['A human here!']);
  });

  it('resumes from Last-Event-ID without losing or repeating events', async () => {
    const userId = aUserId();
    const first = await open(api, `/admin/events?user_id=${userId}`);
    await api.http('PUT', `/admin/state/${userId}?mode=one`);
    const seen = await first.waitFor((event) => event.data.data.mode === 'one');
    first.close();
    await api.http('PUT', `/admin/state/${userId}?mode=two`);
    await api.http('PUT', `/admin/state/${userId}?mode=three`);
    await api.app.get(EventsService).flush();

    const resumed = await open(api, `/admin/events?user_id=${userId}`, {
      'last-event-id': seen.id!,
    });
    await api.http('PUT', `/admin/state/${userId}?mode=four`);
    await resumed.waitFor((event) => event.data.data.mode === 'four');
    expect(resumed.events.map((event) => event.data.data.mode)).toEqual(['two', 'three', 'four']);
  });

  it('sends heartbeats to idle streams', async () => {
    const feed = await open(api, '/admin/events');
    await feed.waitForText(': heartbeat', 3000);
  });

  it('delivers an event raised on one instance to a subscriber of the other within a second', async () => {
    const feed = await open(other, '/admin/events');
    const userId = aUserId();
    const started = Date.now();
    await api.http('POST', `/admin/interventions/${userId}/halt`, {
      operator: 'alice',
      reason: 'cross',
    });
    await feed.waitFor(
      (event) => event.event === 'user.state_changed' && event.data.user_id === userId,
      1000,
    );
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it("uses a template edited on one instance in the other's next chat", async () => {
    const template = await createTemplate(api, { content: 'Before edit' });
    const userId = aUserId();
    await other.http('POST', '/chat', {
      user_id: userId,
      message: 'one',
      template_name: template.name,
    });
    const otherFeed = await open(other, '/admin/events?types=template.changed');
    await api.http('PUT', `/admin/templates/${template.id}`, {
      content: 'After edit',
      updated_by: 'alice',
    });
    await otherFeed.waitFor((event) => event.data.data.template_id === template.id, 2000);
    stub.control.clearRequests();
    const reply = await other.http('POST', '/chat', {
      user_id: userId,
      message: 'two',
      template_name: template.name,
    });
    expect(reply.body.metadata.template_version).toBe(2);
    const [request] = stub.control.requests();
    expect((request?.body as { messages: Array<{ content: string }> }).messages[0]?.content).toBe(
      'After edit',
    );
  });

  it("applies a guardrail config changed on one instance in the other's next chat", async () => {
    const name = `cross-${Date.now()}`;
    const created = await api.http('POST', '/admin/guardrails', {
      name,
      rules: [{ type: 'system_instruction', content: 'Old rule.' }],
    });
    const userId = aUserId();
    await other.http('POST', '/chat', { user_id: userId, message: 'one', guardrail_config: name });
    const otherFeed = await open(other, '/admin/events?types=guardrail_config.changed');
    await api.http('PUT', `/admin/guardrails/${created.body.id}`, {
      rules: [{ type: 'system_instruction', content: 'New rule.' }],
    });
    await otherFeed.waitFor((event) => event.data.data.name === name, 2000);
    stub.control.clearRequests();
    await other.http('POST', '/chat', { user_id: userId, message: 'two', guardrail_config: name });
    const [request] = stub.control.requests();
    expect(
      (request?.body as { messages: Array<{ content: string }> }).messages[0]?.content,
    ).toMatch(/^New rule\./);
  });

  it('rejects bad filters and a bad Last-Event-ID with 422', async () => {
    expectError(await api.http('GET', '/admin/events?types=nope'), 422, 'validation_failed');
    expectError(await api.http('GET', '/admin/events?user_id=bad%20id'), 422, 'validation_failed');
    expectError(await api.http('GET', '/chat/events'), 422, 'validation_failed');
    expectError(
      await api.http('GET', '/admin/events', undefined, { 'last-event-id': 'abc' }),
      422,
      'validation_failed',
    );
  });
});
