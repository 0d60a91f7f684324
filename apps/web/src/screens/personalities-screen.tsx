import { Badge, Button, Card, Group, Stack, Switch, Table, Text, Title } from '@mantine/core';
import { listTemplatesOptions } from '@promptdev/api-client';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { Link } from 'react-router';
import { formatTime } from '../shared/format';
import { useSession } from '../shared/session';
import { EmptyState, ErrorState, LoadingState } from '../shared/states';

export function TemplateBadges({ active, isDefault }: { active: boolean; isDefault: boolean }) {
  return (
    <Group gap={4} wrap="nowrap">
      <Badge color={active ? 'teal' : 'gray'} variant="light">
        {active ? 'ACTIVE' : 'INACTIVE'}
      </Badge>
      {isDefault && <Badge color="violet">DEFAULT</Badge>}
    </Group>
  );
}

export default function PersonalitiesScreen() {
  const { canEdit } = useSession();
  const [includeInactive, setIncludeInactive] = useState(true);
  const templates = useQuery(
    listTemplatesOptions({ query: { include_inactive: includeInactive, limit: 200 } }),
  );
  return (
    <Stack>
      <Group justify="space-between">
        <Title order={2}>Personalities</Title>
        {canEdit && (
          <Button component={Link} to="/personalities/new">
            + New Personality
          </Button>
        )}
      </Group>
      <Switch
        label="Show inactive"
        checked={includeInactive}
        onChange={(event) => setIncludeInactive(event.currentTarget.checked)}
      />
      {templates.isPending && <LoadingState />}
      {templates.isError && (
        <ErrorState error={templates.error} onRetry={() => void templates.refetch()} />
      )}
      {templates.data?.templates.length === 0 && (
        <EmptyState title="No personalities yet">
          A personality is a system prompt template. Create one to give the companion a voice.
        </EmptyState>
      )}
      {templates.data && templates.data.templates.length > 0 && (
        <Card withBorder p={0}>
          <Table.ScrollContainer minWidth={560}>
            <Table highlightOnHover>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Name</Table.Th>
                  <Table.Th>Version</Table.Th>
                  <Table.Th>Status</Table.Th>
                  <Table.Th>Last updated</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {templates.data.templates.map((template) => (
                  <Table.Tr key={template.id}>
                    <Table.Td>
                      <Text
                        component={Link}
                        to={`/personalities/${encodeURIComponent(template.name)}`}
                        fw={600}
                        c="var(--mantine-primary-color-filled)"
                      >
                        {template.name}
                      </Text>
                    </Table.Td>
                    <Table.Td>v{template.version}</Table.Td>
                    <Table.Td>
                      <TemplateBadges active={template.is_active} isDefault={template.is_default} />
                    </Table.Td>
                    <Table.Td>
                      <Text size="sm">{formatTime(template.updated_at)}</Text>
                      <Text size="xs" c="dimmed">
                        by {template.updated_by}
                      </Text>
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        </Card>
      )}
    </Stack>
  );
}
