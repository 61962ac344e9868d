import { ActionIcon, Badge, Button, Group, Text, Tooltip, UnstyledButton } from '@mantine/core';
import { useFolderCounts, useLevel } from '../../api/kv.ts';
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
  const counts = useFolderCounts(t.cluster, q.data?.pages ?? []);
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
          return (
            <li key={`f:${full}`} role="treeitem" aria-expanded={isOpen} aria-selected={false}>
              <Group gap={4} wrap="nowrap" pl={depth * 16}>
                <UnstyledButton className="key-row" onClick={() => t.onToggle(full)} data-testid="key-folder" data-prefix={full}>
                  <Text span size="sm" ff="monospace">
                    <span aria-hidden>{isOpen ? '▾ ' : '▸ '}</span>
                    {e.name}
                  </Text>
                </UnstyledButton>
                {count !== undefined && (
                  <Badge size="xs" variant="light" color="gray" aria-label={`${count} keys`} data-testid="key-folder-count">
                    {count}
                  </Badge>
                )}
                {t.canWrite && (
                  <Tooltip label={`Delete every key under ${full}`}>
                    <ActionIcon
                      size="xs"
                      variant="subtle"
                      color="red"
                      aria-label={`Delete every key under ${full}`}
                      onClick={() => t.onDeletePrefix(full)}
                      data-testid="key-folder-delete"
                    >
                      <span aria-hidden>×</span>
                    </ActionIcon>
                  </Tooltip>
                )}
              </Group>
              {isOpen && <KeyLevel {...t} prefix={full} depth={depth + 1} />}
            </li>
          );
        }
        const key = e.kv?.key ?? prefix + e.name;
        return (
          <li key={`k:${key}`} role="treeitem" aria-selected={t.selected === key}>
            <UnstyledButton className="key-row" data-selected={t.selected === key} onClick={() => t.onSelect(key)} pl={depth * 16 + 14} data-testid="key-leaf" data-key={key}>
              <Text span size="sm" ff="monospace">
                {e.name}
              </Text>
            </UnstyledButton>
          </li>
        );
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
