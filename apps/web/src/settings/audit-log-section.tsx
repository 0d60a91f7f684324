import { Card, Code, Group, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { listAuditEntriesInfiniteOptions } from '@promptdev/api-client';
import { useInfiniteQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { formatTime } from '../shared/format';
import { EmptyState, ErrorState, LoadingState, LoadMore } from '../shared/states';

/** A before/after summary on one line: the server already keeps it short and secret-free. */
function summary(value: Record<string, unknown> | null): string {
  return value ? JSON.stringify(value) : '—';
}

/** GET /admin/audit: who changed what, newest first, with filters and "load more". */
export function AuditLogSection() {
  const [actor, setActor] = useState('');
  const [action, setAction] = useState('');
  const [target, setTarget] = useState('');
  const [filters] = useDebouncedValue({ actor, action, target }, 300);
  const entries = useInfiniteQuery({
    ...listAuditEntriesInfiniteOptions({
      query: {
        limit: 50,
        ...(filters.actor ? { actor: filters.actor } : {}),
        ...(filters.action ? { action: filters.action } : {}),
        ...(filters.target ? { target_id: filters.target } : {}),
      },
    }),
    initialPageParam: undefined as unknown as string,
    getNextPageParam: (last) => last.next_cursor ?? undefined,
  });
  const rows = entries.data?.pages.flatMap((page) => page.entries) ?? [];
  return (
    <Card withBorder data-testid="audit-log">
      <Stack>
        <Title order={3}>Audit log</Title>
        <Group grow>
          <TextInput
            label="Actor"
            placeholder="operator:admin"
            value={actor}
            onChange={(event) => setActor(event.currentTarget.value)}
          />
          <TextInput
            label="Action"
            placeholder="template.update"
            value={action}
            onChange={(event) => setAction(event.currentTarget.value)}
          />
          <TextInput
            label="Target id"
            value={target}
            onChange={(event) => setTarget(event.currentTarget.value)}
          />
        </Group>
        {entries.isPending && <LoadingState />}
        {entries.isError && (
          <ErrorState error={entries.error} onRetry={() => void entries.refetch()} />
        )}
        {entries.isSuccess && rows.length === 0 && <EmptyState title="No changes match" />}
        {rows.length > 0 && (
          <Table.ScrollContainer minWidth={800}>
            <Table striped>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>When</Table.Th>
                  <Table.Th>Actor</Table.Th>
                  <Table.Th>Action</Table.Th>
                  <Table.Th>Target</Table.Th>
                  <Table.Th>Before → after</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {rows.map((entry) => (
                  <Table.Tr key={entry.id} data-testid="audit-row">
                    <Table.Td>{formatTime(entry.created_at)}</Table.Td>
                    <Table.Td>{entry.actor}</Table.Td>
                    <Table.Td>
                      <Code>{entry.action}</Code>
                    </Table.Td>
                    <Table.Td>
                      {entry.target_type}
                      {entry.target_id ? ` ${entry.target_id}` : ''}
                    </Table.Td>
                    <Table.Td>
                      <Text size="xs" style={{ wordBreak: 'break-word' }}>
                        {summary(entry.before)} → {summary(entry.after)}
                      </Text>
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}
        <LoadMore pages={entries} />
      </Stack>
    </Card>
  );
}
