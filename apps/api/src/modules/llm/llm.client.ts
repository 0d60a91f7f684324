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
  private readonly agents = {
    http: new http.Agent({ keepAlive: true, maxSockets: 256 }),
    https: new https.Agent({ keepAlive: true, maxSockets: 256 }),
  };

  constructor(private readonly config: AppConfig) {
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

  /** Yields tokens as they arrive, then one `done` event. Retries only before the first byte. */
  async *stream(request: LlmRequest, options: LlmCallOptions = {}): AsyncGenerator<LlmStreamEvent> {
    const call = this.begin(options);
    let attempts: number | undefined;
    let body: Readable | undefined;
    let content = '';
    let ttftMs: number | null = null;
    let usage: LlmUsage | undefined;
    let finishReason = 'stop';
    let model: string | undefined;
    let ended = false;
    let settled = false;
    try {
      const response = await this.http.post<Readable>(
        this.protocol.path,
        this.body(request, true),
        {
          ...this.requestConfig(request, call),
          responseType: 'stream',
        },
      );
      attempts = attemptsOf(response.config);
      body = response.data;
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
        for (const data of parser.push(piece as Buffer)) {
          const delta = handle(data);
          if (delta) {
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
      settled = true;
      this.breaker.recordSuccess();
      yield {
        type: 'done',
        model: model ?? request.params?.model ?? this.config.llmModel,
        finishReason,
        ...(usage ?? estimateUsage(request, content)),
        attempts: attempts ?? 1,
        latencyMs: Date.now() - call.startedAt,
        ttftMs,
      };
    } catch (error) {
      settled = true;
      throw this.fail(error, call, attempts);
    } finally {
      // Our consumer stopped early: end the upstream request, and tell the breaker nothing.
      body?.destroy();
      if (!settled) this.breaker.release();
    }
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
