import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ConfigIssue } from '@etcd-monitor/core';
import { fingerprint } from '../engine/fingerprint.ts';
import type { Alert, Notification } from '../types.ts';
import { Dispatcher } from './dispatcher.ts';
import { defaultRoutes, readRoutes } from './routes.ts';
import { MemorySilenceStore, Silences } from './silences.ts';

const START = 1_700_000_000_000;
const S = 1000;
const MIN = 60 * S;

function alert(labels: Record<string, string>, state: Alert['state'] = 'firing', at = START): Alert {
  const l = { severity: 'warning', ...labels };
  return {
    fingerprint: fingerprint(l),
    labels: l,
    annotations: { summary: 's' },
    state,
    activeAt: at,
    ...(state !== 'pending' ? { startsAt: at } : {}),
    ...(state === 'resolved' ? { endsAt: at } : {}),
  };
}

function setup(o: { channels?: string[]; routes?: unknown; silences?: Silences } = {}) {
  let t = START;
  const sent: Notification[] = [];
  const issues: ConfigIssue[] = [];
  const routes = readRoutes(o.routes, o.channels ?? ['ops'], issues);
  assert.deepEqual(issues, []);
  let n = 0;
  const d = new Dispatcher({
    routes,
    deliver: (x) => void sent.push(x),
    now: () => t,
    newId: () => `n${++n}`,
    externalUrl: 'http://monitor',
    ...(o.silences ? { silences: o.silences } : {}),
  });
  return { d, sent, at: (x: number) => (t = x), now: () => t };
}

test('1,000 simultaneously firing alerts are grouped and all flushed at group_wait, whatever order they arrive in', () => {
  const { d, sent, at } = setup();
  const alerts: Alert[] = [];
  for (let c = 0; c < 10; c++) for (const name of ['A', 'B', 'C', 'D']) for (let m = 0; m < 25; m++) alerts.push(alert({ alertname: name, cluster: `c${c}`, member: `m${m}` }));
  assert.equal(alerts.length, 1000);
  // They arrive in 10 batches over 9 s; every group was created in the first second and is flushed 30 s after it.
  for (let i = 0; i < 10; i++) {
    at(START + i * S);
    d.ingest(alerts.filter((_, j) => j % 10 === i));
  }
  at(START + 29 * S);
  assert.deepEqual(d.tick(), []);
  at(START + 30 * S);
  const out = d.tick();
  assert.equal(out.length, 40);
  assert.equal(sent.length, 40);
  assert.equal(
    out.reduce((n, x) => n + x.alerts.length, 0),
    1000,
  );
  assert.ok(out.every((x) => x.createdAt === START + 30 * S && x.alerts.length === 25 && x.channel === 'ops' && x.status === 'firing'));
  assert.deepEqual(out[0]!.groupLabels, { cluster: 'c0', alertname: 'A' });
  assert.deepEqual(out[0]!.commonLabels, { alertname: 'A', cluster: 'c0', severity: 'warning' });

  // A second wave of 1,000 in new groups is flushed exactly group_wait after it arrives: no backlog delay.
  const wave = alerts.map((a) => alert({ ...a.labels, cluster: `${a.labels.cluster}-b` }));
  at(START + 60 * S);
  d.ingest(wave);
  at(START + 90 * S);
  const out2 = d.tick();
  assert.equal(out2.length, 40);
  assert.equal(
    out2.reduce((n, x) => n + x.alerts.length, 0),
    1000,
  );
  assert.ok(out2.every((x) => x.createdAt === START + 90 * S));
  assert.equal(d.groupInfo().length, 80);
});

test('group_interval carries changes, repeat_interval repeats unchanged groups, resolved alerts are told once', () => {
  const { d, at } = setup();
  const a1 = alert({ alertname: 'A', cluster: 'c', member: 'm1' });
  const a2 = alert({ alertname: 'A', cluster: 'c', member: 'm2' });
  d.ingest([a1]);
  at(START + 30 * S);
  assert.equal(d.tick().length, 1);
  // Unchanged: nothing at the next group_interval.
  at(START + 30 * S + 5 * MIN);
  d.ingest([a1]);
  assert.deepEqual(d.tick(), []);
  // A new alert in the group waits for the next group_interval, then comes with the whole group.
  at(START + 6 * MIN);
  d.ingest([a1, a2]);
  assert.deepEqual(d.tick(), []);
  at(START + 30 * S + 10 * MIN);
  let out = d.tick();
  assert.deepEqual(
    out.map((n) => n.alerts.map((a) => a.labels.member).sort()),
    [['m1', 'm2']],
  );
  // m1 resolves: one resolved+firing notification, then m1 leaves the group.
  at(START + 11 * MIN);
  d.ingest([{ ...a1, state: 'resolved', endsAt: START + 11 * MIN }, a2]);
  at(START + 30 * S + 15 * MIN);
  out = d.tick();
  assert.deepEqual(
    out.map((n) => [n.status, n.alerts.map((a) => `${a.labels.member}:${a.state}`).sort()]),
    [['firing', ['m1:resolved', 'm2:firing']]],
  );
  // Unchanged for 4 h: repeated (the engine keeps reporting m2).
  for (let t = START + 20 * MIN; t <= START + 30 * S + 4 * 60 * MIN + 15 * MIN; t += 5 * MIN) {
    at(t);
    d.ingest([a2]);
    const x = d.tick();
    if (x.length) {
      assert.equal(t, START + 30 * S + 15 * MIN + 4 * 60 * MIN);
      assert.deepEqual(
        x[0]!.alerts.map((a) => a.labels.member),
        ['m2'],
      );
    }
  }
  // m2 resolves: a resolved notification, and the group is gone.
  const end = START + 5 * 60 * MIN;
  at(end);
  d.ingest([{ ...a2, state: 'resolved', endsAt: end }]);
  at(end + 5 * MIN);
  out = d.tick();
  assert.deepEqual(
    out.map((n) => n.status),
    ['resolved'],
  );
  assert.equal(d.groupInfo().length, 0);
});

test('an alert the engine stops reporting resolves after resolve_timeout', () => {
  const { d, at } = setup();
  d.ingest([alert({ alertname: 'A', cluster: 'c' })]);
  at(START + 30 * S);
  assert.equal(d.tick().length, 1);
  at(START + 6 * MIN);
  const out = d.tick();
  assert.deepEqual(
    out.map((n) => [n.status, n.alerts[0]!.endsAt]),
    [['resolved', START + 5 * MIN]],
  );
});

test('routes send severities and labels to channels; continue fans out; pending alerts are ignored', () => {
  const { d, at } = setup({
    channels: ['pager', 'slack', 'audit'],
    routes: [{ channels: 'audit', continue: true }, { channel: 'pager', severity: ['critical'], matchers: ['cluster=~"prod-.*"'] }, { channels: ['slack'] }],
  });
  d.ingest([
    alert({ alertname: 'A', cluster: 'prod-1', severity: 'critical' }),
    alert({ alertname: 'B', cluster: 'dev', severity: 'critical' }),
    alert({ alertname: 'C', cluster: 'prod-1' }),
    alert({ alertname: 'D', cluster: 'prod-1', severity: 'critical' }, 'pending'),
  ]);
  at(START + 30 * S);
  const got = d
    .tick()
    .map((n) => `${n.channel}:${n.alerts.map((a) => a.labels.alertname).join()}`)
    .sort();
  assert.deepEqual(got, ['audit:A', 'audit:B', 'audit:C', 'pager:A', 'slack:B', 'slack:C']);
});

test('with one channel and no routes everything goes to it; bad routes are named by path', () => {
  assert.deepEqual(defaultRoutes(['only'])[0]!.channels, ['only']);
  assert.deepEqual(defaultRoutes([]), []);
  const issues: ConfigIssue[] = [];
  readRoutes(
    [{ channels: ['pagr'] }, { channels: ['pager'], severity: ['fatal'] }, { channels: ['pager'], matchers: ['cluster=~"("'] }, { channels: ['pager'], group_wiat: '1s' }],
    ['pager'],
    issues,
  );
  const byPath = Object.fromEntries(issues.map((i) => [i.path, `${i.message} ${i.hint ?? ''}`]));
  assert.match(byPath['routes[0].channels[0]']!, /unknown channel "pagr".*did you mean "pager"/);
  assert.match(byPath['routes[1].severity[0]']!, /unknown severity "fatal"/);
  assert.match(byPath['routes[2].matchers[0]']!, /bad regular expression/);
  assert.match(byPath['routes[3].group_wiat']!, /unknown key.*group_wait/);
});

test("no leader inhibits the same cluster's slow-request and latency alerts, not other clusters' nor disk alerts", () => {
  const { d, at } = setup();
  const others = [
    alert({ alertname: 'etcdHighFsyncDurations', cluster: 'a', member: 'm1' }),
    alert({ alertname: 'etcdGRPCRequestsSlow', cluster: 'b', member: 'm1', severity: 'critical' }),
  ];
  d.ingest([
    alert({ alertname: 'etcdNoLeader', cluster: 'a', member: 'm1', severity: 'critical' }),
    alert({ alertname: 'etcdGRPCRequestsSlow', cluster: 'a', member: 'm1', severity: 'critical' }),
    alert({ alertname: 'etcdProbeReadLatencyHigh', cluster: 'a', member: 'm2' }),
    ...others,
  ]);
  at(START + 30 * S);
  const got = d
    .tick()
    .map((n) => `${n.groupLabels.cluster}:${n.groupLabels.alertname}`)
    .sort();
  assert.deepEqual(got, ['a:etcdHighFsyncDurations', 'a:etcdNoLeader', 'b:etcdGRPCRequestsSlow']);
  // Once the leader is back, the latency alert still firing is notified at the next group_interval.
  at(START + MIN);
  d.ingest([
    { ...alert({ alertname: 'etcdNoLeader', cluster: 'a', member: 'm1', severity: 'critical' }), state: 'resolved', endsAt: START + MIN },
    alert({ alertname: 'etcdGRPCRequestsSlow', cluster: 'a', member: 'm1', severity: 'critical' }),
    ...others,
  ]);
  at(START + 30 * S + 5 * MIN);
  const after = d
    .tick()
    .map((n) => `${n.groupLabels.alertname}:${n.status}`)
    .sort();
  assert.deepEqual(after, ['etcdGRPCRequestsSlow:firing', 'etcdNoLeader:resolved']);
  assert.deepEqual(d.muted(alert({ alertname: 'etcdGRPCRequestsSlow', cluster: 'a', member: 'm1', severity: 'critical' })), { silencedBy: [], inhibited: false });
});

test('a silence mutes matching alerts until it is expired, then they are notified', () => {
  let t = START;
  const silences = new Silences({ store: new MemorySilenceStore(), now: () => t });
  const { d, at } = setup({ silences });
  const s = silences.create({ matchers: ['cluster="a"', 'alertname=~"etcdHigh.*"'], endsAt: START + 60 * MIN, createdBy: 'ann', comment: 'disk swap, TICKET-1' });
  const fsync = alert({ alertname: 'etcdHighFsyncDurations', cluster: 'a', member: 'm1' });
  const noLeader = alert({ alertname: 'etcdNoLeader', cluster: 'a' });
  d.ingest([fsync, noLeader]);
  at((t = START + 30 * S));
  assert.deepEqual(
    d.tick().map((n) => n.groupLabels.alertname),
    ['etcdNoLeader'],
  );
  assert.deepEqual(d.muted(fsync).silencedBy, [s.id]);
  at((t = START + 2 * MIN));
  silences.expire(s.id);
  d.ingest([fsync, noLeader]);
  at((t = START + 30 * S + 5 * MIN));
  assert.deepEqual(
    d.tick().map((n) => n.groupLabels.alertname),
    ['etcdHighFsyncDurations'],
  );
});

test('a deliver that throws or rejects is reported, and the dispatcher carries on', async () => {
  const errors: string[] = [];
  let t = START;
  const d = new Dispatcher({
    routes: defaultRoutes(['x']),
    now: () => t,
    deliver: (n) => (n.groupLabels.alertname === 'A' ? Promise.reject(new Error('outbox full')) : undefined),
    onError: (e) => errors.push((e as Error).message),
  });
  d.ingest([alert({ alertname: 'A', cluster: 'c' }), alert({ alertname: 'B', cluster: 'c' })]);
  t = START + 30 * S;
  assert.equal(d.tick().length, 2);
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(errors, ['outbox full']);
  d.start(10);
  d.stop();
  d.stop();
});

test('setConfig re-routes grouped alerts at once; a group that keeps its channels and labels is not notified again', () => {
  const issues: ConfigIssue[] = [];
  const channels = ['a', 'b'];
  const routes = (r: unknown) => readRoutes(r, channels, issues);
  const { d, sent, at } = setup({
    channels,
    routes: [
      { channels: ['a'], matchers: ['alertname="X"'], group_wait: '0s' },
      { channels: ['b'], group_wait: '0s' },
    ],
  });
  d.ingest([alert({ alertname: 'X', cluster: 'c' }), alert({ alertname: 'Y', cluster: 'c' })]);
  d.tick();
  assert.deepEqual(
    sent.map((n) => [n.channel, n.groupLabels.alertname]),
    [
      ['a', 'X'],
      ['b', 'Y'],
    ],
  );

  // Reordered and retimed, same channels per alert: nothing is sent again.
  d.setConfig(
    routes([
      { channels: ['b'], matchers: ['alertname="Y"'], group_wait: '10s' },
      { channels: ['a'], group_wait: '0s' },
    ]),
  );
  at(START + 20 * S);
  assert.deepEqual(d.tick(), []);

  // X moves to b: sent there after b's group_wait, without being ingested again.
  d.setConfig(routes([{ channels: ['b'], group_wait: '5s' }]));
  assert.deepEqual(issues, []);
  at(START + 24 * S);
  assert.deepEqual(d.tick(), []);
  at(START + 25 * S);
  assert.deepEqual(
    d.tick().map((n) => [n.channel, n.groupLabels.alertname]),
    [['b', 'X']],
  );
  assert.deepEqual(
    d.groupInfo().map((g) => g.channels),
    [['b'], ['b']],
  );

  // A channel added to the route hears what fires after group_wait; the others are not told again.
  d.setConfig(routes([{ channels: ['b', 'a'], group_wait: '3s' }]));
  at(START + 28 * S);
  assert.deepEqual(
    d
      .tick()
      .map((n) => [n.channel, n.groupLabels.alertname])
      .sort(),
    [
      ['a', 'X'],
      ['a', 'Y'],
    ],
  );
  at(START + 40 * S);
  assert.deepEqual(d.tick(), []);
});
