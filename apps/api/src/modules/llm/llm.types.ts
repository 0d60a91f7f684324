export type ChatRole = 'system' | 'user' | 'assistant';

export interface ChatMessage {
  role: ChatRole;
  content: string;
}

/** Generation parameters, usually from a template version's config. */
export interface LlmParams {
  model?: string;
  temperature?: number;
  max_tokens?: number;
  top_p?: number;
  stop?: string | string[];
}

export interface LlmRequest {
  messages: ChatMessage[];
  params?: LlmParams;
  /** Sent upstream so the LLM server's logs can be matched with ours. */
  requestId?: string;
}

export interface LlmUsage {
  promptTokens: number;
  completionTokens: number;
}

export interface LlmCompletion extends LlmUsage {
  content: string;
  model: string;
  finishReason: string;
  attempts: number;
  latencyMs: number;
}

export type LlmStreamEvent =
  | { type: 'token'; delta: string }
  | ({
      type: 'done';
      model: string;
      finishReason: string;
      attempts: number;
      latencyMs: number;
      ttftMs: number | null;
    } & LlmUsage);

export interface LlmCallOptions {
  /** Aborts the upstream request (e.g. the end user went away). */
  signal?: AbortSignal;
}
