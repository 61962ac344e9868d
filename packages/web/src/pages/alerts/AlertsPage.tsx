import { Badge, Code, Stack, Table, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { ApiError, apiFetch } from '../../api/client.ts';
import { EmptyState, ErrorState, LoadingState } from '../../components/states.tsx';
import { LocalTime } from '../../components/LocalTime.tsx';

interface AlertRow {
  name?: string;
  rule?: string;
  state?: string;
  severity?: string;
  cluster?: string;
  labels?: Record<string, string>;
  summary?: string;
  startsAt?: string;
  activeAt?: string;
}

/**
 * AlertsPage lists firing and pending alerts. Alerting is being built alongside the UI: while /api/v1/alerts answers
 * 404 the page says so instead of failing; once it answers, its rows are shown by the fields they carry.
 */
export function AlertsPage() {
  const q = useQuery({
    queryKey: ['alerts'],
    queryFn: ({ signal }) => apiFetch<AlertRow[] | { alerts: AlertRow[] }>('/alerts', { signal }),
    refetchInterval: 5000,
    retry: false,
  });
  if (q.isPending) return <LoadingState what="alerts" />;
  if (q.isError) {
    if (q.error instanceof ApiError && q.error.status === 404) {
      return (
        <EmptyState title="Alerting arrives soon">
          This monitor does not serve alerts yet (/api/v1/alerts is not there). Cluster health, findings and events already show what is wrong on the overview and cluster pages.
        </EmptyState>
      );
    }
    return <ErrorState title="Could not load the alerts" error={q.error} onRetry={() => void q.refetch()} />;
  }
  const rows = Array.isArray(q.data) ? q.data : (q.data.alerts ?? []);
  return (
    <Stack>
      <Title order={2}>Alerts</Title>
      {rows.length === 0 ? (
        <EmptyState title="No alerts firing">Every rule is quiet.</EmptyState>
      ) : (
        <Table data-testid="alerts-table">
          <Table.Thead>
            <Table.Tr><Table.Th>Alert</Table.Th><Table.Th>State</Table.Th><Table.Th>Severity</Table.Th><Table.Th>Cluster</Table.Th><Table.Th>Since</Table.Th><Table.Th>Summary</Table.Th></Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {rows.map((a, i) => (
              <Table.Tr key={i}>
                <Table.Td>{a.name ?? a.rule ?? a.labels?.alertname ?? '—'}</Table.Td>
                <Table.Td><Badge color={a.state === 'firing' ? 'red' : 'yellow'}>{a.state ?? '—'}</Badge></Table.Td>
                <Table.Td>{a.severity ?? a.labels?.severity ?? '—'}</Table.Td>
                <Table.Td>{a.cluster ?? a.labels?.cluster ?? '—'}</Table.Td>
                <Table.Td>{a.startsAt ?? a.activeAt ? <LocalTime time={(a.startsAt ?? a.activeAt)!} /> : '—'}</Table.Td>
                <Table.Td>{a.summary ? <Text size="sm">{a.summary}</Text> : <Code>{JSON.stringify(a.labels ?? {})}</Code>}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
    </Stack>
  );
}
