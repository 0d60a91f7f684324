import { MantineProvider } from '@mantine/core';
import { render, screen } from '@testing-library/react';
import { DiffView, diffRows } from './diff-view';

const wrap = (ui: React.ReactNode) => render(<MantineProvider>{ui}</MantineProvider>);

describe('DiffView', () => {
  it('splits multi-line changes into one row per line', () => {
    expect(
      diffRows([
        { type: 'unchanged', value: 'Hello\n' },
        { type: 'removed', value: 'old one\nold two\n' },
        { type: 'added', value: 'new\n' },
      ]),
    ).toEqual([
      { type: 'unchanged', text: 'Hello' },
      { type: 'removed', text: 'old one' },
      { type: 'removed', text: 'old two' },
      { type: 'added', text: 'new' },
    ]);
  });

  it('marks added and removed lines so they can be told apart without colour', () => {
    wrap(
      <DiffView
        changes={[
          { type: 'unchanged', value: 'You are kind.\n' },
          { type: 'removed', value: 'Be brief.\n' },
          { type: 'added', value: 'Be thorough.\n' },
        ]}
      />,
    );
    const list = screen.getByRole('list', { name: 'Differences' });
    expect(list.querySelectorAll('li')).toHaveLength(3);
    expect(screen.getByLabelText('removed: Be brief.').getAttribute('data-change')).toBe('removed');
    expect(screen.getByLabelText('added: Be thorough.').getAttribute('data-change')).toBe('added');
    expect(screen.getByLabelText('unchanged: You are kind.')).toBeTruthy();
  });

  it('says so when two versions have the same content', () => {
    wrap(<DiffView changes={[{ type: 'unchanged', value: 'same\n' }]} />);
    expect(screen.getByText('The two versions have the same content.')).toBeTruthy();
  });
});
