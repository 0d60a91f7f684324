import { CompletionApi, errorType, InvalidRequest, sseEvent } from './completion';
import { isObject } from './json-object';
import { estimateTokens } from './reply';

/** OpenAI's `POST /v1/chat/completions`. */
export const openAiApi: CompletionApi = {
  parse(body, defaultModel) {
    if (!isObject(body)) {
      return new InvalidRequest(
        'The request body must be a JSON object.',
        undefined,
        'invalid_type',
      );
    }
    const { messages } = body;
    if (messages === undefined) {
      return new InvalidRequest(
        "Missing required parameter: 'messages'.",
        'messages',
        'missing_required_parameter',
      );
    }
    if (!Array.isArray(messages)) {
      return new InvalidRequest(
        "Invalid type for 'messages': expected an array.",
        'messages',
        'invalid_type',
      );
    }
    if (messages.length === 0) {
      return new InvalidRequest(
        "Invalid 'messages': empty array. Expected an array with minimum length 1.",
        'messages',
        'empty_array',
      );
    }
    let characters = 0;
    let lastUserText = '';
    for (let index = 0; index < messages.length; index++) {
      const message: unknown = messages[index];
      const text = isObject(message) && typeof message.role === 'string' && contentText(message);
      if (text === false || text === undefined) {
        return new InvalidRequest(
          `Invalid 'messages[${index}]': expected an object with a string 'role' and text 'content'.`,
          `messages[${index}]`,
          'invalid_value',
        );
      }
      characters += text.length;
      if ((message as { role: string }).role === 'user') lastUserText = text;
    }

    const limitParam = body.max_completion_tokens != null ? 'max_completion_tokens' : 'max_tokens';
    const limit = body[limitParam];
    if (limit != null && !(Number.isInteger(limit) && (limit as number) >= 1)) {
      return new InvalidRequest(
        `Invalid '${limitParam}': expected an integer of at least 1.`,
        limitParam,
        'invalid_value',
      );
    }
    if (body.stream !== undefined && typeof body.stream !== 'boolean') {
      return new InvalidRequest(
        "Invalid type for 'stream': expected a boolean.",
        'stream',
        'invalid_type',
      );
    }
    return {
      source: lastUserText,
      promptTokens: estimateTokens(characters),
      maxTokens: (limit as number | null | undefined) ?? undefined,
      stream: body.stream === true,
      model: typeof body.model === 'string' ? body.model : defaultModel,
    };
  },

  errorBody(status, message, detail = {}) {
    const code = detail.code ?? (status === 429 ? 'rate_limit_exceeded' : null);
    return JSON.stringify({
      error: { message, type: errorType(status), param: detail.param ?? null, code },
    });
  },

  json(completion) {
    return JSON.stringify({
      id: completion.id,
      object: 'chat.completion',
      created: completion.created,
      model: completion.model,
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content: completion.tokens.join('') },
          logprobs: null,
          finish_reason: completion.finishReason,
        },
      ],
      usage: usage(completion.promptTokens, completion.tokens.length),
    });
  },

  streamStart(completion) {
    return chunk(completion, { role: 'assistant', content: '' }, null);
  },

  streamToken(completion, token) {
    return chunk(completion, { content: token }, null);
  },

  streamEnd(completion) {
    const { id, created, model, promptTokens, tokens } = completion;
    return (
      chunk(completion, {}, completion.finishReason) +
      sseEvent({
        id,
        object: 'chat.completion.chunk',
        created,
        model,
        choices: [],
        usage: usage(promptTokens, tokens.length),
      }) +
      'data: [DONE]\n\n'
    );
  },

  streamBroken(completion) {
    return `data: {"id":${JSON.stringify(completion.id)},"choices":[{"delta":{"content":\n\ndata: [DONE]\n\n`;
  },
};

function chunk(
  completion: { id: string; created: number; model: string },
  delta: { role?: string; content?: string },
  finishReason: string | null,
): string {
  return sseEvent({
    id: completion.id,
    object: 'chat.completion.chunk',
    created: completion.created,
    model: completion.model,
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
  });
}

function usage(promptTokens: number, completionTokens: number) {
  return {
    prompt_tokens: promptTokens,
    completion_tokens: completionTokens,
    total_tokens: promptTokens + completionTokens,
  };
}

/** A message's text: a string, text parts joined, or '' for none; undefined if unusable. */
function contentText(message: Record<string, unknown>): string | undefined {
  const { content } = message;
  if (typeof content === 'string') return content;
  if (content === null || content === undefined) return '';
  if (!Array.isArray(content)) return undefined;
  let text = '';
  for (const part of content as unknown[]) {
    if (isObject(part) && part.type === 'text' && typeof part.text === 'string') text += part.text;
  }
  return text;
}
