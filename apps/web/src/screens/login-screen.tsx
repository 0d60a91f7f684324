import {
  Alert,
  Button,
  Center,
  Paper,
  PasswordInput,
  Stack,
  TextInput,
  Title,
} from '@mantine/core';
import { login } from '@promptdev/api-client';
import { useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { useNavigate, useSearchParams } from 'react-router';
import { errorMessage } from '../shared/api';
import { SESSION_QUERY_KEY, sessionOf } from '../shared/session';

/** Only paths inside the app: `next` comes from the URL and must not send anyone elsewhere. */
function safeNext(next: string | null): string {
  return next && next.startsWith('/') && !next.startsWith('//') ? next : '/';
}

export default function LoginScreen() {
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const { data, error, response } = await login({ body: { username, password } });
      if (!data) {
        setError(
          response.status === 401
            ? 'Wrong username or password'
            : errorMessage(error ?? new Error('Could not log in')),
        );
        return;
      }
      // Whatever was cached belonged to the previous session (maybe another operator).
      queryClient.removeQueries();
      queryClient.setQueryData(SESSION_QUERY_KEY, sessionOf(data.operator));
      void navigate(safeNext(params.get('next')), { replace: true });
    } catch (thrown) {
      setError(errorMessage(thrown));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Center mih="100vh" p="md">
      <Paper withBorder shadow="sm" p="xl" w={360} maw="100%">
        <form onSubmit={(event) => void submit(event)}>
          <Stack>
            <Title order={3}>Sign in to PromptDev</Title>
            {safeNext(params.get('next')) !== '/' && (
              <Alert color="blue" variant="light">
                Sign in to continue where you were.
              </Alert>
            )}
            <TextInput
              label="Username"
              autoComplete="username"
              required
              value={username}
              onChange={(event) => setUsername(event.currentTarget.value)}
            />
            <PasswordInput
              label="Password"
              autoComplete="current-password"
              required
              value={password}
              onChange={(event) => setPassword(event.currentTarget.value)}
            />
            {error && (
              <Alert color="red" role="alert">
                {error}
              </Alert>
            )}
            <Button type="submit" loading={busy}>
              Sign in
            </Button>
          </Stack>
        </form>
      </Paper>
    </Center>
  );
}
