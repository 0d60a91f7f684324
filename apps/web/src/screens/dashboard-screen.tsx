import {
  Card,
  Group,
  SegmentedControl,
  SimpleGrid,
  Stack,
  Table,
  Text,
  Title,
} from '@mantine/core';
import { getStatsOverviewOptions, getStatsTimeseriesOptions } from '@promptdev/api-client';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import {
  CartesianGrid,
  Legend,
  Line,
  LineChart,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import { formatMs, formatPercent } from '../shared/format';
import { EmptyState, ErrorState, LoadingState } from '../shared/states';

function Tile({ label, value, testId }: { label: string; value: string; testId: string }) {
  return (
    <Card withBorder padding="md">
      <Text size="xs" c="dimmed" tt="uppercase" fw={600}>
        {label}
      </Text>
      <Text size="xl" fw={700} data-testid={testId}>
        {value}
      </Text>
    </Card>
  );
}

const RANGES = { '24h': { hours: 24, bucket: 'hour' }, '7d': { hours: 24 * 7, bucket: 'day' } };
type Range = keyof typeof RANGES;

function Charts() {
  const [range, setRange] = useState<Range>('24h');
  const { hours, bucket } = RANGES[range];
  const [now] = useState(() => Date.now());
  const timeseries = useQuery({
    ...getStatsTimeseriesOptions({
      query: {
        from: new Date(now - hours * 3600_000).toISOString(),
        bucket: bucket as 'hour' | 'day',
      },
    }),
    refetchInterval: 60_000,
  });
  const points = (timeseries.data?.points ?? []).map((point) => ({
    ...point,
    label: new Date(point.bucket_start).toLocaleString(undefined, {
      ...(bucket === 'hour' ? { hour: '2-digit', minute: '2-digit' } : {}),
      ...(bucket === 'day' ? { month: 'short', day: 'numeric' } : {}),
    }),
  }));
  return (
    <Stack>
      <Group justify="space-between">
        <Title order={4}>Over time</Title>
        <SegmentedControl
          size="xs"
          value={range}
          onChange={(value) => setRange(value)}
          data={[
            { label: 'Last 24 h', value: '24h' },
            { label: 'Last 7 days', value: '7d' },
          ]}
        />
      </Group>
      {timeseries.isPending && <LoadingState />}
      {timeseries.isError && (
        <ErrorState error={timeseries.error} onRetry={() => void timeseries.refetch()} />
      )}
      {timeseries.isSuccess && points.length === 0 && <EmptyState title="No traffic yet" />}
      {timeseries.isSuccess && points.length > 0 && (
        <SimpleGrid cols={{ base: 1, lg: 3 }}>
          <ChartCard title="Messages">
            <LineChart data={points}>
              <CartesianGrid strokeDasharray="3 3" />
              <XAxis dataKey="label" fontSize={11} />
              <YAxis allowDecimals={false} fontSize={11} width={40} />
              <Tooltip />
              <Line type="monotone" dataKey="messages" stroke="#7950f2" dot={{ r: 2 }} />
            </LineChart>
          </ChartCard>
          <ChartCard title="Latency (ms)">
            <LineChart data={points}>
              <CartesianGrid strokeDasharray="3 3" />
              <XAxis dataKey="label" fontSize={11} />
              <YAxis fontSize={11} width={48} />
              <Tooltip />
              <Legend />
              <Line
                type="monotone"
                dataKey="avg_latency_ms"
                name="avg"
                stroke="#228be6"
                dot={{ r: 2 }}
              />
              <Line
                type="monotone"
                dataKey="p95_latency_ms"
                name="p95"
                stroke="#fd7e14"
                dot={{ r: 2 }}
              />
            </LineChart>
          </ChartCard>
          <ChartCard title="Errors">
            <LineChart data={points}>
              <CartesianGrid strokeDasharray="3 3" />
              <XAxis dataKey="label" fontSize={11} />
              <YAxis allowDecimals={false} fontSize={11} width={40} />
              <Tooltip />
              <Line type="monotone" dataKey="errors" stroke="#fa5252" dot={{ r: 2 }} />
            </LineChart>
          </ChartCard>
        </SimpleGrid>
      )}
    </Stack>
  );
}

function ChartCard({ title, children }: { title: string; children: React.ReactElement }) {
  return (
    <Card withBorder>
      <Text fw={600} mb="xs">
        {title}
      </Text>
      <div style={{ width: '100%', height: 220 }}>
        <ResponsiveContainer>{children}</ResponsiveContainer>
      </div>
    </Card>
  );
}

export default function DashboardScreen() {
  const overview = useQuery({ ...getStatsOverviewOptions(), refetchInterval: 30_000 });
  return (
    <Stack>
      <Title order={2}>Dashboard</Title>
      {overview.isPending && <LoadingState />}
      {overview.isError && (
        <ErrorState error={overview.error} onRetry={() => void overview.refetch()} />
      )}
      {overview.data && (
        <>
          <SimpleGrid cols={{ base: 2, sm: 3, lg: 6 }}>
            <Tile
              label="Users today"
              value={String(overview.data.active_users_today)}
              testId="tile-users"
            />
            <Tile
              label="Messages today"
              value={String(overview.data.total_messages_today)}
              testId="tile-messages"
            />
            <Tile
              label="Avg latency"
              value={formatMs(overview.data.avg_response_time_ms)}
              testId="tile-avg"
            />
            <Tile
              label="p95 latency"
              value={formatMs(overview.data.p95_response_time_ms)}
              testId="tile-p95"
            />
            <Tile
              label="Error rate"
              value={formatPercent(overview.data.error_rate_percent)}
              testId="tile-errors"
            />
            <Tile
              label="Halted users"
              value={String(overview.data.halted_users)}
              testId="tile-halted"
            />
          </SimpleGrid>
          <Charts />
          <Card withBorder>
            <Title order={4} mb="xs">
              Top templates today
            </Title>
            {overview.data.top_templates.length === 0 ? (
              <EmptyState title="No template used today" />
            ) : (
              <Table>
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>Template</Table.Th>
                    <Table.Th ta="right">Replies</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {overview.data.top_templates.map((template) => (
                    <Table.Tr key={template.name}>
                      <Table.Td>{template.name}</Table.Td>
                      <Table.Td ta="right">{template.count}</Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            )}
          </Card>
        </>
      )}
    </Stack>
  );
}
