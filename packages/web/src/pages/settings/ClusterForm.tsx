import { useState } from 'react';
import { Alert, Badge, Button, Checkbox, Group, PasswordInput, SimpleGrid, Stack, Table, Text, TextInput, Textarea } from '@mantine/core';
import { ApiError, errorText } from '../../api/client.ts';
import { apiPath, useApiMutation, useApiQuery } from '../../api/use-api.ts';
import { ErrorState, LoadingState } from '../../components/states.tsx';
import { formatMs } from '../../lib/format.ts';
import { fromConfig, toInput, toReplaceInput, validateCluster, type FormValues } from './validate.ts';
import type { Cluster, ClusterConfig, ConnectionTest } from '@etcd-monitor/monitor/contract';

const EMPTY: FormValues = { name: '', endpoints: '', group: '', labels: '', user: '', password: '', cacert: '', cert: '', key: '', insecure: false, writeProbe: false };

/**
 * ClusterForm adds or edits a cluster. An edit first reads the cluster's stored configuration
 * (`GET /clusters/NAME/config`) so that the PUT sends every key back and keys the form does not show are kept.
 */
export function ClusterForm({ editing, onDone }: { editing: Cluster | null; onDone: () => void }) {
  const name = editing?.name ?? '';
  const config = useApiQuery<ClusterConfig>({
    path: apiPath`/clusters/${name}/config`,
    enabled: editing !== null,
    staleTime: 0,
    gcTime: 0,
    retry: false,
  });
  if (!editing) return <ClusterFormFields stored={null} onDone={onDone} />;
  if (config.isPending) return <LoadingState what={`the configuration of ${name}`} />;
  if (config.isError) return <ErrorState title={`Could not load the configuration of ${name}`} error={config.error} onRetry={() => void config.refetch()} />;
  return <ClusterFormFields stored={config.data} onDone={onDone} />;
}

/** ClusterFormFields is the form itself: inline validation, a connection test with per-endpoint results, write-only password. */
function ClusterFormFields({ stored, onDone }: { stored: ClusterConfig | null; onDone: () => void }) {
  const editing = stored;
  const [v, setV] = useState<FormValues>(() => (stored ? fromConfig(stored) : EMPTY));
  const [touched, setTouched] = useState(false);
  const [serverErr, setServerErr] = useState<{ field?: string | undefined; text: string } | null>(null);
  const [test, setTest] = useState<ConnectionTest | null>(null);
  const [testErr, setTestErr] = useState<string | null>(null);
  const [busy, setBusy] = useState<'save' | 'test' | null>(null);
  // A connection test changes nothing; adding or replacing a cluster refetches the clusters.
  const testConnection = useApiMutation<ConnectionTest, FormValues>({
    method: 'POST',
    path: '/clusters/test',
    body: (x) => (editing ? toReplaceInput(editing, x) : toInput(x)),
    invalidates: [],
  });
  const saveCluster = useApiMutation<unknown, FormValues>({
    method: editing ? 'PUT' : 'POST',
    path: editing ? apiPath`/clusters/${editing.name}` : '/clusters',
    body: (x) => (editing ? toReplaceInput(editing, x) : toInput(x)),
  });
  const errors = validateCluster(v);
  const show = (k: keyof FormValues) =>
    (touched ? errors[k] : undefined) ?? (serverErr?.field === k || (k === 'writeProbe' && serverErr?.field === 'write_probe') ? serverErr.text : undefined);
  const set =
    <K extends keyof FormValues>(k: K) =>
    (val: FormValues[K]) => {
      setV((old) => ({ ...old, [k]: val }));
      setServerErr(null);
    };

  const runTest = async () => {
    setTouched(true);
    if (errors.name || errors.endpoints) return;
    setBusy('test');
    setTest(null);
    setTestErr(null);
    try {
      setTest(await testConnection.mutateAsync(v));
    } catch (err) {
      setTestErr(errorText(err));
    } finally {
      setBusy(null);
    }
  };
  const save = async () => {
    setTouched(true);
    if (Object.keys(errors).length) return;
    setBusy('save');
    try {
      await saveCluster.mutateAsync(v);
      onDone();
    } catch (err) {
      // `endpoints[1]` and `labels.team` belong to the endpoints and labels inputs.
      const field = err instanceof ApiError ? err.field?.replace(/[[.].*$/, '') : undefined;
      setServerErr({ field, text: errorText(err) });
    } finally {
      setBusy(null);
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
        <SimpleGrid cols={{ base: 1, sm: 2 }}>
          <TextInput
            label="Name"
            description="Letters, digits, - _ ."
            required
            disabled={editing !== null}
            value={v.name}
            onChange={(e) => set('name')(e.currentTarget.value)}
            error={show('name')}
            data-autofocus
          />
          <TextInput label="Group" description="Groups clusters on the overview" value={v.group} onChange={(e) => set('group')(e.currentTarget.value)} error={show('group')} />
        </SimpleGrid>
        <Textarea
          label="Endpoints"
          description="One per line: host:port or https://host:port; other members are found from the member list"
          required
          autosize
          minRows={2}
          value={v.endpoints}
          onChange={(e) => set('endpoints')(e.currentTarget.value)}
          error={show('endpoints')}
        />
        <Textarea
          label="Labels"
          description="key=value, one per line; copied onto alerts"
          autosize
          minRows={1}
          value={v.labels}
          onChange={(e) => set('labels')(e.currentTarget.value)}
          error={show('labels')}
        />
        <SimpleGrid cols={{ base: 1, sm: 2 }}>
          <TextInput label="User" autoComplete="off" value={v.user} onChange={(e) => set('user')(e.currentTarget.value)} error={show('user')} />
          <PasswordInput
            label="Password"
            description={
              editing
                ? editing.has_password
                  ? 'Write-only: a password is stored; leave empty to keep it'
                  : 'Write-only: no password stored'
                : 'Write-only: stored encrypted, never shown again'
            }
            autoComplete="new-password"
            placeholder={editing?.has_password ? '(unchanged)' : ''}
            value={v.password}
            onChange={(e) => set('password')(e.currentTarget.value)}
            error={show('password')}
          />
        </SimpleGrid>
        <SimpleGrid cols={{ base: 1, sm: 3 }}>
          <TextInput label="CA file" placeholder="/etc/etcd/ca.pem" value={v.cacert} onChange={(e) => set('cacert')(e.currentTarget.value)} error={show('cacert')} />
          <TextInput label="Client cert file" value={v.cert} onChange={(e) => set('cert')(e.currentTarget.value)} error={show('cert')} />
          <TextInput label="Client key file" value={v.key} onChange={(e) => set('key')(e.currentTarget.value)} error={show('key')} />
        </SimpleGrid>
        <Group>
          <Checkbox label="Skip TLS verification" checked={v.insecure} onChange={(e) => set('insecure')(e.currentTarget.checked)} />
          <Checkbox label="Write probe (puts a key with a 60 s lease)" checked={v.writeProbe} onChange={(e) => set('writeProbe')(e.currentTarget.checked)} />
        </Group>
        {serverErr && !['name', 'endpoints', 'group', 'labels', 'user', 'password', 'cacert', 'cert', 'key'].includes(serverErr.field ?? '') && (
          <Alert color="red" variant="light" role="alert" data-testid="form-error">
            {serverErr.text}
          </Alert>
        )}
        {testErr && (
          <Alert color="red" variant="light" role="alert">
            {testErr}
          </Alert>
        )}
        {test && (
          <Stack gap={4} data-testid="connection-test">
            <Group gap="xs">
              <Text size="sm" fw={600}>
                Connection test:
              </Text>
              <Badge color={test.verdict === 'healthy' ? 'teal' : 'red'}>{test.verdict}</Badge>
              {test.reasons.map((r) => (
                <Text key={r} size="xs" c="dimmed">
                  {r}
                </Text>
              ))}
            </Group>
            <Table className="tabular">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Endpoint</Table.Th>
                  <Table.Th>Result</Table.Th>
                  <Table.Th>Member</Table.Th>
                  <Table.Th>Version</Table.Th>
                  <Table.Th>Latency</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {test.endpoints.map((r) => (
                  <Table.Tr key={r.endpoint}>
                    <Table.Td>{r.endpoint}</Table.Td>
                    <Table.Td>
                      {r.ok ? (
                        <Badge color="teal" variant="light">
                          ok{r.isLeader ? ' · leader' : ''}
                        </Badge>
                      ) : (
                        <Badge color="red" variant="light">
                          failed
                        </Badge>
                      )}
                      {r.error && (
                        <Text size="xs" c="red">
                          {r.error}
                          {r.hint ? ` — ${r.hint}` : ''}
                        </Text>
                      )}
                    </Table.Td>
                    <Table.Td>{r.name ?? '—'}</Table.Td>
                    <Table.Td>{r.version ?? '—'}</Table.Td>
                    <Table.Td>{formatMs(r.latencyMs)}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Stack>
        )}
        <Group justify="flex-end">
          <Button variant="default" onClick={onDone}>
            Cancel
          </Button>
          <Button variant="light" onClick={() => void runTest()} loading={busy === 'test'}>
            Test connection
          </Button>
          <Button type="submit" loading={busy === 'save'}>
            {editing ? 'Save changes' : 'Add cluster'}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}
