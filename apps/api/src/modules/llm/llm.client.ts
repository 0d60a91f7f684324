import http from 'node:http';
import https from 'node:https';
import type { Readable } from 'node:stream';
import { Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import axios, { AxiosError, AxiosInstance, AxiosRequestConfig, AxiosResponse } from 'axios';
import axiosRetry, { retryAfter } from 'axios-retry';
import { AppConfig } from '../../core/config/app-config';
import { CircuitBreaker, CircuitSnapshot } from './circuit-breaker';
import {
  LlmAbortedError,
  LlmBadResponseError,
  LlmCircuitOpenError,
  LlmError,
  LlmRejectedError,
  LlmTimeoutError,
  LlmUnavailableError,
} from './llm.errors';
import { llamaCppProtocol, LlmProtocol, openAiProtocol, ProtocolError } from './llm-protocol';
import { LlmCallOptions, LlmCompletion, LlmRequest, LlmStreamEvent, LlmUsage } from './llm.types';
import { SseParser } from './sse-parser';

interface CallContext {
  signal: AbortSignal;
  callerSignal?: AbortSignal;
  deadlineSignal: AbortSignal;
  deadlineAt: number;
  startedAt: number;
}

/**
 * Talks to the LLM server over HTTP (keep-alive). One retry loop (axios-retry) on network
 * errors, timeouts, 429 and 5xx, with exponential backoff, jitter and Retry-After, all inside
 * an overall deadline; a circuit breaker fails fast while the server is down.
 */
@Injectable()
export class LlmClient implements OnModuleDestroy {
  private readonly logger = new Logger('LlmClient');
  private readonly http: AxiosInstance;
  private readonly breaker: CircuitBreaker;
  private readonly protocol: LlmProtocol;
  private readonly agents: { http: http.Agent; https: https.Agent };

  constructor(private readonly config: AppConfig) {
    // Every open stream holds a socket: a low cap would queue turns inside the API, where the
    // LLM server cannot see them (it queues or refuses by its own slots).
    const agentOptions = { keepAlive: true, maxSockets: config.llmMaxSockets };
    this.agents = { http: new http.Agent(agentOptions), https: new https.Agent(agentOptions) };
    this.protocol = config.llmApi === 'llamacpp' ? llamaCppProtocol : openAiProtocol;
    this.breaker = new CircuitBreaker(config.llmCircuitFailures, config.llmCircuitResetMs);
    this.http = axios.create({
      baseURL: config.llmBaseUrl,
      timeout: config.llmTimeoutMs,
      httpAgent: this.agents.http,
      httpsAgent: this.agents.https,
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
      },
      transitional: { clarifyTimeoutError: true, silentJSONParsing: true },
      maxRedirects: 0,
    });
    axiosRetry(this.http, {
      retries: config.llmMaxRetries,
      shouldResetTimeout: true,
      retryCondition: (error) => this.isRetryable(error),
      retryDelay: (retryNumber, error) => this.backoffMs(retryNumber, error),
      onRetry: (retryNumber, error) => {
        this.logger.warn(`LLM attempt ${retryNumber} failed (${describe(error)}); retrying`);
      },
    });
  }

  onModuleDestroy(): void {
    this.agents.http.destroy();
    this.agents.https.destroy();
  }

  circuit(): CircuitSnapshot {
    return this.breaker.snapshot();
  }

  private lastProbe?: { at: number; result: Promise<LlmProbe> };

  /** Is the LLM server answering? Cheap (a models/health GET), cached for a few seconds. */
  probe(): Promise<LlmProbe> {
    const now = Date.now();
    if (this.lastProbe && now - this.lastProbe.at < PROBE_CACHE_MS) return this.lastProbe.result;
    const path = this.config.llmApi === 'llamacpp' ? '/health' : '/v1/models';
    const result = axios
      .get(path, {
        baseURL: this.config.llmBaseUrl,
        timeout: PROBE_TIMEOUT_MS,
        httpAgent: this.agents.http,
        httpsAgent: this.agents.https,
      })
      .then(
        (): LlmProbe => ({ reachable: true, latency_ms: Date.now() - now }),
        (error: AxiosError): LlmProbe => ({ reachable: false, error: describe(error) }),
      );
    this.lastProbe = { at: now, result };
    return result;
  }

  get model(): string {
    return this.config.llmModel;
  }

  async complete(request: LlmRequest, options: LlmCallOptions = {}): Promise<LlmCompletion> {
    const call = this.begin(options);
    let attempts: number | undefined;
    try {
      const response: AxiosResponse<unknown> = await this.http.post(
        this.protocol.path,
        this.body(request, false),
        this.requestConfig(request, call),
      );
      attempts = attemptsOf(response.config);
      const parsed = this.protocol.parseCompletion(response.data);
      this.breaker.recordSuccess();
      return {
        content: parsed.content,
        model: parsed.model ?? request.params?.model ?? this.config.llmModel,
        finishReason: parsed.finishReason,
        ...(parsed.usage ?? estimateUsage(request, parsed.content)),
        attempts,
        latencyMs: Date.now() - call.startedAt,
      };
    } catch (error) {
      throw this.fail(error, call, attempts);
    }
  }

  /**
   * Yields tokens as they arrive, then one `done` event. A failure before the first token is
   * retried like a failed completion (axios-retry before the response, this loop for a stream
   * that breaks before its first token), sharing one retry budget and the deadline; once a
   * token is out, never. No first token within LLM_FIRST_TOKEN_TIMEOUT_MS, or no data for
   * LLM_STREAM_IDLE_TIMEOUT_MS between tokens, ends the call with llm_timeout (not retried: the
   * server took the request and is stuck or saturated; a retry would queue behind the same work).
   */
  async *stream(request: LlmRequest, options: LlmCallOptions = {}): AsyncGenerator<LlmStreamEvent> {
    const call = this.begin(options);
    let attempts = 0;
    let settled = false;
    try {
      for (;;) {
        const before = attempts;
        const attempt = this.streamAttempt(request, call, before);
        let responded = false;
        let tokens = 0;
        try {
          for await (const event of attempt) {
            if (event.type === 'attempts') {
              attempts = event.attempts;
              responded = true;
              continue;
            }
            if (event.type === 'token') tokens += 1;
            if (event.type === 'done') {
              settled = true;
              this.breaker.recordSuccess();
            }
            yield event;
          }
          return;
        } catch (error) {
          if (!responded) attempts = before + attemptsOfError(error);
          if (!responded || tokens > 0 || !this.retriesStream(error, call, attempts)) throw error;
          const delay = this.backoffMs(attempts, error as AxiosError);
          this.logger.warn(`LLM stream attempt ${attempts} broke before its first token; retrying`);
          await abortableDelay(delay, call.signal);
        }
      }
    } catch (error) {
      settled = true;
      throw this.fail(error, call, attempts || undefined);
    } finally {
      // Our consumer stopped early: tell the breaker nothing.
      if (!settled) this.breaker.release();
    }
  }

  /** One HTTP request of a stream; first reports how many attempts it took to get a response. */
  private async *streamAttempt(
    request: LlmRequest,
    call: CallContext,
    attemptsBefore: number,
  ): AsyncGenerator<LlmStreamEvent | { type: 'attempts'; attempts: number }> {
    const watchdog = new StreamWatchdog(
      this.config.llmFirstTokenTimeoutMs,
      this.config.llmStreamIdleTimeoutMs,
    );
    let body: Readable | undefined;
    let content = '';
    let ttftMs: number | null = null;
    let usage: LlmUsage | undefined;
    let finishReason = 'stop';
    let model: string | undefined;
    let ended = false;
    try {
      const response = await this.http.post<Readable>(
        this.protocol.path,
        this.body(request, true),
        {
          ...this.requestConfig(request, call),
          signal: AbortSignal.any([call.signal, watchdog.signal]),
          responseType: 'stream',
          'axios-retry': { retries: Math.max(0, this.config.llmMaxRetries - attemptsBefore) },
        } as AxiosRequestConfig,
      );
      const attempts = attemptsBefore + attemptsOf(response.config);
      yield { type: 'attempts', attempts };
      body = response.data;
      const stream = body;
      watchdog.onStall(() => stream.destroy(watchdog.signal.reason as Error));
      const parser = new SseParser();
      const handle = (data: string): string | undefined => {
        const chunk = this.protocol.parseStreamEvent(data);
        if (chunk.error) throw new StreamErrorEvent(chunk.error);
        model = chunk.model ?? model;
        usage = chunk.usage ?? usage;
        finishReason = chunk.finishReason ?? finishReason;
        if (chunk.end) ended = true;
        return chunk.delta || undefined;
      };
      for await (const piece of body) {
        watchdog.data();
        for (const data of parser.push(piece as Buffer)) {
          const delta = handle(data);
          if (delta) {
            watchdog.token();
            ttftMs ??= Date.now() - call.startedAt;
            content += delta;
            yield { type: 'token', delta };
          }
        }
      }
      for (const data of parser.flush()) {
        const delta = handle(data);
        if (delta) {
          content += delta;
          yield { type: 'token', delta };
        }
      }
      if (!ended) throw new StreamEndedEarly();
      yield {
        type: 'done',
        model: model ?? request.params?.model ?? this.config.llmModel,
        finishReason,
        ...(usage ?? estimateUsage(request, content)),
        attempts,
        latencyMs: Date.now() - call.startedAt,
        ttftMs,
      };
    } catch (error) {
      throw watchdog.signal.aborted ? watchdog.signal.reason : error;
    } finally {
      watchdog.stop();
      body?.destroy();
    }
  }

  /**
   * A stream whose body broke before its first token (it ended early, sent an error event, or
   * its connection dropped), with budget and deadline left for another try. An invalid event
   * is not retried (as for /chat), nor a stall; a failed response was retried by axios-retry.
   */
  private retriesStream(error: unknown, call: CallContext, attempts: number): boolean {
    if (call.signal.aborted || attempts > this.config.llmMaxRetries) return false;
    if (error instanceof ProtocolError || error instanceof StreamStalled) return false;
    return Date.now() + this.config.llmRetryBaseMs < call.deadlineAt;
  }

  private body(request: LlmRequest, stream: boolean): Record<string, unknown> {
    return this.protocol.body(request.messages, request.params ?? {}, this.config.llmModel, stream);
  }

  private requestConfig(request: LlmRequest, call: CallContext): AxiosRequestConfig {
    return {
      signal: call.signal,
      headers: request.requestId ? { 'x-request-id': request.requestId } : {},
      // Read back by isRetryable: retries stop where the deadline would be passed.
      deadlineAt: call.deadlineAt,
    } as AxiosRequestConfig;
  }

  private begin(options: LlmCallOptions): CallContext {
    const retryIn = this.breaker.tryAcquire();
    if (retryIn > 0) throw new LlmCircuitOpenError(retryIn);
    const deadlineSignal = AbortSignal.timeout(this.config.llmDeadlineMs);
    const signals = options.signal ? [options.signal, deadlineSignal] : [deadlineSignal];
    const now = Date.now();
    return {
      signal: AbortSignal.any(signals),
      callerSignal: options.signal,
      deadlineSignal,
      deadlineAt: now + this.config.llmDeadlineMs,
      startedAt: now,
    };
  }

  /** Maps anything thrown during a call to an LlmError and tells the circuit breaker. */
  private fail(error: unknown, call: CallContext, knownAttempts: number | undefined): LlmError {
    const attempts =
      knownAttempts ?? (error instanceof AxiosError && error.config ? attemptsOf(error.config) : 1);
    let mapped: LlmError;
    if (call.callerSignal?.aborted) {
      this.breaker.release();
      return new LlmAbortedError(attempts);
    }
    if (call.deadlineSignal.aborted) {
      mapped = new LlmTimeoutError(attempts, this.config.llmDeadlineMs);
    } else if (error instanceof StreamStalled) {
      mapped = new LlmTimeoutError(attempts, error.timeoutMs, error.message);
    } else if (error instanceof LlmError) {
      mapped = error;
    } else if (error instanceof ProtocolError) {
      mapped = new LlmBadResponseError(error.message, attempts);
    } else if (error instanceof StreamErrorEvent) {
      mapped = new LlmUnavailableError(`error in stream: ${error.message}`, attempts);
    } else if (error instanceof StreamEndedEarly) {
      mapped = new LlmUnavailableError('the stream ended before the reply was complete', attempts);
    } else if (error instanceof AxiosError) {
      const status = error.response?.status;
      if (error.code === 'ETIMEDOUT' || error.code === 'ECONNABORTED') {
        mapped = new LlmTimeoutError(attempts, this.config.llmTimeoutMs);
      } else if (status !== undefined && status !== 429 && status < 500) {
        // The server is up and said no: not a reason to open the circuit.
        this.breaker.release();
        return new LlmRejectedError(status, upstreamMessage(error), attempts);
      } else {
        mapped = new LlmUnavailableError(
          status ? `upstream answered ${status}` : describe(error),
          attempts,
          status,
        );
      }
    } else {
      // A socket error while reading the body (connection dropped mid-stream).
      mapped = new LlmUnavailableError(
        error instanceof Error ? error.message : 'connection lost',
        attempts,
      );
    }
    this.breaker.recordFailure();
    this.logger.warn(`LLM call failed after ${attempts} attempt(s): ${mapped.message}`);
    return mapped;
  }

  private isRetryable(error: AxiosError): boolean {
    if (error.code === 'ERR_CANCELED') return false;
    const status = error.response?.status;
    const retryableStatus = status === undefined || status === 429 || status >= 500;
    if (!retryableStatus) return false;
    // Waiting longer than the deadline allows is pointless.
    const deadlineAt = Number(
      (error.config as { deadlineAt?: number } | undefined)?.deadlineAt ?? Infinity,
    );
    return Date.now() + retryAfter(error) < deadlineAt;
  }

  private backoffMs(retryNumber: number, error: AxiosError): number {
    const exponential = this.config.llmRetryBaseMs * 2 ** Math.max(0, retryNumber - 1);
    const jittered = exponential / 2 + Math.random() * (exponential / 2);
    return Math.max(jittered, retryAfter(error));
  }
}

export interface LlmProbe {
  reachable: boolean;
  latency_ms?: number;
  error?: string;
}

const PROBE_CACHE_MS = 5000;
const PROBE_TIMEOUT_MS = 1000;

class StreamErrorEvent extends Error {}
class StreamEndedEarly extends Error {}

/** No first token, or no data between tokens, for too long. */
class StreamStalled extends Error {
  constructor(
    message: string,
    readonly timeoutMs: number,
  ) {
    super(message);
  }
}

/** The first-token and between-tokens timers of one streamed attempt. */
class StreamWatchdog {
  private readonly controller = new AbortController();
  private timer: NodeJS.Timeout | undefined;
  private stall: (() => void) | undefined;

  constructor(
    private readonly firstTokenMs: number,
    private readonly idleMs: number,
  ) {
    this.arm(firstTokenMs, `no first token within ${firstTokenMs} ms`);
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  onStall(stall: () => void): void {
    this.stall = stall;
  }

  /** Data arrived: after the first token, any data shows the server is alive. */
  data(): void {
    if (this.seenToken) this.arm(this.idleMs, `no data for ${this.idleMs} ms mid-reply`);
  }

  token(): void {
    this.seenToken = true;
    this.arm(this.idleMs, `no data for ${this.idleMs} ms mid-reply`);
  }

  stop(): void {
    clearTimeout(this.timer);
  }

  private seenToken = false;

  private arm(ms: number, message: string): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.controller.abort(new StreamStalled(message, ms));
      this.stall?.();
    }, ms);
  }
}

/** Waits, unless the call is aborted meanwhile (then rejects with the abort). */
function abortableDelay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason as Error);
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason as Error);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

function attemptsOfError(error: unknown): number {
  return error instanceof AxiosError && error.config ? attemptsOf(error.config) : 1;
}

function attemptsOf(config: { 'axios-retry'?: { retryCount?: number } }): number {
  return (config['axios-retry']?.retryCount ?? 0) + 1;
}

function describe(error: AxiosError): string {
  if (error.response) return `HTTP ${error.response.status}`;
  return error.code ?? error.message;
}

function upstreamMessage(error: AxiosError): string {
  const data = error.response?.data as
    { error?: { message?: unknown } | string } | string | undefined;
  if (typeof data === 'object' && data?.error) {
    if (typeof data.error === 'string') return data.error;
    if (typeof data.error.message === 'string') return data.error.message;
  }
  return `HTTP ${error.response?.status}`;
}

/** When the server reports no usage: about four characters per token. */
function estimateUsage(request: LlmRequest, completion: string): LlmUsage {
  const promptChars = request.messages.reduce((sum, message) => sum + message.content.length, 0);
  return {
    promptTokens: Math.ceil(promptChars / 4),
    completionTokens: Math.ceil(completion.length / 4),
  };
}
