import {
  Alert,
  Badge,
  Button,
  Card,
  Group,
  Modal,
  Paper,
  ScrollArea,
  SegmentedControl,
  Stack,
  Tabs,
  Text,
  Textarea,
  Title,
} from '@mantine/core';
import { notifications } from '@mantine/notifications';
import {
  getConversationOptions,
  haltUserMutation,
  injectMessageMutation,
  listGuardrailEventsOptions,
  type MonitorMessageDto,
  resumeUserMutation,
} from '@promptdev/api-client';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { errorMessage } from '../shared/api';
import { formatTime } from '../shared/format';
import { useSession } from '../shared/session';
import { EmptyState, ErrorState, LoadingState } from '../shared/states';
import { StateBadge } from '../screens/monitor-screen';
import { MemoryEditor } from './memory-editor';

function describe(message: MonitorMessageDto): {
  label: string;
  color: string;
  align: 'flex-start' | 'flex-end';
} {
  if (message.role === 'user') {
    const blocked = message.metadata.guardrail_blocked === true;
    return {
      label: blocked ? 'user · blocked by guardrail' : 'user',
      color: blocked ? 'red' : 'gray',
      align: 'flex-end',
    };
  }
  if (message.role === 'system')
    return {
      label: `note for the AI · ${message.operator ?? 'operator'}`,
      color: 'yellow',
      align: 'flex-start',
    };
  if (message.source === 'operator')
    return {
      label: `as companion · ${message.operator ?? 'operator'}`,
      color: 'violet',
      align: 'flex-start',
    };
  if (!message.visible_to_user)
    return { label: 'assistant · held back', color: 'orange', align: 'flex-start' };
  return {
    label: message.template_name
      ? `assistant · ${message.template_name} v${message.template_version ?? '?'}`
      : 'assistant',
    color: 'blue',
    align: 'flex-start',
  };
}

function MessageBubble({ message }: { message: MonitorMessageDto }) {
  const { label, color, align } = describe(message);
  return (
    <Paper
      withBorder
      p="xs"
      maw="85%"
      style={{ alignSelf: align, borderLeft: `3px solid var(--mantine-color-${color}-6)` }}
      data-testid="monitor-message"
      data-role={message.role}
      data-source={message.source}
    >
      <Group gap={6} mb={2}>
        <Badge size="xs" color={color} variant="light">
          {label}
        </Badge>
        {message.metadata.interrupted === true && (
          <Badge size="xs" color="gray">
            interrupted
          </Badge>
        )}
        <Text size="xs" c="dimmed">
          {formatTime(message.created_at)}
        </Text>
      </Group>
      <Text size="sm" style={{ whiteSpace: 'pre-wrap', wordBreak: 'break-word' }}>
        {message.content}
      </Text>
    </Paper>
  );
}

function HaltControls({ userId, halted }: { userId: string; halted: boolean }) {
  const { operator } = useSession();
  const queryClient = useQueryClient();
  const [open, setOpen] = useState(false);
  const [reason, setReason] = useState('');
  const done = (message: string) => {
    notifications.show({ color: 'teal', message });
    setOpen(false);
    setReason('');
    void queryClient.invalidateQueries();
  };
  const halt = useMutation({ ...haltUserMutation(), onSuccess: () => done(`${userId} halted`) });
  const resume = useMutation({
    ...resumeUserMutation(),
    onSuccess: () => done(`${userId} resumed`),
  });
  const pending = halt.isPending || resume.isPending;
  const error = halt.error ?? resume.error;
  return (
    <>
      <Button
        color={halted ? 'teal' : 'red'}
        variant="light"
        size="xs"
        onClick={() => setOpen(true)}
      >
        {halted ? 'Resume' : 'Halt'}
      </Button>
      <Modal
        opened={open}
        onClose={() => setOpen(false)}
        title={halted ? `Resume ${userId}?` : `Halt ${userId}`}
      >
        <form
          onSubmit={(event) => {
            event.preventDefault();
            if (halted)
              resume.mutate({ path: { user_id: userId }, query: { operator: operator.username } });
            else
              halt.mutate({
                path: { user_id: userId },
                body: { operator: operator.username, reason },
              });
          }}
        >
          <Stack>
            {halted ? (
              <Text>The AI answers this user again from their next message.</Text>
            ) : (
              <Textarea
                label="Reason"
                description="the user's chat shows that an operator paused the conversation"
                required
                data-autofocus
                value={reason}
                onChange={(event) => setReason(event.currentTarget.value)}
              />
            )}
            {error && (
              <Alert color="red" role="alert">
                {errorMessage(error)}
              </Alert>
            )}
            <Group justify="flex-end">
              <Button variant="default" onClick={() => setOpen(false)}>
                Cancel
              </Button>
              <Button
                type="submit"
                color={halted ? 'teal' : 'red'}
                loading={pending}
                disabled={!halted && !reason.trim()}
              >
                {halted ? 'Resume' : 'Halt conversation'}
              </Button>
            </Group>
          </Stack>
        </form>
      </Modal>
    </>
  );
}

function InjectForm({ userId }: { userId: string }) {
  const { operator } = useSession();
  const queryClient = useQueryClient();
  const [role, setRole] = useState<'system' | 'assistant'>('assistant');
  const [content, setContent] = useState('');
  const inject = useMutation({
    ...injectMessageMutation(),
    onSuccess: () => {
      setContent('');
      void queryClient.invalidateQueries();
    },
  });
  return (
    <form
      onSubmit={(event) => {
        event.preventDefault();
        inject.mutate({
          path: { user_id: userId },
          body: { operator: operator.username, content, role },
        });
      }}
    >
      <Stack gap="xs">
        <SegmentedControl
          size="xs"
          value={role}
          onChange={(value) => setRole(value)}
          data={[
            { label: 'Answer as the companion', value: 'assistant' },
            { label: 'Note for the AI', value: 'system' },
          ]}
        />
        <Textarea
          aria-label="Message to inject"
          placeholder={
            role === 'assistant'
              ? 'The user sees this as the companion’s reply'
              : 'Only the AI sees this note'
          }
          autosize
          minRows={2}
          value={content}
          onChange={(event) => setContent(event.currentTarget.value)}
          onKeyDown={(event) => {
            if (event.key === 'Enter' && (event.metaKey || event.ctrlKey))
              event.currentTarget.form?.requestSubmit();
          }}
        />
        {inject.isError && (
          <Text c="red" size="sm" role="alert">
            {errorMessage(inject.error)}
          </Text>
        )}
        <Group justify="flex-end">
          <Button type="submit" size="xs" loading={inject.isPending} disabled={!content.trim()}>
            {role === 'assistant' ? 'Send as companion' : 'Add note'}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

function GuardrailFirings({ userId }: { userId: string }) {
  const events = useQuery(listGuardrailEventsOptions({ query: { user_id: userId, limit: 50 } }));
  if (events.isPending) return <LoadingState />;
  if (events.isError)
    return <ErrorState error={events.error} onRetry={() => void events.refetch()} />;
  if (events.data.events.length === 0)
    return <EmptyState title="No guardrail fired for this user" />;
  return (
    <Stack gap="xs">
      {events.data.events.map((event) => (
        <Paper key={event.id} withBorder p="xs">
          <Group gap={6}>
            <Badge
              color={
                event.action === 'block' ? 'red' : event.action === 'redact' ? 'orange' : 'gray'
              }
            >
              {event.action}
            </Badge>
            <Text size="sm">
              {event.config_name} · rule {event.rule_index} ({event.rule_type}) · {event.stage}
            </Text>
            <Text size="xs" c="dimmed">
              {formatTime(event.created_at)}
            </Text>
          </Group>
          <Text size="sm" c="dimmed">
            {event.excerpt}
          </Text>
        </Paper>
      ))}
    </Stack>
  );
}

export function ConversationPanel({ userId }: { userId: string }) {
  const { canEdit } = useSession();
  const conversation = useQuery(
    getConversationOptions({ path: { user_id: userId }, query: { limit: 200 } }),
  );
  if (conversation.isPending) return <LoadingState label="Loading conversation" />;
  if (conversation.isError)
    return <ErrorState error={conversation.error} onRetry={() => void conversation.refetch()} />;
  const data = conversation.data;
  const halted = data.state === 'halted';
  return (
    <Card withBorder>
      <Stack>
        <Group justify="space-between">
          <Group gap="sm">
            <Title order={4} style={{ wordBreak: 'break-all' }}>
              {userId}
            </Title>
            <StateBadge state={data.state} />
            <Text size="sm" c="dimmed">
              {data.message_count} messages
            </Text>
          </Group>
          {canEdit && <HaltControls userId={userId} halted={halted} />}
        </Group>
        <Tabs defaultValue="conversation" keepMounted={false}>
          <Tabs.List>
            <Tabs.Tab value="conversation">Conversation</Tabs.Tab>
            <Tabs.Tab value="memory">Memory</Tabs.Tab>
            <Tabs.Tab value="guardrails">Guardrail events</Tabs.Tab>
          </Tabs.List>
          <Tabs.Panel value="conversation" pt="sm">
            <Stack>
              <ScrollArea.Autosize mah="55vh" aria-live="polite">
                <Stack gap="xs" data-testid="conversation">
                  {data.messages.length === 0 && <EmptyState title="No messages yet" />}
                  {data.messages.map((message) => (
                    <MessageBubble key={message.id} message={message} />
                  ))}
                </Stack>
              </ScrollArea.Autosize>
              {canEdit && <InjectForm userId={userId} />}
            </Stack>
          </Tabs.Panel>
          <Tabs.Panel value="memory" pt="sm">
            <MemoryEditor userId={userId} />
          </Tabs.Panel>
          <Tabs.Panel value="guardrails" pt="sm">
            <GuardrailFirings userId={userId} />
          </Tabs.Panel>
        </Tabs>
      </Stack>
    </Card>
  );
}
