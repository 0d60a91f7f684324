import { Completion, CompletionApi, errorType, InvalidRequest, sseEvent } from './completion';
import { isObject } from './json-object';
import { estimateTokens, lastUserTurn } from './reply';

/** llama.cpp's native `POST /completion`. */
export const llamaCppApi: CompletionApi = {
  parse(body, defaultModel) {
    if (!isObject(body)) return new InvalidRequest('The request body must be a JSON object.');
    const { prompt, n_predict: limit, stream } = body;
    if (typeof prompt !== 'string') return new InvalidRequest('"prompt" must be a string');
    if (limit !== undefined && !Number.isInteger(limit)) {
      return new InvalidRequest('"n_predict" must be an integer');
    }
    if (stream !== undefined && typeof stream !== 'boolean') {
      return new InvalidRequest('"stream" must be a boolean');
    }
    return {
      source: lastUserTurn(prompt),
      promptTokens: estimateTokens(prompt.length),
      // A negative n_predict means no limit.
      maxTokens: typeof limit === 'number' && limit >= 0 ? limit : undefined,
      stream: stream === true,
      model: typeof body.model === 'string' ? body.model : defaultModel,
    };
  },

  errorBody(status, message) {
    return llamaCppError(status, message);
  },

  json(completion) {
    return JSON.stringify({ content: completion.tokens.join(''), ...finalFields(completion) });
  },

  streamStart() {
    return '';
  },

  streamToken(_completion, token) {
    return sseEvent({ content: token, stop: false });
  },

  streamEnd(completion) {
    return sseEvent({ content: '', ...finalFields(completion) });
  },

  streamBroken() {
    return 'data: {"content": "\n\n';
  },
};

/** llama.cpp's error shape, also used for the routes shared by both APIs. */
export function llamaCppError(status: number, message: string): string {
  return JSON.stringify({ error: { code: status, message, type: errorType(status) } });
}

function finalFields(completion: Completion) {
  const limited = completion.finishReason === 'length';
  const predicted = completion.tokens.length;
  return {
    id_slot: 0,
    stop: true,
    model: completion.model,
    tokens_predicted: predicted,
    tokens_evaluated: completion.promptTokens,
    truncated: false,
    stop_type: limited ? 'limit' : 'eos',
    stopped_eos: !limited,
    stopped_limit: limited,
    stopped_word: false,
    stopping_word: '',
    timings: {
      prompt_n: completion.promptTokens,
      prompt_ms: completion.promptMs,
      prompt_per_token_ms: perToken(completion.promptMs, completion.promptTokens),
      prompt_per_second: perSecond(completion.promptTokens, completion.promptMs),
      predicted_n: predicted,
      predicted_ms: completion.predictedMs,
      predicted_per_token_ms: perToken(completion.predictedMs, predicted),
      predicted_per_second: perSecond(predicted, completion.predictedMs),
    },
  };
}

function perToken(ms: number, tokens: number): number {
  return tokens === 0 ? 0 : ms / tokens;
}

// A generation that took no time is reported at 0 tokens/s: JSON has no Infinity.
function perSecond(tokens: number, ms: number): number {
  return ms === 0 ? 0 : (tokens * 1000) / ms;
}
