import {
  Button,
  Card,
  Group,
  MultiSelect,
  NumberInput,
  Select,
  Stack,
  TagsInput,
  Text,
  Textarea,
  TextInput,
} from '@mantine/core';
import type { GuardrailConfigDto } from '@promptdev/api-client';

export type Rule = GuardrailConfigDto['rules'][number];
export type RuleType = Rule['type'];

export const RULE_TYPES: { value: RuleType; label: string }[] = [
  { value: 'system_instruction', label: 'System instruction' },
  { value: 'blocked_terms', label: 'Blocked terms' },
  { value: 'regex', label: 'Regular expression' },
  { value: 'pii', label: 'Personal data (PII)' },
  { value: 'max_length', label: 'Maximum length' },
];

const STAGES = [
  { value: 'input', label: 'User input' },
  { value: 'output', label: 'AI output' },
  { value: 'both', label: 'Both' },
];
const ACTIONS = [
  { value: 'block', label: 'Block' },
  { value: 'redact', label: 'Redact' },
  { value: 'flag', label: 'Flag only' },
];

export function newRule(type: RuleType): Rule {
  switch (type) {
    case 'system_instruction':
      return { type, content: '', priority: 0 };
    case 'blocked_terms':
      return { type, terms: [], stage: 'input', action: 'block', priority: 0 };
    case 'regex':
      return { type, pattern: '', flags: 'i', stage: 'input', action: 'block', priority: 0 };
    case 'pii':
      return { type, kinds: ['email'], stage: 'both', action: 'redact', priority: 0 };
    case 'max_length':
      return { type, max_chars: 2000, stage: 'input', priority: 0 };
  }
}

interface Props {
  rule: Rule;
  index: number;
  /** field → message, from the API's 422 (e.g. `rules.2.pattern`). */
  errors: Record<string, string>;
  readOnly?: boolean;
  onChange: (rule: Rule) => void;
  onRemove: () => void;
}

/** One rule, with the fields its type needs. */
export function RuleForm({ rule, index, errors, readOnly, onChange, onRemove }: Props) {
  const error = (field: string) => errors[`rules.${index}.${field}`];
  const title = RULE_TYPES.find((t) => t.value === rule.type)?.label ?? rule.type;
  const stageAndAction = (withAction: boolean) => (
    <Group grow>
      <Select
        label="Stage"
        data={STAGES}
        allowDeselect={false}
        readOnly={readOnly}
        value={'stage' in rule ? rule.stage : 'input'}
        error={error('stage')}
        onChange={(stage) => onChange({ ...rule, stage: (stage ?? 'input') as 'input' } as Rule)}
      />
      {withAction && (
        <Select
          label="Action"
          data={ACTIONS}
          allowDeselect={false}
          readOnly={readOnly}
          value={'action' in rule ? (rule.action ?? 'block') : 'block'}
          error={error('action')}
          onChange={(action) =>
            onChange({ ...rule, action: (action ?? 'block') as 'block' } as Rule)
          }
        />
      )}
    </Group>
  );
  return (
    <Card
      withBorder
      data-testid={`rule-${index}`}
      role="group"
      aria-label={`Rule ${index + 1}: ${title}`}
    >
      <Stack gap="xs">
        <Group justify="space-between">
          <Text fw={600}>
            {index + 1}. {title}
          </Text>
          <Group gap="xs">
            <NumberInput
              aria-label="Priority"
              size="xs"
              w={90}
              prefix="prio "
              readOnly={readOnly}
              value={rule.priority ?? 0}
              error={error('priority')}
              onChange={(priority) => onChange({ ...rule, priority: Number(priority) || 0 })}
            />
            {!readOnly && (
              <Button size="xs" variant="subtle" color="red" onClick={onRemove}>
                Remove
              </Button>
            )}
          </Group>
        </Group>
        {rule.type === 'system_instruction' && (
          <Textarea
            label="Instruction"
            autosize
            minRows={2}
            readOnly={readOnly}
            value={rule.content}
            error={error('content')}
            onChange={(event) => onChange({ ...rule, content: event.currentTarget.value })}
          />
        )}
        {rule.type === 'blocked_terms' && (
          <>
            <TagsInput
              label="Terms"
              description="whole words, any case; Enter after each"
              readOnly={readOnly}
              value={rule.terms}
              error={error('terms')}
              onChange={(terms) => onChange({ ...rule, terms })}
            />
            {stageAndAction(true)}
          </>
        )}
        {rule.type === 'regex' && (
          <>
            <Group grow>
              <TextInput
                label="Pattern"
                readOnly={readOnly}
                value={rule.pattern}
                error={error('pattern')}
                onChange={(event) => onChange({ ...rule, pattern: event.currentTarget.value })}
                styles={{ input: { fontFamily: 'var(--mantine-font-family-monospace)' } }}
              />
              <TextInput
                label="Flags"
                maw={100}
                readOnly={readOnly}
                value={rule.flags ?? ''}
                error={error('flags')}
                onChange={(event) => onChange({ ...rule, flags: event.currentTarget.value })}
              />
            </Group>
            {stageAndAction(true)}
          </>
        )}
        {rule.type === 'pii' && (
          <>
            <MultiSelect
              label="Kinds"
              readOnly={readOnly}
              data={[
                { value: 'email', label: 'Email' },
                { value: 'phone', label: 'Phone' },
                { value: 'credit_card', label: 'Credit card' },
                { value: 'ip', label: 'IP address' },
              ]}
              value={rule.kinds}
              error={error('kinds')}
              onChange={(kinds) => onChange({ ...rule, kinds: kinds })}
            />
            {stageAndAction(true)}
          </>
        )}
        {rule.type === 'max_length' && (
          <>
            <NumberInput
              label="Maximum characters"
              min={1}
              readOnly={readOnly}
              value={rule.max_chars}
              error={error('max_chars')}
              onChange={(max) => onChange({ ...rule, max_chars: Number(max) || 0 })}
            />
            {stageAndAction(false)}
          </>
        )}
        {errors[`rules.${index}`] && (
          <Text c="red" size="sm" role="alert">
            {errors[`rules.${index}`]}
          </Text>
        )}
      </Stack>
    </Card>
  );
}
