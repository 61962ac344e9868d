import type { ReactNode } from 'react';
import { Badge, Group, Paper, SimpleGrid, Stack, Text, Title } from '@mantine/core';
import { useParams } from 'react-router';
import { useMember } from '../../api/queries.ts';
import { ErrorState, LoadingState } from '../../components/states.tsx';
import { ChartGrid } from '../../components/charts/ChartGrid.tsx';
import { RangePicker } from '../../components/charts/RangePicker.tsx';
import { useRange } from '../../components/charts/use-range.ts';
import { LocalTime } from '../../components/LocalTime.tsx';
import { formatBytes, formatDuration, formatMs, formatValue } from '../../lib/format.ts';
import { memberLabel, metricsAge } from '../../lib/member.ts';
import { Stale } from '../../components/Stale.tsx';
import { Findings } from './Findings.tsx';
import { GrpcTable } from './GrpcTable.tsx';
import { EventTimeline } from './EventTimeline.tsx';
import { ClusterBreadcrumbs } from '../../components/ClusterBreadcrumbs.tsx';

function Fact({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div>
      <Text size="xs" c="dimmed">
        {label}
      </Text>
      <Text size="sm" className="tabular">
        {children}
      </Text>
    </div>
  );
}

/** MemberPage is one member: its status, probes, derived metrics, findings, events and its own charts. */
export function MemberPage() {
  const { name = '', member = '' } = useParams();
  const q = useMember(name, member);
  const [range, setRange] = useRange();
  if (q.isPending) return <LoadingState what={`member ${member}`} />;
  if (q.isError) return <ErrorState title={`Could not load member ${member} of ${name}`} error={q.error} onRetry={() => void q.refetch()} />;
  const m = q.data;
  const label = memberLabel(m);
  const age = metricsAge(m);
  return (
    <Stack gap="md">
      <ClusterBreadcrumbs cluster={name} page={label} />
      <Group gap="sm">
        <Title order={2}>{label}</Title>
        {m.isLeader && <Badge color="teal">leader</Badge>}
        {m.isLearner && <Badge color="violet">learner</Badge>}
        <Badge color={m.up ? 'teal' : 'red'} variant="light">
          {m.up ? 'up' : 'down'}
        </Badge>
      </Group>
      <Paper withBorder p="sm">
        <SimpleGrid cols={{ base: 2, sm: 4, lg: 6 }}>
          <Fact label="Endpoint">{m.endpoint}</Fact>
          <Fact label="Id">{m.id ?? '—'}</Fact>
          <Fact label="Version">{m.version ?? '—'}</Fact>
          <Fact label="DB size / in use">
            {formatBytes(m.dbSize)} / {formatBytes(m.dbSizeInUse)}
          </Fact>
          <Fact label="Raft term / index / applied">
            {m.raftTerm ?? '—'} / {m.raftIndex ?? '—'} / {m.raftAppliedIndex ?? '—'}
          </Fact>
          <Fact label="Status latency">{formatMs(m.latencyMs)}</Fact>
          <Fact label="Read probe (linearizable / serializable)">
            {formatMs(m.probe?.linearizableMs)} / {formatMs(m.probe?.serializableMs)}
          </Fact>
          <Fact label="Write probe">{formatMs(m.probe?.writeMs)}</Fact>
          <Fact label="WAL fsync p99">
            <Stale age={age}>{formatValue(m.metrics?.wal_fsync_p99_seconds, 'seconds')}</Stale>
          </Fact>
          <Fact label="Quota used">
            <Stale age={age}>{formatValue(m.metrics?.quota_used_ratio, 'ratio')}</Stale>
          </Fact>
          <Fact label="Last seen">{m.lastSeen ? <LocalTime time={m.lastSeen} /> : '—'}</Fact>
          <Fact label="Down since">{m.downSince ? <LocalTime time={m.downSince} /> : '—'}</Fact>
        </SimpleGrid>
        {m.error && (
          <Text size="sm" c="red" mt="xs">
            {m.error.message}
            {m.error.hint ? ` — ${m.error.hint}` : ''}
          </Text>
        )}
        {m.metricsError && (
          <Text size="sm" c="red" mt="xs">
            Metrics: {m.metricsError}
          </Text>
        )}
      </Paper>
      <Paper withBorder p="sm">
        <Title order={5} mb="xs">
          Findings
        </Title>
        <Findings findings={m.findings} />
      </Paper>
      <Paper withBorder p="sm">
        <Title order={5} mb="xs">
          gRPC requests by method and code
        </Title>
        {age !== null && (
          <Text size="xs" c="dimmed" fs="italic" mb={4} data-stale="true">
            Last values, {formatDuration(age / 1000)} old: the member is not answering or its metrics could not be read.
          </Text>
        )}
        <GrpcTable metrics={m.metrics} />
      </Paper>
      <Paper withBorder p="sm">
        <Title order={5} mb="xs">
          Events of this member
        </Title>
        <EventTimeline cluster={name} member={label} />
      </Paper>
      <Group justify="space-between">
        <Title order={4}>Charts</Title>
        <RangePicker value={range.key} onChange={setRange} />
      </Group>
      <ChartGrid cluster={name} member={label} range={range} />
    </Stack>
  );
}
