import { Button, Card, Group, Modal, Select, Stack, Table, Text } from '@mantine/core';
import {
  diffTemplateVersionsOptions,
  getTemplateHistoryOptions,
  rollbackTemplateMutation,
  type TemplateDto,
} from '@promptdev/api-client';
import { notifications } from '@mantine/notifications';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { errorMessage } from '../shared/api';
import { formatTime } from '../shared/format';
import { useSession } from '../shared/session';
import { ErrorState, LoadingState } from '../shared/states';
import { DiffView } from './diff-view';

export function HistoryPanel({ template }: { template: TemplateDto }) {
  const { canEdit, operator } = useSession();
  const queryClient = useQueryClient();
  const history = useQuery(getTemplateHistoryOptions({ path: { template_id: template.id } }));
  const versions = history.data?.versions ?? [];
  const [from, setFrom] = useState<string | null>(null);
  const [to, setTo] = useState<string | null>(null);
  const fromVersion = Number(from ?? versions[1]?.version ?? versions[0]?.version ?? 1);
  const toVersion = Number(to ?? versions[0]?.version ?? 1);
  const diff = useQuery({
    ...diffTemplateVersionsOptions({
      path: { template_id: template.id },
      query: { from: fromVersion, to: toVersion },
    }),
    enabled: versions.length > 0,
  });
  const [rollbackTo, setRollbackTo] = useState<number | null>(null);
  const rollback = useMutation({
    ...rollbackTemplateMutation(),
    onSuccess: (result) => {
      notifications.show({
        color: 'teal',
        message: `Rolled back to v${result.rolled_back_to}: now v${result.new_version}`,
      });
      setRollbackTo(null);
      setFrom(null);
      setTo(null);
      void queryClient.invalidateQueries();
    },
  });

  if (history.isPending) return <LoadingState label="Loading history" />;
  if (history.isError)
    return <ErrorState error={history.error} onRetry={() => void history.refetch()} />;
  const options = versions.map((v) => ({ value: String(v.version), label: `v${v.version}` }));

  return (
    <Stack>
      <Card withBorder p={0}>
        <Table.ScrollContainer minWidth={520}>
          <Table>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Version</Table.Th>
                <Table.Th>Change</Table.Th>
                <Table.Th>When / who</Table.Th>
                <Table.Th />
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {versions.map((version) => (
                <Table.Tr key={version.version} data-testid={`version-${version.version}`}>
                  <Table.Td>
                    v{version.version}
                    {version.version === template.version && (
                      <Text span c="dimmed" size="xs">
                        {' '}
                        (current)
                      </Text>
                    )}
                  </Table.Td>
                  <Table.Td>
                    {version.change_description ??
                      (version.rolled_back_from ? `Rollback to v${version.rolled_back_from}` : '—')}
                  </Table.Td>
                  <Table.Td>
                    <Text size="sm">{formatTime(version.created_at)}</Text>
                    <Text size="xs" c="dimmed">
                      {version.created_by}
                    </Text>
                  </Table.Td>
                  <Table.Td>
                    {canEdit && version.version !== template.version && (
                      <Button
                        size="xs"
                        variant="light"
                        onClick={() => setRollbackTo(version.version)}
                      >
                        Roll back to v{version.version}
                      </Button>
                    )}
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      </Card>
      <Group align="end">
        <Select
          label="Compare from"
          data={options}
          value={String(fromVersion)}
          onChange={setFrom}
          w={140}
          allowDeselect={false}
        />
        <Select
          label="to"
          data={options}
          value={String(toVersion)}
          onChange={setTo}
          w={140}
          allowDeselect={false}
        />
      </Group>
      <Card withBorder>
        {diff.isPending && <LoadingState label="Comparing" />}
        {diff.isError && <ErrorState error={diff.error} onRetry={() => void diff.refetch()} />}
        {diff.data && (
          <Stack gap="xs">
            <DiffView changes={diff.data.changes} />
            {diff.data.config_changed && (
              <Text size="sm" c="orange">
                Model config changed: {JSON.stringify(diff.data.from_config)} →{' '}
                {JSON.stringify(diff.data.to_config)}
              </Text>
            )}
          </Stack>
        )}
      </Card>
      <Modal opened={rollbackTo !== null} onClose={() => setRollbackTo(null)} title="Roll back?">
        <Stack>
          <Text>
            This creates v{template.version + 1} of <b>{template.name}</b> with the content of v
            {rollbackTo}. Nothing is lost: the current version stays in the history.
          </Text>
          {rollback.isError && (
            <Text c="red" role="alert">
              {errorMessage(rollback.error)}
            </Text>
          )}
          <Group justify="flex-end">
            <Button variant="default" onClick={() => setRollbackTo(null)}>
              Cancel
            </Button>
            <Button
              loading={rollback.isPending}
              onClick={() =>
                rollbackTo !== null &&
                rollback.mutate({
                  path: { template_id: template.id, version: rollbackTo },
                  query: { updated_by: operator.username },
                })
              }
            >
              Roll back to v{rollbackTo}
            </Button>
          </Group>
        </Stack>
      </Modal>
    </Stack>
  );
}
