import {
  ActionIcon,
  Alert,
  Box,
  Button,
  Container,
  Group,
  Loader,
  Paper,
  Stack,
  Text,
  Textarea,
  TextInput,
  Title,
} from '@mantine/core';
import { getChatHistoryOptions } from '@promptdev/api-client';
import { useQuery } from '@tanstack/react-query';
import { type FormEvent, useEffect, useMemo, useRef, useState } from 'react';
import { useSearchParams } from 'react-router';
import { errorMessage, statusOf } from '../shared/api';
import { postSse, SseHttpError, subscribeSse } from '../shared/sse';

const USER_KEY = 'promptdev.chat.user_id';

interface ChatLine {
  key: string;
  role: 'user' | 'assistant' | 'system';
  content: string;
  fromOperator?: boolean;
  streaming?: boolean;
}

interface ChatFailure {
  code: string;
  message: string;
  retryText?: string;
}

function rememberedUserId(): string {
  const stored = localStorage.getItem(USER_KEY);
  if (stored) return stored;
  const fresh = `user-${Math.random().toString(36).slice(2, 10)}`;
  localStorage.setItem(USER_KEY, fresh);
  return fresh;
}

/**
 * The user a chat token was minted for (its `sub`), only to label the page and name the user in
 * requests: the API verifies the token and refuses any other user id (403 user_mismatch).
 */
export function tokenUserId(token: string): string | undefined {
  const payload = token.split('.')[1];
  if (!payload) return undefined;
  try {
    const binary = atob(payload.replace(/-/g, '+').replace(/_/g, '/'));
    const bytes = Uint8Array.from(binary, (char) => char.charCodeAt(0));
    const claims = JSON.parse(new TextDecoder().decode(bytes)) as { sub?: unknown };
    return typeof claims.sub === 'string' ? claims.sub : undefined;
  } catch {
    return undefined;
  }
}

const EXPIRED_LINK =
  'This chat link has expired or is not valid. Open the chat again from the app to get a new one.';

/** An `error` event of the reply stream: the API's error shape. */
class StreamError extends Error {
  constructor(readonly body: unknown) {
    super('stream error');
  }
}

function failureOf(error: unknown, retryText?: string): ChatFailure {
  if (error instanceof StreamError) error = error.body;
  if (error instanceof SseHttpError && typeof error.body === 'object' && error.body !== null) {
    const body = error.body as { code?: string; message?: string };
    return {
      code: body.code ?? `http_${error.status}`,
      message: body.message ?? error.message,
      retryText,
    };
  }
  if (typeof error === 'object' && error !== null && 'code' in error && 'message' in error) {
    const body = error;
    return { code: String(body.code), message: String(body.message), retryText };
  }
  return { code: 'network', message: errorMessage(error), retryText };
}

function UserPicker({ userId, onChange }: { userId: string; onChange: (id: string) => void }) {
  const [editing, setEditing] = useState(false);
  const [draft, setDraft] = useState(userId);
  if (!editing)
    return (
      <Group gap="xs">
        <Text size="sm" c="dimmed">
          You are <b data-testid="chat-user">{userId}</b>
        </Text>
        <Button
          size="compact-xs"
          variant="subtle"
          onClick={() => {
            setDraft(userId);
            setEditing(true);
          }}
        >
          change
        </Button>
      </Group>
    );
  return (
    <form
      onSubmit={(event) => {
        event.preventDefault();
        if (!/^[A-Za-z0-9._:@-]{1,128}$/.test(draft)) return;
        onChange(draft);
        setEditing(false);
      }}
    >
      <Group gap="xs">
        <TextInput
          size="xs"
          aria-label="User id"
          value={draft}
          error={
            /^[A-Za-z0-9._:@-]{1,128}$/.test(draft) ? undefined : 'letters, digits and . _ : @ -'
          }
          onChange={(event) => setDraft(event.currentTarget.value)}
        />
        <Button size="xs" type="submit">
          Use
        </Button>
      </Group>
    </form>
  );
}

export default function ChatScreen() {
  const [params] = useSearchParams();
  const token = params.get('token');
  const authHeaders = useMemo(
    (): Record<string, string> => (token ? { authorization: `Bearer ${token}` } : {}),
    [token],
  );
  const [userId, setUserId] = useState(
    () => (token ? tokenUserId(token) : undefined) ?? params.get('user_id') ?? rememberedUserId(),
  );
  const [lines, setLines] = useState<ChatLine[]>([]);
  const [text, setText] = useState('');
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<ChatFailure | null>(null);
  const [paused, setPaused] = useState(false);
  const abort = useRef<AbortController | null>(null);
  const bottom = useRef<HTMLDivElement>(null);

  const history = useQuery({
    ...getChatHistoryOptions({ query: { user_id: userId, limit: 100 }, headers: authHeaders }),
    staleTime: Infinity,
  });
  useEffect(() => {
    if (history.data)
      setLines(
        history.data.messages.map((message) => ({
          key: `m${message.id}`,
          role: message.role,
          content: message.content,
          fromOperator: message.source === 'operator',
        })),
      );
  }, [history.data]);

  useEffect(
    () =>
      subscribeSse(`/chat/events?user_id=${encodeURIComponent(userId)}`, {
        headers: authHeaders,
        onMessage: (message) => {
          const event = JSON.parse(message.data) as { type: string; data: Record<string, unknown> };
          if (event.type === 'message.created' && typeof event.data.content === 'string') {
            const key = `m${String(event.data.message_id)}`;
            setLines((current) =>
              current.some((line) => line.key === key)
                ? current
                : [
                    ...current,
                    {
                      key,
                      role: 'assistant',
                      content: String(event.data.content),
                      fromOperator: true,
                    },
                  ],
            );
          } else if (event.type === 'user.state_changed') {
            const mode = event.data.mode ?? event.data.state;
            setPaused(mode === 'halted');
            if (mode !== 'halted')
              setFailure((current) => (current?.code === 'conversation_halted' ? null : current));
          }
        },
      }),
    [userId, authHeaders],
  );

  useEffect(() => {
    bottom.current?.scrollIntoView({ block: 'end' });
  }, [lines]);
  useEffect(() => () => abort.current?.abort(), []);

  const changeUser = (id: string) => {
    localStorage.setItem(USER_KEY, id);
    setUserId(id);
    setLines([]);
    setFailure(null);
    setPaused(false);
  };

  const send = async (message: string) => {
    setBusy(true);
    setFailure(null);
    const replyKey = `reply-${Date.now()}`;
    setLines((current) => [
      ...current.filter((line) => !line.streaming),
      { key: `sent-${Date.now()}`, role: 'user', content: message },
      { key: replyKey, role: 'assistant', content: '', streaming: true },
    ]);
    const controller = new AbortController();
    abort.current = controller;
    const setReply = (update: (line: ChatLine) => ChatLine) =>
      setLines((current) => current.map((line) => (line.key === replyKey ? update(line) : line)));
    try {
      for await (const event of postSse(
        '/chat/stream',
        { user_id: userId, message },
        controller.signal,
        authHeaders,
      )) {
        const data = JSON.parse(event.data) as { delta?: string; response?: string };
        if (event.event === 'token')
          setReply((line) => ({ ...line, content: line.content + (data.delta ?? '') }));
        else if (event.event === 'done')
          setReply((line) => ({
            ...line,
            content: data.response ?? line.content,
            streaming: false,
          }));
        else if (event.event === 'error') throw new StreamError(data);
      }
      setPaused(false);
    } catch (error) {
      const next = failureOf(error, message);
      if (token && error instanceof SseHttpError && error.status === 401)
        Object.assign(next, { message: EXPIRED_LINK, retryText: undefined });
      // The message is stored even when the AI does not answer: keep it, drop the empty reply.
      setLines((current) => current.filter((line) => line.key !== replyKey || line.content));
      if (next.code === 'conversation_halted') setPaused(true);
      setFailure(next);
    } finally {
      setReply((line) => ({ ...line, streaming: false }));
      setBusy(false);
    }
  };

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const message = text.trim();
    if (!message || busy) return;
    setText('');
    void send(message);
  };

  return (
    <Container size="sm" py="md" h="100dvh" style={{ display: 'flex', flexDirection: 'column' }}>
      <Group justify="space-between" mb="sm">
        <Title order={3}>Chat</Title>
        {token ? (
          <Text size="sm" c="dimmed">
            Signed in as <b data-testid="chat-user">{userId}</b>
          </Text>
        ) : (
          <UserPicker userId={userId} onChange={changeUser} />
        )}
      </Group>
      <Box style={{ flex: 1, overflowY: 'auto' }} aria-live="polite" data-testid="chat-log">
        <Stack gap="xs" pb="sm">
          {history.isPending && (
            <Group justify="center" py="md">
              <Loader size="sm" aria-label="Loading history" />
            </Group>
          )}
          {history.isError && (
            <Alert color="red" title="Could not load your conversation">
              {token && statusOf(history.error) === 401
                ? EXPIRED_LINK
                : errorMessage(history.error)}{' '}
              <Button size="compact-xs" variant="subtle" onClick={() => void history.refetch()}>
                Retry
              </Button>
            </Alert>
          )}
          {history.isSuccess && lines.length === 0 && (
            <Text c="dimmed" ta="center" py="xl">
              Say hello to start the conversation.
            </Text>
          )}
          {lines
            .filter((line) => line.role !== 'system')
            .map((line) => (
              <Paper
                key={line.key}
                p="sm"
                radius="lg"
                maw="85%"
                data-testid={`chat-${line.role}`}
                bg={
                  line.role === 'user'
                    ? 'var(--mantine-primary-color-filled)'
                    : 'var(--mantine-color-default-hover)'
                }
                c={line.role === 'user' ? 'white' : undefined}
                style={{
                  alignSelf: line.role === 'user' ? 'flex-end' : 'flex-start',
                  whiteSpace: 'pre-wrap',
                  wordBreak: 'break-word',
                }}
              >
                {line.content ||
                  (line.streaming ? <Loader size="xs" type="dots" aria-label="Typing" /> : '')}
              </Paper>
            ))}
          <div ref={bottom} />
        </Stack>
      </Box>
      {paused && (
        <Alert
          color="yellow"
          title="An operator has paused this conversation"
          data-testid="chat-paused"
          mb="xs"
        >
          Your messages are kept and a person can answer you here. The AI replies again once the
          conversation is resumed.
        </Alert>
      )}
      {failure && failure.code !== 'conversation_halted' && (
        <Alert
          color="red"
          role="alert"
          mb="xs"
          title={
            failure.code === 'guardrail_blocked'
              ? 'Message not sent to the AI'
              : 'Something went wrong'
          }
        >
          <Group justify="space-between">
            <Text size="sm">{failure.message}</Text>
            {failure.retryText && failure.code !== 'guardrail_blocked' && (
              <Button
                size="xs"
                variant="light"
                color="red"
                onClick={() => failure.retryText && void send(failure.retryText)}
              >
                Retry
              </Button>
            )}
          </Group>
        </Alert>
      )}
      <form onSubmit={submit}>
        <Group align="end" gap="xs" wrap="nowrap">
          <Textarea
            style={{ flex: 1 }}
            aria-label="Message"
            placeholder="Write a message…"
            autosize
            minRows={1}
            maxRows={6}
            value={text}
            onChange={(event) => setText(event.currentTarget.value)}
            onKeyDown={(event) => {
              if (event.key === 'Enter' && !event.shiftKey) {
                event.preventDefault();
                event.currentTarget.form?.requestSubmit();
              }
            }}
          />
          <ActionIcon
            type="submit"
            size="xl"
            aria-label="Send"
            loading={busy}
            disabled={!text.trim()}
          >
            ➤
          </ActionIcon>
        </Group>
      </form>
    </Container>
  );
}
