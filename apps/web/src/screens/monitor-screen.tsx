import {
  Badge,
  Card,
  Grid,
  Group,
  ScrollArea,
  SegmentedControl,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { listUsersOptions } from '@promptdev/api-client';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { useNavigate, useParams } from 'react-router';
import { ConversationPanel } from '../monitor/conversation-panel';
import { formatTime } from '../shared/format';
import { EmptyState, ErrorState, LoadingState } from '../shared/states';

export function StateBadge({ state }: { state: string }) {
  const color = state === 'halted' ? 'red' : state === 'active' ? 'teal' : 'blue';
  return (
    <Badge color={color} variant="light">
      {state.toUpperCase()}
    </Badge>
  );
}

function UserList({ selected }: { selected?: string }) {
  const navigate = useNavigate();
  const [search, setSearch] = useState('');
  const [mode, setMode] = useState('all');
  const [debounced] = useDebouncedValue(search, 300);
  const users = useQuery(
    listUsersOptions({
      query: {
        limit: 200,
        ...(debounced ? { search: debounced } : {}),
        ...(mode !== 'all' ? { mode } : {}),
      },
    }),
  );
  return (
    <Stack gap="sm">
      <TextInput
        placeholder="Search user id"
        aria-label="Search users"
        value={search}
        onChange={(event) => setSearch(event.currentTarget.value)}
      />
      <SegmentedControl
        size="xs"
        value={mode}
        onChange={setMode}
        data={[
          { label: 'All', value: 'all' },
          { label: 'Active', value: 'active' },
          { label: 'Halted', value: 'halted' },
        ]}
      />
      {users.isPending && <LoadingState />}
      {users.isError && <ErrorState error={users.error} onRetry={() => void users.refetch()} />}
      {users.data?.users.length === 0 && (
        <EmptyState title="No users">Users appear here after their first message.</EmptyState>
      )}
      {users.data && users.data.users.length > 0 && (
        <Card withBorder p={0}>
          <ScrollArea.Autosize mah="70vh">
            <Table highlightOnHover>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>User</Table.Th>
                  <Table.Th ta="right">Msgs</Table.Th>
                  <Table.Th>State</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {users.data.users.map((user) => (
                  <Table.Tr
                    key={user.user_id}
                    data-testid={`user-row-${user.user_id}`}
                    tabIndex={0}
                    aria-selected={user.user_id === selected}
                    bg={
                      user.user_id === selected ? 'var(--mantine-primary-color-light)' : undefined
                    }
                    style={{ cursor: 'pointer' }}
                    onClick={() => void navigate(`/monitor/${encodeURIComponent(user.user_id)}`)}
                    onKeyDown={(event) => {
                      if (event.key === 'Enter' || event.key === ' ') {
                        event.preventDefault();
                        void navigate(`/monitor/${encodeURIComponent(user.user_id)}`);
                      }
                    }}
                  >
                    <Table.Td>
                      <Text size="sm" fw={600} style={{ wordBreak: 'break-all' }}>
                        {user.user_id}
                      </Text>
                      <Text size="xs" c="dimmed">
                        {formatTime(user.last_activity)}
                      </Text>
                    </Table.Td>
                    <Table.Td ta="right">{user.message_count}</Table.Td>
                    <Table.Td>
                      <StateBadge state={user.state} />
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </ScrollArea.Autosize>
        </Card>
      )}
    </Stack>
  );
}

export default function MonitorScreen() {
  const { userId } = useParams();
  return (
    <Stack>
      <Group justify="space-between">
        <Title order={2}>Monitor</Title>
      </Group>
      <Grid>
        <Grid.Col span={{ base: 12, md: 4 }}>
          <UserList selected={userId} />
        </Grid.Col>
        <Grid.Col span={{ base: 12, md: 8 }}>
          {userId ? (
            <ConversationPanel key={userId} userId={userId} />
          ) : (
            <EmptyState title="Pick a user">
              Their conversation shows here and updates live.
            </EmptyState>
          )}
        </Grid.Col>
      </Grid>
    </Stack>
  );
}
