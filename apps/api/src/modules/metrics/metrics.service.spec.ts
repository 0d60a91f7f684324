import { HttpAdapterHost } from '@nestjs/core';
import type { MetricValueWithName } from 'prom-client';
import { DataSource } from 'typeorm';
import { CircuitState } from '../llm/circuit-breaker';
import { LlmClient } from '../llm/llm.client';
import { UserStateService } from '../memory/user-state.service';
import { HALTED_USERS_CACHE_MS, LlmCallObservation, MetricsService } from './metrics.service';

const anLlmCall = (overrides: Partial<LlmCallObservation> = {}): LlmCallObservation => ({
  model: 'luna-7b',
  status: 'ok',
  errorCode: null,
  latencyMs: 1200,
  ttftMs: null,
  promptTokens: 30,
  completionTokens: 12,
  attempts: 1,
  ...overrides,
});

describe('MetricsService', () => {
  let circuitState: CircuitState;
  let pool: { totalCount: number; idleCount: number; waitingCount: number };
  let query: jest.Mock<Promise<Array<{ count: number }>>>;
  let service: MetricsService;

  const build = () =>
    new MetricsService(
      {} as HttpAdapterHost,
      { driver: { master: pool }, query } as unknown as DataSource,
      { circuit: () => ({ state: circuitState }) } as unknown as LlmClient,
      new UserStateService({ query, metadata: { columns: [] } } as never, {} as never),
    );

  /** Samples of one metric (histograms: of one of its series, e.g. `_count`). */
  const samples = async (target: MetricsService, metric: string, sampleName = metric) => {
    const family = target.registry.getSingleMetric(metric);
    if (!family) throw new Error(`no metric ${metric}`);
    const { values } = await family.get();
    return (values as Array<MetricValueWithName<string>>)
      .filter((value) => (value.metricName ?? metric) === sampleName)
      .map(({ labels, value }) => ({ labels, value }));
  };

  beforeEach(() => {
    circuitState = 'closed';
    pool = { totalCount: 3, idleCount: 2, waitingCount: 1 };
    query = jest.fn(() => Promise.resolve([{ count: 4 }]));
    service = build();
  });
  afterEach(() => jest.restoreAllMocks());

  it('records an LLM call by model and status, with its tokens, retries and first token', async () => {
    service.observeLlmCall(anLlmCall({ attempts: 3, ttftMs: 250 }));
    const count = 'promptdev_llm_request_duration_seconds';
    expect(await samples(service, count, `${count}_count`)).toEqual([
      { labels: { model: 'luna-7b', status: 'ok' }, value: 1 },
    ]);
    expect(await samples(service, count, `${count}_sum`)).toEqual([
      { labels: { model: 'luna-7b', status: 'ok' }, value: 1.2 },
    ]);
    const ttft = 'promptdev_llm_time_to_first_token_seconds';
    expect(await samples(service, ttft, `${ttft}_sum`)).toEqual([
      { labels: { model: 'luna-7b' }, value: 0.25 },
    ]);
    expect(await samples(service, 'promptdev_llm_tokens_total')).toEqual([
      { labels: { type: 'prompt' }, value: 30 },
      { labels: { type: 'completion' }, value: 12 },
    ]);
    expect(await samples(service, 'promptdev_llm_retries_total')).toEqual([
      { labels: { model: 'luna-7b' }, value: 2 },
    ]);
    expect(await samples(service, 'promptdev_llm_errors_total')).toEqual([]);
  });

  it('counts failed calls by error code; interruptions are no errors and blocked turns no calls', async () => {
    const failure = { status: 'error', promptTokens: null, completionTokens: null };
    service.observeLlmCall(anLlmCall({ ...failure, errorCode: 'llm_timeout', attempts: 4 }));
    service.observeLlmCall(anLlmCall({ ...failure, model: null, errorCode: null }));
    service.observeLlmCall(anLlmCall({ ...failure, status: 'interrupted', errorCode: 'aborted' }));
    service.observeLlmCall(anLlmCall({ ...failure, status: 'blocked', latencyMs: 3 }));

    expect(await samples(service, 'promptdev_llm_errors_total')).toEqual([
      { labels: { kind: 'llm_timeout' }, value: 1 },
      { labels: { kind: 'internal_error' }, value: 1 },
    ]);
    const count = 'promptdev_llm_request_duration_seconds';
    expect(await samples(service, count, `${count}_count`)).toEqual([
      { labels: { model: 'luna-7b', status: 'error' }, value: 1 },
      { labels: { model: 'unknown', status: 'error' }, value: 1 },
      { labels: { model: 'luna-7b', status: 'interrupted' }, value: 1 },
    ]);
    expect(await samples(service, 'promptdev_llm_retries_total')).toEqual([
      { labels: { model: 'luna-7b' }, value: 3 },
    ]);
  });

  it.each<[CircuitState, number]>([
    ['closed', 0],
    ['half_open', 1],
    ['open', 2],
  ])('reports the %s circuit as %d', async (state, value) => {
    circuitState = state;
    expect(await samples(service, 'promptdev_llm_circuit_state')).toEqual([{ labels: {}, value }]);
  });

  it('reads the database pool at scrape time', async () => {
    pool.waitingCount = 5;
    expect(await samples(service, 'promptdev_db_pool_connections')).toEqual([
      { labels: { state: 'total' }, value: 3 },
      { labels: { state: 'idle' }, value: 2 },
      { labels: { state: 'waiting' }, value: 5 },
    ]);
  });

  it('counts halted users once per cache period and keeps the last count when the query fails', async () => {
    let now = 1_000_000;
    jest.spyOn(Date, 'now').mockImplementation(() => now);
    const halted = () => samples(service, 'promptdev_halted_users');

    expect(await halted()).toEqual([{ labels: {}, value: 4 }]);
    query.mockResolvedValue([{ count: 7 }]);
    now += HALTED_USERS_CACHE_MS - 1;
    expect(await halted()).toEqual([{ labels: {}, value: 4 }]);
    now += 1;
    expect(await halted()).toEqual([{ labels: {}, value: 7 }]);
    expect(query).toHaveBeenCalledTimes(2);
    expect(query.mock.calls[0]).toEqual([expect.stringContaining(`WHERE mode = 'halted'`)]);

    query.mockRejectedValue(new Error('connection terminated'));
    now += HALTED_USERS_CACHE_MS;
    expect(await halted()).toEqual([{ labels: {}, value: 7 }]);
  });

  it('labels HTTP requests, chat turns, guardrail firings and open streams', async () => {
    service.observeHttp('/admin/templates/:template_id', 'GET', 404, 0.02);
    service.observeChatTurn(true, 'conversation_halted', 0.5);
    service.countGuardrailFiring('pii', 'redact', 'output');
    service.countGuardrailFiring('pii', 'redact', 'output');
    service.streamOpened('admin_events');
    service.streamOpened('admin_events');
    service.streamClosed('admin_events');
    service.streamOpened('chat');

    const http = 'promptdev_http_request_duration_seconds';
    expect(await samples(service, http, `${http}_count`)).toEqual([
      {
        labels: { method: 'GET', route: '/admin/templates/:template_id', status: '404' },
        value: 1,
      },
    ]);
    const turn = 'promptdev_chat_turn_duration_seconds';
    expect(await samples(service, turn, `${turn}_count`)).toEqual([
      { labels: { stream: 'true', outcome: 'conversation_halted' }, value: 1 },
    ]);
    expect(await samples(service, 'promptdev_guardrail_firings_total')).toEqual([
      { labels: { rule_type: 'pii', action: 'redact', stage: 'output' }, value: 2 },
    ]);
    expect(await samples(service, 'promptdev_open_event_streams')).toEqual([
      { labels: { kind: 'chat' }, value: 1 },
      { labels: { kind: 'admin_events' }, value: 1 },
      { labels: { kind: 'chat_events' }, value: 0 },
    ]);
  });

  it('gives every instance its own registry', async () => {
    const other = build();
    service.observeLlmCall(anLlmCall());
    expect(await samples(other, 'promptdev_llm_tokens_total')).toEqual([
      { labels: { type: 'prompt' }, value: 0 },
      { labels: { type: 'completion' }, value: 0 },
    ]);
    expect(await other.exposition()).toContain('process_cpu_user_seconds_total');
  });
});
