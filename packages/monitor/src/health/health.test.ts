import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Alarm, MemberInfo, StatusResult } from '@etcd-monitor/etcd';
import { duplicateClusterFinding, evaluateHealth, withFindings, type MemberObservation } from './health.ts';

const IDS = ['a1', 'b2', 'c3'];
const MiB = 1024 ** 2;

function status(i: number, o: Partial<StatusResult> = {}): StatusResult {
  return {
    id: IDS[i]!,
    clusterId: 'cafe',
    version: '3.4.23',
    dbSize: 20 * 1024,
    dbSizeInUse: 16 * 1024,
    leader: IDS[0]!,
    raftTerm: 2,
    raftIndex: 100,
    raftAppliedIndex: 100,
    errors: [],
    isLearner: false,
    ...o,
  };
}

function up(i: number, o: Partial<StatusResult> = {}, m: Partial<MemberObservation> = {}): MemberObservation {
  return {
    endpoint: `http://10.0.0.${i + 1}:2379`,
    id: IDS[i]!,
    name: `m${i + 1}`,
    status: status(i, o),
    error: null,
    linearizableOk: true,
    probeError: null,
    memberIds: [...IDS],
    metrics: null,
    ...m,
  };
}

function down(i: number, m: Partial<MemberObservation> = {}): MemberObservation {
  return {
    endpoint: `http://10.0.0.${i + 1}:2379`,
    id: IDS[i]!,
    name: `m${i + 1}`,
    status: null,
    error: { message: 'connection refused', code: 'ETCD_UNREACHABLE', hint: 'is the member running?' },
    linearizableOk: null,
    probeError: null,
    memberIds: null,
    metrics: null,
    downSince: 1_000,
    ...m,
  };
}

const LIST: MemberInfo[] = IDS.map((id, i) => ({
  id,
  name: `m${i + 1}`,
  peerURLs: [`http://10.0.0.${i + 1}:2380`],
  clientURLs: [`http://10.0.0.${i + 1}:2379`],
  isLearner: false,
}));

interface Case {
  name: string;
  members: MemberObservation[];
  alarms?: Alarm[];
  memberList?: MemberInfo[] | null;
  /** copies are other configured clusters with the same cluster id (what the registry passes in). */
  copies?: string[];
  status: 'healthy' | 'degraded' | 'critical' | 'unreachable';
  /** findings lists `code@member:severity` (member and severity as the finding carries them), in any order. */
  findings: string[];
}

const CASES: Case[] = [
  { name: 'three members following one leader', members: [up(0), up(1), up(2)], status: 'healthy', findings: [] },
  { name: 'no member answers', members: [down(0), down(1), down(2)], status: 'unreachable', findings: ['cluster_unreachable@-:critical'] },
  { name: 'a follower down', members: [up(0), up(1), down(2)], status: 'degraded', findings: ['member_down@m3:warning'] },
  {
    name: 'two of three down: quorum lost, the survivor has no leader',
    members: [up(0, { leader: '0' }), down(1), down(2)],
    status: 'critical',
    findings: ['quorum_lost@-:critical', 'member_down@m2:critical', 'member_down@m3:critical'],
  },
  {
    name: 'every member up but none knows a leader (an election)',
    members: [up(0, { leader: '0' }), up(1, { leader: '0' }), up(2, { leader: '0' })],
    status: 'critical',
    findings: ['no_leader@-:critical'],
  },
  {
    // Raft allows one leader per term: a stale leader of an older term is partitioned, two in one term are a split.
    name: 'members name two different leaders in the same term',
    members: [up(0), up(1), up(2, { leader: IDS[2]! })],
    status: 'critical',
    findings: ['split_brain@-:critical'],
  },
  {
    name: 'an old leader of an earlier term still believes it leads',
    members: [up(0, { raftTerm: 3 }), up(1, { raftTerm: 3 }), up(2, { leader: IDS[2]!, raftTerm: 2 })],
    status: 'degraded',
    findings: ['member_partitioned@m3:warning'],
  },
  { name: 'one member without a leader while the others agree', members: [up(0), up(1), up(2, { leader: '0' })], status: 'degraded', findings: ['member_no_leader@m3:warning'] },
  {
    name: 'a member that answers status but fails linearizable reads',
    members: [up(0), up(1), up(2, {}, { linearizableOk: false, probeError: 'context deadline exceeded' })],
    status: 'degraded',
    findings: ['member_unhealthy@m3:warning'],
  },
  {
    name: 'a member applying far behind the committed index',
    members: [up(0, { raftIndex: 5000, raftAppliedIndex: 5000 }), up(1, { raftIndex: 5000, raftAppliedIndex: 5000 }), up(2, { raftIndex: 5000, raftAppliedIndex: 3000 })],
    status: 'degraded',
    findings: ['member_lagging@m3:warning'],
  },
  {
    name: 'a member connected to fewer peers than the monitor sees up',
    members: [
      up(0, {}, { metrics: { active_peers: 2 }, metricsAt: 2_000 }),
      up(1, {}, { metrics: { active_peers: 2 }, metricsAt: 2_000 }),
      up(2, {}, { metrics: { active_peers: 0 }, metricsAt: 2_000 }),
    ],
    status: 'degraded',
    findings: ['member_partitioned@m3:warning'],
  },
  {
    // Evidence about the member the links lead to: before, both survivors were named for the link they lost to m3.
    name: 'a member its peers have lost (just killed) while the monitor still counts it up',
    members: [
      up(
        0,
        {},
        {
          metrics: { active_peers: 1 },
          metricsAt: 2_000,
          peers: [
            { to: IDS[1]!, active: true },
            { to: IDS[2]!, active: false },
          ],
        },
      ),
      up(
        1,
        {},
        {
          metrics: { active_peers: 1 },
          metricsAt: 2_000,
          peers: [
            { to: IDS[0]!, active: true },
            { to: IDS[2]!, active: false },
          ],
        },
      ),
      up(
        2,
        {},
        {
          metrics: { active_peers: 2 },
          metricsAt: 1_000,
          peers: [
            { to: IDS[0]!, active: true },
            { to: IDS[1]!, active: true },
          ],
        },
      ),
    ],
    status: 'degraded',
    findings: ['member_partitioned@m3:warning'],
  },
  {
    name: 'a member the monitor cannot reach while its peers still talk to it',
    members: [up(0, {}, { metrics: { active_peers: 2 }, metricsAt: 2_000 }), up(1, {}, { metrics: { active_peers: 2 }, metricsAt: 2_000 }), down(2)],
    status: 'degraded',
    findings: ['member_down@m3:warning', 'monitor_partitioned@m3:warning'],
  },
  {
    name: 'the leader does not answer, its followers still follow it',
    members: [down(0), up(1), up(2)],
    status: 'critical',
    findings: ['member_down@m1:warning', 'leader_unreachable@m1:critical'],
  },
  {
    name: 'a NOSPACE and a CORRUPT alarm',
    members: [up(0), up(1), up(2)],
    alarms: [
      { memberId: IDS[1]!, alarm: 'NOSPACE' },
      { memberId: 'ffff', alarm: 'CORRUPT' },
    ],
    status: 'critical',
    findings: ['alarm_nospace@m2:critical', 'alarm_corrupt@ffff:critical'],
  },
  { name: 'members on different versions', members: [up(0), up(1), up(2, { version: '3.5.9' })], status: 'degraded', findings: ['version_skew@-:warning'] },
  {
    name: 'a database at 85 % and one at 96 % of the quota',
    members: [
      up(0, { dbSize: 85 * MiB, dbSizeInUse: 85 * MiB }, { metrics: { quota_bytes: 100 * MiB } }),
      up(1, { dbSize: 96 * MiB, dbSizeInUse: 96 * MiB }, { metrics: { quota_bytes: 100 * MiB } }),
      up(2),
    ],
    status: 'critical',
    findings: ['quota_high@m1:warning', 'quota_high@m2:critical'],
  },
  {
    name: 'a large database that is mostly free space',
    members: [up(0, { dbSize: 400 * MiB, dbSizeInUse: 100 * MiB }), up(1), up(2)],
    status: 'healthy',
    findings: ['fragmented@m1:info'],
  },
  {
    name: 'members that report different member lists',
    members: [up(0), up(1), up(2, {}, { memberIds: ['a1', 'b2'] })],
    status: 'critical',
    findings: ['member_list_diverged@-:critical'],
  },
  {
    name: 'endpoints that reach members of two etcd clusters',
    members: [up(0), up(1), up(2, { clusterId: 'beef' })],
    status: 'critical',
    findings: ['cluster_id_mismatch@-:critical'],
  },
  {
    name: 'the same etcd cluster configured under another name too',
    members: [up(0), up(1), up(2)],
    copies: ['prod-again'],
    status: 'degraded',
    findings: ['duplicate_cluster@-:warning'],
  },
  {
    name: 'a member never reached has neither name nor id: it is named by its endpoint',
    members: [up(0), up(1), down(2, { id: null, name: null })],
    status: 'degraded',
    findings: ['member_down@http://10.0.0.3:2379:warning'],
  },
];

for (const c of CASES) {
  test(`evaluateHealth: ${c.name}`, () => {
    const own = evaluateHealth(c.members, c.memberList === undefined ? LIST : c.memberList, c.alarms ?? null);
    const h = c.copies ? withFindings(own, [duplicateClusterFinding('cafe', c.copies)]) : own;
    const got = h.findings.map((f) => `${f.code}@${f.member ?? '-'}:${f.severity}`).sort();
    assert.deepEqual(got, [...c.findings].sort(), JSON.stringify(h.findings, null, 1));
    assert.equal(h.status, c.status);
    // Every finding says what to do, and findings come most severe first.
    for (const f of h.findings) assert.ok(f.hint && f.message, `${f.code} has a message and a hint`);
    const rank = { critical: 0, warning: 1, info: 2 } as const;
    assert.deepEqual(
      h.findings.map((f) => rank[f.severity]),
      h.findings.map((f) => rank[f.severity]).sort(),
    );
  });
}

test('the table covers every finding code evaluateHealth can raise', async () => {
  const { readFile } = await import('node:fs/promises');
  const src = await readFile(new URL('./health.ts', import.meta.url), 'utf8');
  const codes = new Set([...src.matchAll(/code: '([a-z_]+)'/g)].map((m) => m[1]!));
  const covered = new Set(CASES.flatMap((c) => c.findings.map((f) => f.split('@')[0]!)));
  const missing = [...codes].filter((c) => !covered.has(c));
  assert.deepEqual(missing, [], 'finding codes without a case in this table');
});
