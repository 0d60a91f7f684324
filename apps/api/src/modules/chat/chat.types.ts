import { ActiveGuardrailConfig } from '../guardrails/guardrail-cache';
import { GuardrailFiring } from '../guardrails/guardrail-engine';
import { LlmRequest } from '../llm/llm.types';
import { ResolvedTemplate } from '../prompts/template-resolver.service';

export interface ChatInput {
  userId: string;
  message: string;
  templateName?: string;
  guardrailConfig?: string;
}

export interface TurnOptions {
  requestId: string;
  /** Aborted when the client goes away: the LLM request is cancelled too. */
  signal?: AbortSignal;
  /** From the Idempotency-Key header: a retry with it answers the first outcome. */
  idempotencyKey?: string;
  /** Called when the answer is a stored outcome replayed. */
  onReplay?: () => void;
}

export interface ChatMetadata {
  template_used: string;
  template_version: number;
  guardrail_config: string | null;
  message_count: number;
  response_time_ms: number;
  llm_time_ms: number;
  prompt_tokens: number;
  completion_tokens: number;
  request_id: string;
  model: string;
  attempts: number;
  finish_reason: string;
  message_id: number;
  /** Output guardrails replaced the reply with the config's fallback message. */
  guardrail_blocked: boolean;
}

export interface ChatReply {
  response: string;
  metadata: ChatMetadata;
}

export type ChatStreamEvent =
  | {
      event: 'meta';
      data: {
        template: string;
        version: number;
        request_id: string;
        user_message_id?: number;
        replayed?: true;
      };
    }
  | { event: 'token'; data: { delta: string } }
  | { event: 'done'; data: ChatReply };

/** The template and guardrail config a turn uses, resolved before anything is stored. */
export interface TurnReferences {
  template: ResolvedTemplate;
  guardrails: ActiveGuardrailConfig | null;
}

/** A turn whose user message is stored and whose LLM request is ready. */
export interface PreparedTurn {
  input: ChatInput;
  options: TurnOptions;
  startedAt: number;
  template: ResolvedTemplate;
  guardrails: ActiveGuardrailConfig | null;
  guardrailConfig: string | null;
  llmRequest: LlmRequest;
  userMessageId: number;
}

export interface LlmOutcome {
  content: string;
  model: string;
  finishReason: string;
  attempts: number;
  latencyMs: number;
  ttftMs: number | null;
  promptTokens: number;
  completionTokens: number;
}

/** What output guardrails did to a reply. */
export interface OutputGuard {
  blocked: boolean;
  firings: GuardrailFiring[];
}
