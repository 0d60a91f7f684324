import {
  ActionIcon,
  Button,
  Code,
  Group,
  Stack,
  Table,
  Text,
  Textarea,
  TextInput,
} from '@mantine/core';
import {
  deleteUserMemoryKeyMutation,
  getUserMemoryOptions,
  setUserMemoryMutation,
} from '@promptdev/api-client';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { errorMessage } from '../shared/api';
import { useSession } from '../shared/session';
import { EmptyState, ErrorState, LoadingState } from '../shared/states';

type Json = string | number | boolean | null | { [key: string]: unknown } | unknown[];

/** Parses the editor's text as JSON; plain words are taken as a string. */
export function parseMemoryValue(text: string): { value: Json } | { error: string } {
  try {
    return { value: JSON.parse(text) as Json };
  } catch {
    if (/^[\s]*[[{"]/.test(text)) return { error: 'Not valid JSON' };
    return { value: text };
  }
}

export function MemoryEditor({ userId }: { userId: string }) {
  const { canEdit } = useSession();
  const queryClient = useQueryClient();
  const memory = useQuery(getUserMemoryOptions({ path: { user_id: userId } }));
  const [key, setKey] = useState('');
  const [text, setText] = useState('');
  const [parseError, setParseError] = useState<string>();
  const refresh = () =>
    queryClient.invalidateQueries({
      queryKey: getUserMemoryOptions({ path: { user_id: userId } }).queryKey,
    });
  const save = useMutation({
    ...setUserMemoryMutation(),
    onSuccess: () => {
      setKey('');
      setText('');
      void refresh();
    },
  });
  const remove = useMutation({ ...deleteUserMemoryKeyMutation(), onSuccess: () => void refresh() });

  if (memory.isPending) return <LoadingState />;
  if (memory.isError)
    return <ErrorState error={memory.error} onRetry={() => void memory.refetch()} />;
  const entries = Object.entries(memory.data.memory);
  return (
    <Stack>
      {entries.length === 0 ? (
        <EmptyState title="No memory yet" />
      ) : (
        <Table>
          <Table.Tbody>
            {entries.map(([entryKey, value]) => (
              <Table.Tr key={entryKey}>
                <Table.Td>
                  <Text fw={600} size="sm">
                    {entryKey}
                  </Text>
                </Table.Td>
                <Table.Td>
                  <Code style={{ whiteSpace: 'pre-wrap' }}>{JSON.stringify(value)}</Code>
                </Table.Td>
                {canEdit && (
                  <Table.Td w={120}>
                    <Group gap={4} wrap="nowrap">
                      <Button
                        size="compact-xs"
                        variant="subtle"
                        onClick={() => {
                          setKey(entryKey);
                          setText(JSON.stringify(value, null, 2));
                        }}
                      >
                        Edit
                      </Button>
                      <ActionIcon
                        variant="subtle"
                        color="red"
                        aria-label={`Delete ${entryKey}`}
                        onClick={() => remove.mutate({ path: { user_id: userId, key: entryKey } })}
                      >
                        ×
                      </ActionIcon>
                    </Group>
                  </Table.Td>
                )}
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
      {canEdit && (
        <form
          onSubmit={(event) => {
            event.preventDefault();
            const parsed = parseMemoryValue(text);
            if ('error' in parsed) return setParseError(parsed.error);
            setParseError(undefined);
            save.mutate({ path: { user_id: userId, key }, body: { value: parsed.value } });
          }}
        >
          <Stack gap="xs">
            <TextInput
              label="Key"
              required
              value={key}
              onChange={(event) => setKey(event.currentTarget.value)}
            />
            <Textarea
              label="Value (JSON or text)"
              autosize
              minRows={2}
              value={text}
              error={parseError}
              onChange={(event) => setText(event.currentTarget.value)}
            />
            {(save.isError || remove.isError) && (
              <Text c="red" size="sm" role="alert">
                {errorMessage(save.error ?? remove.error)}
              </Text>
            )}
            <Group justify="flex-end">
              <Button type="submit" size="xs" loading={save.isPending} disabled={!key}>
                Save memory
              </Button>
            </Group>
          </Stack>
        </form>
      )}
    </Stack>
  );
}
