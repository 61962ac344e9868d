import { useMemo, useState } from 'react';
import { Alert, Anchor, Badge, Button, Checkbox, Code, Group, Modal, Paper, PasswordInput, Select, SimpleGrid, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { ApiError, errorText } from '../../api/client.ts';
import { apiPath, useApiMutation, useApiQuery } from '../../api/use-api.ts';
import { ErrorState, LoadingState } from '../../components/states.tsx';
import { formatMs } from '../../lib/format.ts';
import {
  channelField,
  channelSettings,
  channelTypeDefs,
  emptyChannel,
  fromChannel,
  toChannelInput,
  validateChannel,
  type ChannelType,
  type ChannelTypes,
  type ChannelValues,
  type FieldDef,
} from './channel.ts';
import type { Channel, ChannelTypeView, DeliveryAttempt } from '@etcd-monitor/monitor/contract';

type TestOutcome = { ok: true; attempt: DeliveryAttempt } | { ok: false; text: string };

/** ChannelsPanel lists the channels, sends a test to one, and adds, edits or removes channels created through the API. */
export function ChannelsPanel() {
  const q = useApiQuery<Channel[]>({ path: '/channels', refetchInterval: 15_000, retry: false });
  // The channel types and their keys come from the monitor's notifiers, so the form never restates them.
  const typesQ = useApiQuery<ChannelTypeView[]>({ path: '/channel-types', staleTime: Infinity, retry: false });
  const types = useMemo(() => (typesQ.data ? channelTypeDefs(typesQ.data) : undefined), [typesQ.data]);
  // A test is a delivery like any other: it shows in the delivery log.
  const test = useApiMutation<DeliveryAttempt, string>({ method: 'POST', path: (name) => apiPath`/channels/${name}/test`, invalidates: ['/notifications'] });
  const removeChannel = useApiMutation<unknown, string>({ method: 'DELETE', path: (name) => apiPath`/channels/${name}` });
  // editing is the form's starting values while the add/edit dialog is open; `existing` tells an edit from an add.
  const [editing, setEditing] = useState<{ values: ChannelValues; existing: boolean } | null>(null);
  const [testing, setTesting] = useState<string | null>(null);
  const [outcomes, setOutcomes] = useState<Record<string, TestOutcome>>({});
  const [err, setErr] = useState<string | null>(null);
  const sendTest = async (name: string) => {
    setTesting(name);
    try {
      const attempt = await test.mutateAsync(name);
      setOutcomes((o) => ({ ...o, [name]: { ok: true, attempt } }));
    } catch (e) {
      setOutcomes((o) => ({ ...o, [name]: { ok: false, text: errorText(e) } }));
    } finally {
      setTesting(null);
    }
  };
  const remove = async (name: string) => {
    setErr(null);
    try {
      await removeChannel.mutateAsync(name);
    } catch (e) {
      setErr(`Could not remove ${name}: ${errorText(e)}`);
    }
  };
  return (
    <Paper withBorder p="sm">
      <Group justify="space-between" mb="xs">
        <Title order={4}>Channels</Title>
        <Button size="xs" disabled={!types} onClick={() => types && setEditing({ values: emptyChannel(types), existing: false })}>
          Add channel
        </Button>
      </Group>
      {err && (
        <Alert color="red" variant="light" role="alert" mb="xs">
          {err}
        </Alert>
      )}
      {q.isPending ? (
        <LoadingState what="channels" />
      ) : q.isError ? (
        <ErrorState title="Could not load the channels" error={q.error} onRetry={() => void q.refetch()} />
      ) : q.data.length === 0 ? (
        <Text size="sm" c="dimmed">
          No channels: alerts show here but are sent nowhere. Add an email, Slack, PagerDuty, webhook or Alertmanager channel, or [[channels]] in etcd-monitor.toml.
        </Text>
      ) : (
        <Table data-testid="channels-table">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Channel</Table.Th>
              <Table.Th>Type</Table.Th>
              <Table.Th>Settings</Table.Th>
              <Table.Th>Pending</Table.Th>
              <Table.Th>Test</Table.Th>
              <Table.Th />
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {q.data.map((c) => {
              const o = outcomes[c.name];
              return (
                <Table.Tr key={c.name} data-channel={c.name}>
                  <Table.Td>
                    <Text size="sm" fw={500}>
                      {c.name}
                    </Text>
                    <Badge size="xs" variant="outline" color={c.source === 'api' ? 'teal' : 'gray'}>
                      {c.source === 'api' ? 'UI/API' : 'config file'}
                    </Badge>
                  </Table.Td>
                  <Table.Td>{c.type}</Table.Td>
                  <Table.Td maw={360}>
                    {channelSettings(c).map((s) => (
                      <Code key={s} mr={4} style={{ wordBreak: 'break-all' }}>
                        {s}
                      </Code>
                    ))}
                  </Table.Td>
                  <Table.Td>{c.pending}</Table.Td>
                  <Table.Td data-testid="channel-test-outcome">
                    {o === undefined ? null : o.ok ? (
                      <Stack gap={0}>
                        <Badge color={o.attempt.outcome === 'delivered' ? 'teal' : 'red'} variant="light">
                          {o.attempt.outcome}
                          {o.attempt.status !== undefined ? ` · HTTP ${o.attempt.status}` : ''}
                        </Badge>
                        <Text size="xs" c="dimmed">
                          {formatMs(o.attempt.durationMs)}
                          {o.attempt.error ? ` — ${o.attempt.error}` : ''}
                        </Text>
                      </Stack>
                    ) : (
                      <Text size="xs" c="red">
                        {o.text}
                      </Text>
                    )}
                  </Table.Td>
                  <Table.Td style={{ whiteSpace: 'nowrap' }}>
                    <Group gap="xs" justify="flex-end" wrap="nowrap">
                      <Button size="xs" variant="light" loading={testing === c.name} onClick={() => void sendTest(c.name)} aria-label={`Send a test to ${c.name}`}>
                        Send test
                      </Button>
                      {c.source === 'api' && (
                        <Button
                          size="xs"
                          variant="default"
                          disabled={!types}
                          onClick={() => types && setEditing({ values: fromChannel(types, c), existing: true })}
                          aria-label={`Edit channel ${c.name}`}
                        >
                          Edit
                        </Button>
                      )}
                      {c.source === 'api' && (
                        <Button size="xs" variant="light" color="red" onClick={() => void remove(c.name)} aria-label={`Remove channel ${c.name}`}>
                          Remove
                        </Button>
                      )}
                    </Group>
                  </Table.Td>
                </Table.Tr>
              );
            })}
          </Table.Tbody>
        </Table>
      )}
      <Modal opened={editing !== null} onClose={() => setEditing(null)} title={editing?.existing ? `Edit channel ${editing.values.name}` : 'Add a channel'} size="lg">
        {editing && types && <ChannelForm types={types} initial={editing.values} existing={editing.existing} onCancel={() => setEditing(null)} onDone={() => setEditing(null)} />}
      </Modal>
    </Paper>
  );
}

/**
 * ChannelForm adds a channel of any type or edits one created through the API. Secrets are write-only: an edit shows
 * them blank, and blank keeps the stored value (the monitor fills it in); "Remove" clears an optional one.
 */
function ChannelForm({ types, initial, existing, onDone, onCancel }: { types: ChannelTypes; initial: ChannelValues; existing: boolean; onDone: () => void; onCancel: () => void }) {
  const [v, setV] = useState<ChannelValues>(initial);
  const [touched, setTouched] = useState(false);
  const [serverErr, setServerErr] = useState<{ field: string | undefined; text: string } | null>(null);
  const [busy, setBusy] = useState(false);
  const putChannel = useApiMutation<unknown, ChannelValues>({ method: 'PUT', path: (x) => apiPath`/channels/${x.name.trim()}`, body: (x) => toChannelInput(types, x) });
  const errors = validateChannel(types, v);
  const show = (k: string) => (touched ? errors[k] : undefined) ?? (serverErr?.field === k ? serverErr.text : undefined);
  const update = (next: Partial<ChannelValues>) => {
    setV((old) => ({ ...old, ...next }));
    setServerErr(null);
  };
  const setField = (k: string, val: string | boolean) => {
    setV((old) => ({ ...old, fields: { ...old.fields, [k]: val } }));
    setServerErr(null);
  };
  const setType = (type: ChannelType) => {
    // Another type shares no stored secrets: the monitor keeps them only for the same type.
    const fresh = emptyChannel(types, type, v.name);
    update({ type, fields: fresh.fields, stored: type === initial.type ? initial.stored : [], clear: [] });
  };
  const save = async () => {
    setTouched(true);
    if (Object.keys(errors).length) return;
    setBusy(true);
    try {
      await putChannel.mutateAsync(v);
      onDone();
    } catch (e) {
      setServerErr({ field: channelField(types, e instanceof ApiError ? e.field : undefined, v.type), text: errorText(e) });
    } finally {
      setBusy(false);
    }
  };
  const input = (f: FieldDef) => {
    const error = show(f.key);
    const value = v.fields[f.key];
    if (f.kind === 'boolean') return <Checkbox key={f.key} label={f.label} checked={value === true} onChange={(e) => setField(f.key, e.currentTarget.checked)} error={error} />;
    if (f.kind === 'select') {
      return (
        <Select
          key={f.key}
          label={f.label}
          description={f.description}
          data={f.options ?? []}
          value={(value as string) || null}
          onChange={(x) => setField(f.key, x ?? '')}
          clearable
          error={error}
        />
      );
    }
    if (f.kind === 'secret') {
      const stored = v.stored.includes(f.key);
      const cleared = v.clear.includes(f.key);
      const description = stored && !cleared ? 'Stored (write-only): leave blank to keep it' : 'Write-only: stored encrypted, shown as [redacted]';
      return (
        <Stack key={f.key} gap={2}>
          <PasswordInput
            label={f.label}
            description={description}
            placeholder={stored && !cleared ? '•••••• (unchanged)' : f.placeholder}
            required={f.required && !(stored && !cleared)}
            autoComplete="new-password"
            value={value as string}
            onChange={(e) => setField(f.key, e.currentTarget.value)}
            error={error}
          />
          {stored && !f.required && (
            <Anchor
              component="button"
              type="button"
              size="xs"
              style={{ alignSelf: 'flex-start' }}
              onClick={() => update({ clear: cleared ? v.clear.filter((k) => k !== f.key) : [...v.clear, f.key] })}
            >
              {cleared ? `Keep the stored ${f.label.toLowerCase()}` : `Remove the stored ${f.label.toLowerCase()}`}
            </Anchor>
          )}
        </Stack>
      );
    }
    return (
      <TextInput
        key={f.key}
        label={f.label}
        description={f.description}
        placeholder={f.placeholder}
        required={f.required}
        value={value as string}
        onChange={(e) => setField(f.key, e.currentTarget.value)}
        error={error}
      />
    );
  };
  const fields = types[v.type]?.fields ?? [];
  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        void save();
      }}
      noValidate
    >
      <Stack gap="sm">
        <SimpleGrid cols={2}>
          <TextInput
            label="Name"
            description="Letters, digits, - _ .; routes refer to it"
            required
            readOnly={existing}
            value={v.name}
            onChange={(e) => update({ name: e.currentTarget.value })}
            error={show('name')}
            data-autofocus={existing ? undefined : true}
          />
          <Select
            label="Type"
            data={Object.entries(types).map(([value, t]) => ({ value, label: t.label }))}
            value={v.type}
            onChange={(x) => setType((x ?? v.type) as ChannelType)}
            allowDeselect={false}
            error={show('type')}
          />
        </SimpleGrid>
        {fields.filter((f) => f.kind !== 'boolean').map(input)}
        {fields.some((f) => f.kind === 'boolean') && <Group gap="lg">{fields.filter((f) => f.kind === 'boolean').map(input)}</Group>}
        {serverErr && serverErr.field === undefined && (
          <Alert color="red" variant="light" role="alert">
            {serverErr.text}
          </Alert>
        )}
        <Group justify="flex-end">
          <Button variant="default" onClick={onCancel}>
            Cancel
          </Button>
          <Button type="submit" loading={busy}>
            {existing ? 'Save channel' : 'Add channel'}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}
