import { useState } from 'react';
import { Alert, Badge, Button, Code, Group, Modal, Paper, PasswordInput, Select, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { ApiError, apiFetch, errorText } from '../../api/client.ts';
import type { Channel, DeliveryAttempt } from '../../api/types/channel.ts';
import { ErrorState, LoadingState } from '../../components/states.tsx';
import { formatMs } from '../../lib/format.ts';
import { channelField, channelSettings, toChannelInput, validateChannel, type ChannelValues } from './channel.ts';

type TestOutcome = { ok: true; attempt: DeliveryAttempt } | { ok: false; text: string };

/** ChannelsPanel lists the channels, sends a test to one, and adds or removes channels created through the API. */
export function ChannelsPanel() {
  const q = useQuery({ queryKey: ['channels'], queryFn: ({ signal }) => apiFetch<Channel[]>('/channels', { signal }), refetchInterval: 15_000, retry: false });
  const qc = useQueryClient();
  const [adding, setAdding] = useState(false);
  const [testing, setTesting] = useState<string | null>(null);
  const [outcomes, setOutcomes] = useState<Record<string, TestOutcome>>({});
  const [err, setErr] = useState<string | null>(null);
  const sendTest = async (name: string) => {
    setTesting(name);
    try {
      const attempt = await apiFetch<DeliveryAttempt>(`/channels/${encodeURIComponent(name)}/test`, { method: 'POST' });
      setOutcomes((o) => ({ ...o, [name]: { ok: true, attempt } }));
    } catch (e) {
      setOutcomes((o) => ({ ...o, [name]: { ok: false, text: errorText(e) } }));
    } finally {
      setTesting(null);
      void qc.invalidateQueries({ queryKey: ['notifications'] });
    }
  };
  const remove = async (name: string) => {
    setErr(null);
    try {
      await apiFetch(`/channels/${encodeURIComponent(name)}`, { method: 'DELETE' });
      await qc.invalidateQueries({ queryKey: ['channels'] });
    } catch (e) {
      setErr(`Could not remove ${name}: ${errorText(e)}`);
    }
  };
  return (
    <Paper withBorder p="sm">
      <Group justify="space-between" mb="xs">
        <Title order={4}>Channels</Title>
        <Button size="xs" onClick={() => setAdding(true)}>Add channel</Button>
      </Group>
      {err && <Alert color="red" variant="light" role="alert" mb="xs">{err}</Alert>}
      {q.isPending ? (
        <LoadingState what="channels" />
      ) : q.isError ? (
        <ErrorState title="Could not load the channels" error={q.error} onRetry={() => void q.refetch()} />
      ) : q.data.length === 0 ? (
        <Text size="sm" c="dimmed">No channels: alerts show here but are sent nowhere. Add a webhook or Slack channel, or [[channels]] in etcd-monitor.toml.</Text>
      ) : (
        <Table data-testid="channels-table">
          <Table.Thead>
            <Table.Tr><Table.Th>Channel</Table.Th><Table.Th>Type</Table.Th><Table.Th>Settings</Table.Th><Table.Th>Pending</Table.Th><Table.Th>Test</Table.Th><Table.Th /></Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {q.data.map((c) => {
              const o = outcomes[c.name];
              return (
                <Table.Tr key={c.name} data-channel={c.name}>
                  <Table.Td>
                    <Text size="sm" fw={500}>{c.name}</Text>
                    <Badge size="xs" variant="outline" color={c.source === 'api' ? 'teal' : 'gray'}>{c.source === 'api' ? 'UI/API' : 'config file'}</Badge>
                  </Table.Td>
                  <Table.Td>{c.type}</Table.Td>
                  <Table.Td maw={360}>{channelSettings(c).map((s) => <Code key={s} mr={4} style={{ wordBreak: 'break-all' }}>{s}</Code>)}</Table.Td>
                  <Table.Td>{c.pending}</Table.Td>
                  <Table.Td data-testid="channel-test-outcome">
                    {o === undefined ? null : o.ok ? (
                      <Stack gap={0}>
                        <Badge color={o.attempt.outcome === 'delivered' ? 'teal' : 'red'} variant="light">{o.attempt.outcome}{o.attempt.status !== undefined ? ` · HTTP ${o.attempt.status}` : ''}</Badge>
                        <Text size="xs" c="dimmed">{formatMs(o.attempt.durationMs)}{o.attempt.error ? ` — ${o.attempt.error}` : ''}</Text>
                      </Stack>
                    ) : (
                      <Text size="xs" c="red">{o.text}</Text>
                    )}
                  </Table.Td>
                  <Table.Td style={{ whiteSpace: 'nowrap' }}>
                    <Group gap="xs" justify="flex-end" wrap="nowrap">
                      <Button size="xs" variant="light" loading={testing === c.name} onClick={() => void sendTest(c.name)} aria-label={`Send a test to ${c.name}`}>Send test</Button>
                      {c.source === 'api' && <Button size="xs" variant="light" color="red" onClick={() => void remove(c.name)} aria-label={`Remove channel ${c.name}`}>Remove</Button>}
                    </Group>
                  </Table.Td>
                </Table.Tr>
              );
            })}
          </Table.Tbody>
        </Table>
      )}
      <Modal opened={adding} onClose={() => setAdding(false)} title="Add a channel" size="lg">
        {adding && (
          <ChannelForm
            onCancel={() => setAdding(false)}
            onDone={() => {
              setAdding(false);
              void qc.invalidateQueries({ queryKey: ['channels'] });
            }}
          />
        )}
      </Modal>
    </Paper>
  );
}

/** ChannelForm adds a webhook or Slack channel; the URL and token are secrets, sent once and never shown back. */
function ChannelForm({ onDone, onCancel }: { onDone: () => void; onCancel: () => void }) {
  const [v, setV] = useState<ChannelValues>({ name: '', type: 'webhook', url: '', bearerToken: '' });
  const [touched, setTouched] = useState(false);
  const [serverErr, setServerErr] = useState<{ field: keyof ChannelValues | undefined; text: string } | null>(null);
  const [busy, setBusy] = useState(false);
  const errors = validateChannel(v);
  const show = (k: keyof ChannelValues) => (touched ? errors[k] : undefined) ?? (serverErr?.field === k ? serverErr.text : undefined);
  const set = <K extends keyof ChannelValues>(k: K) => (val: ChannelValues[K]) => {
    setV((old) => ({ ...old, [k]: val }));
    setServerErr(null);
  };
  const save = async () => {
    setTouched(true);
    if (Object.keys(errors).length) return;
    setBusy(true);
    try {
      await apiFetch(`/channels/${encodeURIComponent(v.name.trim())}`, { method: 'PUT', body: toChannelInput(v) });
      onDone();
    } catch (e) {
      setServerErr({ field: channelField(e instanceof ApiError ? e.field : undefined), text: errorText(e) });
    } finally {
      setBusy(false);
    }
  };
  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        void save();
      }}
      noValidate
    >
      <Stack gap="sm">
        <TextInput label="Name" description="Letters, digits, - _ .; routes refer to it" required value={v.name} onChange={(e) => set('name')(e.currentTarget.value)} error={show('name')} data-autofocus />
        <Select label="Type" data={[{ value: 'webhook', label: 'Webhook (JSON POST)' }, { value: 'slack', label: 'Slack incoming webhook' }]} value={v.type} onChange={(x) => set('type')((x ?? 'webhook') as ChannelValues['type'])} allowDeselect={false} error={show('type')} />
        <PasswordInput label="URL" description="Write-only: stored encrypted, shown as [redacted]" required autoComplete="off" value={v.url} onChange={(e) => set('url')(e.currentTarget.value)} error={show('url')} />
        {v.type === 'webhook' && (
          <PasswordInput label="Bearer token" description="Optional; write-only" autoComplete="off" value={v.bearerToken} onChange={(e) => set('bearerToken')(e.currentTarget.value)} error={show('bearerToken')} />
        )}
        {serverErr && serverErr.field === undefined && <Alert color="red" variant="light" role="alert">{serverErr.text}</Alert>}
        <Group justify="flex-end">
          <Button variant="default" onClick={onCancel}>Cancel</Button>
          <Button type="submit" loading={busy}>Add channel</Button>
        </Group>
      </Stack>
    </form>
  );
}
