import { useState } from 'react';
import { Alert, Badge, Button, Group, Modal, Paper, Stack, Table, Text, Title, Tooltip } from '@mantine/core';
import { useClusters } from '../../api/queries.ts';
import { errorText } from '../../api/client.ts';
import { apiPath, useApiMutation } from '../../api/use-api.ts';
import { EmptyState, ErrorState, LoadingState } from '../../components/states.tsx';
import { ClusterForm } from './ClusterForm.tsx';
import type { Cluster } from '@etcd-monitor/monitor/contract';

/** SettingsPage manages the watched clusters: add, edit and remove those created through the API. */
export function SettingsPage() {
  const clusters = useClusters();
  const removeCluster = useApiMutation<unknown, string>({ method: 'DELETE', path: (name) => apiPath`/clusters/${name}` });
  const [editing, setEditing] = useState<Cluster | 'new' | null>(null);
  const [removing, setRemoving] = useState<Cluster | null>(null);
  const [removeErr, setRemoveErr] = useState<string | null>(null);
  const done = () => setEditing(null);
  return (
    <Stack gap="md">
      <Group justify="space-between">
        <div>
          <Title order={2}>Settings</Title>
          <Text size="sm" c="dimmed">
            Clusters from etcd-monitor.toml are read-only here; change them in the file and restart.
          </Text>
        </div>
        <Button onClick={() => setEditing('new')}>Add cluster</Button>
      </Group>
      <Paper withBorder p="sm">
        <Title order={4} mb="xs">
          Clusters
        </Title>
        {clusters.isPending ? (
          <LoadingState what="clusters" />
        ) : clusters.isError ? (
          <ErrorState title="Could not load the clusters" error={clusters.error} onRetry={() => void clusters.refetch()} />
        ) : clusters.data.length === 0 ? (
          <EmptyState title="No clusters yet">Add one with the button above.</EmptyState>
        ) : (
          <Table data-testid="settings-clusters">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Name</Table.Th>
                <Table.Th>Group</Table.Th>
                <Table.Th>Endpoints</Table.Th>
                <Table.Th>Source</Table.Th>
                <Table.Th />
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {[...clusters.data]
                .sort((a, b) => a.name.localeCompare(b.name))
                .map((c) => (
                  <Table.Tr key={c.name}>
                    <Table.Td>{c.name}</Table.Td>
                    <Table.Td>{c.group || '—'}</Table.Td>
                    <Table.Td>
                      <Text size="sm" ff="monospace">
                        {c.endpoints.join(', ')}
                      </Text>
                    </Table.Td>
                    <Table.Td>
                      <Badge variant="outline" color={c.source === 'api' ? 'teal' : 'gray'}>
                        {c.source === 'api' ? 'UI/API' : 'config file'}
                      </Badge>
                    </Table.Td>
                    <Table.Td>
                      <Tooltip label="Defined in etcd-monitor.toml: edit the file" disabled={c.source === 'api'}>
                        <Group gap="xs" justify="flex-end">
                          <Button size="xs" variant="default" disabled={c.source !== 'api'} onClick={() => setEditing(c)}>
                            Edit
                          </Button>
                          <Button
                            size="xs"
                            variant="light"
                            color="red"
                            disabled={c.source !== 'api'}
                            onClick={() => {
                              setRemoveErr(null);
                              setRemoving(c);
                            }}
                          >
                            Remove
                          </Button>
                        </Group>
                      </Tooltip>
                    </Table.Td>
                  </Table.Tr>
                ))}
            </Table.Tbody>
          </Table>
        )}
      </Paper>
      <Modal opened={editing !== null} onClose={() => setEditing(null)} title={editing === 'new' ? 'Add a cluster' : `Edit ${editing?.name ?? ''}`} size="xl">
        {editing !== null && <ClusterForm key={editing === 'new' ? '(new)' : editing.name} editing={editing === 'new' ? null : editing} onDone={done} />}
      </Modal>
      <Modal opened={removing !== null} onClose={() => setRemoving(null)} title={`Remove ${removing?.name ?? ''}?`}>
        <Stack>
          <Text size="sm">The monitor stops watching it. Its history (series and events) stays in the store.</Text>
          {removeErr && (
            <Alert color="red" variant="light" role="alert">
              {removeErr}
            </Alert>
          )}
          <Group justify="flex-end">
            <Button variant="default" onClick={() => setRemoving(null)}>
              Cancel
            </Button>
            <Button
              color="red"
              onClick={async () => {
                try {
                  await removeCluster.mutateAsync(removing!.name);
                  setRemoving(null);
                  done();
                } catch (err) {
                  setRemoveErr(errorText(err));
                }
              }}
            >
              Remove
            </Button>
          </Group>
        </Stack>
      </Modal>
    </Stack>
  );
}
