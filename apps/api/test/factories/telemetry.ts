import type { LlmRequestStatus } from '../../src/modules/telemetry/entities/llm-request.entity';
import type { TestApp } from '../setup/test-app';

export interface LlmRequestSeed {
  userId: string;
  at: Date;
  status?: LlmRequestStatus;
  latencyMs?: number | null;
  templateName?: string | null;
  templateVersion?: number | null;
  promptTokens?: number | null;
  completionTokens?: number | null;
  stream?: boolean;
  errorCode?: string | null;
}

export interface MessageSeed {
  userId: string;
  at: Date;
  source?: 'user' | 'llm' | 'operator';
}

/** A UTC instant: at('2025-03-10', '14:25') or at('2025-03-10', '14:25:30'). */
export function at(day: string, time: string): Date {
  return new Date(`${day}T${time.length === 5 ? `${time}:00` : time}Z`);
}

/** Inserts LLM call rows as the chat pipeline records them, with chosen times. */
export async function seedLlmRequests(api: TestApp, rows: LlmRequestSeed[]): Promise<void> {
  const records = rows.map((row) => ({
    user_id: row.userId,
    template_name: row.templateName === undefined ? 'persona' : row.templateName,
    template_version: row.templateVersion ?? 1,
    model: 'default',
    api: 'openai',
    stream: row.stream ?? false,
    prompt_tokens: row.promptTokens === undefined ? 100 : row.promptTokens,
    completion_tokens: row.completionTokens === undefined ? 20 : row.completionTokens,
    latency_ms: row.latencyMs === undefined ? 500 : row.latencyMs,
    status: row.status ?? 'ok',
    error_code: row.errorCode ?? (row.status === 'error' ? 'llm_unavailable' : null),
    error: row.status === 'error' ? 'The LLM answered 500' : null,
    created_at: row.at.toISOString(),
  }));
  await api.sql(
    `INSERT INTO llm_requests
       (user_id, template_name, template_version, model, api, stream, prompt_tokens,
        completion_tokens, latency_ms, status, error_code, error, created_at)
     SELECT user_id, template_name, template_version, model, api, stream, prompt_tokens,
            completion_tokens, latency_ms, status, error_code, error, created_at
       FROM jsonb_to_recordset($1::jsonb) AS r(
         user_id text, template_name text, template_version int, model text, api text,
         stream boolean, prompt_tokens int, completion_tokens int, latency_ms int, status text,
         error_code text, error text, created_at timestamptz)`,
    [JSON.stringify(records)],
  );
}

/**
 * Inserts messages with chosen times and keeps user_state as ConversationStore.append would:
 * first_seen, last_activity and message_count follow the messages.
 */
export async function seedMessages(api: TestApp, rows: MessageSeed[]): Promise<void> {
  const records = rows.map((row, index) => {
    const source = row.source ?? 'user';
    return {
      user_id: row.userId,
      role: source === 'user' ? 'user' : source === 'llm' ? 'assistant' : 'system',
      source,
      content: `seeded message ${index}`,
      created_at: row.at.toISOString(),
    };
  });
  await api.sql(
    `WITH seeded AS (
       SELECT * FROM jsonb_to_recordset($1::jsonb)
         AS r(user_id text, role text, source text, content text, created_at timestamptz)
     ), stored AS (
       INSERT INTO conversation_history (user_id, role, source, content, created_at)
       SELECT user_id, role, source, content, created_at FROM seeded
     )
     INSERT INTO user_state AS state (user_id, first_seen, last_activity, updated_at, message_count)
     SELECT user_id, min(created_at), max(created_at), min(created_at), count(*)
       FROM seeded GROUP BY user_id
     ON CONFLICT (user_id) DO UPDATE
       SET first_seen = LEAST(state.first_seen, EXCLUDED.first_seen),
           last_activity = GREATEST(state.last_activity, EXCLUDED.last_activity),
           message_count = state.message_count + EXCLUDED.message_count`,
    [JSON.stringify(records)],
  );
}

/** Every rollup row, in a stable order, without computed_at (which each run refreshes). */
export async function storedRollups(api: TestApp): Promise<Record<string, unknown>[]> {
  const rows = await api.sql<Record<string, unknown>>(
    'SELECT * FROM metrics_aggregated ORDER BY bucket, bucket_start',
  );
  return rows.map(({ computed_at: _computedAt, ...rest }) => rest);
}

/** Interpolated percentile, as PostgreSQL's percentile_cont computes it. */
export function percentileCont(values: number[], fraction: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const position = fraction * (sorted.length - 1);
  const lower = Math.floor(position);
  const upper = Math.ceil(position);
  return sorted[lower]! + (sorted[upper]! - sorted[lower]!) * (position - lower);
}

export function mean(values: number[]): number {
  return values.reduce((total, value) => total + value, 0) / values.length;
}
