import { MantineProvider } from '@mantine/core';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { render, screen } from '@testing-library/react';
import { MemoryRouter } from 'react-router';
import { type Role, SessionProvider, sessionOf } from '../shared/session';
import { newRule, RuleForm } from '../guardrails/rule-form';
import PersonalitiesScreen from './personalities-screen';
import SettingsScreen from './settings-screen';

const sessionFor = (role: Role) => sessionOf({ username: 'sam', role });

function renderAs(role: Role, ui: React.ReactNode) {
  // The list call never leaves the test: its query is left pending.
  const queryClient = new QueryClient({
    defaultOptions: { queries: { queryFn: () => new Promise(() => undefined) } },
  });
  global.fetch = jest.fn(() => new Promise<Response>(() => undefined));
  return render(
    <MantineProvider>
      <QueryClientProvider client={queryClient}>
        <MemoryRouter>
          <SessionProvider session={sessionFor(role)}>{ui}</SessionProvider>
        </MemoryRouter>
      </QueryClientProvider>
    </MantineProvider>,
  );
}

describe('role-aware screens', () => {
  it('offers "+ New Personality" to an operator', () => {
    renderAs('operator', <PersonalitiesScreen />);
    expect(screen.getByRole('link', { name: '+ New Personality' })).toBeTruthy();
  });

  it('shows a viewer no edit controls', () => {
    renderAs('viewer', <PersonalitiesScreen />);
    expect(screen.queryByRole('link', { name: '+ New Personality' })).toBeNull();
    expect(screen.getByText('Personalities')).toBeTruthy();
  });

  it('renders rules read-only for a viewer', () => {
    renderAs(
      'viewer',
      <RuleForm
        rule={newRule('regex')}
        index={0}
        errors={{}}
        readOnly
        onChange={jest.fn()}
        onRemove={jest.fn()}
      />,
    );
    expect(screen.getByLabelText<HTMLInputElement>('Pattern').readOnly).toBe(true);
    expect(screen.queryByRole('button', { name: 'Remove' })).toBeNull();
  });

  it('shows operators, API keys and the audit log in Settings to an admin', () => {
    renderAs('admin', <SettingsScreen />);
    expect(screen.getByRole('heading', { name: 'Operators' })).toBeTruthy();
    expect(screen.getByRole('button', { name: '+ New API key' })).toBeTruthy();
    expect(screen.getByTestId('audit-log')).toBeTruthy();
  });

  it('shows an operator only their own account in Settings', () => {
    renderAs('operator', <SettingsScreen />);
    expect(screen.getByTestId('settings-username').textContent).toBe('sam');
    expect(screen.queryByRole('heading', { name: 'Operators' })).toBeNull();
    expect(screen.queryByRole('heading', { name: 'API keys' })).toBeNull();
    // The audit trail is read-only: every role may read it.
    expect(screen.getByRole('heading', { name: 'Audit log' })).toBeTruthy();
  });
});
