import { useDeferredValue, useMemo, useState } from 'react';
import { Anchor, Group, SegmentedControl, SimpleGrid, Stack, Text, TextInput, Title } from '@mantine/core';
import { Link } from 'react-router';
import { useAlerts, useClusters } from '../../api/queries.ts';
import { compareClusters, matchesSearch } from '../../lib/cluster-facts.ts';
import { EmptyState, ErrorState, LoadingState } from '../../components/states.tsx';
import { ClusterCard } from './ClusterCard.tsx';
import type { Cluster } from '@etcd-monitor/monitor/contract';

type Filter = 'all' | 'problems';

/** OverviewPage lists every cluster as a card, grouped by group, worst first, with search and a problems filter. */
export function OverviewPage() {
  const clusters = useClusters();
  const alerts = useAlerts();
  const firing = useMemo(() => {
    // A silenced or inhibited alert is firing but nobody is being told: it is counted apart, not as "firing".
    const by = new Map<string, { firing: number; muted: number }>();
    for (const a of alerts.data ?? []) {
      if (a.state !== 'firing' || !a.labels.cluster) continue;
      const n = by.get(a.labels.cluster) ?? { firing: 0, muted: 0 };
      if ((a.silencedBy?.length ?? 0) > 0 || a.inhibited) n.muted++;
      else n.firing++;
      by.set(a.labels.cluster, n);
    }
    return by;
  }, [alerts.data]);
  const [search, setSearch] = useState('');
  const [filter, setFilter] = useState<Filter>('all');
  const q = useDeferredValue(search);

  const groups = useMemo(() => {
    const list = (clusters.data ?? []).filter((c) => matchesSearch(c, q) && (filter === 'all' || c.health.status !== 'healthy'));
    const by = new Map<string, Cluster[]>();
    for (const c of list) by.set(c.group, [...(by.get(c.group) ?? []), c]);
    return [...by.entries()].sort(([a], [b]) => (a === '' ? 1 : b === '' ? -1 : a.localeCompare(b))).map(([g, cs]) => [g, cs.sort(compareClusters)] as const);
  }, [clusters.data, q, filter]);

  const counts = useMemo(() => {
    const c = { healthy: 0, degraded: 0, critical: 0, unreachable: 0 };
    for (const x of clusters.data ?? []) c[x.health.status]++;
    return c;
  }, [clusters.data]);

  if (clusters.isPending) return <LoadingState what="clusters" />;
  if (clusters.isError) return <ErrorState title="Could not load the clusters" error={clusters.error} onRetry={() => void clusters.refetch()} />;
  if (clusters.data.length === 0) {
    return (
      <EmptyState
        title="No clusters yet"
        action={
          <Anchor component={Link} to="/settings">
            Add a cluster in Settings
          </Anchor>
        }
      >
        Add a cluster in Settings, or list it under [[clusters]] in etcd-monitor.toml and restart the monitor.
      </EmptyState>
    );
  }
  return (
    <Stack gap="md">
      <Group justify="space-between" align="flex-end" wrap="wrap">
        <div>
          <Title order={2}>Clusters</Title>
          <Text size="sm" c="dimmed" className="tabular" data-testid="overview-counts">
            {clusters.data.length} clusters · {counts.healthy} healthy · {counts.degraded} degraded · {counts.critical} critical · {counts.unreachable} unreachable
          </Text>
        </div>
        <Group>
          <TextInput placeholder="Search name, group, label, endpoint" aria-label="Search clusters" value={search} onChange={(e) => setSearch(e.currentTarget.value)} w={300} />
          <SegmentedControl
            aria-label="Filter clusters"
            value={filter}
            onChange={(v) => setFilter(v as Filter)}
            data={[
              { value: 'all', label: 'All' },
              { value: 'problems', label: 'Problems' },
            ]}
          />
        </Group>
      </Group>
      {groups.length === 0 && <EmptyState title="No cluster matches">Clear the search or switch the filter to All.</EmptyState>}
      {groups.map(([group, cs]) => (
        <section key={group || '(none)'} aria-label={group ? `Group ${group}` : 'Ungrouped'}>
          <Title order={4} mb="xs" c="dimmed">
            {group || 'Ungrouped'}{' '}
            <Text span size="sm">
              ({cs.length})
            </Text>
          </Title>
          <SimpleGrid cols={{ base: 1, sm: 2, lg: 3, xl: 4 }} spacing="sm">
            {cs.map((c) => (
              <ClusterCard key={c.name} cluster={c} firing={firing.get(c.name)?.firing ?? 0} muted={firing.get(c.name)?.muted ?? 0} />
            ))}
          </SimpleGrid>
        </section>
      ))}
    </Stack>
  );
}
