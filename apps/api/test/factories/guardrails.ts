import type { NewGuardrailEvent } from '../../src/modules/guardrails/guardrails.service';
import type { TestApp } from '../setup/test-app';

let sequence = 0;

/** A config name no other test uses. */
export function aConfigName(label = 'config'): string {
  sequence += 1;
  return `${label}-${process.pid}-${sequence}`;
}

export const PRESET_NAMES = ['unrestricted', 'research_safe', 'clinical'];

/** One valid rule of every type, as a client sends them (defaults left out). */
export function rulesOfEveryType(): Array<Record<string, unknown>> {
  return [
    { type: 'system_instruction', priority: 10, content: 'Stay factual and kind.' },
    { type: 'blocked_terms', terms: ['darn', 'bad word'], stage: 'both', action: 'redact' },
    {
      type: 'regex',
      pattern: '\\border\\s+#?\\d{6}\\b',
      flags: 'i',
      stage: 'input',
      action: 'flag',
    },
    { type: 'pii', priority: 5, kinds: ['email', 'phone'], stage: 'output', action: 'redact' },
    { type: 'max_length', max_chars: 4000, stage: 'output' },
  ];
}

/** rulesOfEveryType() as the API stores and returns them: defaults filled in. */
export function storedRulesOfEveryType(): Array<Record<string, unknown>> {
  return [
    { type: 'system_instruction', priority: 10, content: 'Stay factual and kind.' },
    {
      type: 'blocked_terms',
      priority: 0,
      terms: ['darn', 'bad word'],
      stage: 'both',
      action: 'redact',
    },
    {
      type: 'regex',
      priority: 0,
      pattern: '\\border\\s+#?\\d{6}\\b',
      flags: 'i',
      stage: 'input',
      action: 'flag',
    },
    { type: 'pii', priority: 5, kinds: ['email', 'phone'], stage: 'output', action: 'redact' },
    { type: 'max_length', priority: 0, max_chars: 4000, stage: 'output', action: 'block' },
  ];
}

/** A POST /admin/guardrails body with a unique name. */
export function aGuardrailConfig(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: aConfigName(),
    description: 'Test config',
    rules: [{ type: 'blocked_terms', terms: ['darn'], stage: 'both', action: 'redact' }],
    ...overrides,
  };
}

/** A firing as the chat pipeline would record it. */
export function aGuardrailEvent(
  userId: string,
  overrides: Partial<NewGuardrailEvent> = {},
): NewGuardrailEvent {
  sequence += 1;
  return {
    user_id: userId,
    config_name: 'clinical',
    rule_index: 2,
    rule_type: 'pii',
    action: 'flag',
    stage: 'input',
    excerpt: `reach me at [email] (${sequence})`,
    ...overrides,
  };
}

/** Everything the guardrails module stores, to prove a rejected request changed nothing. */
export async function storedGuardrailRows(api: TestApp): Promise<Record<string, unknown[]>> {
  return {
    configs: await api.sql('SELECT * FROM guardrail_configs ORDER BY id'),
    events: await api.sql('SELECT * FROM guardrail_events ORDER BY id'),
  };
}
