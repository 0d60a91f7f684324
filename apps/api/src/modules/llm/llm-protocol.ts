import { ChatMessage, LlmParams, LlmUsage } from './llm.types';

/** How one LLM HTTP API is spoken: request bodies and the parsing of its answers. */
export interface LlmProtocol {
  path: string;
  body(
    messages: ChatMessage[],
    params: LlmParams,
    defaultModel: string,
    stream: boolean,
  ): Record<string, unknown>;
  /** Parses a complete (non-streamed) response body. Throws on anything unexpected. */
  parseCompletion(body: unknown): {
    content: string;
    finishReason: string;
    model?: string;
    usage?: LlmUsage;
  };
  /** Parses one streamed event's data. `end` marks the last event. */
  parseStreamEvent(data: string): StreamChunk;
}

export interface StreamChunk {
  delta: string;
  end: boolean;
  finishReason?: string;
  model?: string;
  usage?: LlmUsage;
  error?: string;
}

export class ProtocolError extends Error {}

function object(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new ProtocolError(`${what} is not an object`);
  return value as Record<string, unknown>;
}

function json(data: string): unknown {
  try {
    return JSON.parse(data);
  } catch {
    throw new ProtocolError('malformed JSON in stream');
  }
}

function upstreamError(body: Record<string, unknown>): string | undefined {
  const error = body.error;
  if (error === undefined || error === null) return undefined;
  if (typeof error === 'string') return error;
  const message = (error as { message?: unknown }).message;
  return typeof message === 'string' ? message : 'error event in stream';
}

function numberOr(value: unknown, fallback: number): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : fallback;
}

function withoutUndefined(values: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(values).filter(([, value]) => value !== undefined));
}

export const openAiProtocol: LlmProtocol = {
  path: '/v1/chat/completions',
  body: (messages, params, defaultModel, stream) =>
    withoutUndefined({
      model: params.model ?? defaultModel,
      messages,
      temperature: params.temperature,
      max_tokens: params.max_tokens,
      top_p: params.top_p,
      stop: params.stop,
      stream,
      stream_options: stream ? { include_usage: true } : undefined,
    }),
  parseCompletion: (raw) => {
    const body = object(raw, 'response');
    const error = upstreamError(body);
    if (error) throw new ProtocolError(error);
    const choices = body.choices;
    if (!Array.isArray(choices) || choices.length === 0)
      throw new ProtocolError('response has no choices');
    const choice = object(choices[0], 'choice');
    const message = object(choice.message, 'choice.message');
    if (typeof message.content !== 'string')
      throw new ProtocolError('choice.message.content is not text');
    const usage = body.usage ? object(body.usage, 'usage') : undefined;
    return {
      content: message.content,
      finishReason: typeof choice.finish_reason === 'string' ? choice.finish_reason : 'stop',
      model: typeof body.model === 'string' ? body.model : undefined,
      usage: usage
        ? {
            promptTokens: numberOr(usage.prompt_tokens, 0),
            completionTokens: numberOr(usage.completion_tokens, 0),
          }
        : undefined,
    };
  },
  parseStreamEvent: (data) => {
    if (data.trim() === '[DONE]') return { delta: '', end: true };
    const body = object(json(data), 'stream chunk');
    const error = upstreamError(body);
    if (error) return { delta: '', end: true, error };
    const chunk: StreamChunk = {
      delta: '',
      end: false,
      model: typeof body.model === 'string' ? body.model : undefined,
    };
    const choices = Array.isArray(body.choices) ? body.choices : [];
    const choice = choices[0] ? object(choices[0], 'choice') : undefined;
    if (choice) {
      const delta = choice.delta ? object(choice.delta, 'choice.delta') : {};
      if (typeof delta.content === 'string') chunk.delta = delta.content;
      if (typeof choice.finish_reason === 'string') chunk.finishReason = choice.finish_reason;
    }
    if (body.usage) {
      const usage = object(body.usage, 'usage');
      chunk.usage = {
        promptTokens: numberOr(usage.prompt_tokens, 0),
        completionTokens: numberOr(usage.completion_tokens, 0),
      };
    }
    return chunk;
  },
};

/** llama.cpp's native /completion takes one prompt string: the chat is laid out as a transcript. */
export function transcriptOf(messages: ChatMessage[]): string {
  const label = { system: 'System', user: 'User', assistant: 'Assistant' } as const;
  const lines = messages.map((message, index) =>
    index === 0 && message.role === 'system'
      ? `${message.content}\n`
      : `${label[message.role]}: ${message.content}`,
  );
  return `${lines.join('\n')}\nAssistant:`;
}

export const llamaCppProtocol: LlmProtocol = {
  path: '/completion',
  body: (messages, params, _defaultModel, stream) => {
    const stop =
      params.stop === undefined ? [] : Array.isArray(params.stop) ? params.stop : [params.stop];
    return withoutUndefined({
      prompt: transcriptOf(messages),
      n_predict: params.max_tokens,
      temperature: params.temperature,
      top_p: params.top_p,
      // The transcript format needs the model to stop before it speaks for the user.
      stop: [...stop, '\nUser:'],
      stream,
    });
  },
  parseCompletion: (raw) => {
    const body = object(raw, 'response');
    const error = upstreamError(body);
    if (error) throw new ProtocolError(error);
    if (typeof body.content !== 'string') throw new ProtocolError('response has no content');
    return {
      content: body.content,
      finishReason: body.stopped_limit === true ? 'length' : 'stop',
      model: typeof body.model === 'string' ? body.model : undefined,
      usage: {
        promptTokens: numberOr(body.tokens_evaluated, 0),
        completionTokens: numberOr(body.tokens_predicted, 0),
      },
    };
  },
  parseStreamEvent: (data) => {
    const body = object(json(data), 'stream chunk');
    const error = upstreamError(body);
    if (error) return { delta: '', end: true, error };
    const end = body.stop === true;
    return {
      delta: typeof body.content === 'string' ? body.content : '',
      end,
      finishReason: end ? (body.stopped_limit === true ? 'length' : 'stop') : undefined,
      model: typeof body.model === 'string' ? body.model : undefined,
      usage: end
        ? {
            promptTokens: numberOr(body.tokens_evaluated, 0),
            completionTokens: numberOr(body.tokens_predicted, 0),
          }
        : undefined,
    };
  },
};
