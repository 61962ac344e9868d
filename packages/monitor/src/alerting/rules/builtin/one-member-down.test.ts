import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ClusterSnapshot } from '../../../cluster-monitor.ts';
import type { MemberFacts } from '../../../collectors/collector.ts';
import { evaluateHealth } from '../../../health/health.ts';
import { AlertEngine } from '../../engine/engine.ts';
import { RecentSeries } from '../../recent.ts';
import { peerEvidence } from '../peers.ts';
import { readRules } from '../rule.ts';
import { currentSeries } from '../series.ts';
import { IDS, MINUTE, observe, scrapes, setValue, START, status, type Step } from './fixture.ts';
import { BUILTIN_RULES } from './index.ts';

const STEP = 15_000;
const STEPS = 25 * 4 + 1;
const M3 = IDS.m3!;

// m2's dump is m1's with the two ids swapped: the same peers, seen from the other side.
const asM2 = (text: string) =>
  text
    .replaceAll(IDS.m1!, '\u0000')
    .replaceAll(IDS.m2!, IDS.m1!)
    .replaceAll('\u0000', IDS.m2!)
    .replace(/^etcd_server_is_leader 1$/m, 'etcd_server_is_leader 0');

/** survivor derives a live member's scrapes while m3 is down: its sends to m3 fail (10 a second), its link to m3 is inactive, the rest is busy and healthy. */
function survivor(self: string, other: string, swap: (t: string) => string): Step[] {
  return scrapes(
    STEPS,
    STEP,
    () => [
      { family: 'etcd_disk_wal_fsync_duration_seconds', le: 0.002, n: 150 },
      { family: 'etcd_disk_backend_commit_duration_seconds', le: 0.002, n: 150 },
      { family: 'etcd_network_peer_round_trip_time_seconds', le: 0.0016, n: 12, labels: `To="${other}"` },
    ],
    (i, text) =>
      swap(setValue(setValue(text, `etcd_network_peer_sent_failures_total{To="${M3}"}`, 1 + 150 * (i + 1)), `etcd_network_active_peers{Local="${IDS.m1}",Remote="${M3}"}`, 0)),
  );
}

test('with m3 down, every built-in rule that goes pending or fires names m3 (or no member), never a member that reports on it', () => {
  const m1 = survivor(IDS.m1!, IDS.m2!, (t) => t);
  const m2 = survivor(IDS.m2!, IDS.m1!, asM2);
  const recent = new RecentSeries(35 * MINUTE, START - MINUTE);
  let now = START;
  const engine = new AlertEngine({
    rules: readRules(undefined, BUILTIN_RULES, []),
    history: (series, cluster, member, from, to) => recent.read(cluster, member, series, from, to),
    now: () => now,
  });
  const seen = new Map<string, string>();
  for (let i = 0; i < STEPS; i++) {
    now = START + i * STEP;
    const live = (name: string, id: string, step: Step, s: ReturnType<typeof status>): MemberFacts => ({
      endpoint: `http://${name}:2379`,
      id,
      name,
      status: s,
      statusAt: now,
      statusLatencyMs: 1,
      error: null,
      downSince: null,
      memberIds: null,
      probe: null,
      metrics: { at: now, series: step.series, scrapeMs: 1, peers: step.peers ?? [] },
      metricsError: null,
    });
    const members: MemberFacts[] = [
      live('m1', IDS.m1!, m1[i]!, status(IDS.m1!, IDS.m1!)),
      live('m2', IDS.m2!, m2[i]!, status(IDS.m2!, IDS.m1!)),
      {
        endpoint: 'http://m3:2379',
        id: M3,
        name: 'm3',
        status: null,
        statusAt: now,
        statusLatencyMs: null,
        error: { message: 'connection refused', code: 'ETCD_UNAVAILABLE' },
        downSince: START,
        memberIds: null,
        probe: null,
        metrics: null,
        metricsError: 'connection refused',
      },
    ];
    const health = evaluateHealth(
      [observe('m1', IDS.m1!, status(IDS.m1!, IDS.m1!), m1[i]!.series), observe('m2', IDS.m2!, status(IDS.m2!, IDS.m1!), m2[i]!.series), observe('m3', M3, null)],
      null,
      null,
    );
    // What the service records: each member's own series, and what its peers' metrics say about it.
    for (const f of members) for (const [series, c] of Object.entries(currentSeries(f, now))) recent.add([{ series, cluster: 'prod', member: f.name!, t: c.t, v: c.v }]);
    for (const e of peerEvidence(members)) for (const [series, v] of Object.entries(e.series)) recent.add([{ series, cluster: 'prod', member: e.member, t: e.t, v }]);
    const snap: ClusterSnapshot = { name: 'prod', group: '', labels: {}, endpoints: [], at: now, health, leader: IDS.m1!, members, memberList: null, alarms: null };
    for (const a of engine.evaluate(snap)) if (a.state !== 'resolved') seen.set(`${a.labels.alertname}/${a.labels.severity}/${a.labels.member ?? ''}`, a.state);
  }
  for (const key of seen.keys()) assert.match(key, /\/(m3)?$/, `${key} names a member that is up: ${JSON.stringify([...seen])}`);
  assert.equal(seen.get('etcdMembersDown/warning/m3'), 'firing', JSON.stringify([...seen]));
});
