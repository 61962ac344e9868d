import { Anchor, Badge, Table, Text } from '@mantine/core';
import { Link } from 'react-router';
import { formatBytes, formatDuration, formatMs, formatValue } from '../../lib/format.ts';
import { compareMembers, memberLabel, metricsAge, TIME_TO_QUOTA_HORIZON_S } from '../../lib/member.ts';
import { Stale } from '../../components/Stale.tsx';
import type { Cluster } from '@etcd-monitor/monitor/contract';

/** MemberTable lists the members with role, state, version, db size, raft indices, latency and fsync p99. */
export function MemberTable({ cluster }: { cluster: Cluster }) {
  const ms = [...cluster.members].sort(compareMembers);
  // eslint-disable-next-line react-hooks/purity -- ages are measured at render time on purpose: every stream frame re-renders the table
  const now = Date.now();
  return (
    <Table.ScrollContainer minWidth={900}>
      <Table striped highlightOnHover className="tabular" data-testid="member-table">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Member</Table.Th>
            <Table.Th>Role</Table.Th>
            <Table.Th>State</Table.Th>
            <Table.Th>Version</Table.Th>
            <Table.Th>DB size / in use</Table.Th>
            <Table.Th>Raft term / index</Table.Th>
            <Table.Th>Status latency</Table.Th>
            <Table.Th>Read probe</Table.Th>
            <Table.Th>WAL fsync p99</Table.Th>
            <Table.Th>Time to quota</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {ms.map((m) => {
            const age = metricsAge(m, now);
            const ttq = m.metrics?.time_to_quota_seconds;
            return (
              <Table.Tr key={m.endpoint} data-member={memberLabel(m)}>
                <Table.Td>
                  <Anchor component={Link} to={`/clusters/${encodeURIComponent(cluster.name)}/members/${encodeURIComponent(memberLabel(m))}`}>
                    {memberLabel(m)}
                  </Anchor>
                  {memberLabel(m) !== m.endpoint && (
                    <Text size="xs" c="dimmed">
                      {m.endpoint}
                    </Text>
                  )}
                </Table.Td>
                {/* A member that does not answer has no role the monitor can know (a never-reached one least of all). */}
                <Table.Td>
                  {m.isLeader ? (
                    <Badge color="teal">leader</Badge>
                  ) : m.isLearner ? (
                    <Badge color="violet">learner</Badge>
                  ) : m.up ? (
                    <Badge variant="outline" color="gray">
                      follower
                    </Badge>
                  ) : (
                    <Text size="sm" c="dimmed">
                      —
                    </Text>
                  )}
                </Table.Td>
                <Table.Td>
                  {m.up ? (
                    <Badge color="teal" variant="light">
                      up
                    </Badge>
                  ) : (
                    <Badge color="red" variant="light">
                      down
                    </Badge>
                  )}
                  {m.error && (
                    <Text size="xs" c="red" maw={220} truncate="end" title={`${m.error.message}${m.error.hint ? ` — ${m.error.hint}` : ''}`}>
                      {m.error.message}
                    </Text>
                  )}
                </Table.Td>
                <Table.Td>{m.version ?? '—'}</Table.Td>
                <Table.Td>
                  {formatBytes(m.dbSize)} / {formatBytes(m.dbSizeInUse)}
                </Table.Td>
                <Table.Td>
                  {m.raftTerm ?? '—'} / {m.raftIndex ?? '—'}
                </Table.Td>
                <Table.Td>{formatMs(m.latencyMs)}</Table.Td>
                <Table.Td>{formatMs(m.probe?.linearizableMs)}</Table.Td>
                <Table.Td>
                  <Stale age={age}>{formatValue(m.metrics?.wal_fsync_p99_seconds, 'seconds')}</Stale>
                </Table.Td>
                <Table.Td>
                  {!m.metrics ? (
                    '—'
                  ) : age !== null ? (
                    <Stale age={age}>{ttq !== undefined && ttq < TIME_TO_QUOTA_HORIZON_S ? formatDuration(ttq) : 'not growing'}</Stale>
                  ) : ttq !== undefined && ttq < TIME_TO_QUOTA_HORIZON_S ? (
                    formatDuration(ttq)
                  ) : (
                    'not growing'
                  )}
                </Table.Td>
              </Table.Tr>
            );
          })}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}
