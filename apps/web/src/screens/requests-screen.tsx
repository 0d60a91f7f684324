import { Badge, Card, Group, Select, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { listLlmRequestsInfiniteOptions } from '@promptdev/api-client';
import { useInfiniteQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { formatMs, formatTime } from '../shared/format';
import { EmptyState, ErrorState, LoadingState, LoadMore } from '../shared/states';

type Status = 'ok' | 'error' | 'blocked' | 'interrupted';
const STATUS_COLOR: Record<Status, string> = {
  ok: 'teal',
  error: 'red',
  blocked: 'orange',
  interrupted: 'gray',
};

export default function RequestsScreen() {
  const [userId, setUserId] = useState('');
  const [template, setTemplate] = useState('');
  const [status, setStatus] = useState<Status | null>(null);
  const [filters] = useDebouncedValue({ userId, template }, 300);
  const requests = useInfiniteQuery({
    ...listLlmRequestsInfiniteOptions({
      query: {
        limit: 50,
        ...(filters.userId ? { user_id: filters.userId } : {}),
        ...(filters.template ? { template: filters.template } : {}),
        ...(status ? { status } : {}),
      },
    }),
    initialPageParam: undefined as unknown as string,
    getNextPageParam: (last) => last.next_cursor ?? undefined,
  });
  const rows = requests.data?.pages.flatMap((page) => page.requests) ?? [];
  return (
    <Stack>
      <Title order={2}>LLM requests</Title>
      <Group grow>
        <TextInput
          label="User id"
          value={userId}
          onChange={(event) => setUserId(event.currentTarget.value)}
        />
        <TextInput
          label="Template"
          value={template}
          onChange={(event) => setTemplate(event.currentTarget.value)}
        />
        <Select
          label="Status"
          clearable
          data={['ok', 'error', 'blocked', 'interrupted']}
          value={status}
          onChange={(value) => setStatus(value)}
        />
      </Group>
      {requests.isPending && <LoadingState />}
      {requests.isError && (
        <ErrorState error={requests.error} onRetry={() => void requests.refetch()} />
      )}
      {requests.isSuccess && rows.length === 0 && <EmptyState title="No requests match" />}
      {rows.length > 0 && (
        <Card withBorder p={0}>
          <Table.ScrollContainer minWidth={800}>
            <Table striped>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>When</Table.Th>
                  <Table.Th>User</Table.Th>
                  <Table.Th>Template</Table.Th>
                  <Table.Th>Status</Table.Th>
                  <Table.Th ta="right">Latency</Table.Th>
                  <Table.Th ta="right">Tokens in/out</Table.Th>
                  <Table.Th>Model</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {rows.map((request) => (
                  <Table.Tr key={request.id}>
                    <Table.Td>{formatTime(request.created_at)}</Table.Td>
                    <Table.Td>{request.user_id}</Table.Td>
                    <Table.Td>
                      {request.template_name
                        ? `${request.template_name} v${request.template_version ?? '?'}`
                        : '—'}
                    </Table.Td>
                    <Table.Td>
                      <Badge color={STATUS_COLOR[request.status]} variant="light">
                        {request.status}
                      </Badge>
                      {request.error && (
                        <Text size="xs" c="red">
                          {request.error_code}: {request.error}
                        </Text>
                      )}
                    </Table.Td>
                    <Table.Td ta="right">{formatMs(request.latency_ms)}</Table.Td>
                    <Table.Td ta="right">
                      {request.prompt_tokens ?? '—'} / {request.completion_tokens ?? '—'}
                    </Table.Td>
                    <Table.Td>
                      <Text size="xs">
                        {request.model ?? '—'}
                        {request.stream ? ' · stream' : ''}
                      </Text>
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        </Card>
      )}
      <LoadMore pages={requests} />
    </Stack>
  );
}
