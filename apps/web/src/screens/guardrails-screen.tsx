import {
  Alert,
  Badge,
  Button,
  Card,
  Grid,
  Group,
  Menu,
  NavLink,
  Stack,
  Switch,
  Table,
  Text,
  TextInput,
  Textarea,
  Title,
} from '@mantine/core';
import { notifications } from '@mantine/notifications';
import {
  createGuardrailConfigMutation,
  type GuardrailConfigDto,
  listGuardrailConfigsOptions,
  listGuardrailEventsOptions,
  updateGuardrailConfigMutation,
} from '@promptdev/api-client';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { newRule, type Rule, RULE_TYPES, RuleForm } from '../guardrails/rule-form';
import { errorMessage, fieldErrors } from '../shared/api';
import { formatTime } from '../shared/format';
import { useSession } from '../shared/session';
import { EmptyState, ErrorState, LoadingState } from '../shared/states';

interface Draft {
  name: string;
  description: string;
  fallback_message: string;
  is_active: boolean;
  rules: Rule[];
}

function draftOf(config?: GuardrailConfigDto): Draft {
  return {
    name: config?.name ?? '',
    description: config?.description ?? '',
    fallback_message: config?.fallback_message ?? '',
    is_active: config?.is_active ?? true,
    rules: config?.rules ?? [],
  };
}

function ConfigEditor({
  config,
  onCreated,
}: {
  config?: GuardrailConfigDto;
  onCreated: (id: number) => void;
}) {
  const { canEdit, operator } = useSession();
  const queryClient = useQueryClient();
  const [draft, setDraft] = useState<Draft>(() => draftOf(config));
  const readOnly = !canEdit || config?.is_preset === true;
  const done = (message: string) => {
    notifications.show({ color: 'teal', message });
    void queryClient.invalidateQueries();
  };
  const create = useMutation({
    ...createGuardrailConfigMutation(),
    onSuccess: (created) => {
      done(`Created ${created.name}`);
      onCreated(created.id);
    },
  });
  const update = useMutation({
    ...updateGuardrailConfigMutation(),
    onSuccess: (result) => done(result.message),
  });
  const error = config ? update.error : create.error;
  const errors = fieldErrors(error);
  const save = () => {
    const common = {
      description: draft.description || undefined,
      fallback_message: draft.fallback_message || undefined,
      is_active: draft.is_active,
      rules: draft.rules,
    };
    if (config)
      update.mutate({
        path: { config_id: config.id },
        body: { ...common, updated_by: operator.username },
      });
    else create.mutate({ body: { ...common, name: draft.name, created_by: operator.username } });
  };
  return (
    <Stack>
      {config?.is_preset && (
        <Alert variant="light" color="blue">
          A built-in preset: read-only. Create a config to customise it.
        </Alert>
      )}
      {!config && (
        <TextInput
          label="Name"
          required
          value={draft.name}
          error={errors.name}
          onChange={(event) => setDraft({ ...draft, name: event.currentTarget.value })}
        />
      )}
      <TextInput
        label="Description"
        readOnly={readOnly}
        value={draft.description}
        error={errors.description}
        onChange={(event) => setDraft({ ...draft, description: event.currentTarget.value })}
      />
      <Textarea
        label="Fallback message"
        description="replaces a reply blocked on output"
        autosize
        readOnly={readOnly}
        value={draft.fallback_message}
        error={errors.fallback_message}
        onChange={(event) => setDraft({ ...draft, fallback_message: event.currentTarget.value })}
      />
      <Switch
        label="Active"
        disabled={readOnly}
        checked={draft.is_active}
        onChange={(event) => setDraft({ ...draft, is_active: event.currentTarget.checked })}
      />
      <Title order={5}>Rules</Title>
      {draft.rules.length === 0 && <Text c="dimmed">No rules yet.</Text>}
      {draft.rules.map((rule, index) => (
        <RuleForm
          key={index}
          rule={rule}
          index={index}
          errors={errors}
          readOnly={readOnly}
          onChange={(next) =>
            setDraft({ ...draft, rules: draft.rules.map((r, i) => (i === index ? next : r)) })
          }
          onRemove={() => setDraft({ ...draft, rules: draft.rules.filter((_, i) => i !== index) })}
        />
      ))}
      {error && (
        <Alert color="red" role="alert" title="Not saved">
          {errorMessage(error)}
        </Alert>
      )}
      {!readOnly && (
        <Group justify="space-between">
          <Menu>
            <Menu.Target>
              <Button variant="light">+ Add rule</Button>
            </Menu.Target>
            <Menu.Dropdown>
              {RULE_TYPES.map((type) => (
                <Menu.Item
                  key={type.value}
                  onClick={() =>
                    setDraft({ ...draft, rules: [...draft.rules, newRule(type.value)] })
                  }
                >
                  {type.label}
                </Menu.Item>
              ))}
            </Menu.Dropdown>
          </Menu>
          <Button
            onClick={save}
            loading={create.isPending || update.isPending}
            disabled={!config && !draft.name}
          >
            {config ? 'Save config' : 'Create config'}
          </Button>
        </Group>
      )}
    </Stack>
  );
}

function RecentFirings() {
  const events = useQuery(listGuardrailEventsOptions({ query: { limit: 20 } }));
  if (events.isPending) return <LoadingState />;
  if (events.isError)
    return <ErrorState error={events.error} onRetry={() => void events.refetch()} />;
  if (events.data.events.length === 0) return <EmptyState title="No guardrail has fired yet" />;
  return (
    <Table.ScrollContainer minWidth={600}>
      <Table>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>When</Table.Th>
            <Table.Th>User</Table.Th>
            <Table.Th>Config · rule</Table.Th>
            <Table.Th>Action</Table.Th>
            <Table.Th>Excerpt</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {events.data.events.map((event) => (
            <Table.Tr key={event.id}>
              <Table.Td>{formatTime(event.created_at)}</Table.Td>
              <Table.Td>{event.user_id}</Table.Td>
              <Table.Td>
                {event.config_name} · {event.rule_index + 1} ({event.rule_type}, {event.stage})
              </Table.Td>
              <Table.Td>
                <Badge color={event.action === 'block' ? 'red' : 'orange'}>{event.action}</Badge>
              </Table.Td>
              <Table.Td>{event.excerpt}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}

export default function GuardrailsScreen() {
  const { canEdit } = useSession();
  const configs = useQuery(listGuardrailConfigsOptions({ query: { include_inactive: true } }));
  const [selected, setSelected] = useState<number | 'new' | null>(null);
  const current = configs.data?.configs.find((config) => config.id === selected);
  return (
    <Stack>
      <Group justify="space-between">
        <Title order={2}>Guardrails</Title>
        {canEdit && <Button onClick={() => setSelected('new')}>+ New config</Button>}
      </Group>
      {configs.isPending && <LoadingState />}
      {configs.isError && (
        <ErrorState error={configs.error} onRetry={() => void configs.refetch()} />
      )}
      {configs.data && (
        <Grid>
          <Grid.Col span={{ base: 12, md: 4 }}>
            <Card withBorder p="xs">
              {configs.data.configs.map((config) => (
                <NavLink
                  key={config.id}
                  active={config.id === selected}
                  onClick={() => setSelected(config.id)}
                  label={config.name}
                  description={`${config.rules.length} rules`}
                  rightSection={
                    <Group gap={4}>
                      {config.is_preset && <Badge size="xs">preset</Badge>}
                      {!config.is_active && (
                        <Badge size="xs" color="gray">
                          inactive
                        </Badge>
                      )}
                    </Group>
                  }
                />
              ))}
            </Card>
          </Grid.Col>
          <Grid.Col span={{ base: 12, md: 8 }}>
            <Card withBorder>
              {selected === 'new' ? (
                <ConfigEditor key="new" onCreated={setSelected} />
              ) : current ? (
                <ConfigEditor
                  key={`${current.id}:${current.updated_at}`}
                  config={current}
                  onCreated={setSelected}
                />
              ) : (
                <EmptyState title="Pick a config">or create one with its own rules.</EmptyState>
              )}
            </Card>
          </Grid.Col>
        </Grid>
      )}
      <Title order={4}>Recent firings</Title>
      <Card withBorder>
        <RecentFirings />
      </Card>
    </Stack>
  );
}
