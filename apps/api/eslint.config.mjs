import { typedConfig } from '../../libs/tooling/eslint.base.mjs';
import moduleBoundaries from './eslint-rules/module-boundaries.cjs';

/** Each table and the module that owns it: only that module's SQL may name it. */
const TABLE_OWNERS = {
  api_keys: 'auth',
  audit_log: 'audit',
  operators: 'auth',
  chat_idempotency_keys: 'chat',
  events: 'events',
  guardrail_configs: 'guardrails',
  guardrail_events: 'guardrails',
  interventions: 'interventions',
  conversation_history: 'memory',
  user_memory: 'memory',
  user_state: 'memory',
  prompt_version_history: 'prompts',
  system_prompt: 'prompts',
  llm_requests: 'telemetry',
  metrics_aggregated: 'telemetry',
};

export default [
  ...typedConfig(import.meta.dirname),
  {
    files: ['src/modules/**/*.ts'],
    plugins: { promptdev: { rules: { 'module-boundaries': moduleBoundaries } } },
    rules: { 'promptdev/module-boundaries': ['error', { tables: TABLE_OWNERS }] },
  },
];
