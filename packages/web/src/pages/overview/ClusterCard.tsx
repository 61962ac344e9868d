import { memo } from 'react';
import { Badge, Card, Group, Progress, Text, Tooltip } from '@mantine/core';
import { Link } from 'react-router';
import { HealthBadge, SEVERITY_COLOR } from '../../components/HealthBadge.tsx';
import { clusterFacts } from '../../lib/cluster-facts.ts';
import { formatBytes } from '../../lib/format.ts';
import type { Cluster } from '@etcd-monitor/monitor/contract';

/** ClusterCard is one cluster on the overview: status, firing alerts (silenced ones apart), leader, members up/total, db size, quota use and top finding. */
export const ClusterCard = memo(function ClusterCard({ cluster: c, firing = 0, muted = 0 }: { cluster: Cluster; firing?: number; muted?: number }) {
  const f = clusterFacts(c);
  const top = c.health.findings[0];
  const quotaPct = f.quotaUsed !== null ? Math.min(100, f.quotaUsed * 100) : 0;
  return (
    <Card withBorder padding="sm" data-testid="cluster-card" data-cluster={c.name} data-status={c.health.status} data-updated-at={c.updatedAt}>
      <Group justify="space-between" wrap="nowrap" mb={6}>
        <Text
          component={Link}
          to={`/clusters/${encodeURIComponent(c.name)}`}
          fw={600}
          truncate="end"
          style={{ color: 'inherit' }}
          aria-label={`Cluster ${c.name}, ${c.health.status}`}
        >
          {c.name}
        </Text>
        <Group gap={4} wrap="nowrap">
          {firing > 0 && (
            <Badge color="red" variant="filled" component={Link} to="/alerts" style={{ cursor: 'pointer' }} data-testid="firing-alerts">
              {firing} firing
            </Badge>
          )}
          {muted > 0 && (
            <Badge color="gray" variant="outline" component={Link} to="/alerts" style={{ cursor: 'pointer' }} data-testid="muted-alerts" title="firing, but silenced or inhibited">
              {muted} silenced
            </Badge>
          )}
          <HealthBadge status={c.health.status} />
        </Group>
      </Group>
      <Group gap="lg" className="tabular" wrap="nowrap">
        <div>
          <Text size="xs" c="dimmed">
            Leader
          </Text>
          <Text size="sm" data-testid="leader" truncate="end" maw={120}>
            {c.leaderName ?? (c.leader ? c.leader : 'none')}
          </Text>
        </div>
        <div>
          <Text size="xs" c="dimmed">
            Members
          </Text>
          <Text size="sm" data-testid="members-up" c={c.membersUp < c.membersTotal ? 'red' : undefined}>
            {c.membersUp}/{c.membersTotal} up
          </Text>
        </div>
        <div>
          <Text size="xs" c="dimmed">
            DB size
          </Text>
          <Text size="sm">{formatBytes(f.dbSize)}</Text>
        </div>
      </Group>
      <Tooltip label={`${formatBytes(f.dbSize)} of ${formatBytes(f.quota)} quota`}>
        <Progress mt={8} size="sm" value={quotaPct} color={quotaPct >= 95 ? 'red' : quotaPct >= 80 ? 'yellow' : 'teal'} aria-label={`Quota used ${quotaPct.toFixed(1)} %`} />
      </Tooltip>
      {/* The finding line always takes its height, so a card does not jump when a finding comes or goes. */}
      <Text
        size="xs"
        mt={6}
        h={18}
        truncate="end"
        c={top ? SEVERITY_COLOR[top.severity] : 'dimmed'}
        title={top ? `${top.message}${top.hint ? ` — ${top.hint}` : ''}` : undefined}
        data-testid="top-finding"
      >
        {top ? top.message : 'No findings'}
      </Text>
    </Card>
  );
});
