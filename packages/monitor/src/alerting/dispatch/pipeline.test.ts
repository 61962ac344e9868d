import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ClusterSnapshot } from '../../cluster-monitor.ts';
import type { MemberFacts } from '../../collectors/collector.ts';
import { AlertEngine } from '../engine/engine.ts';
import { MemoryAlertHistory } from '../engine/history.ts';
import { BUILTIN_RULES } from '../rules/builtin/index.ts';
import { MINUTE, setValue, START, timeline } from '../rules/builtin/fixture.ts';
import { readRules } from '../rules/rule.ts';
import type { Notification } from '../types.ts';
import { Dispatcher } from './dispatcher.ts';
import { defaultRoutes } from './routes.ts';

const noLeader = timeline(1, MINUTE, (_i, t1) => setValue(t1, 'etcd_server_has_leader', 0))[0]!.series;
const healthy = timeline(1, MINUTE)[0]!.series;

function snapshot(series: Record<string, number>, at: number, probeMs: number): ClusterSnapshot {
  const m = (name: string): MemberFacts => ({
    endpoint: `http://${name}:2379`,
    id: name,
    name,
    status: null,
    statusAt: at,
    statusLatencyMs: null,
    error: null,
    downSince: null,
    memberIds: null,
    probe: { at, linearizableMs: probeMs, serializableMs: 1, writeMs: null, linearizableOk: true, error: null },
    metrics: { at, series, scrapeMs: 1, peers: [] },
    metricsError: null,
  });
  return {
    name: 'prod',
    group: '',
    labels: {},
    endpoints: [],
    at,
    health: { status: 'healthy', verdict: 'healthy', leader: null, findings: [] },
    leader: null,
    members: [m('m1'), m('m2'), m('m3')],
    memberList: null,
    alarms: null,
  };
}

test('engine → dispatcher: a leader loss from the real dump is notified once, with its latency symptom inhibited, then resolved', () => {
  let t = START;
  const now = () => t;
  // Probe reads above the SLO, until the recovery at minute 7, are the stored history the latency rule reads.
  const history = (series: string, _c: string, _m: string, from: number, to: number) =>
    series === 'probe_read_linearizable_ms' && t < START + 7 * MINUTE ? Array.from({ length: 5 }, (_, i) => ({ t: to - i * MINUTE, v: 400 })).filter((p) => p.t >= from) : [];
  const rules = readRules(
    [{ name: 'etcdProbeReadLatencyHigh', for: '0s' }],
    BUILTIN_RULES.filter((r) => r.name === 'etcdNoLeader' || r.name === 'etcdProbeReadLatencyHigh'),
    [],
  );
  const alertHistory = new MemoryAlertHistory();
  const engine = new AlertEngine({ rules, history, alertHistory, now });
  const sent: Notification[] = [];
  const dispatcher = new Dispatcher({ routes: defaultRoutes(['webhook']), deliver: (n) => void sent.push(n), now, externalUrl: 'http://monitor:8080' });
  const step = (at: number, series: Record<string, number>) => {
    t = at;
    dispatcher.ingest(engine.evaluate(snapshot(series, at, 400)));
    return dispatcher.tick();
  };

  assert.deepEqual(step(START, noLeader), []); // no leader: pending; latency: firing, but waiting for group_wait
  assert.equal(engine.alerts({ state: 'pending' }).length, 3);
  assert.deepEqual(
    step(START + 30_000, noLeader).map((n) => n.groupLabels.alertname),
    ['etcdProbeReadLatencyHigh'],
  );
  const fired = step(START + MINUTE, noLeader);
  assert.deepEqual(fired, []); // etcdNoLeader now fires: its new group waits 30 s
  const out = step(START + MINUTE + 30_000, noLeader);
  assert.equal(out.length, 1);
  const n = out[0]!;
  assert.deepEqual(
    [n.channel, n.status, n.groupLabels, n.alerts.length, n.externalUrl],
    ['webhook', 'firing', { cluster: 'prod', alertname: 'etcdNoLeader' }, 3, 'http://monitor:8080'],
  );
  assert.equal(n.alerts[0]!.annotations.summary, 'etcd member m1 of prod has no leader');
  assert.equal(n.alerts[0]!.startsAt, START + MINUTE);
  // With etcdNoLeader firing, the latency group's next flush carries nothing new and it is inhibited anyway.
  assert.deepEqual(step(START + 5 * MINUTE + 30_000, noLeader), []);

  // Recovery: the leader is back and reads are fast. etcdNoLeader resolves at the group's next interval.
  t = START + 7 * MINUTE;
  const resolved = engine.evaluate({ ...snapshot(healthy, t, 2) });
  assert.ok(resolved.every((a) => a.state === 'resolved'));
  dispatcher.ingest(resolved);
  t = START + MINUTE + 30_000 + 10 * MINUTE;
  const last = dispatcher.tick();
  assert.deepEqual(last.map((x) => [x.groupLabels.alertname, x.status]).sort(), [
    ['etcdNoLeader', 'resolved'],
    ['etcdProbeReadLatencyHigh', 'resolved'],
  ]);
  assert.equal(alertHistory.list({ alertname: 'etcdNoLeader' }).length, 3);
});
