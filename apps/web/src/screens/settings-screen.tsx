import { Alert, Card, Stack, Text, Title } from '@mantine/core';
import { useSession } from '../shared/session';

/** Operators, API keys and the audit log arrive with the auth routes (/admin/operators, …). */
export default function SettingsScreen() {
  const session = useSession();
  return (
    <Stack>
      <Title order={2}>Settings</Title>
      <Card withBorder>
        <Text>
          Signed in as <b>{session.operator.username}</b> ({session.operator.role}).
        </Text>
      </Card>
      <Alert color="blue" variant="light" title="Operators, API keys and audit log">
        This server does not offer operator accounts yet, so these settings are hidden. Every admin
        screen is open to anyone who can reach the API: keep it on a private network.
      </Alert>
    </Stack>
  );
}
