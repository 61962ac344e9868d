import { useEffect, useState } from 'react';
import { Alert, Button, Code, Group, Loader, Modal, Stack, Text } from '@mantine/core';
import { useQueryClient } from '@tanstack/react-query';
import type { DeleteResult } from '@etcd-monitor/monitor/contract';
import { apiFetch, errorText } from '../api/client.ts';
import { kvPath, withQuery } from '../api/kv.ts';
import { invalidatePaths } from '../api/use-api.ts';

/** DeletePrefixDialog (onDone, when given, replaces onClose after a delete) counts the keys under a prefix (or from a key on, with fromKey) by a dry run, shows the count, and deletes only that many: the count is sent as expectCount, so keys added meanwhile make the delete fail instead of going too. */
export function DeletePrefixDialog({
  cluster,
  prefix,
  fromKey = false,
  onClose,
  onDone,
}: {
  cluster: string;
  prefix: string;
  fromKey?: boolean;
  onClose: () => void;
  onDone?: (r: DeleteResult) => void;
}) {
  const scope: Record<string, string> = fromKey ? { fromKey: 'true' } : { prefix: 'true' };
  const qc = useQueryClient();
  const [count, setCount] = useState<number | undefined>(undefined);
  const [error, setError] = useState<unknown>(undefined);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    const ac = new AbortController();
    apiFetch<DeleteResult>(withQuery(kvPath(cluster), { key: prefix, ...(fromKey ? { fromKey: 'true' } : { prefix: 'true' }), dryRun: 'true' }), {
      method: 'DELETE',
      signal: ac.signal,
    }).then(
      (r) => setCount(r.deleted),
      (e: unknown) => {
        if (!ac.signal.aborted) setError(e);
      },
    );
    return () => ac.abort();
  }, [cluster, prefix, fromKey]);
  const confirm = async () => {
    if (count === undefined) return;
    setBusy(true);
    try {
      const r = await apiFetch<DeleteResult>(withQuery(kvPath(cluster), { key: prefix, ...scope, expectCount: String(count) }), { method: 'DELETE' });
      await invalidatePaths(qc, [kvPath(cluster)]);
      if (onDone) onDone(r);
      else onClose();
    } catch (e) {
      setError(e);
      setCount(undefined);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Modal opened onClose={onClose} title={fromKey ? 'Delete every key from a key on' : 'Delete every key under a prefix'} data-testid="delete-prefix-dialog">
      <Stack gap="sm">
        <Text size="sm">
          {fromKey ? 'Every key from' : 'Prefix'} <Code>{prefix}</Code>
          {fromKey ? ' on, in byte order, to the end of the keyspace' : ''}
        </Text>
        {count === undefined && error === undefined && (
          <Group gap="xs">
            <Loader size="xs" />
            <Text size="sm">Counting the keys that would go…</Text>
          </Group>
        )}
        {count !== undefined && (
          <Text fw={600} data-testid="delete-count" data-count={count}>
            {count === 0 ? 'No key is under this prefix.' : `${count} ${count === 1 ? 'key' : 'keys'} will be deleted. This cannot be undone.`}
          </Text>
        )}
        {error !== undefined && (
          <Alert color="red" role="alert" title="Not deleted">
            {errorText(error)}
          </Alert>
        )}
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            Cancel
          </Button>
          <Button color="red" disabled={count === undefined || count === 0} loading={busy} onClick={() => void confirm()} data-testid="delete-confirm">
            Delete {count ?? '…'} {count === 1 ? 'key' : 'keys'}
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}
