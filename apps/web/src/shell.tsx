import {
  AppShell,
  Badge,
  Burger,
  Group,
  NavLink,
  Stack,
  Text,
  Title,
  Tooltip,
} from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { Suspense } from 'react';
import { NavLink as RouterLink, Outlet, useLocation } from 'react-router';
import { useLiveEvents } from './shared/live-events';
import { LogoutButton } from './screens/logout-button';
import { useSession } from './shared/session';
import { ScreenErrorBoundary } from './shared/error-boundary';
import { PageLoader } from './shared/states';

const NAV = [
  { to: '/', label: 'Dashboard', end: true },
  { to: '/personalities', label: 'Personalities' },
  { to: '/monitor', label: 'Monitor' },
  { to: '/guardrails', label: 'Guardrails' },
  { to: '/requests', label: 'Requests' },
  { to: '/settings', label: 'Settings' },
];

export function Shell() {
  const [opened, { toggle, close }] = useDisclosure();
  const session = useSession();
  const { connected } = useLiveEvents();
  const location = useLocation();
  return (
    <AppShell
      header={{ height: 56 }}
      navbar={{ width: 220, breakpoint: 'sm', collapsed: { mobile: !opened } }}
      padding="md"
    >
      <AppShell.Header>
        <Group h="100%" px="md" justify="space-between" wrap="nowrap">
          <Group gap="sm" wrap="nowrap">
            <Burger
              opened={opened}
              onClick={toggle}
              hiddenFrom="sm"
              size="sm"
              aria-label="Toggle navigation"
            />
            <Title order={4}>PromptDev</Title>
            <Tooltip label={connected ? 'Live updates on' : 'Reconnecting to live updates'}>
              <Badge
                variant="dot"
                color={connected ? 'teal' : 'gray'}
                aria-label={connected ? 'live' : 'offline'}
              >
                {connected ? 'live' : 'offline'}
              </Badge>
            </Tooltip>
          </Group>
          <Group gap="sm" wrap="nowrap">
            <Text size="sm" visibleFrom="xs">
              {session.operator.username}
            </Text>
            <Badge variant="light" data-testid="role">
              {session.operator.role}
            </Badge>
            <LogoutButton />
          </Group>
        </Group>
      </AppShell.Header>
      <AppShell.Navbar p="xs" aria-label="Main">
        <Stack gap={2}>
          {NAV.map((item) => (
            <NavLink
              key={item.to}
              component={RouterLink}
              to={item.to}
              end={item.end}
              label={item.label}
              onClick={close}
              active={
                item.end ? location.pathname === item.to : location.pathname.startsWith(item.to)
              }
            />
          ))}
          <NavLink href="/app/chat" label="Chat (end user) ↗" target="_blank" />
        </Stack>
      </AppShell.Navbar>
      <AppShell.Main>
        <ScreenErrorBoundary key={location.pathname}>
          <Suspense fallback={<PageLoader />}>
            <Outlet />
          </Suspense>
        </ScreenErrorBoundary>
      </AppShell.Main>
    </AppShell>
  );
}
