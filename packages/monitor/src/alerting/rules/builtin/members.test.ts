import assert from 'node:assert/strict';
import { test } from 'node:test';
import { testRule } from '../test-rule.ts';
import { attributed, builtin, findingsOf, MINUTE, observe, points, replay, setValue, START, status, timeline } from './fixture.ts';

const healthy = () => [observe('m1', 'a', status('a', 'a')), observe('m2', 'b', status('b', 'a')), observe('m3', 'c', status('c', 'a'))];
const members = { m1: points(1, MINUTE, {}), m2: [], m3: [] };
// From minute 1 on, the cluster looks like `bad`; before, healthy.
const after1m = (bad: ReturnType<typeof healthy>) => (t: number) => findingsOf(t >= START + MINUTE ? bad : healthy());

test('etcdMembersDown fires after 20m for a member the monitor cannot reach', () => {
  const src = replay({ m1: points(25, MINUTE, { up: 1 }), m2: points(25, MINUTE, { up: 1 }), m3: points(25, MINUTE, { up: 0 }) });
  const r = testRule(builtin('etcdMembersDown'), src, START, START + 24 * MINUTE, MINUTE);
  assert.equal(r.firstFiringAt, START + 20 * MINUTE);
  assert.deepEqual(r.firingAtEnd, ['m3']);
});

test('etcdMembersDown names the member its peers fail to send to (To="d403d15a2c04e767", m3), not the member that reports it', () => {
  const fail = (i: number, t1: string) => setValue(t1, 'etcd_network_peer_sent_failures_total{To="d403d15a2c04e767"}', 1 + 30 * (i + 1));
  const r = testRule(builtin('etcdMembersDown'), replay(attributed({ m1: timeline(22, MINUTE, fail) })), START, START + 21 * MINUTE, MINUTE);
  assert.equal(r.firstFiringAt, START + 20 * MINUTE);
  assert.deepEqual(r.firingAtEnd, ['m3']);
  assert.deepEqual([...new Set(r.transitions.map((x) => x.member))], ['m3']);
});

test('etcdInsufficientMembers fires for the cluster after 3m when 2 of 3 members are down', () => {
  const src = replay({ m1: points(5, MINUTE, { up: 1 }), m2: points(5, MINUTE, { up: 0 }), m3: points(5, MINUTE, { up: 0 }) });
  const r = testRule(builtin('etcdInsufficientMembers'), src, START, START + 4 * MINUTE, MINUTE);
  assert.deepEqual(
    r.transitions.map((x) => [x.state, x.t - START, x.member, x.value]),
    [
      ['pending', 0, undefined, 1],
      ['firing', 3 * MINUTE, undefined, 1],
    ],
  );
  const one = replay({ m1: points(5, MINUTE, { up: 1 }), m2: points(5, MINUTE, { up: 1 }), m3: points(5, MINUTE, { up: 0 }) });
  assert.deepEqual(testRule(builtin('etcdInsufficientMembers'), one, START, START + 4 * MINUTE, MINUTE).transitions, []);
});

test('etcdNoLeader fires after 1m when etcd_server_has_leader is 0', () => {
  const src = replay({ m1: timeline(3, MINUTE, (_i, t1) => setValue(t1, 'etcd_server_has_leader', 0)) });
  assert.equal(testRule(builtin('etcdNoLeader'), src, START, START + 2 * MINUTE, MINUTE).firstFiringAt, START + MINUTE);
  assert.deepEqual(testRule(builtin('etcdNoLeader'), replay({ m1: timeline(3, MINUTE) }), START, START + 2 * MINUTE, MINUTE).transitions, []);
});

test('etcdHighNumberOfLeaderChanges fires after 4 elections within 15 minutes', () => {
  const src = replay({ m1: timeline(12, MINUTE, (i, t1) => setValue(t1, 'etcd_server_leader_changes_seen_total', 2 + i)) });
  const r = testRule(builtin('etcdHighNumberOfLeaderChanges'), src, START, START + 11 * MINUTE, MINUTE);
  assert.equal(r.transitions[0]!.t, START + 4 * MINUTE);
  assert.equal(r.firstFiringAt, START + 9 * MINUTE);
  // The dump's own 2 elections happened before t0: no alert.
  assert.deepEqual(testRule(builtin('etcdHighNumberOfLeaderChanges'), replay({ m1: timeline(12, MINUTE) }), START, START + 11 * MINUTE, MINUTE).transitions, []);
});

test('etcdSplitBrain fires when two members name different leaders in one term', () => {
  const split = [observe('m1', 'a', status('a', 'a')), observe('m2', 'b', status('b', 'a')), observe('m3', 'c', status('c', 'c'))];
  const r = testRule(builtin('etcdSplitBrain'), replay(members, after1m(split)), START, START + 3 * MINUTE, MINUTE);
  assert.deepEqual(
    r.transitions.map((x) => [x.state, (x.t - START) / MINUTE, x.member]),
    [
      ['pending', 1, undefined],
      ['firing', 2, undefined],
    ],
  );
});

test('etcdMemberPartitioned fires for the member that follows an old leader', () => {
  const part = [
    observe('m1', 'a', status('a', 'a', { raftTerm: 6 })),
    observe('m2', 'b', status('b', 'a', { raftTerm: 6 })),
    observe('m3', 'c', status('c', 'c', { raftTerm: 5 })),
  ];
  const r = testRule(builtin('etcdMemberPartitioned'), replay(members, after1m(part)), START, START + 4 * MINUTE, MINUTE);
  assert.equal(r.firstFiringAt, START + 3 * MINUTE);
  assert.deepEqual(r.firingAtEnd, ['m3']);
});

test('etcdMemberVersionSkew fires after an hour of mixed versions', () => {
  const skew = [observe('m1', 'a', status('a', 'a')), observe('m2', 'b', status('b', 'a')), observe('m3', 'c', status('c', 'a', { version: '3.5.17' }))];
  const r = testRule(builtin('etcdMemberVersionSkew'), replay(members, after1m(skew)), START, START + 70 * MINUTE, 5 * MINUTE);
  assert.equal(r.firstFiringAt, START + 65 * MINUTE);
});

test('etcdClusterUnreachable fires after 1m when no member answers, and resolves when one does', () => {
  const down = [observe('m1', 'a', null), observe('m2', 'b', null), observe('m3', 'c', null)];
  const findings = (t: number) => findingsOf(t >= START + MINUTE && t < START + 5 * MINUTE ? down : healthy());
  const r = testRule(builtin('etcdClusterUnreachable'), replay(members, findings), START, START + 6 * MINUTE, MINUTE);
  assert.deepEqual(
    r.transitions.map((x) => [x.state, (x.t - START) / MINUTE]),
    [
      ['pending', 1],
      ['firing', 2],
      ['resolved', 5],
    ],
  );
});
