import assert from 'node:assert/strict';
import { test } from 'node:test';
import { detectEvents, type EventState } from '../../events/detect.ts';
import { evaluateHealth } from '../../health/health.ts';
import { builtin, IDS, MINUTE, observe, START, status } from './builtin/fixture.ts';
import { findingsFromEvents, readsFindings } from './replay-findings.ts';
import { parseExpr } from './expr.ts';
import { testRule } from './test-rule.ts';

/** passes runs the real health model and event detection over a sequence of observations, as the cluster monitor does, and returns the events. */
function eventsOf(passes: Array<ReturnType<typeof observe>[]>) {
  let prev: EventState | undefined;
  return passes.flatMap((members, i) => {
    const health = evaluateHealth(members, null, null);
    const cur: EventState = {
      health,
      leader: health.leader,
      lastLeader: health.leader ?? prev?.lastLeader ?? null,
      members: new Map(members.map((m) => [m.name!, m.status !== null])),
      memberList: null,
      alarms: null,
    };
    const out = detectEvents(prev, cur, 'c1', START + i * MINUTE);
    prev = cur;
    return out;
  });
}

const healthy = () => [observe('m1', IDS.m1!, status(IDS.m1!, IDS.m1!)), observe('m2', IDS.m2!, status(IDS.m2!, IDS.m1!)), observe('m3', IDS.m3!, status(IDS.m3!, IDS.m1!))];
const down = () => [observe('m1', IDS.m1!, null), observe('m2', IDS.m2!, null), observe('m3', IDS.m3!, null)];
// m3 follows a stale leader in an older term: member_partitioned, which has no event of its own.
const partitioned = () => [
  observe('m1', IDS.m1!, status(IDS.m1!, IDS.m1!, { raftTerm: 6 })),
  observe('m2', IDS.m2!, status(IDS.m2!, IDS.m1!, { raftTerm: 6 })),
  observe('m3', IDS.m3!, status(IDS.m3!, IDS.m3!, { raftTerm: 5 })),
];

test('finding-based rules replay from the stored events: the cluster unreachable from minute 2 to 6, m3 partitioned from minute 8 to 12', () => {
  const passes = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13].map((m) => (m >= 2 && m < 6 ? down() : m >= 8 && m < 12 ? partitioned() : healthy()));
  const findings = findingsFromEvents(eventsOf(passes));
  const src = { cluster: 'c1', members: ['m1', 'm2', 'm3'], read: () => [], findings };
  const unreachable = testRule(builtin('etcdClusterUnreachable'), src, START, START + 13 * MINUTE, MINUTE);
  assert.deepEqual(
    unreachable.transitions.map((x) => [x.state, (x.t - START) / MINUTE]),
    [
      ['pending', 2],
      ['firing', 3],
      ['resolved', 6],
    ],
  );
  const part = testRule(builtin('etcdMemberPartitioned'), src, START, START + 13 * MINUTE, MINUTE);
  assert.deepEqual(
    part.transitions.map((x) => [x.state, (x.t - START) / MINUTE, x.member]),
    [
      ['pending', 8, 'm3'],
      ['firing', 10, 'm3'],
      ['resolved', 12, 'm3'],
    ],
  );
  // While unreachable, only that finding holds, as in the live health model (no member_down for every member).
  assert.deepEqual(
    findings(START + 3 * MINUTE).map((f) => f.code),
    ['cluster_unreachable'],
  );
});

test('readsFindings tells which rules depend on the events', () => {
  assert.equal(readsFindings(parseExpr('up == 0 or finding("member_down")')), true);
  assert.equal(readsFindings(parseExpr('wal_fsync_p99_5m_seconds > 0.5')), false);
});
