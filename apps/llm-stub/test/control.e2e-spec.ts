import { REQUEST_LOG_CAPACITY, startStubServer } from '@promptdev/llm-stub';
import { chatBody, completionBody, post, send, useStub } from './stub-harness';

describe('control and recording', () => {
  const stub = useStub({ settings: { reply_prefix: 'Start: ', latency_ms: 1 } });

  describe('POST /_stub/control', () => {
    it('shows the settings in force', async () => {
      const result = await send(stub(), 'GET', '/_stub/control');
      expect(result.json).toEqual({
        reply_prefix: 'Start: ',
        reply_tokens: null,
        latency_ms: 1,
        token_latency_ms: 0,
        loading_ms: 0,
        failures: [],
      });
    });

    it('replaces the settings; omitted ones go back to the startup values', async () => {
      const first = await post(stub(), '/_stub/control', {
        reply_prefix: 'Changed: ',
        token_latency_ms: 2,
        failures: [{ mode: 'status', status: 429, count: 3 }],
      });
      expect(first.status).toBe(200);
      expect(first.json).toMatchObject({
        reply_prefix: 'Changed: ',
        latency_ms: 1,
        token_latency_ms: 2,
        failures: [{ mode: 'status', status: 429, count: 3 }],
      });

      const second = await post(stub(), '/_stub/control', { latency_ms: 0 });
      expect(second.json).toEqual({
        reply_prefix: 'Start: ',
        reply_tokens: null,
        latency_ms: 0,
        token_latency_ms: 0,
        loading_ms: 0,
        failures: [],
      });
    });

    it('counts down the calls left on a failure', async () => {
      await post(stub(), '/_stub/control', { failures: [{ mode: 'status', count: 3 }] });
      await post(stub(), '/completion', completionBody());
      const result = await send(stub(), 'GET', '/_stub/control');
      expect(result.json.failures).toEqual([{ mode: 'status', status: 500, count: 2 }]);
    });

    it('rejects invalid settings with every problem and keeps the old ones', async () => {
      await post(stub(), '/_stub/control', { reply_tokens: 4 });
      const result = await post(stub(), '/_stub/control', {
        latency_ms: 'slow',
        failures: [{ mode: 'hang', retry_after: 2 }],
      });
      expect(result.status).toBe(400);
      expect(result.json).toEqual({
        error: {
          code: 400,
          message:
            'Invalid settings: latency_ms must be a whole number from 0 to 3600000 (got "slow"); ' +
            'failures[0].retry_after is not a known setting',
          type: 'invalid_request_error',
        },
      });
      expect((await send(stub(), 'GET', '/_stub/control')).json.reply_tokens).toBe(4);
    });

    it('rejects a body that is not JSON', async () => {
      const result = await post(stub(), '/_stub/control', '{latency_ms: 1}');
      expect(result.status).toBe(400);
      expect(result.json.error.message).toBe('Invalid settings: the body is not valid JSON');
    });
  });

  describe('POST /_stub/reset', () => {
    it('clears settings, failures, loading and recorded requests', async () => {
      await post(stub(), '/_stub/control', {
        reply_prefix: 'Other: ',
        loading_ms: 60_000,
        failures: [{ mode: 'hang', count: 5 }],
      });
      await post(stub(), '/completion', completionBody());
      const result = await post(stub(), '/_stub/reset', undefined);
      expect(result.status).toBe(200);
      expect(result.json).toEqual({
        reply_prefix: 'Start: ',
        reply_tokens: null,
        latency_ms: 1,
        token_latency_ms: 0,
        loading_ms: 0,
        failures: [],
      });
      expect((await send(stub(), 'GET', '/_stub/requests')).json).toEqual({
        count: 0,
        requests: [],
      });
      const reply = await post(stub(), '/v1/chat/completions', chatBody('back'));
      expect(reply.json.choices[0].message.content).toBe('Start: back');
    });
  });

  describe('GET /_stub/requests', () => {
    it('records completion calls with their body, headers and outcome', async () => {
      await send(stub(), 'POST', '/v1/chat/completions', chatBody('what was sent'), {
        authorization: 'Bearer secret-key',
        'x-request-id': 'req-42',
      });
      await send(stub(), 'POST', '/completion', '{"prompt": oops');
      await send(stub(), 'GET', '/health');
      await send(stub(), 'GET', '/v1/models');
      await stub().control.waitForRequest(
        (request) => request.path === '/completion' && request.outcome !== 'pending',
      );

      const result = await send(stub(), 'GET', '/_stub/requests');
      expect(result.status).toBe(200);
      expect(result.json).toEqual({
        count: 2,
        requests: [
          {
            id: 1,
            method: 'POST',
            path: '/v1/chat/completions',
            body: chatBody('what was sent'),
            headers: {
              'content-type': 'application/json',
              authorization: true,
              'x-request-id': 'req-42',
            },
            received_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT[\d:.]+Z$/),
            outcome: 'ok',
          },
          {
            id: 2,
            method: 'POST',
            path: '/completion',
            body: '{"prompt": oops',
            headers: {
              'content-type': 'application/json',
              authorization: false,
              'x-request-id': null,
            },
            received_at: expect.any(String),
            outcome: 'failed:invalid_request',
          },
        ],
      });
      expect(JSON.stringify(result.json)).not.toContain('secret-key');
    });

    it('DELETE clears the record; ids keep counting', async () => {
      await post(stub(), '/completion', completionBody());
      const cleared = await send(stub(), 'DELETE', '/_stub/requests');
      expect(cleared.status).toBe(204);
      expect((await send(stub(), 'GET', '/_stub/requests')).json.count).toBe(0);
      await post(stub(), '/completion', completionBody());
      const { requests } = (await send(stub(), 'GET', '/_stub/requests')).json;
      expect(requests.map((request: { id: number }) => request.id)).toEqual([2]);
    });

    it(`keeps the last ${REQUEST_LOG_CAPACITY} requests`, async () => {
      await post(stub(), '/_stub/control', { latency_ms: 0 });
      const total = REQUEST_LOG_CAPACITY + 5;
      for (let sent = 0; sent < total; sent += 50) {
        await Promise.all(
          Array.from({ length: Math.min(50, total - sent) }, () =>
            post(stub(), '/completion', completionBody()),
          ),
        );
      }
      const { json } = await send(stub(), 'GET', '/_stub/requests');
      expect(json.count).toBe(REQUEST_LOG_CAPACITY);
      expect(json.requests[0].id).toBe(6);
      expect(json.requests.at(-1).id).toBe(total);
    });
  });
});

describe('startup settings', () => {
  it('applies failures given at start for their count (the STUB_FAIL_* form)', async () => {
    const stub = await startStubServer({
      settings: { failures: [{ mode: 'status', status: 503, count: 2, retry_after: 3 }] },
    });
    try {
      const statuses = [];
      for (let call = 0; call < 3; call++) {
        statuses.push((await post(stub, '/completion', completionBody())).status);
      }
      expect(statuses).toEqual([503, 503, 200]);
    } finally {
      await stub.close();
    }
  });

  it('logs one line per request when asked to', async () => {
    const lines: string[] = [];
    const stub = await startStubServer({ log: (line) => lines.push(line) });
    try {
      await post(stub, '/completion', completionBody());
      await stub.control.waitForRequest((request) => request.outcome === 'ok');
      expect(lines).toEqual([expect.stringMatching(/^POST \/completion 200 ok [\d.]+ms$/)]);
    } finally {
      await stub.close();
    }
  });
});
