import { startStubServer } from '@promptdev/llm-stub';
import { chatBody, completionBody, post, send, useStub } from './stub-harness';

describe('health, models and unknown routes', () => {
  const stub = useStub({ model: 'stub-model-x' });

  it('GET /health answers ok', async () => {
    const result = await send(stub(), 'GET', '/health');
    expect(result.status).toBe(200);
    expect(result.headers.get('content-type')).toBe('application/json');
    expect(result.json).toEqual({ status: 'ok' });
  });

  it('GET /v1/models lists the configured model', async () => {
    const result = await send(stub(), 'GET', '/v1/models');
    expect(result.status).toBe(200);
    expect(result.json).toEqual({
      object: 'list',
      data: [{ id: 'stub-model-x', object: 'model', created: 0, owned_by: 'promptdev-stub' }],
    });
  });

  it('names the configured model in replies when the request names none', async () => {
    const result = await post(stub(), '/v1/chat/completions', { messages: [{ role: 'user' }] });
    expect(result.json.model).toBe('stub-model-x');
  });

  it('ignores the query string when routing', async () => {
    expect((await send(stub(), 'GET', '/health?verbose=1')).status).toBe(200);
  });

  it('answers an unknown route with a JSON 404 and records it', async () => {
    const result = await send(stub(), 'POST', '/v1/completions', { prompt: 'hi' });
    expect(result.status).toBe(404);
    expect(result.json).toEqual({
      error: { code: 404, message: 'No route for POST /v1/completions', type: 'not_found_error' },
    });
    const recorded = await stub().control.waitForRequest(
      (request) => request.outcome !== 'pending',
    );
    expect(recorded).toMatchObject({
      path: '/v1/completions',
      body: { prompt: 'hi' },
      outcome: 'failed:not_found',
    });
  });

  it('answers a wrong method with 405 and the allowed ones', async () => {
    const result = await send(stub(), 'GET', '/v1/chat/completions');
    expect(result.status).toBe(405);
    expect(result.headers.get('allow')).toBe('POST');
    expect(result.json.error.type).toBe('invalid_request_error');
  });

  it('keeps connections alive', async () => {
    const result = await send(stub(), 'GET', '/health');
    expect(result.headers.get('connection')).toBe('keep-alive');
  });
});

describe('loading', () => {
  const loadingBody = {
    error: { code: 503, message: 'Loading model', type: 'unavailable_error' },
  };
  const stub = useStub();

  it('answers 503 "Loading model" everywhere but the control routes while loading', async () => {
    await post(stub(), '/_stub/control', { loading_ms: 60_000 });
    for (const [method, path, body] of [
      ['GET', '/health', undefined],
      ['GET', '/v1/models', undefined],
      ['POST', '/v1/chat/completions', chatBody()],
      ['POST', '/completion', completionBody()],
    ] as const) {
      const result = await send(stub(), method, path, body);
      expect({ path, status: result.status, body: result.json }).toEqual({
        path,
        status: 503,
        body: loadingBody,
      });
    }
    expect((await send(stub(), 'GET', '/_stub/control')).json.loading_ms).toBeGreaterThan(59_000);
    const outcomes = stub()
      .control.requests()
      .map((request) => request.outcome);
    expect(outcomes).toEqual(['failed:loading', 'failed:loading']);
  });

  it('is ready again once the loading time is over', async () => {
    const loading = await startStubServer({ settings: { loading_ms: 150 } });
    try {
      expect((await send(loading, 'GET', '/health')).status).toBe(503);
      const deadline = Date.now() + 5000;
      let status = 503;
      while (status === 503 && Date.now() < deadline) {
        status = (await send(loading, 'GET', '/health')).status;
      }
      expect(status).toBe(200);
    } finally {
      await loading.close();
    }
  });
});
