import { useState } from 'react';
import { Badge, Button, Group, Modal, Paper, Stack, Table, Tabs, Text, Title } from '@mantine/core';
import { Link, useNavigate, useParams } from 'react-router';
import { ApiError } from '../../api/client.ts';
import { useApiQuery } from '../../api/use-api.ts';
import { useAlerts, useWhoami } from '../../api/queries.ts';
import { EmptyState, ErrorState, LoadingState } from '../../components/states.tsx';
import { LocalTime } from '../../components/LocalTime.tsx';
import { SilenceForm } from './SilenceForm.tsx';
import { SilencesPanel } from './SilencesPanel.tsx';
import { RulesPanel } from './RulesPanel.tsx';
import { ChannelsPanel } from './ChannelsPanel.tsx';
import { RoutesPanel } from './RoutesPanel.tsx';
import { DeliveryLog } from './DeliveryLog.tsx';
import { matchersFromLabels } from './silence.ts';
import type { AlertHistoryEntry } from '@etcd-monitor/monitor/contract';

const SEVERITY: Record<string, string> = { critical: 'red', warning: 'yellow', info: 'blue' };
// Badge columns take their content's width; the summary column takes what is left.
const NOWRAP = { whiteSpace: 'nowrap', width: '1%' } as const;

function ClusterLink({ name }: { name: string | undefined }) {
  return name ? (
    <Text component={Link} to={`/clusters/${encodeURIComponent(name)}`} size="sm" c="var(--mantine-color-anchor)">
      {name}
    </Text>
  ) : (
    <>—</>
  );
}

/** ALERT_TABS are the alerts page's tabs in order; each has its own URL (`/alerts/<tab>`, the first at `/alerts`). */
export const ALERT_TABS = [
  { value: 'active', title: 'Firing and pending' },
  { value: 'history', title: 'History' },
  { value: 'silences', title: 'Silences' },
  { value: 'rules', title: 'Rules' },
  { value: 'channels', title: 'Channels' },
  { value: 'routes', title: 'Routes' },
  { value: 'deliveries', title: 'Deliveries' },
] as const;

/**
 * AlertsPage shows, one tab each (linkable) firing and pending alerts (each with a button to silence it), the recent history, silences, rules,
 * channels, routes and the delivery log. While /api/v1/alerts answers 404 (a monitor
 * without alerting) it says alerting arrives soon instead of failing.
 */
export function AlertsPage() {
  const param = useParams().tab;
  const tab = ALERT_TABS.find((t) => t.value === param)?.value ?? 'active';
  const navigate = useNavigate();
  const q = useAlerts();
  const who = useWhoami();
  // silencing holds the pre-filled matchers while the silence dialog is open.
  const [silencing, setSilencing] = useState<string | null>(null);
  const history = useApiQuery<AlertHistoryEntry[]>({
    path: '/alerts/history',
    params: { limit: '100' },
    refetchInterval: 15_000,
    retry: false,
    enabled: q.isSuccess && tab === 'history',
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
  const rows = [...q.data].sort((a, b) => (a.state === b.state ? 0 : a.state === 'firing' ? -1 : 1));
  const firing = rows.filter((a) => a.state === 'firing').length;
  return (
    <Stack>
      <Group justify="space-between">
        <Title order={2}>Alerts</Title>
        <Button size="xs" onClick={() => setSilencing('')}>
          New silence
        </Button>
      </Group>
      <Tabs value={tab} onChange={(v) => void navigate(v === 'active' || !v ? '/alerts' : `/alerts/${v}`)} keepMounted={false}>
        <Tabs.List mb="sm">
          {ALERT_TABS.map((t) => (
            <Tabs.Tab key={t.value} value={t.value} data-testid={`alerts-tab-${t.value}`}>
              {t.title}
              {t.value === 'active' && rows.length > 0 ? (
                <Badge ml={6} size="sm" color={firing > 0 ? 'red' : 'yellow'}>
                  {rows.length}
                </Badge>
              ) : null}
            </Tabs.Tab>
          ))}
        </Tabs.List>
        <Tabs.Panel value="active">
          <Paper withBorder p="sm">
            <Title order={4} mb="xs">
              Firing and pending
            </Title>
            {rows.length === 0 ? (
              <Text size="sm" c="teal">
                No alerts firing or pending: every rule is quiet.
              </Text>
            ) : (
              <Table data-testid="alerts-table">
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>Alert</Table.Th>
                    <Table.Th>State</Table.Th>
                    <Table.Th>Severity</Table.Th>
                    <Table.Th>Cluster</Table.Th>
                    <Table.Th>Since</Table.Th>
                    <Table.Th>Summary</Table.Th>
                    <Table.Th />
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {rows.map((a) => (
                    <Table.Tr key={a.fingerprint} data-alertname={a.labels.alertname} data-state={a.state} data-silenced={a.silencedBy?.length ? 'true' : 'false'}>
                      <Table.Td>
                        {a.labels.alertname ?? '—'}
                        {a.labels.member ? (
                          <Text size="xs" c="dimmed">
                            member {a.labels.member}
                          </Text>
                        ) : null}
                      </Table.Td>
                      <Table.Td style={NOWRAP}>
                        <Badge color={a.state === 'firing' ? 'red' : 'yellow'}>{a.state}</Badge>
                        {a.silencedBy?.length ? (
                          <Badge ml={4} color="gray" variant="outline">
                            silenced
                          </Badge>
                        ) : null}
                        {a.inhibited ? (
                          <Badge ml={4} color="gray" variant="outline">
                            inhibited
                          </Badge>
                        ) : null}
                      </Table.Td>
                      <Table.Td style={NOWRAP}>
                        <Badge variant="light" color={SEVERITY[a.labels.severity ?? ''] ?? 'gray'}>
                          {a.labels.severity ?? '—'}
                        </Badge>
                      </Table.Td>
                      <Table.Td>
                        <ClusterLink name={a.labels.cluster} />
                      </Table.Td>
                      <Table.Td style={NOWRAP}>{a.startsAt ? <LocalTime time={a.startsAt} /> : '—'}</Table.Td>
                      <Table.Td>
                        <Text size="sm">{a.annotations.summary ?? a.annotations.description ?? ''}</Text>
                      </Table.Td>
                      <Table.Td style={NOWRAP}>
                        <Button size="xs" variant="default" onClick={() => setSilencing(matchersFromLabels(a.labels))} aria-label={`Silence ${a.labels.alertname ?? 'alert'}`}>
                          Silence
                        </Button>
                      </Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            )}
          </Paper>
        </Tabs.Panel>
        <Tabs.Panel value="history">
          <Paper withBorder p="sm">
            <Title order={4} mb="xs">
              History
            </Title>
            {history.isPending ? (
              <LoadingState what="alert history" />
            ) : history.isError ? (
              <ErrorState title="Could not load the alert history" error={history.error} onRetry={() => void history.refetch()} />
            ) : history.data.length === 0 ? (
              <Text size="sm" c="dimmed">
                No alert has fired yet.
              </Text>
            ) : (
              <Table data-testid="alerts-history">
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>Alert</Table.Th>
                    <Table.Th>Severity</Table.Th>
                    <Table.Th>Cluster</Table.Th>
                    <Table.Th>Started</Table.Th>
                    <Table.Th>Ended</Table.Th>
                    <Table.Th>Summary</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {history.data.map((h, i) => (
                    <Table.Tr key={`${h.labels.alertname}-${h.startsAt}-${i}`}>
                      <Table.Td>{h.labels.alertname ?? '—'}</Table.Td>
                      <Table.Td>{h.labels.severity ?? '—'}</Table.Td>
                      <Table.Td>
                        <ClusterLink name={h.labels.cluster} />
                      </Table.Td>
                      <Table.Td>{(h.startsAt ?? h.activeAt) ? <LocalTime time={(h.startsAt ?? h.activeAt)!} /> : '—'}</Table.Td>
                      <Table.Td>
                        {h.endsAt ? (
                          <LocalTime time={h.endsAt} />
                        ) : (
                          <Badge color="red" variant="light">
                            still firing
                          </Badge>
                        )}
                      </Table.Td>
                      <Table.Td>
                        <Text size="sm">{h.annotations?.summary ?? ''}</Text>
                      </Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            )}
          </Paper>
        </Tabs.Panel>
        <Tabs.Panel value="silences">
          <SilencesPanel />
        </Tabs.Panel>
        <Tabs.Panel value="rules">
          <RulesPanel />
        </Tabs.Panel>
        <Tabs.Panel value="channels">
          <ChannelsPanel />
        </Tabs.Panel>
        <Tabs.Panel value="routes">
          <RoutesPanel />
        </Tabs.Panel>
        <Tabs.Panel value="deliveries">
          <DeliveryLog />
        </Tabs.Panel>
      </Tabs>
      <Text size="xs" c="dimmed">
        See /api/docs for the whole API.
      </Text>
      <Modal opened={silencing !== null} onClose={() => setSilencing(null)} title="New silence" size="lg">
        {silencing !== null && <SilenceForm matchers={silencing} createdBy={who.data?.name ?? ''} onCancel={() => setSilencing(null)} onDone={() => setSilencing(null)} />}
      </Modal>
    </Stack>
  );
}
