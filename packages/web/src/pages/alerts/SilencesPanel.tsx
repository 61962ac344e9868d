import { useState } from 'react';
import { Alert, Badge, Button, Code, Group, Paper, SegmentedControl, Table, Text, Title } from '@mantine/core';
import { errorText } from '../../api/client.ts';
import { apiPath, useApiMutation, useApiQuery } from '../../api/use-api.ts';
import { ErrorState, LoadingState } from '../../components/states.tsx';
import { LocalTime } from '../../components/LocalTime.tsx';
import type { Silence } from '@etcd-monitor/monitor/contract';

const STATE_COLOR: Record<string, string> = { active: 'teal', pending: 'blue', expired: 'gray' };
const ORDER: Record<string, number> = { active: 0, pending: 1, expired: 2 };

/** useSilences reads the silences every 5 s (active, pending and those expired in the last 5 days). */
export function useSilences() {
  return useApiQuery<Silence[]>({ path: '/silences', refetchInterval: 5000, retry: false });
}

/** SilencesPanel lists silences by state, with a button to expire the active and pending ones. */
export function SilencesPanel() {
  const q = useSilences();
  // An expired silence lets its alerts show as unsilenced again.
  const expireSilence = useApiMutation<unknown, string>({ method: 'DELETE', path: (id) => apiPath`/silences/${id}`, invalidates: ['/silences', '/alerts'] });
  const [filter, setFilter] = useState<'current' | 'expired' | 'all'>('current');
  const [expiring, setExpiring] = useState<string | null>(null);
  const [err, setErr] = useState<string | null>(null);
  const expire = async (id: string) => {
    setExpiring(id);
    setErr(null);
    try {
      await expireSilence.mutateAsync(id);
    } catch (e) {
      setErr(errorText(e));
    } finally {
      setExpiring(null);
    }
  };
  const rows = (q.data ?? [])
    .filter((s) => filter === 'all' || (filter === 'expired' ? s.state === 'expired' : s.state !== 'expired'))
    .sort((a, b) => (ORDER[a.state ?? ''] ?? 3) - (ORDER[b.state ?? ''] ?? 3) || b.endsAt.localeCompare(a.endsAt));
  return (
    <Paper withBorder p="sm">
      <Group justify="space-between" mb="xs">
        <Title order={4}>Silences</Title>
        <Group gap="xs">
          <SegmentedControl
            size="xs"
            value={filter}
            onChange={(x) => setFilter(x as typeof filter)}
            data={[
              { value: 'current', label: 'Active & pending' },
              { value: 'expired', label: 'Expired' },
              { value: 'all', label: 'All' },
            ]}
          />
        </Group>
      </Group>
      {err && (
        <Alert color="red" variant="light" role="alert" mb="xs">
          {err}
        </Alert>
      )}
      {q.isPending ? (
        <LoadingState what="silences" />
      ) : q.isError ? (
        <ErrorState title="Could not load the silences" error={q.error} onRetry={() => void q.refetch()} />
      ) : rows.length === 0 ? (
        <Text size="sm" c="dimmed">
          {filter === 'expired'
            ? 'No silence expired in the last 5 days.'
            : 'No silences. Silence an alert from its row under Firing and pending, or create one with “New silence”.'}
        </Text>
      ) : (
        <Table data-testid="silences-table">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>State</Table.Th>
              <Table.Th>Matchers</Table.Th>
              <Table.Th>Starts</Table.Th>
              <Table.Th>Ends</Table.Th>
              <Table.Th>By</Table.Th>
              <Table.Th>Comment</Table.Th>
              <Table.Th />
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {rows.map((s) => (
              <Table.Tr key={s.id} data-silence={s.id} data-state={s.state}>
                <Table.Td style={{ whiteSpace: 'nowrap' }}>
                  <Badge variant="light" color={STATE_COLOR[s.state ?? ''] ?? 'gray'}>
                    {s.state ?? '—'}
                  </Badge>
                </Table.Td>
                <Table.Td>
                  {s.matchers.map((m) => (
                    <Code key={m} mr={4}>
                      {m}
                    </Code>
                  ))}
                </Table.Td>
                <Table.Td>
                  <LocalTime time={s.startsAt} />
                </Table.Td>
                <Table.Td>
                  <LocalTime time={s.endsAt} />
                </Table.Td>
                <Table.Td>
                  <Text size="sm">{s.createdBy}</Text>
                </Table.Td>
                <Table.Td>
                  <Text size="sm">{s.comment}</Text>
                </Table.Td>
                <Table.Td style={{ whiteSpace: 'nowrap' }}>
                  {s.state !== 'expired' && (
                    <Button
                      size="xs"
                      variant="light"
                      color="red"
                      loading={expiring === s.id}
                      onClick={() => void expire(s.id)}
                      aria-label={`Expire silence ${s.matchers.join(', ')}`}
                    >
                      Expire
                    </Button>
                  )}
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
    </Paper>
  );
}
