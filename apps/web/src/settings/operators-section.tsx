import {
  Alert,
  Badge,
  Button,
  Card,
  Group,
  Modal,
  PasswordInput,
  Select,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { notifications } from '@mantine/notifications';
import {
  changeOperatorRoleMutation,
  createOperatorMutation,
  listOperatorsOptions,
  listOperatorsQueryKey,
  type OperatorDto,
  resetOperatorPasswordMutation,
  setOperatorDisabledMutation,
} from '@promptdev/api-client';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { errorMessage, fieldErrors } from '../shared/api';
import { formatTime } from '../shared/format';
import { type Role, useSession } from '../shared/session';
import { EmptyState, ErrorState, LoadingState } from '../shared/states';

const ROLES: { value: Role; label: string }[] = [
  { value: 'admin', label: 'admin: everything, plus operators and API keys' },
  { value: 'operator', label: 'operator: edit and intervene' },
  { value: 'viewer', label: 'viewer: read only' },
];

function useRefreshOperators() {
  const queryClient = useQueryClient();
  return () => void queryClient.invalidateQueries({ queryKey: listOperatorsQueryKey() });
}

function CreateOperatorForm({ onDone }: { onDone: () => void }) {
  const refresh = useRefreshOperators();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [role, setRole] = useState<Role>('operator');
  const create = useMutation({
    ...createOperatorMutation(),
    onSuccess: (operator) => {
      notifications.show({ color: 'teal', message: `Created ${operator.username}` });
      refresh();
      onDone();
    },
  });
  const fields = fieldErrors(create.error);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    create.mutate({ body: { username, password, role } });
  };
  return (
    <form onSubmit={submit}>
      <Stack>
        <TextInput
          label="Username"
          description="2 to 64 of letters, digits, . _ -"
          required
          value={username}
          error={fields.username}
          onChange={(event) => setUsername(event.currentTarget.value)}
        />
        <PasswordInput
          label="Initial password"
          description="12 characters or more; tell it to them in person"
          required
          autoComplete="new-password"
          value={password}
          error={fields.password}
          onChange={(event) => setPassword(event.currentTarget.value)}
        />
        <Select
          label="Role"
          data={ROLES}
          value={role}
          allowDeselect={false}
          onChange={(value) => value && setRole(value)}
        />
        {create.error && (
          <Alert color="red" role="alert">
            {errorMessage(create.error)}
          </Alert>
        )}
        <Group justify="flex-end">
          <Button type="submit" loading={create.isPending}>
            Create operator
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

function ResetPasswordForm({ operator, onDone }: { operator: OperatorDto; onDone: () => void }) {
  const [password, setPassword] = useState('');
  const reset = useMutation({
    ...resetOperatorPasswordMutation(),
    onSuccess: () => {
      notifications.show({
        color: 'teal',
        message: `New password set for ${operator.username}; their sessions ended`,
      });
      onDone();
    },
  });
  return (
    <form
      onSubmit={(event) => {
        event.preventDefault();
        reset.mutate({ path: { operator_id: operator.id }, body: { password } });
      }}
    >
      <Stack>
        <Text size="sm">
          Sets a new password for <b>{operator.username}</b> and logs them out everywhere.
        </Text>
        <PasswordInput
          label="New password"
          required
          autoComplete="new-password"
          value={password}
          error={fieldErrors(reset.error).password}
          onChange={(event) => setPassword(event.currentTarget.value)}
        />
        {reset.error && (
          <Alert color="red" role="alert">
            {errorMessage(reset.error)}
          </Alert>
        )}
        <Group justify="flex-end">
          <Button type="submit" loading={reset.isPending}>
            Set password
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

function OperatorRow({
  operator,
  isMe,
  onResetPassword,
}: {
  operator: OperatorDto;
  isMe: boolean;
  onResetPassword: () => void;
}) {
  const refresh = useRefreshOperators();
  const [error, setError] = useState<unknown>();
  const handlers = {
    onSuccess: () => {
      setError(undefined);
      refresh();
    },
    onError: setError,
  };
  const changeRole = useMutation({ ...changeOperatorRoleMutation(), ...handlers });
  const setDisabled = useMutation({ ...setOperatorDisabledMutation(), ...handlers });
  return (
    <>
      <Table.Tr data-testid={`operator-row-${operator.username}`}>
        <Table.Td>
          <Group gap={6}>
            <Text size="sm" fw={500}>
              {operator.username}
            </Text>
            {isMe && (
              <Badge size="xs" variant="light">
                you
              </Badge>
            )}
          </Group>
        </Table.Td>
        <Table.Td>
          <Select
            size="xs"
            w={120}
            aria-label={`Role of ${operator.username}`}
            data={ROLES.map((role) => role.value)}
            value={operator.role}
            allowDeselect={false}
            disabled={changeRole.isPending}
            onChange={(value) =>
              value &&
              value !== operator.role &&
              changeRole.mutate({
                path: { operator_id: operator.id },
                body: { role: value },
              })
            }
          />
        </Table.Td>
        <Table.Td>
          <Badge color={operator.disabled ? 'gray' : 'teal'} variant="light">
            {operator.disabled ? 'DISABLED' : 'ACTIVE'}
          </Badge>
        </Table.Td>
        <Table.Td>
          <Text size="sm">{formatTime(operator.last_login_at)}</Text>
        </Table.Td>
        <Table.Td>
          <Group gap="xs" wrap="nowrap" justify="flex-end">
            <Button size="compact-sm" variant="default" onClick={onResetPassword}>
              Reset password
            </Button>
            <Button
              size="compact-sm"
              variant="light"
              color={operator.disabled ? 'teal' : 'red'}
              loading={setDisabled.isPending}
              onClick={() =>
                setDisabled.mutate({
                  path: { operator_id: operator.id },
                  body: { disabled: !operator.disabled },
                })
              }
            >
              {operator.disabled ? 'Enable' : 'Disable'}
            </Button>
          </Group>
        </Table.Td>
      </Table.Tr>
      {error !== undefined && (
        <Table.Tr>
          <Table.Td colSpan={5}>
            <Alert
              color="red"
              role="alert"
              withCloseButton
              onClose={() => setError(undefined)}
              py={6}
            >
              {errorMessage(error)}
            </Alert>
          </Table.Td>
        </Table.Tr>
      )}
    </>
  );
}

export function OperatorsSection() {
  const { operator: me } = useSession();
  const operators = useQuery(listOperatorsOptions());
  const [creating, setCreating] = useState(false);
  const [resetting, setResetting] = useState<OperatorDto>();
  return (
    <Card withBorder>
      <Group justify="space-between" mb="sm">
        <Title order={3}>Operators</Title>
        <Button size="sm" onClick={() => setCreating(true)}>
          + New operator
        </Button>
      </Group>
      {operators.isPending && <LoadingState label="Loading operators" />}
      {operators.isError && (
        <ErrorState error={operators.error} onRetry={() => void operators.refetch()} />
      )}
      {operators.data?.count === 0 && <EmptyState title="No operators" />}
      {operators.data && operators.data.count > 0 && (
        <Table.ScrollContainer minWidth={640}>
          <Table verticalSpacing="xs">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Username</Table.Th>
                <Table.Th>Role</Table.Th>
                <Table.Th>Status</Table.Th>
                <Table.Th>Last login</Table.Th>
                <Table.Th />
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {operators.data.operators.map((operator) => (
                <OperatorRow
                  key={operator.id}
                  operator={operator}
                  isMe={operator.id === me.id}
                  onResetPassword={() => setResetting(operator)}
                />
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      <Modal opened={creating} onClose={() => setCreating(false)} title="New operator">
        {creating && <CreateOperatorForm onDone={() => setCreating(false)} />}
      </Modal>
      <Modal opened={!!resetting} onClose={() => setResetting(undefined)} title="Reset password">
        {resetting && (
          <ResetPasswordForm operator={resetting} onDone={() => setResetting(undefined)} />
        )}
      </Modal>
    </Card>
  );
}
