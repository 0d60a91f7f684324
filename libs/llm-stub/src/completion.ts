import { Exchange } from './exchange';
import { buildReply, FinishReason } from './reply';
import { StubControl } from './stub-control';
import { Failure } from './stub-settings';

/** What a completion request asks for, once one API's wire format is parsed away. */
export interface CompletionRequest {
  /** The text the reply echoes (last user message or turn). */
  source: string;
  promptTokens: number;
  maxTokens: number | undefined;
  stream: boolean;
  model: string;
}

export interface Completion {
  id: string;
  created: number;
  model: string;
  tokens: string[];
  finishReason: FinishReason;
  promptTokens: number;
  /** Simulated time to the first token and for the generation, for llama.cpp's timings. */
  promptMs: number;
  predictedMs: number;
}

export class InvalidRequest {
  constructor(
    readonly message: string,
    readonly param?: string,
    readonly code?: string,
  ) {}
}

/** One wire format (OpenAI chat, llama.cpp native): parsing and rendering, no I/O. */
export interface CompletionApi {
  parse(body: unknown, defaultModel: string): CompletionRequest | InvalidRequest;
  errorBody(status: number, message: string, detail?: { param?: string; code?: string }): string;
  json(completion: Completion): string;
  /** SSE text before the first token, for one token, after the last token. */
  streamStart(completion: Completion): string;
  streamToken(completion: Completion, token: string): string;
  streamEnd(completion: Completion): string;
  /** An unparsable event, and whatever normally ends the stream. */
  streamBroken(completion: Completion): string;
}

export const SSE_HEADERS = {
  'content-type': 'text/event-stream',
  'cache-control': 'no-cache',
};

export function sseEvent(data: unknown): string {
  return `data: ${JSON.stringify(data)}\n\n`;
}

/** The error `type` for a status, in the vocabulary llama.cpp and OpenAI share. */
export function errorType(status: number): string {
  switch (status) {
    case 401:
      return 'authentication_error';
    case 403:
      return 'permission_error';
    case 404:
      return 'not_found_error';
    case 429:
      return 'rate_limit_error';
    case 503:
      return 'unavailable_error';
    default:
      return status >= 500 ? 'server_error' : 'invalid_request_error';
  }
}

const STREAM_ERROR_MESSAGE = 'Stub stream error';

/** Answers one valid completion request, applying the next queued failure if any. */
export async function serveCompletion(
  exchange: Exchange,
  api: CompletionApi,
  request: CompletionRequest,
  control: StubControl,
  id: string,
): Promise<void> {
  const settings = control.current;
  const failure = control.takeFailure();
  if (failure && failure.mode !== 'slow') exchange.outcome = `failed:${failure.mode}`;
  if (failure?.mode === 'hang') return;

  const slow = failure?.mode === 'slow' ? failure : undefined;
  const latencyMs = slow?.latency_ms ?? settings.latency_ms;
  const tokenLatencyMs = slow?.token_latency_ms ?? settings.token_latency_ms;
  const reply = buildReply(request.source, {
    prefix: settings.reply_prefix,
    replyTokens: settings.reply_tokens,
    maxTokens: request.maxTokens,
  });
  const completion: Completion = {
    id,
    created: Math.floor(Date.now() / 1000),
    model: request.model,
    tokens: reply.tokens,
    finishReason: reply.finishReason,
    promptTokens: request.promptTokens,
    promptMs: latencyMs,
    predictedMs: reply.tokens.length * tokenLatencyMs,
  };

  if (failure?.mode === 'status') {
    if (latencyMs > 0 && !(await exchange.pause(latencyMs))) return;
    const status = failure.status ?? 500;
    const headers =
      failure.retry_after === undefined ? undefined : { 'retry-after': `${failure.retry_after}` };
    const message = failure.message ?? `Stub failure: HTTP ${status}`;
    exchange.sendJson(status, api.errorBody(status, message), headers);
    return;
  }
  if (request.stream) {
    await streamCompletion(exchange, api, completion, failure, latencyMs, tokenLatencyMs);
    return;
  }

  // Without streaming, the client waits for the whole generation.
  const total = latencyMs + completion.predictedMs;
  if (total > 0 && !(await exchange.pause(total))) return;
  switch (failure?.mode) {
    case 'drop':
      exchange.drop();
      return;
    case 'malformed': {
      const body = api.json(completion);
      exchange.sendJson(200, body.slice(0, body.length >> 1));
      return;
    }
    case 'stream_error':
      exchange.sendJson(500, api.errorBody(500, failure.message ?? STREAM_ERROR_MESSAGE));
      return;
    default:
      exchange.sendJson(200, api.json(completion));
  }
}

async function streamCompletion(
  exchange: Exchange,
  api: CompletionApi,
  completion: Completion,
  failure: Failure | undefined,
  latencyMs: number,
  tokenLatencyMs: number,
): Promise<void> {
  if (latencyMs > 0 && !(await exchange.pause(latencyMs))) return;
  const { response } = exchange;
  const { tokens } = completion;
  response.writeHead(200, SSE_HEADERS);
  const failAt = Math.min(failure?.after_tokens ?? tokens.length, tokens.length);
  // Events are batched into one write unless there is a pause between them.
  let pending = api.streamStart(completion);
  for (let index = 0; index < failAt; index++) {
    if (tokenLatencyMs > 0) {
      if (pending) response.write(pending);
      pending = '';
      if (!(await exchange.pause(tokenLatencyMs))) return;
    }
    pending += api.streamToken(completion, tokens[index]!);
  }
  switch (failure?.mode) {
    case 'drop':
      exchange.drop(pending);
      return;
    case 'malformed':
      response.end(pending + api.streamBroken(completion));
      return;
    case 'stream_error': {
      const error = { message: failure.message ?? STREAM_ERROR_MESSAGE, type: 'server_error' };
      response.end(pending + sseEvent({ error }));
      return;
    }
    default:
      response.end(pending + api.streamEnd(completion));
  }
}
