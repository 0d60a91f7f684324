import { Logger } from '@nestjs/common';
import { getRepositoryToken } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { LlmRequestEntity } from '../../src/modules/telemetry/entities/llm-request.entity';
import { LlmRequestRecord, TelemetryService } from '../../src/modules/telemetry/telemetry.service';
import { aUserId } from '../factories/memory';
import { eventually } from '../setup/sse';
import { startTestApp, TestApp } from '../setup/test-app';

// TelemetryService writes once this many rows wait (BATCH_ROWS).
const BATCH_ROWS = 200;

function anLlmCall(userId: string, overrides: Partial<LlmRequestRecord> = {}): LlmRequestRecord {
  return {
    requestId: null,
    userId,
    templateName: 'persona',
    templateVersion: 1,
    guardrailConfig: null,
    model: 'default',
    api: 'openai',
    stream: false,
    promptTokens: 10,
    completionTokens: 5,
    latencyMs: 120,
    ttftMs: null,
    attempts: 1,
    status: 'ok',
    errorCode: null,
    error: null,
    ...overrides,
  };
}

describe('LLM call records, written in batches', () => {
  let api: TestApp;
  let telemetry: TelemetryService;
  let llmRequests: Repository<LlmRequestEntity>;

  beforeAll(async () => {
    api = await startTestApp();
    telemetry = api.app.get(TelemetryService);
    llmRequests = api.app.get(getRepositoryToken(LlmRequestEntity));
  });
  afterEach(() => jest.restoreAllMocks());
  afterAll(() => api.close());

  const storedFor = async (userId: string) =>
    (
      await api.sql<{ count: number }>(
        'SELECT count(*) AS count FROM llm_requests WHERE user_id = $1',
        [userId],
      )
    )[0]!.count;

  it('stores every recorded row once flush resolves, as recorded', async () => {
    const userId = aUserId('batch');
    for (let index = 0; index < 5; index += 1) {
      telemetry.recordLlmRequest(anLlmCall(userId, { latencyMs: index, requestId: `r${index}` }));
    }
    await telemetry.flush();
    const rows = await api.sql(
      `SELECT request_id, latency_ms, status, api, created_at FROM llm_requests
        WHERE user_id = $1 ORDER BY id`,
      [userId],
    );
    expect(rows).toEqual(
      [0, 1, 2, 3, 4].map((index) => ({
        request_id: `r${index}`,
        latency_ms: index,
        status: 'ok',
        api: 'openai',
        created_at: expect.any(Date),
      })),
    );
  });

  it(`writes ${BATCH_ROWS} waiting rows at once, without waiting for the timer`, async () => {
    const userId = aUserId('full');
    const insert = jest.spyOn(llmRequests, 'query');
    const rowsOf = (call: unknown[]) => (JSON.parse((call[1] as string[])[0]!) as unknown[]).length;
    for (let index = 0; index < BATCH_ROWS; index += 1) {
      telemetry.recordLlmRequest(anLlmCall(userId));
    }
    // Started synchronously by the row that filled the batch.
    expect(insert).toHaveBeenCalledTimes(1);
    expect(rowsOf(insert.mock.calls[0]!)).toBe(BATCH_ROWS);
    telemetry.recordLlmRequest(anLlmCall(userId));
    expect(insert).toHaveBeenCalledTimes(1);
    await telemetry.flush();
    expect(insert).toHaveBeenCalledTimes(2);
    expect(await storedFor(userId)).toBe(BATCH_ROWS + 1);
  });

  it('stores rows nobody flushes shortly after they were recorded', async () => {
    const userId = aUserId('timer');
    for (let index = 0; index < 3; index += 1) telemetry.recordLlmRequest(anLlmCall(userId));
    await eventually(async () => expect(await storedFor(userId)).toBe(3), 1500);
  });

  it('logs a batch the database refuses and keeps the batches before and after it', async () => {
    const error = jest.spyOn(Logger.prototype, 'error');
    const userId = aUserId('refused');
    telemetry.recordLlmRequest(anLlmCall(userId, { requestId: 'before' }));
    await telemetry.flush();
    // api is varchar(16): the whole batch of this row is refused.
    expect(() =>
      telemetry.recordLlmRequest(anLlmCall(userId, { api: 'x'.repeat(17), requestId: 'bad' })),
    ).not.toThrow();
    await expect(telemetry.flush()).resolves.toBeUndefined();
    expect(error).toHaveBeenCalledWith(expect.stringContaining('could not record 1 LLM request'));
    telemetry.recordLlmRequest(anLlmCall(userId, { requestId: 'after' }));
    await telemetry.flush();
    const rows = await api.sql(
      'SELECT request_id FROM llm_requests WHERE user_id = $1 ORDER BY id',
      [userId],
    );
    expect(rows).toEqual([{ request_id: 'before' }, { request_id: 'after' }]);
  });

  it('stores the good rows of a batch that holds a refused one, and logs that one', async () => {
    const error = jest.spyOn(Logger.prototype, 'error');
    const userId = aUserId('mixed');
    telemetry.recordLlmRequest(anLlmCall(userId, { requestId: 'good-1' }));
    telemetry.recordLlmRequest(anLlmCall(userId, { api: 'x'.repeat(17), requestId: 'bad' }));
    telemetry.recordLlmRequest(anLlmCall(userId, { requestId: 'good-2' }));
    await expect(telemetry.flush()).resolves.toBeUndefined();
    expect(error).toHaveBeenCalledWith(expect.stringContaining('could not record 1 LLM request'));
    const rows = await api.sql(
      'SELECT request_id FROM llm_requests WHERE user_id = $1 ORDER BY request_id',
      [userId],
    );
    expect(rows).toEqual([{ request_id: 'good-1' }, { request_id: 'good-2' }]);
  });

  it('logs a batch written while the table is away, and stores the next ones', async () => {
    const error = jest.spyOn(Logger.prototype, 'error');
    const userId = aUserId('away');
    await api.sql('ALTER TABLE llm_requests RENAME TO llm_requests_away');
    try {
      telemetry.recordLlmRequest(anLlmCall(userId, { requestId: 'lost' }));
      await expect(telemetry.flush()).resolves.toBeUndefined();
    } finally {
      await api.sql('ALTER TABLE llm_requests_away RENAME TO llm_requests');
    }
    expect(error).toHaveBeenCalledWith(expect.stringContaining('could not record 1 LLM request'));
    telemetry.recordLlmRequest(anLlmCall(userId, { requestId: 'kept' }));
    await telemetry.flush();
    expect(
      await api.sql('SELECT request_id FROM llm_requests WHERE user_id = $1', [userId]),
    ).toEqual([{ request_id: 'kept' }]);
  });
});
