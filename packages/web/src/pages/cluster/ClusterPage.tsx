import { Anchor, Badge, Breadcrumbs, Button, Grid, Group, Paper, Stack, Text, Title } from '@mantine/core';
import { Link, useParams } from 'react-router';
import { useCluster } from '../../api/queries.ts';
import { ApiError } from '../../api/client.ts';
import { HealthBadge } from '../../components/HealthBadge.tsx';
import { EmptyState, ErrorState, LoadingState } from '../../components/states.tsx';
import { ChartGrid } from '../../components/charts/ChartGrid.tsx';
import { RangePicker } from '../../components/charts/RangePicker.tsx';
import { useRange } from '../../components/charts/use-range.ts';
import { LocalTime } from '../../components/LocalTime.tsx';
import { Topology } from './Topology.tsx';
import { Findings } from './Findings.tsx';
import { MemberTable } from './MemberTable.tsx';
import { EventTimeline } from './EventTimeline.tsx';

/** ClusterPage is one cluster: topology, findings, members, events and live charts with a time-range picker. */
export function ClusterPage() {
  const name = useParams().name ?? '';
  const q = useCluster(name);
  const [range, setRange] = useRange();
  if (q.isPending) return <LoadingState what={`cluster ${name}`} />;
  if (q.isError) {
    if (q.error instanceof ApiError && q.error.status === 404) {
      return (
        <EmptyState
          title={`No cluster named "${name}"`}
          action={
            <Anchor component={Link} to="/">
              Back to the overview
            </Anchor>
          }
        >
          It may have been removed, or the link is mistyped.
        </EmptyState>
      );
    }
    return <ErrorState title={`Could not load cluster ${name}`} error={q.error} onRetry={() => void q.refetch()} />;
  }
  const c = q.data;
  return (
    <Stack gap="md">
      <Breadcrumbs>
        <Anchor component={Link} to="/">
          Overview
        </Anchor>
        <Text>{c.name}</Text>
      </Breadcrumbs>
      <Group justify="space-between" align="flex-start">
        <div>
          <Group gap="sm">
            <Title order={2}>{c.name}</Title>
            <HealthBadge status={c.health.status} />
          </Group>
          <Text size="sm" c="dimmed" className="tabular">
            Leader{' '}
            <Text span fw={600} c="var(--mantine-color-text)" data-testid="cluster-leader">
              {c.leaderName ?? 'none'}
            </Text>{' '}
            · {c.membersUp}/{c.membersTotal} members up · {c.group ? `group ${c.group} · ` : ''}updated <LocalTime time={c.updatedAt} />
          </Text>
          <Group gap={4} mt={4}>
            {Object.entries(c.labels).map(([k, v]) => (
              <Badge key={k} size="xs" variant="outline" color="gray">
                {k}={v}
              </Badge>
            ))}
          </Group>
        </div>
        <Group gap="sm">
          <Button component={Link} to="keys" variant="default" size="xs" data-testid="open-keys">
            Keys
          </Button>
          <Button component={Link} to="console" variant="default" size="xs" data-testid="open-console">
            Console
          </Button>
        </Group>
      </Group>
      <Grid>
        <Grid.Col span={{ base: 12, md: 5 }}>
          <Paper withBorder p="sm" h="100%">
            <Title order={5} mb="xs">
              Topology
            </Title>
            <Topology cluster={c} />
          </Paper>
        </Grid.Col>
        <Grid.Col span={{ base: 12, md: 7 }}>
          <Paper withBorder p="sm" h="100%">
            <Title order={5} mb="xs">
              Findings
            </Title>
            <Findings findings={c.health.findings} />
          </Paper>
        </Grid.Col>
      </Grid>
      <Paper withBorder p="sm">
        <Title order={5} mb="xs">
          Members
        </Title>
        <MemberTable cluster={c} />
      </Paper>
      <Grid>
        <Grid.Col span={{ base: 12, lg: 9 }}>
          <Group justify="space-between" mb="xs">
            <Title order={4}>Charts</Title>
            <RangePicker value={range.key} onChange={setRange} />
          </Group>
          <ChartGrid cluster={c.name} range={range} />
        </Grid.Col>
        <Grid.Col span={{ base: 12, lg: 3 }}>
          <Paper withBorder p="sm">
            <Title order={5} mb="xs">
              Events
            </Title>
            <EventTimeline cluster={c.name} />
          </Paper>
        </Grid.Col>
      </Grid>
    </Stack>
  );
}
