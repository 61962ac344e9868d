import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { Anchor, Button, Grid, Group, Paper, Stack, Text, TextInput, Title, UnstyledButton } from '@mantine/core';
import { Link, useParams, useSearchParams } from 'react-router';
import { prefetchLevel, useKeyPages } from '../../api/kv.ts';
import { errorText } from '../../api/client.ts';
import { useCanOperate } from '../../api/queries.ts';
import { DeletePrefixDialog } from '../../components/DeletePrefixDialog.tsx';
import { EmptyState } from '../../components/states.tsx';
import { KeyLevel } from './KeyTree.tsx';
import { KeyPanel } from './KeyPanel.tsx';
import { PrefixStatsPanel } from './PrefixStatsPanel.tsx';
import { ClusterBreadcrumbs } from '../../components/ClusterBreadcrumbs.tsx';

/** KeysPage is a cluster's key browser: a tree read level by level, search by prefix, one key's value, editor and history, and per-prefix sizes. */
export function KeysPage() {
  const cluster = useParams().name ?? '';
  const [params, setParams] = useSearchParams();
  const selected = params.get('key') ?? undefined;
  const separator = params.get('sep') || '/';
  const search = params.get('prefix') ?? '';
  const [searchText, setSearchText] = useState(search);
  // Keys usually start with the separator (`/registry/…`): that folder starts open, saving a click into the one entry at the top.
  const [open, setOpen] = useState<Set<string>>(() => new Set([separator]));
  const [deleting, setDeleting] = useState<string | undefined>(undefined);
  const canWrite = useCanOperate();
  const qc = useQueryClient();
  // The separator's folder starts open: its level is read beside the root's, not after the root's answer is drawn,
  // and a single folder in it (`/registry/`) is read as soon as that answer is in.
  useEffect(() => {
    if (!search) void prefetchLevel(qc, cluster, separator, separator);
  }, [qc, cluster, separator, search]);
  const set = (k: string, v: string | undefined) =>
    setParams(
      (p) => {
        const n = new URLSearchParams(p);
        if (v === undefined || v === '') n.delete(k);
        else n.set(k, v);
        return n;
      },
      { replace: k !== 'key' },
    );
  const lastOpen = [...open].at(-1) ?? '';
  // Stable callbacks: the tree's rows are memoised and re-render only when one of their own props changes.
  const setRef = useRef(set);
  useEffect(() => {
    setRef.current = set;
  });
  const onToggle = useCallback(
    (p: string) =>
      setOpen((o) => {
        const n = new Set(o);
        if (n.has(p)) n.delete(p);
        else n.add(p);
        return n;
      }),
    [],
  );
  const onSelect = useCallback((k: string) => setRef.current('key', k), []);
  const tree = useMemo(
    () => ({ cluster, separator, open, selected, canWrite, onToggle, onSelect, onDeletePrefix: setDeleting }),
    [cluster, separator, open, selected, canWrite, onToggle, onSelect],
  );
  return (
    <Stack gap="md">
      <ClusterBreadcrumbs cluster={cluster} page="Keys" />
      <Group justify="space-between">
        <Title order={2}>Keys of {cluster}</Title>
        <Anchor component={Link} to={`/clusters/${encodeURIComponent(cluster)}/console`}>
          Open the console
        </Anchor>
      </Group>
      <Group align="flex-end">
        <form
          onSubmit={(e) => {
            e.preventDefault();
            set('prefix', searchText);
          }}
          style={{ display: 'flex', gap: 8, alignItems: 'flex-end' }}
        >
          <TextInput
            label="Search by prefix"
            placeholder="/registry/pods/"
            value={searchText}
            onChange={(e) => setSearchText(e.currentTarget.value)}
            w={320}
            data-testid="key-search"
          />
          <Button type="submit" variant="default">
            Search
          </Button>
          {search && (
            <Button
              variant="subtle"
              onClick={() => {
                setSearchText('');
                set('prefix', undefined);
              }}
            >
              Back to the tree
            </Button>
          )}
        </form>
        <TextInput label="Separator" value={separator} onChange={(e) => set('sep', e.currentTarget.value)} w={100} maxLength={8} data-testid="key-separator" />
      </Group>
      <Grid>
        <Grid.Col span={{ base: 12, md: 5 }}>
          <Paper withBorder p="sm" style={{ maxHeight: 640, overflow: 'auto' }}>
            {search ? <SearchResults cluster={cluster} prefix={search} selected={selected} onSelect={(k) => set('key', k)} /> : <KeyLevel {...tree} prefix="" depth={0} />}
          </Paper>
        </Grid.Col>
        <Grid.Col span={{ base: 12, md: 7 }}>
          <Paper withBorder p="sm">
            {selected ? (
              <KeyPanel key={selected} cluster={cluster} name={selected} canWrite={canWrite} onDeleted={() => set('key', undefined)} />
            ) : (
              <EmptyState title="Pick a key">Open folders on the left; each level is read when it is opened, a page at a time.</EmptyState>
            )}
          </Paper>
        </Grid.Col>
      </Grid>
      <Paper withBorder p="sm">
        <PrefixStatsPanel cluster={cluster} prefix={search || lastOpen} separator={separator} />
      </Paper>
      {deleting !== undefined && <DeletePrefixDialog cluster={cluster} prefix={deleting} onClose={() => setDeleting(undefined)} />}
    </Stack>
  );
}

function SearchResults({ cluster, prefix, selected, onSelect }: { cluster: string; prefix: string; selected: string | undefined; onSelect: (k: string) => void }) {
  const q = useKeyPages(cluster, prefix, true);
  if (q.isPending)
    return (
      <Text size="sm" c="dimmed">
        Searching…
      </Text>
    );
  if (q.isError)
    return (
      <Text size="sm" c="red" role="alert">
        {errorText(q.error)}
      </Text>
    );
  const items = q.data.pages.flatMap((p) => p.items);
  return (
    <ul className="key-tree" aria-label={`Keys starting with ${prefix}`} data-testid="key-search-results">
      {items.length === 0 && (
        <li>
          <Text size="sm" c="dimmed">
            No key starts with {prefix}.
          </Text>
        </li>
      )}
      {items.map((kv) => (
        <li key={kv.keyBase64}>
          <UnstyledButton className="key-row" data-selected={selected === kv.key} onClick={() => onSelect(kv.key)} data-testid="key-leaf" data-key={kv.key}>
            <Text span size="sm" ff="monospace">
              {kv.key}
            </Text>
          </UnstyledButton>
        </li>
      ))}
      {q.hasNextPage && (
        <li>
          <Button size="compact-xs" variant="subtle" loading={q.isFetchingNextPage} onClick={() => void q.fetchNextPage()} data-testid="key-load-more">
            Load more
          </Button>
        </li>
      )}
    </ul>
  );
}
