import {
  Alert,
  Badge,
  Card,
  Checkbox,
  Code,
  Group,
  Stack,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { previewTemplateMutation } from '@promptdev/api-client';
import { useMutation } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { errorMessage } from '../shared/api';
import { formatMs } from '../shared/format';

/** Renders the draft against a real user's context (or sample values) as the operator types. */
export function PreviewPanel({ templateId, content }: { templateId: number; content: string }) {
  const [userId, setUserId] = useState('');
  const [message, setMessage] = useState('Hello!');
  const [callLlm, setCallLlm] = useState(false);
  const [debounced] = useDebouncedValue({ content, userId, message, callLlm }, 500);
  const { mutate, data, error, isPending, isError } = useMutation(previewTemplateMutation());

  useEffect(() => {
    mutate({
      path: { template_id: templateId },
      body: {
        content: debounced.content,
        message: debounced.message || undefined,
        call_llm: debounced.callLlm,
        ...(debounced.userId
          ? { user_id: debounced.userId }
          : { variables: { user_context: 'name: Sam\nfavourite_colour: green' } }),
      },
    });
  }, [debounced, templateId, mutate]);

  return (
    <Card withBorder>
      <Stack gap="sm">
        <Group justify="space-between">
          <Title order={5}>Live preview</Title>
          {isPending ? (
            <Badge variant="light">rendering…</Badge>
          ) : data ? (
            <Badge variant="light" color="teal">
              {formatMs(data.render_time_ms)}
            </Badge>
          ) : null}
        </Group>
        <Group grow align="end">
          <TextInput
            label="User id"
            description="empty: sample values"
            value={userId}
            onChange={(event) => setUserId(event.currentTarget.value)}
          />
          <TextInput
            label="Message"
            value={message}
            onChange={(event) => setMessage(event.currentTarget.value)}
          />
        </Group>
        <Checkbox
          label="Try with the LLM"
          checked={callLlm}
          onChange={(event) => setCallLlm(event.currentTarget.checked)}
        />
        {isError && (
          <Alert color="red" role="alert" title="Preview failed">
            {errorMessage(error)}
          </Alert>
        )}
        {data && (
          <>
            <Code
              block
              data-testid="preview-rendered"
              style={{ whiteSpace: 'pre-wrap', maxHeight: 320, overflow: 'auto' }}
            >
              {data.rendered || '(empty)'}
            </Code>
            {data.variables_used.length > 0 && (
              <Text size="xs" c="dimmed">
                Uses: {data.variables_used.join(', ')}
              </Text>
            )}
            {data.llm && (
              <Alert
                color="violet"
                variant="light"
                title={`LLM reply (${formatMs(data.llm.latency_ms)})`}
              >
                <Text style={{ whiteSpace: 'pre-wrap' }}>{data.llm.response}</Text>
              </Alert>
            )}
          </>
        )}
      </Stack>
    </Card>
  );
}
