import {
  Alert,
  Badge,
  Button,
  Card,
  Checkbox,
  Code,
  CopyButton,
  Group,
  Modal,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { notifications } from '@mantine/notifications';
import {
  type ApiKeyDto,
  createApiKeyMutation,
  type CreatedApiKeyDto,
  listApiKeysOptions,
  listApiKeysQueryKey,
  revokeApiKeyMutation,
} from '@promptdev/api-client';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { errorMessage, fieldErrors } from '../shared/api';
import { formatTime } from '../shared/format';
import { EmptyState, ErrorState, LoadingState } from '../shared/states';

type Scope = ApiKeyDto['scopes'][number];

function CreateKeyForm({ onCreated }: { onCreated: (key: CreatedApiKeyDto) => void }) {
  const queryClient = useQueryClient();
  const [name, setName] = useState('');
  const [scopes, setScopes] = useState<Scope[]>(['chat']);
  const create = useMutation({
    ...createApiKeyMutation(),
    onSuccess: (key) => {
      void queryClient.invalidateQueries({ queryKey: listApiKeysQueryKey() });
      onCreated(key);
    },
  });
  const fields = fieldErrors(create.error);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    create.mutate({ body: { name, scopes } });
  };
  return (
    <form onSubmit={submit}>
      <Stack>
        <TextInput
          label="Name"
          description="What uses it, e.g. mobile-backend"
          required
          value={name}
          error={fields.name}
          onChange={(event) => setName(event.currentTarget.value)}
        />
        <Checkbox.Group
          label="Scopes"
          value={scopes}
          error={fields.scopes}
          onChange={(value) => setScopes(value)}
        >
          <Stack gap={6} mt={6}>
            <Checkbox value="chat" label="chat: the chat routes and minting chat tokens" />
            <Checkbox
              value="admin"
              label="admin: /admin/* and /metrics as an operator (not operators or keys)"
            />
          </Stack>
        </Checkbox.Group>
        {create.error && (
          <Alert color="red" role="alert">
            {errorMessage(create.error)}
          </Alert>
        )}
        <Group justify="flex-end">
          <Button type="submit" loading={create.isPending} disabled={scopes.length === 0}>
            Create key
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

/** The secret exists only in this response: the API stores a hash. */
function NewKeyReveal({ apiKey, onClose }: { apiKey: CreatedApiKeyDto; onClose: () => void }) {
  return (
    <Stack>
      <Alert color="yellow" title="Copy it now: you won't see it again">
        This is the only time the key is shown. PromptDev keeps only a hash of it; if it is lost,
        revoke it and create another.
      </Alert>
      <Code block data-testid="new-api-key" style={{ wordBreak: 'break-all' }}>
        {apiKey.key}
      </Code>
      <Group justify="space-between">
        <CopyButton value={apiKey.key}>
          {({ copied, copy }) => (
            <Button variant="light" color={copied ? 'teal' : undefined} onClick={copy}>
              {copied ? 'Copied' : 'Copy key'}
            </Button>
          )}
        </CopyButton>
        <Button onClick={onClose}>I have saved it</Button>
      </Group>
    </Stack>
  );
}

function RevokeDialog({ apiKey, onDone }: { apiKey: ApiKeyDto; onDone: () => void }) {
  const queryClient = useQueryClient();
  const revoke = useMutation({
    ...revokeApiKeyMutation(),
    onSuccess: () => {
      notifications.show({ color: 'teal', message: `Revoked ${apiKey.name}` });
      void queryClient.invalidateQueries({ queryKey: listApiKeysQueryKey() });
      onDone();
    },
  });
  return (
    <Stack>
      <Text size="sm">
        Requests with <b>{apiKey.name}</b> (<Code>{apiKey.prefix}…</Code>) are refused from now on.
        This cannot be undone.
      </Text>
      {revoke.error && (
        <Alert color="red" role="alert">
          {errorMessage(revoke.error)}
        </Alert>
      )}
      <Group justify="flex-end">
        <Button variant="default" onClick={onDone}>
          Cancel
        </Button>
        <Button
          color="red"
          loading={revoke.isPending}
          onClick={() => revoke.mutate({ path: { api_key_id: apiKey.id } })}
        >
          Revoke key
        </Button>
      </Group>
    </Stack>
  );
}

export function ApiKeysSection() {
  const keys = useQuery(listApiKeysOptions());
  const [creating, setCreating] = useState(false);
  const [created, setCreated] = useState<CreatedApiKeyDto>();
  const [revoking, setRevoking] = useState<ApiKeyDto>();
  return (
    <Card withBorder>
      <Group justify="space-between" mb="sm">
        <Title order={3}>API keys</Title>
        <Button size="sm" onClick={() => setCreating(true)}>
          + New API key
        </Button>
      </Group>
      {keys.isPending && <LoadingState label="Loading API keys" />}
      {keys.isError && <ErrorState error={keys.error} onRetry={() => void keys.refetch()} />}
      {keys.data?.count === 0 && (
        <EmptyState title="No API keys yet">
          Integrators use them to call the chat routes or the admin API.
        </EmptyState>
      )}
      {keys.data && keys.data.count > 0 && (
        <Table.ScrollContainer minWidth={720}>
          <Table verticalSpacing="xs">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Name</Table.Th>
                <Table.Th>Key</Table.Th>
                <Table.Th>Scopes</Table.Th>
                <Table.Th>Created by</Table.Th>
                <Table.Th>Last used</Table.Th>
                <Table.Th />
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {keys.data.api_keys.map((key) => (
                <Table.Tr key={key.id} data-testid={`api-key-row-${key.name}`}>
                  <Table.Td>
                    <Text size="sm" fw={500}>
                      {key.name}
                    </Text>
                    <Text size="xs" c="dimmed">
                      {formatTime(key.created_at)}
                    </Text>
                  </Table.Td>
                  <Table.Td>
                    <Code>{key.prefix}…</Code>
                  </Table.Td>
                  <Table.Td>
                    <Group gap={4}>
                      {key.scopes.map((scope) => (
                        <Badge key={scope} size="sm" variant="light">
                          {scope}
                        </Badge>
                      ))}
                    </Group>
                  </Table.Td>
                  <Table.Td>
                    <Text size="sm">{key.created_by}</Text>
                  </Table.Td>
                  <Table.Td>
                    <Text size="sm">{formatTime(key.last_used_at)}</Text>
                  </Table.Td>
                  <Table.Td>
                    <Group justify="flex-end">
                      {key.revoked_at ? (
                        <Badge color="gray" variant="light">
                          REVOKED {formatTime(key.revoked_at)}
                        </Badge>
                      ) : (
                        <Button
                          size="compact-sm"
                          variant="light"
                          color="red"
                          onClick={() => setRevoking(key)}
                        >
                          Revoke
                        </Button>
                      )}
                    </Group>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      <Modal opened={creating} onClose={() => setCreating(false)} title="New API key">
        {creating && (
          <CreateKeyForm
            onCreated={(key) => {
              setCreating(false);
              setCreated(key);
            }}
          />
        )}
      </Modal>
      {/* No close on click-outside or Escape: the key must not vanish by accident. */}
      <Modal
        opened={!!created}
        onClose={() => setCreated(undefined)}
        title={`API key ${created?.name ?? ''}`}
        closeOnClickOutside={false}
        closeOnEscape={false}
        withCloseButton={false}
        size="lg"
      >
        {created && <NewKeyReveal apiKey={created} onClose={() => setCreated(undefined)} />}
      </Modal>
      <Modal opened={!!revoking} onClose={() => setRevoking(undefined)} title="Revoke API key?">
        {revoking && <RevokeDialog apiKey={revoking} onDone={() => setRevoking(undefined)} />}
      </Modal>
    </Card>
  );
}
