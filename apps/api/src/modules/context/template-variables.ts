export interface HistoryMessage {
  /** `user`, `assistant` or `system`. */
  role: string;
  content: string;
  created_at: Date | string;
}

export interface TemplateVariablesInput {
  userId: string;
  message: string;
  /** The user's memory; keys starting with `__` are internal and stay out of the prompt text. */
  memory: Record<string, unknown>;
  /** The user's messages, oldest first. */
  history: HistoryMessage[];
  userMode: string;
  /** How many recent messages the template sees (version config `history_limit`). */
  historyLimit?: number;
  now: Date;
}

export const DEFAULT_HISTORY_LIMIT = 10;

/** Built-ins: user_context, conversation_history, user_id, message, now, history, memory, user_mode. */
export type TemplateVariables = Record<string, unknown>;

const isInternalKey = (key: string) => key.startsWith('__');

function memoryLine(key: string, value: unknown): string {
  return `${key}: ${typeof value === 'string' ? value : JSON.stringify(value)}`;
}

/**
 * The variables a template renders with (spec section 4, step 5). Memory keys become
 * variables of their own, except internal `__` keys (which also keeps `__proto__` out);
 * built-in names win over memory keys of the same name.
 */
export function buildTemplateVariables(input: TemplateVariablesInput): TemplateVariables {
  const limit = Math.max(0, Math.floor(input.historyLimit ?? DEFAULT_HISTORY_LIMIT));
  const recent = limit === 0 ? [] : input.history.slice(-limit);
  const history = recent.map((entry) => ({
    role: entry.role,
    content: entry.content,
    created_at:
      entry.created_at instanceof Date ? entry.created_at.toISOString() : entry.created_at,
  }));
  const visibleMemory = Object.entries(input.memory).filter(([key]) => !isInternalKey(key));

  const variables = Object.create(null) as TemplateVariables;
  for (const [key, value] of visibleMemory) variables[key] = value;
  Object.assign(variables, {
    user_context: visibleMemory.map(([key, value]) => memoryLine(key, value)).join('\n'),
    conversation_history: history.map((entry) => `${entry.role}: ${entry.content}`).join('\n'),
    user_id: input.userId,
    message: input.message,
    now: input.now.toISOString(),
    history,
    memory: input.memory,
    user_mode: input.userMode,
  });
  return variables;
}

/** A plausible context for validating templates on save and for previews. */
export function sampleTemplateVariables(now: Date, historyLimit?: number): TemplateVariables {
  const earlier = (minutes: number) => new Date(now.getTime() - minutes * 60_000);
  return buildTemplateVariables({
    userId: 'preview-user',
    message: 'Hi! Can you remind me what we talked about yesterday?',
    memory: { name: 'Alex', favorite_topic: 'astronomy', timezone: 'Europe/Berlin' },
    history: [
      {
        role: 'user',
        content: 'I finally saw Saturn through my telescope!',
        created_at: earlier(3),
      },
      {
        role: 'assistant',
        content: 'That is wonderful! Could you see the rings?',
        created_at: earlier(2),
      },
      { role: 'user', content: 'Yes, clearly. It was amazing.', created_at: earlier(1) },
    ],
    userMode: 'active',
    historyLimit,
    now,
  });
}
