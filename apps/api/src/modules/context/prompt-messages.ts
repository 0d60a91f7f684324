import type { ChatMessage, LlmParams } from '../llm/llm.types';
import { templateUsesHistory } from './template-ast';

const HISTORY_USE_CACHE_SIZE = 200;
const usesHistoryCache = new Map<string, boolean>();

/** Whether the template lays out the history itself (parsed once per distinct content). */
export function templateUsesHistoryCached(content: string): boolean {
  let uses = usesHistoryCache.get(content);
  if (uses === undefined) {
    uses = templateUsesHistory(content);
    if (usesHistoryCache.size >= HISTORY_USE_CACHE_SIZE) usesHistoryCache.clear();
    usesHistoryCache.set(content, uses);
  }
  return uses;
}

/**
 * The chat messages an LLM call sends (spec section 4, step 8): the rendered prompt as
 * `system`; the recent history as messages unless the template already shows it; the
 * user's message last.
 */
export function buildLlmMessages(
  templateContent: string,
  systemPrompt: string,
  history: ReadonlyArray<{ role: ChatMessage['role']; content: string }>,
  message: string,
): ChatMessage[] {
  const messages: ChatMessage[] = [{ role: 'system', content: systemPrompt }];
  if (!templateUsesHistoryCached(templateContent)) {
    messages.push(...history.map(({ role, content }) => ({ role, content })));
  }
  messages.push({ role: 'user', content: message });
  return messages;
}

/** The generation parameters a template version's config may set. */
export function llmParamsOf(config: Readonly<Record<string, unknown>>): LlmParams {
  const params: LlmParams = {};
  if (typeof config.temperature === 'number') params.temperature = config.temperature;
  if (typeof config.max_tokens === 'number') params.max_tokens = config.max_tokens;
  if (typeof config.top_p === 'number') params.top_p = config.top_p;
  if (typeof config.stop === 'string' || Array.isArray(config.stop)) {
    params.stop = config.stop as string | string[];
  }
  if (typeof config.model === 'string') params.model = config.model;
  return params;
}
