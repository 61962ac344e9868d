import { memo, useEffect } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { ActionIcon, Badge, Button, Group, Text, UnstyledButton } from '@mantine/core';
import { levelQuery, singleFolder, useFolderCounts, useLevel, useLevelsIdle } from '../../api/kv.ts';
import { errorText } from '../../api/client.ts';

/** TreeProps are what every level of the key tree shares: the cluster, the separator, what is open and picked, and the actions. */
export interface TreeProps {
  cluster: string;
  separator: string;
  open: ReadonlySet<string>;
  selected: string | undefined;
  canWrite: boolean;
  onToggle: (prefix: string) => void;
  onSelect: (key: string) => void;
  onDeletePrefix: (prefix: string) => void;
}

/** KeyLevel draws one folder level of the tree, read lazily a page at a time; open folders draw their own level below them. */
export function KeyLevel({ prefix, depth, ...t }: TreeProps & { prefix: string; depth: number }) {
  const q = useLevel(t.cluster, prefix, t.separator);
  // A level of a single closed folder (`/` → `registry/`) leaves one thing to do: open it. Its level is read now, so
  // the click draws it from the cache instead of waiting for etcd.
  const qc = useQueryClient();
  const only = singleFolder(q.data, prefix);
  const prefetch = only !== undefined && !t.open.has(only) ? only : undefined;
  useEffect(() => {
    if (prefetch !== undefined) void qc.prefetchInfiniteQuery(levelQuery(t.cluster, prefetch, t.separator));
  }, [qc, prefetch, t.cluster, t.separator]);
  // Counts wait while a level is being read, the prefetch above included: at a million keys each count walks its
  // folders in etcd for about as long as a level read takes, and the level the user opens is what they wait for.
  const counts = useFolderCounts(t.cluster, q.data?.pages ?? [], useLevelsIdle(t.cluster));
  if (q.isPending)
    return (
      <Text size="sm" c="dimmed" pl={depth * 16}>
        Loading…
      </Text>
    );
  if (q.isError)
    return (
      <Text size="sm" c="red" pl={depth * 16} role="alert" data-testid="key-level-error">
        Could not read the keys: {errorText(q.error)}
      </Text>
    );
  const items = q.data.pages.flatMap((p) => p.items);
  // Not an empty tree: a tree (or group) without items is not one to screen readers.
  if (items.length === 0)
    return (
      <Text size="sm" c="dimmed" pl={depth * 16} data-testid="key-level-empty">
        {depth === 0 ? 'No keys.' : 'Empty.'}
      </Text>
    );
  return (
    <ul className="key-tree" role={depth === 0 ? 'tree' : 'group'} aria-label={depth === 0 ? 'Keys' : undefined} data-testid="key-level" data-prefix={prefix}>
      {items.map((e) => {
        if (e.kind === 'folder') {
          const full = e.prefix ?? prefix + e.name;
          const isOpen = t.open.has(full);
          const count = e.count ?? (e.prefixBase64 !== undefined ? counts.get(e.prefixBase64) : undefined);
          // A closed folder gets no tree props: it then re-renders only when its own row changes (see FolderRow).
          return (
            <FolderRow
              key={`f:${full}`}
              name={e.name}
              full={full}
              depth={depth}
              count={count}
              canWrite={t.canWrite}
              onToggle={t.onToggle}
              onDeletePrefix={t.onDeletePrefix}
              tree={isOpen ? t : undefined}
            />
          );
        }
        const key = e.kv?.key ?? prefix + e.name;
        return <KeyRow key={`k:${key}`} name={e.name} full={key} depth={depth} selected={t.selected === key} onSelect={t.onSelect} />;
      })}
      {q.hasNextPage && (
        <li role="none">
          <Button size="compact-xs" variant="subtle" ml={depth * 16} loading={q.isFetchingNextPage} onClick={() => void q.fetchNextPage()} data-testid="key-load-more">
            Load more
          </Button>
        </li>
      )}
    </ul>
  );
}

/**
 * FolderRow is one folder of a level, and its own level below it when open (`tree` given). Memoised: opening a folder,
 * picking a key or a page of counts arriving re-renders the tree from the top, and at 50 folders and hundreds of keys
 * a level redrawing every row took a long task; the callbacks it gets are stable (KeysPage), so an unchanged closed row
 * is skipped.
 */
const FolderRow = memo(function FolderRow(p: {
  name: string;
  full: string;
  depth: number;
  count: number | undefined;
  canWrite: boolean;
  onToggle: (prefix: string) => void;
  onDeletePrefix: (prefix: string) => void;
  tree: TreeProps | undefined;
}) {
  return (
    <li role="treeitem" aria-expanded={p.tree !== undefined} aria-selected={false}>
      <Group gap={4} wrap="nowrap" pl={p.depth * 16}>
        <UnstyledButton className="key-row" onClick={() => p.onToggle(p.full)} data-testid="key-folder" data-prefix={p.full}>
          <Text span size="sm" ff="monospace">
            <span aria-hidden>{p.tree ? '▾ ' : '▸ '}</span>
            {p.name}
          </Text>
        </UnstyledButton>
        {p.count !== undefined && (
          <Badge size="xs" variant="light" color="gray" aria-label={`${p.count} keys`} data-testid="key-folder-count">
            {p.count}
          </Badge>
        )}
        {/* A native title, not Mantine's Tooltip: a level draws 50 and more of these, and 50 Tooltips held ≈ 2 MB of the
            page's heap and most of the long task that draws the level (bench/key-browser-page.ts). */}
        {p.canWrite && (
          <ActionIcon
            title={`Delete every key under ${p.full}`}
            size="xs"
            variant="subtle"
            color="red"
            aria-label={`Delete every key under ${p.full}`}
            onClick={() => p.onDeletePrefix(p.full)}
            data-testid="key-folder-delete"
          >
            <span aria-hidden>×</span>
          </ActionIcon>
        )}
      </Group>
      {p.tree && <KeyLevel {...p.tree} prefix={p.full} depth={p.depth + 1} />}
    </li>
  );
});

/** KeyRow is one key of a level; memoised like FolderRow, it re-renders only when it is picked or unpicked. */
const KeyRow = memo(function KeyRow(p: { name: string; full: string; depth: number; selected: boolean; onSelect: (key: string) => void }) {
  return (
    <li role="treeitem" aria-selected={p.selected}>
      <UnstyledButton className="key-row" data-selected={p.selected} onClick={() => p.onSelect(p.full)} pl={p.depth * 16 + 14} data-testid="key-leaf" data-key={p.full}>
        <Text span size="sm" ff="monospace">
          {p.name}
        </Text>
      </UnstyledButton>
    </li>
  );
});
