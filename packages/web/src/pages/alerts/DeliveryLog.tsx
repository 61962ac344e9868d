import { Badge, Group, Paper, Table, Text, Title } from '@mantine/core';
import { useApiQuery } from '../../api/use-api.ts';
import { ErrorState, LoadingState } from '../../components/states.tsx';
import { LocalTime } from '../../components/LocalTime.tsx';
import { formatMs } from '../../lib/format.ts';
import type { Notifications } from '@etcd-monitor/monitor/contract';

const OUTCOME: Record<string, string> = { delivered: 'teal', retry: 'yellow', permanent: 'red', expired: 'red' };

/** DeliveryLog shows the outbox counts and the newest delivery attempts (`GET /api/v1/notifications`). */
export function DeliveryLog() {
  const q = useApiQuery<Notifications>({ path: '/notifications', params: { limit: '50' }, refetchInterval: 10_000, retry: false });
  return (
    <Paper withBorder p="sm">
      <Group justify="space-between" mb="xs">
        <Title order={4}>Delivery log</Title>
        {q.data && (
          <Group gap={4}>
            <Badge variant="light" color="teal">
              {q.data.counts.delivered ?? 0} delivered
            </Badge>
            <Badge variant="light" color="yellow">
              {q.data.counts.pending ?? 0} pending
            </Badge>
            <Badge variant="light" color="red">
              {q.data.counts.failed ?? 0} failed
            </Badge>
          </Group>
        )}
      </Group>
      {q.isPending ? (
        <LoadingState what="the delivery log" />
      ) : q.isError ? (
        <ErrorState title="Could not load the delivery log" error={q.error} onRetry={() => void q.refetch()} />
      ) : q.data.attempts.length === 0 ? (
        <Text size="sm" c="dimmed">
          Nothing sent yet.
        </Text>
      ) : (
        <Table data-testid="delivery-log" className="tabular">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>When</Table.Th>
              <Table.Th>Channel</Table.Th>
              <Table.Th>Group</Table.Th>
              <Table.Th>Attempt</Table.Th>
              <Table.Th>Outcome</Table.Th>
              <Table.Th>Took</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {q.data.attempts.map((a) => (
              <Table.Tr key={`${a.notificationId}-${a.attempt}`}>
                <Table.Td>
                  <LocalTime time={a.at} />
                </Table.Td>
                <Table.Td>{a.channel}</Table.Td>
                <Table.Td>
                  <Text size="xs" ff="monospace">
                    {a.groupKey}
                  </Text>
                </Table.Td>
                <Table.Td>{a.attempt}</Table.Td>
                <Table.Td>
                  <Badge variant="light" color={OUTCOME[a.outcome] ?? 'gray'}>
                    {a.outcome}
                    {a.status !== undefined ? ` · ${a.status}` : ''}
                  </Badge>
                  {a.error && (
                    <Text size="xs" c="red">
                      {a.error}
                    </Text>
                  )}
                </Table.Td>
                <Table.Td>{formatMs(a.durationMs)}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
    </Paper>
  );
}
