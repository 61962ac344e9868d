import { useState } from 'react';
import { ActionIcon, Alert, Badge, Button, Checkbox, Code, Group, Modal, Paper, SimpleGrid, Stack, Switch, Table, Text, Textarea, TextInput, Title, Tooltip } from '@mantine/core';
import { ApiError, errorText } from '../../api/client.ts';
import { useApiMutation, useApiQuery } from '../../api/use-api.ts';
import { ErrorState, LoadingState } from '../../components/states.tsx';
import { fromRouteTable, insertAt, newRoute, routeErrorAt, toRouteTable, unreachable, validateRoute, type RouteValues } from './route.ts';
import type { Channel, RouteTable, RoutesView as Routes } from '@etcd-monitor/monitor/contract';

const SEVERITY: Record<string, string> = { critical: 'red', warning: 'yellow', info: 'blue' };
const SOURCE: Record<Routes['source'], string> = {
  config: 'From etcd-monitor.toml ([[routes]]): read-only here. Remove [[routes]] from the file to manage routes in the UI.',
  api: 'Set in the UI/API. The first matching route wins unless it says continue.',
  default: 'Built-in default: every alert to every channel, critical ones without a group wait. Adding or changing a route replaces it with your own list.',
};

/** RoutesPanel lists the routes in force in order and, unless they come from the config file, adds, edits, moves and deletes them. */
export function RoutesPanel() {
  const q = useApiQuery<Routes>({ path: '/routes', refetchInterval: 30_000, retry: false });
  const channels = useApiQuery<Channel[]>({ path: '/channels', refetchInterval: 15_000, retry: false });
  // Both refetch the routes once settled: after a change, and after a conflict (someone else changed them first).
  const putRoutes = useApiMutation<Routes, { routes: RouteTable[]; version: Routes['version'] | undefined }>({ method: 'PUT', path: '/routes', body: (x) => x });
  const resetRoutes = useApiMutation({ method: 'DELETE', path: '/routes' });
  // editing is the route being edited (index in the list that will be sent) while the dialog is open.
  const [editing, setEditing] = useState<{ index: number; isNew: boolean; values: RouteValues } | null>(null);
  const [err, setErr] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  /** put sends the whole ordered list with the version it was read at; the caller handles errors. */
  const put = async (routes: RouteTable[]) => {
    await putRoutes.mutateAsync({ routes, version: q.data?.version });
  };
  const change = async (what: string, routes: RouteTable[]) => {
    setErr(null);
    setBusy(true);
    try {
      await put(routes);
    } catch (e) {
      setErr(`Could not ${what}: ${errorText(e)}`);
    } finally {
      setBusy(false);
    }
  };
  const reset = async () => {
    setErr(null);
    try {
      await resetRoutes.mutateAsync();
    } catch (e) {
      setErr(`Could not go back to the default routes: ${errorText(e)}`);
    }
  };

  const data = q.data;
  const list = data?.routes ?? [];
  const dead = new Set(unreachable(list));
  const move = (i: number, by: number) => {
    const next = [...list];
    const [r] = next.splice(i, 1);
    next.splice(i + by, 0, r!);
    void change('move the route', next);
  };
  return (
    <Paper withBorder p="sm">
      <Group justify="space-between" mb="xs">
        <Title order={4}>Routes</Title>
        {data?.editable && (
          <Group gap="xs">
            {data.source === 'api' && (
              <Button size="xs" variant="default" onClick={() => void reset()}>
                Back to default
              </Button>
            )}
            <Button size="xs" onClick={() => setEditing({ index: insertAt(list), isNew: true, values: newRoute() })}>
              Add route
            </Button>
          </Group>
        )}
      </Group>
      {data && (
        <Text size="xs" c="dimmed" mb="xs" data-testid="routes-source" data-source={data.source}>
          {SOURCE[data.source]}
        </Text>
      )}
      {err && (
        <Alert color="red" variant="light" role="alert" mb="xs" withCloseButton onClose={() => setErr(null)}>
          {err}
        </Alert>
      )}
      {q.isPending ? (
        <LoadingState what="routes" />
      ) : q.isError ? (
        <ErrorState title="Could not load the routes" error={q.error} onRetry={() => void q.refetch()} />
      ) : list.length === 0 ? (
        <Text size="sm" c="dimmed">
          No routes: add a channel first; every alert then goes to it.
        </Text>
      ) : (
        <Table data-testid="routes-table" verticalSpacing="xs">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>#</Table.Th>
              <Table.Th>Matches</Table.Th>
              <Table.Th>Channels</Table.Th>
              <Table.Th>Group by</Table.Th>
              <Table.Th>Wait / interval / repeat</Table.Th>
              <Table.Th>Continue</Table.Th>
              <Table.Th />
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {list.map((r, i) => (
              <Table.Tr key={i} data-route-index={i}>
                <Table.Td>{i + 1}</Table.Td>
                <Table.Td maw={360}>
                  {r.severity.map((s) => (
                    <Badge key={s} size="sm" variant="light" color={SEVERITY[s] ?? 'gray'} mr={4}>
                      {s}
                    </Badge>
                  ))}
                  {r.matchers.map((m) => (
                    <Code key={m} mr={4} style={{ wordBreak: 'break-all' }}>
                      {m}
                    </Code>
                  ))}
                  {r.severity.length === 0 && r.matchers.length === 0 && (
                    <Text span size="sm" c="dimmed">
                      every alert
                    </Text>
                  )}
                  {dead.has(i) && (
                    <Tooltip label="An earlier route takes every alert and does not continue">
                      <Badge size="sm" color="orange" variant="outline" ml={4}>
                        never reached
                      </Badge>
                    </Tooltip>
                  )}
                </Table.Td>
                <Table.Td>{r.channels.join(', ')}</Table.Td>
                <Table.Td>
                  <Text size="sm">{r.group_by.join(', ') || '—'}</Text>
                </Table.Td>
                <Table.Td>
                  <Text size="sm" style={{ whiteSpace: 'nowrap' }}>
                    {r.group_wait} / {r.group_interval} / {r.repeat_interval}
                  </Text>
                </Table.Td>
                <Table.Td>
                  {r.continue ? (
                    <Badge size="sm" variant="outline">
                      continue
                    </Badge>
                  ) : (
                    '—'
                  )}
                </Table.Td>
                <Table.Td style={{ whiteSpace: 'nowrap' }}>
                  {data?.editable && (
                    <Group gap={4} justify="flex-end" wrap="nowrap">
                      <ActionIcon variant="subtle" disabled={busy || i === 0} onClick={() => move(i, -1)} aria-label={`Move route ${i + 1} up`}>
                        ↑
                      </ActionIcon>
                      <ActionIcon variant="subtle" disabled={busy || i === list.length - 1} onClick={() => move(i, 1)} aria-label={`Move route ${i + 1} down`}>
                        ↓
                      </ActionIcon>
                      <Button size="xs" variant="default" onClick={() => setEditing({ index: i, isNew: false, values: fromRouteTable(r) })} aria-label={`Edit route ${i + 1}`}>
                        Edit
                      </Button>
                      <Button
                        size="xs"
                        variant="light"
                        color="red"
                        disabled={busy || list.length === 1}
                        onClick={() =>
                          void change(
                            'delete the route',
                            list.filter((_, j) => j !== i),
                          )
                        }
                        aria-label={`Delete route ${i + 1}`}
                      >
                        Delete
                      </Button>
                    </Group>
                  )}
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
      <Modal
        opened={editing !== null}
        onClose={() => setEditing(null)}
        title={editing?.isNew ? `Add a route (as #${editing.index + 1})` : `Edit route #${(editing?.index ?? 0) + 1}`}
        size="lg"
      >
        {editing && (
          <RouteForm
            initial={editing.values}
            index={editing.index}
            channels={(channels.data ?? []).map((c) => c.name)}
            submitLabel={editing.isNew ? 'Add route' : 'Save route'}
            onCancel={() => setEditing(null)}
            onSubmit={async (v) => {
              const next = [...list];
              if (editing.isNew) next.splice(editing.index, 0, toRouteTable(v));
              else next[editing.index] = toRouteTable(v);
              await put(next);
              setEditing(null);
            }}
          />
        )}
      </Modal>
    </Paper>
  );
}

/** RouteForm edits one route; problems show at the field, checked here first and then by the monitor. */
function RouteForm({
  initial,
  index,
  channels,
  submitLabel,
  onSubmit,
  onCancel,
}: {
  initial: RouteValues;
  index: number;
  channels: string[];
  submitLabel: string;
  onSubmit: (v: RouteValues) => Promise<void>;
  onCancel: () => void;
}) {
  const [v, setV] = useState<RouteValues>(initial);
  const [touched, setTouched] = useState(false);
  const [serverErr, setServerErr] = useState<{ key: keyof RouteValues | undefined; text: string } | null>(null);
  const [busy, setBusy] = useState(false);
  const errors = validateRoute(v, channels);
  const show = (k: keyof RouteValues) => (touched ? errors[k] : undefined) ?? (serverErr?.key === k ? serverErr.text : undefined);
  const set = <K extends keyof RouteValues>(k: K, val: RouteValues[K]) => {
    setV((old) => ({ ...old, [k]: val }));
    setServerErr(null);
  };
  const save = async () => {
    setTouched(true);
    if (Object.keys(errors).length) return;
    setBusy(true);
    try {
      await onSubmit(v);
    } catch (e) {
      const at = e instanceof ApiError ? routeErrorAt(e.field) : undefined;
      setServerErr({ key: at?.index === index ? at.key : undefined, text: errorText(e) });
    } finally {
      setBusy(false);
    }
  };
  // A channel the route names that is gone still shows, so the problem can be seen and unticked.
  const choices = [...new Set([...channels, ...v.channels])];
  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        void save();
      }}
      noValidate
    >
      <Stack gap="sm">
        <Checkbox.Group label="Channels" description="Where the matched alerts go" required value={v.channels} onChange={(x) => set('channels', x)} error={show('channels')}>
          <Group mt={4}>
            {choices.map((c) => (
              <Checkbox key={c} value={c} label={c} />
            ))}
          </Group>
        </Checkbox.Group>
        {choices.length === 0 && (
          <Text size="sm" c="dimmed">
            No channels yet: add one in the Channels panel.
          </Text>
        )}
        <Checkbox.Group label="Severities" description="None ticked: every severity" value={v.severity} onChange={(x) => set('severity', x)} error={show('severity')}>
          <Group mt={4}>
            {['critical', 'warning', 'info'].map((s) => (
              <Checkbox key={s} value={s} label={s} />
            ))}
          </Group>
        </Checkbox.Group>
        <Textarea
          label="Matchers"
          description='One a line, all must match: cluster=~"prod-.*", alertname="etcdNoLeader"'
          autosize
          minRows={2}
          value={v.matchers}
          onChange={(e) => set('matchers', e.currentTarget.value)}
          error={show('matchers')}
          styles={{ input: { fontFamily: 'var(--mantine-font-family-monospace)' } }}
        />
        <TextInput
          label="Group by"
          description="Labels that split alerts into notifications"
          value={v.groupBy}
          onChange={(e) => set('groupBy', e.currentTarget.value)}
          error={show('groupBy')}
        />
        <SimpleGrid cols={3}>
          <TextInput
            label="Group wait"
            description="Before the first notification"
            value={v.groupWait}
            onChange={(e) => set('groupWait', e.currentTarget.value)}
            error={show('groupWait')}
          />
          <TextInput
            label="Group interval"
            description="Between updates"
            value={v.groupInterval}
            onChange={(e) => set('groupInterval', e.currentTarget.value)}
            error={show('groupInterval')}
          />
          <TextInput
            label="Repeat interval"
            description="Before repeating"
            value={v.repeatInterval}
            onChange={(e) => set('repeatInterval', e.currentTarget.value)}
            error={show('repeatInterval')}
          />
        </SimpleGrid>
        <Switch label="Continue: matched alerts are also tried against the following routes" checked={v.continue} onChange={(e) => set('continue', e.currentTarget.checked)} />
        {serverErr && serverErr.key === undefined && (
          <Alert color="red" variant="light" role="alert">
            {serverErr.text}
          </Alert>
        )}
        <Group justify="flex-end">
          <Button variant="default" onClick={onCancel}>
            Cancel
          </Button>
          <Button type="submit" loading={busy}>
            {submitLabel}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}
