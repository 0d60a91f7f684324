import { expectError, startTestApp, TestApp } from '../setup/test-app';

describe('health, request ids and the error shape', () => {
  let api: TestApp;

  beforeAll(async () => {
    api = await startTestApp();
  });
  afterAll(() => api.close());

  it('GET /health answers ok', async () => {
    const result = await api.http('GET', '/health');
    expect(result.status).toBe(200);
    expect(result.body).toEqual({ status: 'ok' });
  });

  it('GET /health/ready reports the database and migrations', async () => {
    const result = await api.http('GET', '/health/ready');
    expect(result.status).toBe(200);
    expect(result.body).toMatchObject({
      status: 'ready',
      checks: { database: { status: 'ok' }, migrations: { status: 'ok', pending: 0 } },
    });
  });

  it('echoes a sane X-Request-Id and uses it in error bodies', async () => {
    const result = await api.http('GET', '/no-such-route', undefined, {
      'x-request-id': 'trace-abc.123',
    });
    expect(result.headers.get('x-request-id')).toBe('trace-abc.123');
    const body = expectError(result, 404, 'route_not_found');
    expect(body.requestId).toBe('trace-abc.123');
  });

  it('replaces an unusable X-Request-Id with a generated one', async () => {
    const result = await api.http('GET', '/health', undefined, {
      'x-request-id': 'bad id with spaces',
    });
    expect(result.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('answers malformed JSON with 400 malformed_json, and an unsupported body type with 415', async () => {
    expectError(
      await api.http('POST', '/admin/templates', '{"name": ', {
        'content-type': 'application/json',
      }),
      400,
      'malformed_json',
    );
    expectError(
      await api.http('POST', '/admin/templates', '', { 'content-type': 'application/json' }),
      400,
      'malformed_json',
    );
    expectError(
      await api.http('POST', '/admin/templates', '<a/>', { 'content-type': 'application/xml' }),
      415,
      'unsupported_media_type',
    );
  });

  it('refuses a body over the size limit with 413', async () => {
    const huge = JSON.stringify({
      name: 'x',
      content: 'y'.repeat(2 * 1024 * 1024),
      created_by: 'z',
    });
    expectError(await api.http('POST', '/admin/templates', huge), 413, 'payload_too_large');
  });

  it('serves the Swagger UI and the OpenAPI document', async () => {
    const ui = await api.http('GET', '/docs');
    expect(ui.status).toBe(200);
    expect(ui.text).toContain('swagger');
    const document = await api.http('GET', '/docs-json');
    expect(document.status).toBe(200);
    expect(document.body.openapi).toMatch(/^3\./);
    expect(Object.keys(document.body.paths)).toEqual(
      expect.arrayContaining(['/health', '/health/ready']),
    );
  });
});
