import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ClusterSnapshot } from '../../cluster-monitor.ts';
import type { MemberFacts } from '../../collectors/collector.ts';
import type { Point } from '../../storage/types.ts';
import { evaluateExpr, historyScope, snapshotScope, thresholdOf, type HistoryReader } from './evaluate.ts';
import { parseExpr } from './expr.ts';

const NOW = 1_700_000_000_000;
const MIN = 60_000;

function facts(name: string, series: Record<string, number> | null, o: Partial<MemberFacts> = {}): MemberFacts {
  return {
    endpoint: `http://${name}:2379`,
    id: name,
    name,
    status: null,
    statusAt: NOW,
    statusLatencyMs: null,
    error: null,
    downSince: null,
    memberIds: null,
    probe: null,
    metrics: series ? { at: NOW - 1000, series, scrapeMs: 1, peers: [] } : null,
    metricsError: null,
    ...o,
  };
}

function snapshot(members: MemberFacts[], findings: ClusterSnapshot['health']['findings'] = []): ClusterSnapshot {
  return {
    name: 'c1',
    group: '',
    labels: {},
    endpoints: [],
    at: NOW,
    health: { status: 'healthy', verdict: 'healthy', leader: null, findings },
    leader: null,
    members,
    memberList: null,
    alarms: null,
  };
}

const store =
  (data: Record<string, Record<string, Point[]>>): HistoryReader =>
  (series, _c, member, from, to) =>
    (data[member]?.[series] ?? []).filter((p) => p.t >= from && p.t <= to);
const ev = (expr: string, snap: ClusterSnapshot, h: HistoryReader = () => []) => Object.fromEntries(evaluateExpr(parseExpr(expr), snapshotScope(snap, h, NOW)));

test('thresholds compare per member and keep the left value', () => {
  const s = snapshot([facts('m1', { wal_fsync_p99_seconds: 0.7 }), facts('m2', { wal_fsync_p99_seconds: 0.1 })]);
  assert.deepEqual(ev('wal_fsync_p99_seconds > 0.5', s), { m1: 0.7 });
  assert.deepEqual(ev('wal_fsync_p99_seconds{member="m2"} < 0.5', s), { m2: 0.1 });
  assert.deepEqual(ev('wal_fsync_p99_seconds{member!~"m1"} >= 0', s), { m2: 0.1 });
  assert.deepEqual(ev('0.5 < wal_fsync_p99_seconds', s), { m1: 0.7 });
});

test('a failed last scrape makes metric series absent instead of repeating old values', () => {
  const s = snapshot([facts('m1', { has_leader: 0 }, { metricsError: 'refused' })]);
  assert.deepEqual(ev('has_leader == 0', s), {});
  assert.deepEqual(ev('absent(has_leader)', s), { m1: 1 });
  assert.deepEqual(ev('scrape_up == 0', s), { m1: 0 });
});

test('range functions read history and the snapshot value the store has not flushed yet', () => {
  const h = store({
    m1: {
      proposals_failed_total: [
        { t: NOW - 10 * MIN, v: 10 },
        { t: NOW - 5 * MIN, v: 15 },
        { t: NOW - 2 * MIN, v: 2 },
      ],
    },
  });
  const s = snapshot([facts('m1', { proposals_failed_total: 4 })]);
  // 10 → 15 (+5), reset to 2 (+2), → 4 in the snapshot (+2).
  assert.deepEqual(ev('increase(proposals_failed_total[15m])', s, h), { m1: 9 });
  assert.deepEqual(ev('rate(proposals_failed_total[15m])', s, h), { m1: 9 / 900 });
  assert.deepEqual(ev('max_over_time(proposals_failed_total[15m])', s, h), { m1: 15 });
  assert.deepEqual(ev('min_over_time(proposals_failed_total[3m])', s, h), { m1: 2 });
  assert.deepEqual(ev('avg_over_time(proposals_failed_total[3m])', s, h), { m1: 3 });
  assert.deepEqual(ev('last_over_time(proposals_failed_total[15m])', s, h), { m1: 4 });
  assert.deepEqual(ev('count_over_time(proposals_failed_total[15m])', s, h), { m1: 4 });
});

test('predict_linear extrapolates a least-squares line; absent and stale flag members without samples', () => {
  const grow = Array.from({ length: 5 }, (_, i) => ({ t: NOW - (4 - i) * MIN, v: 1000 + i * 60 }));
  const h = store({ m1: { db_size_bytes: grow } });
  const s = snapshot([facts('m1', {}), facts('m2', {})]);
  // 1 byte per second: 1240 now, 1240 + 3600 an hour ahead.
  assert.ok(Math.abs(ev('predict_linear(db_size_bytes[10m], 1h)', s, h).m1! - 4840) < 1e-6);
  assert.deepEqual(ev('absent(db_size_bytes[10m])', s, h), { m2: 1 });
  assert.deepEqual(ev('stale(db_size_bytes[2m])', s, store({ m1: { db_size_bytes: [{ t: NOW - 3 * MIN, v: 1 }] } })), { m1: 1, m2: 1 });
});

test('ratios match members; cluster-level aggregates apply to every member', () => {
  const s = snapshot([facts('m1', { grpc_errors_rate: 2, grpc_requests_rate: 100 }), facts('m2', { grpc_errors_rate: 0, grpc_requests_rate: 0 })]);
  // m2's 0/0 is no value at all, not NaN.
  assert.deepEqual(ev('grpc_errors_rate / grpc_requests_rate', s), { m1: 0.02 });
  assert.deepEqual(ev('grpc_requests_rate > avg(grpc_requests_rate)', s), { m1: 100 });
  assert.deepEqual(ev('sum(grpc_requests_rate) / count(grpc_requests_rate)', s), { '': 50 });
  assert.deepEqual(ev('grpc_requests_rate > 50 or grpc_errors_rate == 0', s), { m1: 100, m2: 0 });
  assert.deepEqual(ev('grpc_requests_rate >= 0 unless grpc_errors_rate > 1', s), { m2: 0 });
});

test('finding() yields one element per finding, keyed by member or the cluster', () => {
  const s = snapshot(
    [facts('m1', {})],
    [
      { code: 'split_brain', severity: 'critical', message: 'x' },
      { code: 'member_partitioned', severity: 'warning', member: 'm3', message: 'y' },
    ],
  );
  assert.deepEqual(ev('finding("split_brain")', s), { '': 1 });
  assert.deepEqual(ev('finding("member_partitioned")', s), { m3: 1 });
  assert.deepEqual(ev('finding("no_leader")', s), {});
});

test('historyScope reads instants as the newest point within 5 minutes', () => {
  const h = store({ m1: { up: [{ t: NOW - 10 * MIN, v: 1 }] }, m2: { up: [{ t: NOW - MIN, v: 0 }] } });
  assert.deepEqual(Object.fromEntries(evaluateExpr(parseExpr('up == 0 or absent(up)'), historyScope('c1', ['m1', 'm2'], h, NOW))), { m2: 0, m1: 1 });
});

test('thresholdOf finds the constant a rule compares against', () => {
  assert.equal(thresholdOf(parseExpr('wal_fsync_p99_seconds > 0.5')), 0.5);
  assert.equal(thresholdOf(parseExpr('100 * grpc_errors_rate / grpc_requests_rate > 1')), 1);
  assert.equal(thresholdOf(parseExpr('fragmentation_ratio > 0.5 and db_size_in_use_bytes > 100')), 0.5);
  assert.equal(thresholdOf(parseExpr('sum(up) < (count(up) + 1) / 2')), undefined);
  assert.equal(thresholdOf(parseExpr('finding("split_brain")')), undefined);
});
