import { Alert, Card, Stack, Text, Title } from '@mantine/core';
import { ApiKeysSection } from '../settings/api-keys-section';
import { OperatorsSection } from '../settings/operators-section';
import { useSession } from '../shared/session';

export default function SettingsScreen() {
  const session = useSession();
  return (
    <Stack>
      <Title order={2}>Settings</Title>
      <Card withBorder>
        <Text>
          Signed in as <b data-testid="settings-username">{session.operator.username}</b> (
          {session.operator.role}).
        </Text>
        {!session.canAdmin && (
          <Text size="sm" c="dimmed" mt={4}>
            Operator accounts and API keys are managed by admins.
          </Text>
        )}
      </Card>
      {session.canAdmin && (
        <>
          <OperatorsSection />
          <ApiKeysSection />
          {/* Audit log: GET /admin/audit is being added; its table goes here once it exists. */}
          <Card withBorder data-testid="audit-log-slot">
            <Title order={3} mb="xs">
              Audit log
            </Title>
            <Alert color="gray" variant="light">
              Who changed what (logins, operators, keys, personalities, interventions) will be
              listed here once this server records an audit trail.
            </Alert>
          </Card>
        </>
      )}
    </Stack>
  );
}
