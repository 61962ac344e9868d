import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { judge, type MemberRow } from './cluster.ts';
import { rowsFromEtcdctl, type EtcdctlOutputs } from './etcdctl-json.ts';

// Outputs captured from a real etcd 3.4.23 cluster with etcdctl -w json (healthy, one member down, quorum lost, NOSPACE).
const fixture = (name: string) => readFileSync(new URL(`./testdata/${name}`, import.meta.url), 'utf8');
const fromFixtures = (o: Partial<Record<keyof EtcdctlOutputs, string>>) => {
  const out: EtcdctlOutputs = { status: fixture(o.status!) };
  if (o.health) out.health = fixture(o.health);
  if (o.memberList) out.memberList = fixture(o.memberList);
  if (o.alarms) out.alarms = fixture(o.alarms);
  return rowsFromEtcdctl(out);
};

test('etcdctl JSON keeps 64-bit member ids exact', () => {
  const { rows, memberList } = fromFixtures({ status: 'etcdctl-endpoint-status.json', memberList: 'etcdctl-member-list.json' });
  // 15277284546186635111 is above 2^53; JSON.parse alone would round it.
  assert.ok(rows.some((r) => r.id === BigInt('15277284546186635111').toString(16)));
  assert.equal(memberList?.find((m) => m.name === 'm1')?.id, 'd403d15a2c04e767');
});

test('a healthy cluster is healthy with its one leader', () => {
  const { rows, memberList, alarms } = fromFixtures({
    status: 'etcdctl-endpoint-status.json',
    health: 'etcdctl-endpoint-health.json',
    memberList: 'etcdctl-member-list.json',
    alarms: 'etcdctl-alarm-list.json',
  });
  const v = judge(rows, memberList, alarms, { allMembersAsked: true });
  assert.equal(v.verdict, 'healthy', v.reasons.join('; '));
  assert.equal(v.leader, BigInt('7062277761880521377').toString(16));
  assert.deepEqual(v.reasons, []);
  assert.equal(rows.filter((r) => r.isLeader).length, 1);
});

test('one member down is degraded, naming the member', () => {
  const { rows, memberList } = fromFixtures({
    status: 'etcdctl-endpoint-status-one-down.json',
    health: 'etcdctl-endpoint-health-one-down.json',
    memberList: 'etcdctl-member-list.json',
  });
  const v = judge(rows, memberList, [], { allMembersAsked: true });
  assert.equal(v.verdict, 'degraded');
  assert.match(v.reasons.join('\n'), /m0 is down: context deadline exceeded/);
});

test('a lone survivor of three is no quorum', () => {
  const { rows, memberList } = fromFixtures({
    status: 'etcdctl-endpoint-status-no-quorum.json',
    health: 'etcdctl-endpoint-health-no-quorum.json',
    memberList: 'etcdctl-member-list.json',
  });
  const all = [...rows, ...['http://127.0.0.1:23790', 'http://127.0.0.1:23791'].map((endpoint) => down(endpoint))];
  const v = judge(all, memberList, null, { allMembersAsked: true });
  assert.equal(v.verdict, 'no quorum');
  assert.match(v.reasons[0]!, /only 1 of 3 voting members answer; a quorum needs 2/);
});

test('members that answer but know no leader: no leader', () => {
  const { rows } = fromFixtures({ status: 'etcdctl-endpoint-status-no-quorum.json' });
  const v = judge(rows, null, null, { allMembersAsked: false });
  assert.equal(v.verdict, 'no leader');
});

test('an active NOSPACE alarm makes a cluster degraded with the alarm named', () => {
  const { rows, alarms } = fromFixtures({ status: 'etcdctl-endpoint-status-nospace.json', alarms: 'etcdctl-alarm-list-nospace.json' });
  const v = judge(rows, null, alarms, { allMembersAsked: true });
  assert.equal(v.verdict, 'degraded');
  assert.match(v.reasons.join('\n'), /alarm NOSPACE raised by a8c4e2c3d017e7dd/);
});

test('two leaders in the same term is split; a stale leader in an older term is not', () => {
  const { rows } = fromFixtures({ status: 'etcdctl-endpoint-status.json', health: 'etcdctl-endpoint-health.json' });
  const split = rows.map((r, i) => (i === 0 ? { ...r, leader: r.id, isLeader: true } : r));
  assert.equal(judge(split, null, [], { allMembersAsked: true }).verdict, 'split');
  const stale = rows.map((r, i) => (i === 0 ? { ...r, leader: r.id, isLeader: true, raftTerm: r.raftTerm! - 1 } : r));
  const v = judge(stale, null, [], { allMembersAsked: true });
  assert.equal(v.verdict, 'degraded');
  assert.match(v.reasons.join('\n'), /still claims leadership in older term 7/);
});

test('a follower whose applied index trails the leader past the threshold is lagging', () => {
  const { rows } = fromFixtures({ status: 'etcdctl-endpoint-status.json', health: 'etcdctl-endpoint-health.json' });
  const lagging = rows.map((r, i) => (i === 2 ? { ...r, raftAppliedIndex: 100 } : r));
  const v = judge(lagging, null, [], { allMembersAsked: true, lagThreshold: 1000 });
  assert.equal(v.verdict, 'degraded');
  assert.match(v.reasons.join('\n'), /lags: applied index 100 is 1827 behind 1927/);
});

function down(endpoint: string): MemberRow {
  return {
    endpoint,
    id: null,
    name: null,
    version: null,
    dbSize: null,
    dbSizeInUse: null,
    isLeader: null,
    leader: null,
    raftTerm: null,
    raftIndex: null,
    raftAppliedIndex: null,
    isLearner: null,
    health: false,
    latencyMs: null,
    error: 'connection refused',
    errorCode: 'ETCD_UNREACHABLE',
    hint: null,
    errors: [],
  };
}
