import { Card, Stack, Text, Title } from '@mantine/core';
import { ApiKeysSection } from '../settings/api-keys-section';
import { AuditLogSection } from '../settings/audit-log-section';
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
        </>
      )}
      {/* Every signed-in role may read the audit trail (it is read-only). */}
      <AuditLogSection />
    </Stack>
  );
}
