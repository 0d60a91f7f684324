import { Box, Code, Text } from '@mantine/core';
import type { LineChangeDto } from '@promptdev/api-client';

const STYLE: Record<LineChangeDto['type'], { sign: string; bg?: string; label: string }> = {
  added: { sign: '+', bg: 'var(--mantine-color-green-light)', label: 'added' },
  removed: { sign: '−', bg: 'var(--mantine-color-red-light)', label: 'removed' },
  unchanged: { sign: ' ', label: 'unchanged' },
};

/** Splits the API's line changes into rows (a change may hold several lines). */
export function diffRows(
  changes: LineChangeDto[],
): { type: LineChangeDto['type']; text: string }[] {
  return changes.flatMap((change) => {
    const lines = change.value.replace(/\n$/, '').split('\n');
    return lines.map((text) => ({ type: change.type, text }));
  });
}

export function DiffView({ changes }: { changes: LineChangeDto[] }) {
  const rows = diffRows(changes);
  const changed = rows.filter((row) => row.type !== 'unchanged').length;
  if (changed === 0) return <Text c="dimmed">The two versions have the same content.</Text>;
  return (
    <Box
      component="ol"
      aria-label="Differences"
      style={{ listStyle: 'none', padding: 0, margin: 0, overflowX: 'auto' }}
    >
      {rows.map((row, index) => (
        <li
          key={index}
          data-change={row.type}
          aria-label={`${STYLE[row.type].label}: ${row.text}`}
          style={{ background: STYLE[row.type].bg, whiteSpace: 'pre-wrap', display: 'flex' }}
        >
          <Code
            style={{ background: 'transparent', width: '1.5em', flexShrink: 0, userSelect: 'none' }}
            aria-hidden
          >
            {STYLE[row.type].sign}
          </Code>
          <Code style={{ background: 'transparent', whiteSpace: 'pre-wrap' }}>
            {row.text || ' '}
          </Code>
        </li>
      ))}
    </Box>
  );
}
