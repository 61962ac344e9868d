import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ClusterSnapshot } from '../../cluster-monitor.ts';
import type { MemberFacts } from '../../collectors/collector.ts';
import { BUILTIN_RULES } from '../rules/builtin/index.ts';
import { scrapes, START, MINUTE } from '../rules/builtin/fixture.ts';
import { parseRule, readRules } from '../rules/rule.ts';
import { AlertEngine } from './engine.ts';
import { fingerprint } from './fingerprint.ts';
import { MemoryAlertHistory } from './history.ts';

function member(name: string, series: Record<string, number>, at: number): MemberFacts {
  return {
    endpoint: `http://${name}:2379`,
    id: name,
    name,
    status: null,
    statusAt: at,
    statusLatencyMs: null,
    error: null,
    downSince: null,
    memberIds: null,
    probe: null,
    metrics: { at, series, scrapeMs: 1, peers: [] },
    metricsError: null,
  };
}

function snap(cluster: string, members: MemberFacts[], at: number, findings: ClusterSnapshot['health']['findings'] = []): ClusterSnapshot {
  return {
    name: cluster,
    group: '',
    labels: {},
    endpoints: [],
    at,
    health: { status: 'healthy', verdict: 'healthy', leader: null, findings },
    leader: null,
    members,
    memberList: null,
    alarms: null,
  };
}

// A clock the test moves by hand: no test here reads the wall clock.
function clock(t = START) {
  return { now: () => t, set: (x: number) => (t = x) };
}

// Five minutes of scrapes, as the collector derives them: 10% of fsyncs take 1–2 s, or none does.
const FSYNC = 'etcd_disk_wal_fsync_duration_seconds';
const slow = scrapes(61, 5000, () => [
  { family: FSYNC, le: 0.002, n: 45 },
  { family: FSYNC, le: 2.048, n: 5 },
]).at(-1)!.series;
const fast = scrapes(61, 5000, () => [{ family: FSYNC, le: 0.002, n: 50 }]).at(-1)!.series;

test('fingerprint is stable under label order and differs by value', () => {
  assert.equal(fingerprint({ a: '1', b: '2' }), fingerprint({ b: '2', a: '1' }));
  assert.notEqual(fingerprint({ a: '1', b: '2' }), fingerprint({ a: '1', b: '3' }));
  assert.match(fingerprint({}), /^[0-9a-f]{16}$/);
});

test('the engine moves a fixture-derived fsync alert pending → firing → resolved, renders annotations and records history', () => {
  const c = clock();
  const hist = new MemoryAlertHistory();
  const rules = readRules(
    undefined,
    BUILTIN_RULES.filter((r) => r.name === 'etcdHighFsyncDurations'),
    [],
  );
  const engine = new AlertEngine({ rules, history: () => [], alertHistory: hist, now: c.now });

  let out = engine.evaluate(snap('prod', [member('m1', slow, START), member('m2', fast, START)], START));
  assert.deepEqual(
    out.map((a) => [a.labels.severity, a.state, a.labels.member]),
    [
      ['warning', 'pending', 'm1'],
      ['critical', 'pending', 'm1'],
    ],
  );
  const warn = out[0]!;
  assert.deepEqual(warn.labels, { alertname: 'etcdHighFsyncDurations', severity: 'warning', cluster: 'prod', member: 'm1' });
  assert.equal(warn.fingerprint, fingerprint(warn.labels));
  assert.match(warn.annotations.summary, /^etcd member m1 of prod: WAL fsync p99 is [12]\.\d+ s$/);
  assert.match(warn.annotations.description!, /\(threshold 0\.5 s\)/);
  assert.match(warn.annotations.runbook!, /--wal-dir/);

  c.set(START + 9 * MINUTE);
  out = engine.evaluate(snap('prod', [member('m1', slow, c.now())], c.now()));
  assert.ok(out.every((a) => a.state === 'pending' && a.activeAt === START));

  c.set(START + 10 * MINUTE);
  out = engine.evaluate(snap('prod', [member('m1', slow, c.now())], c.now()));
  assert.deepEqual(
    out.map((a) => [a.state, a.startsAt]),
    [
      ['firing', START + 10 * MINUTE],
      ['firing', START + 10 * MINUTE],
    ],
  );
  assert.equal(engine.alerts({ state: 'firing' }).length, 2);

  c.set(START + 12 * MINUTE);
  out = engine.evaluate(snap('prod', [member('m1', fast, c.now())], c.now()));
  assert.deepEqual(
    out.map((a) => [a.state, a.endsAt]),
    [
      ['resolved', START + 12 * MINUTE],
      ['resolved', START + 12 * MINUTE],
    ],
  );
  assert.equal(engine.alerts().length, 0);
  assert.equal(engine.alerts({ resolved: true }).length, 2);

  const h = hist.list({ cluster: 'prod', alertname: 'etcdHighFsyncDurations' });
  assert.equal(h.length, 2);
  assert.ok(h.every((a) => a.state === 'resolved' && a.startsAt === START + 10 * MINUTE && a.endsAt === START + 12 * MINUTE));

  // Resolved alerts leave `alerts({ resolved: true })` after the retention.
  c.set(START + 40 * MINUTE);
  engine.evaluate(snap('prod', [member('m1', fast, c.now())], c.now()));
  assert.equal(engine.alerts({ resolved: true }).length, 0);
  assert.equal(hist.list().length, 2);
});

test('a pending alert whose condition stops is dropped, not resolved', () => {
  const c = clock();
  const engine = new AlertEngine({ rules: [parseRule({ name: 'Gap', expr: 'commit_apply_gap > 10', for: '5m' })], history: () => [], now: c.now });
  assert.equal(engine.evaluate(snap('c', [member('m1', { commit_apply_gap: 50 }, START)], START))[0]!.state, 'pending');
  c.set(START + MINUTE);
  assert.deepEqual(engine.evaluate(snap('c', [member('m1', { commit_apply_gap: 0 }, c.now())], c.now())), []);
  assert.equal(engine.alerts().length, 0);
});

test('clusters are evaluated independently; findings give cluster-level alerts; removeCluster resolves', () => {
  const c = clock();
  const engine = new AlertEngine({ rules: [parseRule({ name: 'Split', expr: 'finding("split_brain")', severity: 'critical' })], history: () => [], now: c.now });
  const split = [{ code: 'split_brain', severity: 'critical' as const, message: 'x' }];
  const a = engine.evaluate(snap('a', [], START, split));
  assert.deepEqual(
    a.map((x) => [x.state, x.labels]),
    [['firing', { alertname: 'Split', severity: 'critical', cluster: 'a' }]],
  );
  // Evaluating cluster b does not touch cluster a's alert.
  assert.deepEqual(engine.evaluate(snap('b', [], START)), []);
  assert.equal(engine.alerts({ cluster: 'a' }).length, 1);
  assert.deepEqual(
    engine.removeCluster('a').map((x) => x.state),
    ['resolved'],
  );
});

test('a rule that fails to evaluate keeps its alerts; disabling a rule resolves them', () => {
  const c = clock();
  let broken = false;
  const history = () => {
    if (broken) throw new Error('store closed');
    return [{ t: START, v: 5 }];
  };
  const errors: string[] = [];
  const rule = parseRule({ name: 'Avg', expr: 'avg_over_time(proposals_pending[5m]) > 1' });
  const engine = new AlertEngine({ rules: [rule], history, now: c.now, onError: (e) => errors.push(String(e)) });
  assert.equal(engine.evaluate(snap('c', [member('m1', {}, START)], START))[0]!.state, 'firing');
  broken = true;
  c.set(START + MINUTE);
  assert.equal(engine.evaluate(snap('c', [member('m1', {}, c.now())], c.now()))[0]!.state, 'firing');
  assert.equal(errors.length, 1);
  assert.match(engine.ruleStatus().get('Avg/warning')!.lastError!, /store closed/);
  engine.setRules([{ ...rule, enabled: false }]);
  assert.equal(engine.alerts().length, 0);
  assert.equal(engine.alerts({ resolved: true })[0]!.state, 'resolved');
});
