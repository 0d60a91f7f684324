import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { InjectDataSource } from '@nestjs/typeorm';
import type { FastifyInstance } from 'fastify';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { DataSource } from 'typeorm';
import { CircuitState } from '../llm/circuit-breaker';
import { LlmClient } from '../llm/llm.client';
import { UserStateService } from '../memory/user-state.service';

/** Open Server-Sent Event streams, by route. */
export type StreamKind = 'chat' | 'admin_events' | 'chat_events';

/** What one LLM call tells the metrics (the fields of its `llm_requests` row). */
export interface LlmCallObservation {
  model: string | null;
  status: string;
  errorCode: string | null;
  latencyMs: number | null;
  ttftMs: number | null;
  promptTokens: number | null;
  completionTokens: number | null;
  attempts: number;
}

const CIRCUIT_STATE_VALUES: Record<CircuitState, number> = {
  closed: 0,
  half_open: 1,
  open: 2,
};

/** However often it is scraped, /metrics costs the database at most one COUNT per period. */
export const HALTED_USERS_CACHE_MS = 5000;

const STREAM_KINDS: StreamKind[] = ['chat', 'admin_events', 'chat_events'];
const HTTP_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
const LLM_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 30, 60, 120];
const TTFT_BUCKETS = [0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30];

interface PgPoolCounts {
  totalCount: number;
  idleCount: number;
  waitingCount: number;
}

/**
 * Every Prometheus metric of one API instance, on its own registry (not prom-client's global
 * one), so several apps in one process never share counters. Other modules report through
 * the small typed methods below; gauges of state owned elsewhere are read at scrape time.
 */
@Injectable()
export class MetricsService implements OnApplicationBootstrap {
  private readonly logger = new Logger('Metrics');
  readonly registry = new Registry();
  private haltedUsersCache?: { at: number; count: Promise<number | undefined> };

  private readonly httpDuration = new Histogram({
    name: 'promptdev_http_request_duration_seconds',
    help: 'HTTP request duration by route pattern (unmatched for unknown paths)',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: HTTP_BUCKETS,
    registers: [this.registry],
  });
  private readonly chatTurnDuration = new Histogram({
    name: 'promptdev_chat_turn_duration_seconds',
    help: 'Chat turn duration from receiving the message to the reply, by outcome',
    labelNames: ['stream', 'outcome'] as const,
    buckets: LLM_BUCKETS,
    registers: [this.registry],
  });
  private readonly llmDuration = new Histogram({
    name: 'promptdev_llm_request_duration_seconds',
    help: 'LLM call duration including retries, by model and status (ok, error, interrupted)',
    labelNames: ['model', 'status'] as const,
    buckets: LLM_BUCKETS,
    registers: [this.registry],
  });
  private readonly llmTimeToFirstToken = new Histogram({
    name: 'promptdev_llm_time_to_first_token_seconds',
    help: 'Time to the first streamed token of an LLM call, by model',
    labelNames: ['model'] as const,
    buckets: TTFT_BUCKETS,
    registers: [this.registry],
  });
  private readonly llmErrors = new Counter({
    name: 'promptdev_llm_errors_total',
    help: 'Failed LLM calls by error code (after retries)',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });
  private readonly llmTokens = new Counter({
    name: 'promptdev_llm_tokens_total',
    help: 'Tokens reported by the LLM, by type (prompt, completion)',
    labelNames: ['type'] as const,
    registers: [this.registry],
  });
  private readonly llmRetries = new Counter({
    name: 'promptdev_llm_retries_total',
    help: 'LLM attempts beyond the first, by model',
    labelNames: ['model'] as const,
    registers: [this.registry],
  });
  private readonly guardrailFirings = new Counter({
    name: 'promptdev_guardrail_firings_total',
    help: 'Guardrail rule firings by rule type, action and stage (input, output)',
    labelNames: ['rule_type', 'action', 'stage'] as const,
    registers: [this.registry],
  });
  private readonly openStreams = new Gauge({
    name: 'promptdev_open_event_streams',
    help: 'Open Server-Sent Event streams by kind (chat, admin_events, chat_events)',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });

  private readonly haltedUsersGauge: Gauge = new Gauge({
    name: 'promptdev_halted_users',
    help: 'Users whose conversation is halted by an operator',
    registers: [this.registry],
    collect: async () => {
      const count = await this.haltedUsers();
      if (count !== undefined) this.haltedUsersGauge.set(count);
    },
  });
  private readonly dbPoolConnections: Gauge<'state'> = new Gauge({
    name: 'promptdev_db_pool_connections',
    help: 'Database pool connections by state (total, idle, waiting clients)',
    labelNames: ['state'] as const,
    registers: [this.registry],
    collect: () => {
      const pool = (this.dataSource.driver as unknown as { master?: PgPoolCounts }).master;
      if (!pool) return;
      this.dbPoolConnections.set({ state: 'total' }, pool.totalCount);
      this.dbPoolConnections.set({ state: 'idle' }, pool.idleCount);
      this.dbPoolConnections.set({ state: 'waiting' }, pool.waitingCount);
    },
  });
  private readonly llmCircuitState: Gauge = new Gauge({
    name: 'promptdev_llm_circuit_state',
    help: 'LLM circuit breaker state: 0 closed, 1 half-open, 2 open',
    registers: [this.registry],
    collect: () => this.llmCircuitState.set(CIRCUIT_STATE_VALUES[this.llm.circuit().state]),
  });

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly llm: LlmClient,
    private readonly userState: UserStateService,
  ) {
    // Series that exist from the first scrape, so rate() and absent() behave.
    for (const type of ['prompt', 'completion']) this.llmTokens.inc({ type }, 0);
    for (const kind of STREAM_KINDS) this.openStreams.set({ kind }, 0);
    collectDefaultMetrics({ register: this.registry });
  }

  onApplicationBootstrap(): void {
    // Fastify binds hooks to routes when it boots (at listen), so this one covers every route.
    const fastify = this.adapterHost.httpAdapter.getInstance<FastifyInstance>();
    fastify.addHook('onResponse', (request, reply, done) => {
      this.observeHttp(
        request.routeOptions.url ?? 'unmatched',
        request.method,
        reply.statusCode,
        reply.elapsedTime / 1000,
      );
      done();
    });
  }

  /** The text exposition format, for `GET /metrics`. */
  exposition(): Promise<string> {
    return this.registry.metrics();
  }

  /** `route` is the route pattern (e.g. /admin/templates/:template_id), never the raw URL. */
  observeHttp(route: string, method: string, status: number, seconds: number): void {
    this.httpDuration.observe({ method, route, status: String(status) }, seconds);
  }

  /** `outcome`: `ok` or the error code the turn ended with. */
  observeChatTurn(stream: boolean, outcome: string, seconds: number): void {
    this.chatTurnDuration.observe({ stream: String(stream), outcome }, seconds);
  }

  observeLlmCall(call: LlmCallObservation): void {
    // A turn blocked by a guardrail never reached the LLM.
    if (call.status === 'blocked') return;
    const model = call.model ?? 'unknown';
    if (call.latencyMs !== null) {
      this.llmDuration.observe({ model, status: call.status }, call.latencyMs / 1000);
    }
    if (call.ttftMs !== null) this.llmTimeToFirstToken.observe({ model }, call.ttftMs / 1000);
    if (call.status === 'error') this.llmErrors.inc({ kind: call.errorCode ?? 'internal_error' });
    if (call.promptTokens) this.llmTokens.inc({ type: 'prompt' }, call.promptTokens);
    if (call.completionTokens) this.llmTokens.inc({ type: 'completion' }, call.completionTokens);
    if (call.attempts > 1) this.llmRetries.inc({ model }, call.attempts - 1);
  }

  countGuardrailFiring(ruleType: string, action: string, stage: string): void {
    this.guardrailFirings.inc({ rule_type: ruleType, action, stage });
  }

  streamOpened(kind: StreamKind): void {
    this.openStreams.inc({ kind });
  }

  streamClosed(kind: StreamKind): void {
    this.openStreams.dec({ kind });
  }

  /** Counts the stream as open until it ends. */
  countOpenStream(kind: StreamKind, stream: { onEnd(listener: () => void): void }): void {
    this.streamOpened(kind);
    stream.onEnd(() => this.streamClosed(kind));
  }

  private haltedUsers(): Promise<number | undefined> {
    const now = Date.now();
    if (!this.haltedUsersCache || now - this.haltedUsersCache.at >= HALTED_USERS_CACHE_MS) {
      this.haltedUsersCache = { at: now, count: this.countHaltedUsers() };
    }
    return this.haltedUsersCache.count;
  }

  /** Undefined (gauge unchanged) on failure. */
  private async countHaltedUsers(): Promise<number | undefined> {
    try {
      return await this.userState.haltedUserCount();
    } catch (error) {
      this.logger.warn(
        `could not count halted users: ${error instanceof Error ? error.message : String(error)}`,
      );
      return undefined;
    }
  }
}
