import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ClusterSnapshot } from '../../cluster-monitor.ts';
import type { Finding } from '../../health/health.ts';
import { Dispatcher } from '../dispatch/dispatcher.ts';
import { readRoutes } from '../dispatch/routes.ts';
import { parseRule } from '../rules/rule.ts';
import type { Alert, Notification } from '../types.ts';
import { AlertEngine } from './engine.ts';
import { MemoryAlertHistory } from './history.ts';
import { MemoryAlertStateStore } from './state.ts';

const START = 1_700_000_000_000;
const MINUTE = 60_000;
const UNREACHABLE: Finding = { code: 'cluster_unreachable', severity: 'critical', message: 'no member answers' };

function snap(at: number, down: boolean): ClusterSnapshot {
  return {
    name: 'prod',
    group: '',
    labels: {},
    endpoints: [],
    at,
    health: { status: down ? 'unreachable' : 'healthy', verdict: 'healthy', leader: null, findings: down ? [UNREACHABLE] : [] },
    leader: null,
    members: [],
    memberList: null,
    alarms: null,
  };
}

const rules = [
  parseRule({ name: 'Unreachable', expr: 'finding("cluster_unreachable")', for: '1m', severity: 'critical' }),
  parseRule({ name: 'UnreachableLong', expr: 'finding("cluster_unreachable")', for: '1h', severity: 'info' }),
];

/** monitor is one run of the engine over a state store and history that outlive it, as the store's documents do. */
function monitor(state: MemoryAlertStateStore, history: MemoryAlertHistory, clock: { t: number }) {
  return new AlertEngine({ rules, history: () => [], alertHistory: history, state, now: () => clock.t });
}

const byName = (alerts: Alert[]) => Object.fromEntries(alerts.map((a) => [a.labels.alertname, a]));

test('a restart resumes firing alerts as firing and pending ones with the time they were pending; one no longer active at the first evaluation resolves and its history entry closes', () => {
  const state = new MemoryAlertStateStore();
  const history = new MemoryAlertHistory();
  const clock = { t: START };
  let e = monitor(state, history, clock);
  e.evaluate(snap(clock.t, true));
  clock.t = START + MINUTE;
  e.evaluate(snap(clock.t, true));
  clock.t = START + 30 * MINUTE;
  const before = byName(e.evaluate(snap(clock.t, true)));
  assert.equal(before.Unreachable!.state, 'firing');
  assert.equal(before.UnreachableLong!.state, 'pending');

  // Down for 2 minutes: the downtime does not count towards `for`, the 30 minutes pending before it do.
  clock.t = START + 32 * MINUTE;
  e = monitor(state, history, clock);
  const after = byName(e.evaluate(snap(clock.t, true)));
  assert.deepEqual([after.Unreachable!.state, after.Unreachable!.activeAt, after.Unreachable!.startsAt], ['firing', START, START + MINUTE]);
  assert.deepEqual([after.UnreachableLong!.state, after.UnreachableLong!.activeAt], ['pending', START + 2 * MINUTE]);
  clock.t = START + 61 * MINUTE;
  assert.equal(byName(e.evaluate(snap(clock.t, true))).UnreachableLong!.state, 'pending');
  clock.t = START + 62 * MINUTE;
  assert.equal(byName(e.evaluate(snap(clock.t, true))).UnreachableLong!.state, 'firing');
  assert.deepEqual(
    history.list({ alertname: 'Unreachable' }).map((h) => [h.state, h.activeAt, h.endsAt]),
    [['firing', START, undefined]],
  );

  // Another restart, and the cluster answers again at the first evaluation: the firing alerts resolve now.
  clock.t = START + 63 * MINUTE;
  e = monitor(state, history, clock);
  const resolved = e.evaluate(snap(clock.t, false));
  assert.deepEqual(resolved.map((a) => [a.labels.alertname, a.state, a.endsAt]).sort(), [
    ['Unreachable', 'resolved', clock.t],
    ['UnreachableLong', 'resolved', clock.t],
  ]);
  assert.deepEqual(
    history.list({ alertname: 'Unreachable' }).map((h) => [h.state, h.activeAt, h.endsAt]),
    [['resolved', START, START + 63 * MINUTE]],
  );
  assert.deepEqual(state.load().active, []);
});

test('a restored pending alert near its `for` waits the 10-minute grace period; after a downtime past the 1h outage tolerance nothing is restored and firing alerts are closed at the downtime start', () => {
  const state = new MemoryAlertStateStore();
  const history = new MemoryAlertHistory();
  const clock = { t: START };
  let e = monitor(state, history, clock);
  e.evaluate(snap(clock.t, true));
  clock.t = START + 55 * MINUTE;
  e.evaluate(snap(clock.t, true));

  clock.t = START + 56 * MINUTE;
  e = monitor(state, history, clock);
  const after = byName(e.evaluate(snap(clock.t, true)));
  // 5 minutes left, but at least 10 are observed after a restart before a 1h rule fires.
  assert.equal(after.UnreachableLong!.activeAt, START + 56 * MINUTE + 10 * MINUTE - 60 * MINUTE);

  const seenAt = clock.t;
  clock.t = seenAt + 2 * 60 * MINUTE;
  e = monitor(state, history, clock);
  assert.deepEqual(e.alerts(), []);
  assert.deepEqual(
    e.restoredEnded.map((a) => [a.labels.alertname, a.state, a.endsAt]),
    [['Unreachable', 'resolved', seenAt]],
  );
  assert.deepEqual(
    history.list({ alertname: 'Unreachable' }).map((h) => [h.state, h.endsAt]),
    [['resolved', seenAt]],
  );
  // Evaluated afresh, it is pending again.
  assert.equal(byName(e.evaluate(snap(clock.t, true))).Unreachable!.state, 'pending');
});

test('history entries left open by an earlier run without saved state are closed at the restart', () => {
  const history = new MemoryAlertHistory();
  const orphan: Alert = {
    fingerprint: 'f1',
    labels: { alertname: 'Unreachable', cluster: 'prod' },
    annotations: { summary: 's' },
    state: 'firing',
    activeAt: START,
    startsAt: START + MINUTE,
  };
  history.record(orphan);
  const clock = { t: START + 10 * MINUTE };
  monitor(new MemoryAlertStateStore(), history, clock);
  assert.deepEqual(
    history.list().map((h) => [h.state, h.endsAt]),
    [['resolved', START + 10 * MINUTE]],
  );
});

test('a restarted dispatcher learns from the outbox what receivers were told: an alert still firing is not notified again, one that resolved is notified as resolved', () => {
  const clock = { t: START };
  const routes = readRoutes(undefined, ['hook'], []);
  const sent: Notification[] = [];
  const make = () => new Dispatcher({ routes, deliver: (n) => void sent.push(n), now: () => clock.t });
  const alert = (name: string, state: Alert['state']): Alert => {
    const labels = { alertname: name, cluster: 'prod', severity: 'critical' };
    return { fingerprint: name, labels, annotations: { summary: name }, state, activeAt: START, startsAt: START, ...(state === 'resolved' ? { endsAt: clock.t } : {}) };
  };
  let d = make();
  d.ingest([alert('A', 'firing'), alert('B', 'firing')]);
  clock.t += routes[0]!.groupWait;
  assert.equal(d.tick().length, 2);

  // The outbox keeps the newest notification of each group; a new dispatcher starts from it.
  clock.t += MINUTE;
  d = make();
  d.restoreSent(sent);
  sent.length = 0;
  d.ingest([alert('A', 'firing'), alert('B', 'resolved')]);
  clock.t += routes[0]!.groupWait;
  const out = d.tick();
  assert.deepEqual(
    out.map((n) => [n.groupLabels.alertname, n.status, n.alerts.map((a) => a.state)]),
    [['B', 'resolved', ['resolved']]],
  );
  // Without what was sent, the same restart notified A again as a new alert and never resolved B.
  d = make();
  d.ingest([alert('A', 'firing'), alert('B', 'resolved')]);
  clock.t += routes[0]!.groupWait;
  assert.deepEqual(
    d.tick().map((n) => [n.groupLabels.alertname, n.status]),
    [['A', 'firing']],
  );
});
