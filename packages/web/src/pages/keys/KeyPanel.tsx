import { useState } from 'react';
import { Alert, Badge, Button, Code, Grid, Group, Modal, Paper, Radio, Stack, Table, Tabs, Text, Textarea, Title } from '@mantine/core';
import { useQueryClient } from '@tanstack/react-query';
import type { KeyDetail, KeyHistory, KeyView, PutResult } from '@etcd-monitor/monitor/contract';
import { ApiError, apiFetch, errorText } from '../../api/client.ts';
import { kvPath, withQuery } from '../../api/kv.ts';
import { invalidatePaths, useApiQuery } from '../../api/use-api.ts';
import { EmptyState, ErrorState, LoadingState } from '../../components/states.tsx';
import { hex16 } from '@etcd-monitor/core/parse';
import { viewValue } from '../../lib/kv-value.ts';
import { lineDiff } from '../../lib/line-diff.ts';

/** Conflict is a refused save: the key as it is in etcd now (null: deleted) and the text the operator wrote. */
interface Conflict {
  current: KeyView | null;
  mine: string;
}

/** KeyPanel is one key: its value in its detected format, lease and TTL, revisions, the editor with compare-and-swap, and its history with a diff. */
export function KeyPanel({ cluster, name, canWrite, onDeleted }: { cluster: string; name: string; canWrite: boolean; onDeleted: () => void }) {
  const q = useApiQuery<KeyDetail>({ path: kvPath(cluster, '/key'), params: { key: name }, retry: false });
  if (q.isPending) return <LoadingState what={`key ${name}`} />;
  if (q.isError) {
    if (q.error instanceof ApiError && q.error.status === 404) {
      return <EmptyState title="This key does not exist">It may have been deleted or expired with its lease.</EmptyState>;
    }
    return <ErrorState title={`Could not read ${name}`} error={q.error} onRetry={() => void q.refetch()} />;
  }
  return <KeyDetailView cluster={cluster} detail={q.data} canWrite={canWrite} onDeleted={onDeleted} />;
}

function KeyDetailView({ cluster, detail, canWrite, onDeleted }: { cluster: string; detail: KeyDetail; canWrite: boolean; onDeleted: () => void }) {
  const kv = detail.kv;
  const view = viewValue(kv);
  return (
    <Stack gap="sm" data-testid="key-panel" data-key={kv.key} data-mod-revision={kv.modRevision}>
      <Group justify="space-between" wrap="nowrap" align="flex-start">
        <Title order={3} ff="monospace" style={{ wordBreak: 'break-all' }}>
          {kv.key}
        </Title>
        <Badge variant="light" data-testid="value-format">
          {view.format === 'binary' ? 'binary (hex)' : view.format.toUpperCase()}
        </Badge>
      </Group>
      <Text size="sm" c="dimmed" className="tabular" data-testid="key-meta">
        {kv.size} bytes · version {kv.version} · modified at revision {kv.modRevision} · created at revision {kv.createRevision} · read at revision {detail.revision}
      </Text>
      <Text size="sm" data-testid="key-lease">
        {detail.lease
          ? `Lease ${hex16(detail.lease.id)} · ${detail.lease.ttl < 0 ? 'expired' : `TTL ${detail.lease.ttl} s of ${detail.lease.grantedTtl} s`}`
          : 'No lease: the key stays until it is deleted.'}
      </Text>
      <Tabs defaultValue="value" keepMounted={false}>
        <Tabs.List>
          <Tabs.Tab value="value">Value</Tabs.Tab>
          <Tabs.Tab value="history" data-testid="tab-history">
            History
          </Tabs.Tab>
        </Tabs.List>
        <Tabs.Panel value="value" pt="sm">
          <ValueEditor cluster={cluster} kv={kv} text={view.text} editable={view.editable} canWrite={canWrite} onDeleted={onDeleted} />
        </Tabs.Panel>
        <Tabs.Panel value="history" pt="sm">
          <History cluster={cluster} name={kv.key} />
        </Tabs.Panel>
      </Tabs>
    </Stack>
  );
}

function ValueEditor({
  cluster,
  kv,
  text,
  editable,
  canWrite,
  onDeleted,
}: {
  cluster: string;
  kv: KeyView;
  text: string;
  editable: boolean;
  canWrite: boolean;
  onDeleted: () => void;
}) {
  const qc = useQueryClient();
  // The revision the edit started from: a refetch while editing must not move it, or a save would overwrite a change unseen.
  const [base, setBase] = useState<KeyView | undefined>(undefined);
  const [draft, setDraft] = useState('');
  const [conflict, setConflict] = useState<Conflict | undefined>(undefined);
  const [error, setError] = useState<unknown>(undefined);
  const [busy, setBusy] = useState(false);
  const [confirmDelete, setConfirmDelete] = useState(false);
  const refresh = () => invalidatePaths(qc, [kvPath(cluster)]);

  const save = async () => {
    if (!base) return;
    setBusy(true);
    setError(undefined);
    try {
      await apiFetch<PutResult>(kvPath(cluster), { method: 'PUT', body: { key: base.key, value: draft, expectModRevision: base.modRevision } });
      setBase(undefined);
      setConflict(undefined);
      await refresh();
    } catch (e) {
      if (e instanceof ApiError && e.code === 'MON_KV_CONFLICT') setConflict({ current: (e.details?.current as KeyView | null | undefined) ?? null, mine: draft });
      else setError(e);
    } finally {
      setBusy(false);
    }
  };
  const del = async () => {
    setBusy(true);
    try {
      await apiFetch(withQuery(kvPath(cluster), { key: kv.key, expectModRevision: kv.modRevision }), { method: 'DELETE' });
      setConfirmDelete(false);
      await refresh();
      onDeleted();
    } catch (e) {
      setError(e);
      setConfirmDelete(false);
    } finally {
      setBusy(false);
    }
  };

  if (base) {
    return (
      <Stack gap="sm">
        <Textarea
          label={`Value (editing revision ${base.modRevision})`}
          description="Saved only if nobody changed the key since this revision."
          value={draft}
          onChange={(e) => setDraft(e.currentTarget.value)}
          autosize
          minRows={6}
          maxRows={30}
          styles={{ input: { fontFamily: 'var(--mantine-font-family-monospace)' } }}
          data-testid="value-editor"
        />
        {conflict && (
          <Alert color="orange" role="alert" title="Not saved: the key changed since you started editing" data-testid="kv-conflict">
            <Stack gap="xs">
              <Text size="sm">
                {conflict.current
                  ? `Someone else wrote it at revision ${conflict.current.modRevision}. Your edit was not written; compare the two below.`
                  : 'Someone else deleted it. Your edit was not written.'}
              </Text>
              <Grid>
                <Grid.Col span={6}>
                  <Text size="xs" fw={600}>
                    Now in etcd{conflict.current ? ` (revision ${conflict.current.modRevision})` : ''}
                  </Text>
                  <pre className="value-view" data-testid="conflict-current">
                    {conflict.current ? viewValue(conflict.current).text : '(deleted)'}
                  </pre>
                </Grid.Col>
                <Grid.Col span={6}>
                  <Text size="xs" fw={600}>
                    Yours
                  </Text>
                  <pre className="value-view" data-testid="conflict-mine">
                    {conflict.mine}
                  </pre>
                </Grid.Col>
              </Grid>
              {conflict.current && (
                <Group>
                  <Button
                    size="xs"
                    variant="default"
                    onClick={() => {
                      // Editing on from the current revision: the next save is checked against it.
                      setBase(conflict.current!);
                      setConflict(undefined);
                      void refresh();
                    }}
                    data-testid="conflict-rebase"
                  >
                    Keep my text, edit on from revision {conflict.current.modRevision}
                  </Button>
                </Group>
              )}
            </Stack>
          </Alert>
        )}
        {error !== undefined && (
          <Alert color="red" role="alert" title="Not saved">
            {errorText(error)}
          </Alert>
        )}
        <Group>
          <Button onClick={() => void save()} loading={busy} disabled={conflict !== undefined} data-testid="value-save">
            Save
          </Button>
          <Button
            variant="default"
            onClick={() => {
              setBase(undefined);
              setConflict(undefined);
              void refresh();
            }}
          >
            Cancel
          </Button>
        </Group>
      </Stack>
    );
  }
  return (
    <Stack gap="sm">
      <pre className="value-view" data-testid="value-view">
        {text}
      </pre>
      {error !== undefined && (
        <Alert color="red" role="alert" title="Not done">
          {errorText(error)}
        </Alert>
      )}
      {canWrite && (
        <Group>
          <Button
            size="xs"
            disabled={!editable}
            title={editable ? undefined : 'Bytes that are not text cannot be edited here; use etcd-monitor ctl put.'}
            onClick={() => {
              setDraft(kv.value ?? '');
              setBase(kv);
            }}
            data-testid="value-edit"
          >
            Edit
          </Button>
          <Button size="xs" color="red" variant="light" onClick={() => setConfirmDelete(true)} data-testid="key-delete">
            Delete
          </Button>
        </Group>
      )}
      {confirmDelete && (
        <Modal opened onClose={() => setConfirmDelete(false)} title="Delete this key">
          <Stack gap="sm">
            <Text size="sm">
              Delete <Code>{kv.key}</Code> (revision {kv.modRevision})? If it changed since, nothing is deleted.
            </Text>
            <Group justify="flex-end">
              <Button variant="default" onClick={() => setConfirmDelete(false)}>
                Cancel
              </Button>
              <Button color="red" loading={busy} onClick={() => void del()} data-testid="key-delete-confirm">
                Delete 1 key
              </Button>
            </Group>
          </Stack>
        </Modal>
      )}
    </Stack>
  );
}

function History({ cluster, name }: { cluster: string; name: string }) {
  const q = useApiQuery<KeyHistory>({ path: kvPath(cluster, '/history'), params: { key: name, limit: '50' } });
  const [a, setA] = useState<string | undefined>(undefined);
  const [b, setB] = useState<string | undefined>(undefined);
  if (q.isPending) return <LoadingState what="history" />;
  if (q.isError) return <ErrorState error={q.error} onRetry={() => void q.refetch()} />;
  const versions = q.data.versions;
  const newer = versions.find((v) => v.modRevision === b) ?? versions[0];
  const older = versions.find((v) => v.modRevision === a) ?? versions[1] ?? versions[0];
  return (
    <Stack gap="sm" data-testid="key-history">
      <Table striped withTableBorder className="tabular">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Old</Table.Th>
            <Table.Th>New</Table.Th>
            <Table.Th>Revision</Table.Th>
            <Table.Th>Version</Table.Th>
            <Table.Th>Size</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {versions.map((v) => (
            <Table.Tr key={v.modRevision} data-testid="history-row" data-revision={v.modRevision}>
              <Table.Td>
                <Radio aria-label={`compare from revision ${v.modRevision}`} checked={older?.modRevision === v.modRevision} onChange={() => setA(v.modRevision)} />
              </Table.Td>
              <Table.Td>
                <Radio aria-label={`compare to revision ${v.modRevision}`} checked={newer?.modRevision === v.modRevision} onChange={() => setB(v.modRevision)} />
              </Table.Td>
              <Table.Td>{v.modRevision}</Table.Td>
              <Table.Td>{v.version}</Table.Td>
              <Table.Td>{v.size} B</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      {q.data.compacted && (
        <Text size="sm" c="dimmed">
          Older versions were compacted away.
        </Text>
      )}
      {q.data.truncated && (
        <Text size="sm" c="dimmed">
          Only the newest {versions.length} versions are listed.
        </Text>
      )}
      {older && newer && (
        <Paper withBorder p="xs">
          <Text size="xs" fw={600} mb={4}>
            Revision {older.modRevision} → {newer.modRevision}
          </Text>
          <pre className="value-view diff" data-testid="history-diff">
            {lineDiff(viewValue(older).text, viewValue(newer).text).map((l, i) => (
              <div key={i} className={l.op === '+' ? 'diff-add' : l.op === '-' ? 'diff-del' : undefined}>
                {l.op} {l.text}
              </div>
            ))}
          </pre>
        </Paper>
      )}
    </Stack>
  );
}
