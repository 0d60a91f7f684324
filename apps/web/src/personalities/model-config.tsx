import { NumberInput, SimpleGrid, TextInput } from '@mantine/core';

export interface ModelConfig {
  temperature?: number;
  max_tokens?: number;
  top_p?: number;
  history_limit?: number;
  model?: string;
  [key: string]: unknown;
}

/** Numbers and the model name of a version's config; other keys are kept as they are. */
export function ModelConfigFields({
  value,
  onChange,
  readOnly,
}: {
  value: ModelConfig;
  onChange: (value: ModelConfig) => void;
  readOnly?: boolean;
}) {
  const setNumber = (key: keyof ModelConfig) => (next: string | number) => {
    const copy = { ...value };
    if (next === '' || Number.isNaN(Number(next))) delete copy[key];
    else copy[key] = Number(next);
    onChange(copy);
  };
  const num = (key: string) => (typeof value[key] === 'number' ? value[key] : '');
  return (
    <SimpleGrid cols={{ base: 2, md: 5 }}>
      <NumberInput
        label="Temperature"
        min={0}
        max={2}
        step={0.1}
        decimalScale={2}
        value={num('temperature')}
        onChange={setNumber('temperature')}
        readOnly={readOnly}
      />
      <NumberInput
        label="Max tokens"
        min={1}
        max={32768}
        value={num('max_tokens')}
        onChange={setNumber('max_tokens')}
        readOnly={readOnly}
      />
      <NumberInput
        label="Top p"
        min={0}
        max={1}
        step={0.05}
        decimalScale={2}
        value={num('top_p')}
        onChange={setNumber('top_p')}
        readOnly={readOnly}
      />
      <NumberInput
        label="History limit"
        min={0}
        max={200}
        value={num('history_limit')}
        onChange={setNumber('history_limit')}
        readOnly={readOnly}
      />
      <TextInput
        label="Model"
        placeholder="server default"
        value={typeof value.model === 'string' ? value.model : ''}
        readOnly={readOnly}
        onChange={(event) => {
          const copy = { ...value };
          const model = event.currentTarget.value;
          if (model) copy.model = model;
          else delete copy.model;
          onChange(copy);
        }}
      />
    </SimpleGrid>
  );
}
