import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { MemberInfo } from '@etcd-monitor/etcd';
import type { ClusterHealth } from '../health/health.ts';
import { detectEvents, EVENT_TYPES, type EventState } from './detect.ts';

const LIST: MemberInfo[] = ['a1', 'b2', 'c3'].map((id, i) => ({ id, name: `m${i + 1}`, peerURLs: [], clientURLs: [], isLearner: false }));
const HEALTHY: ClusterHealth = { status: 'healthy', verdict: 'healthy', leader: 'a1', findings: [] };

function state(o: Partial<EventState> = {}): EventState {
  return {
    health: HEALTHY,
    leader: 'a1',
    lastLeader: 'a1',
    members: new Map([
      ['m1', true],
      ['m2', true],
      ['m3', true],
    ]),
    memberList: LIST,
    alarms: [],
    ...o,
  };
}

const members = (...up: boolean[]) => new Map(up.map((u, i) => [`m${i + 1}`, u]));

interface Case {
  name: string;
  prev: EventState;
  cur: EventState;
  /** events lists `type@member` in the order detectEvents returns them. */
  events: string[];
}

const CASES: Case[] = [
  { name: 'nothing changed', prev: state(), cur: state(), events: [] },
  {
    name: 'the cluster stops answering, then answers again',
    prev: state(),
    cur: state({ health: { status: 'unreachable', verdict: 'no quorum', leader: null, findings: [] }, leader: null, members: members(false, false, false) }),
    events: ['cluster_unreachable@-', 'member_down@m1', 'member_down@m2', 'member_down@m3', 'quorum_lost@-', 'leader_lost@m1'],
  },
  {
    name: 'a reachable cluster again',
    prev: state({ health: { status: 'unreachable', verdict: 'no quorum', leader: null, findings: [] }, leader: null, members: members(false, false, false) }),
    cur: state(),
    events: ['cluster_reachable@-', 'member_up@m1', 'member_up@m2', 'member_up@m3', 'quorum_regained@-', 'leader_elected@m1'],
  },
  { name: 'a member goes down and comes back', prev: state(), cur: state({ members: members(true, true, false) }), events: ['member_down@m3'] },
  { name: 'a member comes back', prev: state({ members: members(true, true, false) }), cur: state(), events: ['member_up@m3'] },
  { name: 'the leader changes', prev: state(), cur: state({ leader: 'b2', lastLeader: 'b2' }), events: ['leader_changed@m2'] },
  {
    name: 'a leader after a leaderless pass is a change from the last one',
    prev: state({ leader: null, lastLeader: 'a1' }),
    cur: state({ leader: 'c3', lastLeader: 'c3' }),
    events: ['leader_changed@m3'],
  },
  { name: 'the same leader again after a leaderless pass is an election', prev: state({ leader: null, lastLeader: 'a1' }), cur: state(), events: ['leader_elected@m1'] },
  {
    name: 'members start to disagree on the leader, then agree',
    prev: state(),
    cur: state({
      health: { status: 'critical', verdict: 'split', leader: null, findings: [{ code: 'split_brain', severity: 'critical', message: 'split', evidence: 'm1→a1, m3→c3' }] },
      leader: null,
    }),
    events: ['leader_lost@m1', 'split_brain@-'],
  },
  {
    name: 'a split that ends',
    prev: state({ health: { status: 'critical', verdict: 'split', leader: null, findings: [] }, leader: null }),
    cur: state(),
    events: ['leader_elected@m1', 'split_brain_resolved@-'],
  },
  {
    name: 'members added, promoted and removed',
    prev: state({ memberList: [...LIST, { id: 'd4', name: 'm4', peerURLs: [], clientURLs: [], isLearner: true }] }),
    cur: state({
      memberList: [
        LIST[0]!,
        LIST[1]!,
        { id: 'd4', name: 'm4', peerURLs: [], clientURLs: [], isLearner: false },
        { id: 'e5', name: '', peerURLs: ['http://x:2380'], clientURLs: [], isLearner: true },
      ],
    }),
    events: ['member_promoted@m4', 'member_added@e5', 'member_removed@m3'],
  },
  {
    name: 'an alarm raised and another cleared',
    prev: state({ alarms: [{ memberId: 'c3', alarm: 'CORRUPT' }] }),
    cur: state({ alarms: [{ memberId: 'b2', alarm: 'NOSPACE' }] }),
    events: ['alarm_raised@m2', 'alarm_cleared@m3'],
  },
  {
    // Findings without events of their own are recorded with their code, so rules on them can be replayed.
    name: 'a finding raised and another cleared',
    prev: state({ health: { ...HEALTHY, status: 'degraded', findings: [{ code: 'member_lagging', severity: 'warning', member: 'm2', message: 'm2 lags' }] } }),
    cur: state({
      health: {
        ...HEALTHY,
        status: 'degraded',
        findings: [
          { code: 'member_partitioned', severity: 'warning', member: 'm3', message: 'm3 is partitioned' },
          { code: 'member_down', severity: 'warning', member: 'm1', message: 'has its own event' },
        ],
      },
    }),
    events: ['finding_raised@m3', 'finding_cleared@m2'],
  },
  { name: 'alarms unknown on one side report nothing', prev: state({ alarms: null }), cur: state({ alarms: [{ memberId: 'b2', alarm: 'NOSPACE' }] }), events: [] },
];

for (const c of CASES) {
  test(`detectEvents: ${c.name}`, () => {
    const got = detectEvents(c.prev, c.cur, 'prod', 1_000).map((e) => `${e.type}@${e.member ?? '-'}`);
    assert.deepEqual(got, c.events);
  });
}

test('the first pass only sets the baseline', () => {
  assert.deepEqual(detectEvents(undefined, state({ leader: null, members: members(false, false, false) }), 'prod', 1), []);
});

test('the table covers every event type', () => {
  const covered = new Set(CASES.flatMap((c) => c.events.map((e) => e.split('@')[0]!)));
  assert.deepEqual(
    EVENT_TYPES.filter((t) => !covered.has(t)),
    [],
  );
});
