import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isAppError } from '@etcd-monitor/core';
import { metricsDump } from '../testing/dumps.ts';
import { parsePrometheusText } from './parse.ts';
import { counterRate, familyOf, histogramBuckets, histogramDelta, histogramQuantile, rate, samples, value, type Bucket } from './query.ts';

const t0 = parsePrometheusText(metricsDump('t0'));
const t1 = parsePrometheusText(metricsDump('t1'));

// The dumps carry no scrape clock (process_start_time_seconds is 1.7953288373e+09 in both, and nothing
// else counts wall time), so rates use a given 30 s window and assert the arithmetic on the fixture numbers.
const WINDOW = 30;

const near = (actual: number, expected: number, what: string) => assert.ok(Math.abs(actual - expected) < 1e-12, `${what}: got ${actual}, want ${expected}`);

test('value reads gauges from both dumps and is undefined for what is absent', () => {
  assert.equal(value(t0, 'etcd_server_has_leader'), 1);
  assert.equal(value(t1, 'etcd_server_has_leader'), 1);
  assert.equal(value(t0, 'etcd_mvcc_db_total_size_in_bytes'), 118784);
  assert.equal(value(t1, 'etcd_mvcc_db_total_size_in_bytes'), 167936);
  assert.equal(value(t0, 'etcd_server_proposals_committed_total'), 1512);
  assert.equal(value(t1, 'etcd_server_proposals_committed_total'), 1812);
  assert.equal(value(t0, 'process_start_time_seconds'), value(t1, 'process_start_time_seconds'));
  assert.equal(value(t0, 'no_such_metric'), undefined);
  assert.equal(value(t0, 'etcd_server_version', { server_version: '3.5.0' }), undefined);
  assert.equal(value(t0, 'etcd_server_version', { server_version: '3.4.23' }), 1);
});

test('value sums the series a matcher selects; strings match exactly, RegExps as written', () => {
  // Non-zero grpc_server_started_total at t0: LeaseKeepAlive 1, Put 136, Range 2, Status 58 (the other 37 series are 0).
  assert.equal(samples(t0, 'grpc_server_started_total').length, 41);
  assert.equal(value(t0, 'grpc_server_started_total'), 1 + 136 + 2 + 58);
  assert.equal(value(t0, 'grpc_server_started_total', { grpc_service: 'etcdserverpb.KV' }), 136 + 2);
  assert.equal(value(t0, 'grpc_server_started_total', { grpc_method: /^(Put|Status)$/ }), 136 + 58);
  assert.equal(value(t0, 'grpc_server_started_total', { grpc_method: /^(Put|Status)$/g }), 136 + 58);
  // '' matches series without the label, as in PromQL.
  assert.equal(value(t0, 'etcd_server_has_leader', { member: '' }), 1);
  // A matcher key that exists on Object.prototype must not read it.
  assert.equal(value(t0, 'etcd_server_has_leader', { constructor: '' }), 1);
});

test('histogram _bucket, _sum and _count samples are reachable by their own names', () => {
  assert.equal(familyOf(t0, 'etcd_disk_wal_fsync_duration_seconds_count')!.name, 'etcd_disk_wal_fsync_duration_seconds');
  assert.equal(value(t0, 'etcd_disk_wal_fsync_duration_seconds_count'), 552);
  assert.equal(value(t0, 'etcd_disk_wal_fsync_duration_seconds_sum'), 0.6861441730000012);
  assert.equal(value(t0, 'etcd_disk_wal_fsync_duration_seconds_bucket', { le: '0.001' }), 420);
  assert.equal(value(t0, 'go_gc_duration_seconds', { quantile: '0.5' }), 0.0003096);
  assert.equal(familyOf(t0, 'etcd_server_has_leader_count'), undefined);
});

test('counter rates between the two dumps', () => {
  // etcd_server_proposals_committed_total: 1512 at t0, 1812 at t1 → 300 over 30 s = 10/s.
  assert.equal(rate(t0, t1, 'etcd_server_proposals_committed_total', WINDOW), 10);
  // grpc_server_started_total{grpc_method="Put"}: 136 → 237, +101; Range 2 → 8, +6; the rest unchanged.
  const perSeries = counterRate(samples(t0, 'grpc_server_started_total'), samples(t1, 'grpc_server_started_total'), WINDOW);
  assert.equal(perSeries.length, 41);
  const put = perSeries.find((r) => r.labels.grpc_method === 'Put')!;
  assert.deepEqual([put.increase, put.rate], [101, 101 / 30]);
  assert.equal(perSeries.find((r) => r.labels.grpc_method === 'Status')!.increase, 0);
  near(rate(t0, t1, 'grpc_server_started_total', WINDOW, { grpc_service: 'etcdserverpb.KV' })!, (101 + 6) / 30, 'KV rate');
  // process_cpu_seconds_total: 1.94 → 2.76 CPU seconds.
  near(rate(t0, t1, 'process_cpu_seconds_total', WINDOW)!, (2.76 - 1.94) / 30, 'CPU rate');
  assert.equal(rate(t0, t1, 'no_such_metric_total', WINDOW), undefined);
});

test('a counter that drops was reset: the increase is its new value', () => {
  const before = parsePrometheusText('c{a="x"} 100\nc{a="y"} 50\nc{a="gone"} 7\n');
  const after = parsePrometheusText('c{a="y"} 80\nc{a="x"} 30\nc{a="new"} 9\n');
  const rates = counterRate(samples(before, 'c'), samples(after, 'c'), 10);
  // x restarted and counted 30 since; y grew by 30; "new" has no earlier point and "gone" no later one.
  assert.deepEqual(rates, [
    { name: 'c', labels: { a: 'y' }, increase: 30, rate: 3 },
    { name: 'c', labels: { a: 'x' }, increase: 30, rate: 3 },
  ]);
});

test('series pair up regardless of label order', () => {
  const before = parsePrometheusText('c{a="1",b="2"} 5');
  const after = parsePrometheusText('c{b="2",a="1"} 8');
  assert.equal(rate(before, after, 'c', 1), 3);
});

test('a window that is not a positive number of seconds is refused', () => {
  for (const seconds of [0, -1, NaN, Infinity]) {
    assert.throws(
      () => counterRate([], [], seconds),
      (err: unknown) => isAppError(err, 'ETCD_PROM_WINDOW') && Boolean(err.hint),
    );
  }
});

test('WAL fsync p99 over each whole dump', () => {
  const b0 = histogramBuckets(t0, 'etcd_disk_wal_fsync_duration_seconds');
  assert.deepEqual(b0.slice(0, 6), [
    { le: 0.001, count: 420 },
    { le: 0.002, count: 496 },
    { le: 0.004, count: 525 },
    { le: 0.008, count: 542 },
    { le: 0.016, count: 549 },
    { le: 0.032, count: 551 },
  ]);
  assert.deepEqual(b0.at(-1), { le: Infinity, count: 552 });
  assert.deepEqual(histogramBuckets(t0, 'etcd_disk_wal_fsync_duration_seconds_bucket'), b0);
  // t0: 552 observations, rank = 0.99 × 552 = 546.48. le=0.008 holds 542 < 546.48, le=0.016 holds 549 ≥ it,
  // so interpolate in (0.008, 0.016]: 0.008 + 0.008 × (546.48 − 542) / (549 − 542) = 0.008 + 0.008 × 4.48/7 = 0.01312.
  near(histogramQuantile(0.99, b0), 0.01312, 't0 p99');
  // t1: 852 observations, rank = 843.48. le=0.008 holds 841, le=0.016 holds 849:
  // 0.008 + 0.008 × (843.48 − 841) / (849 − 841) = 0.008 + 0.008 × 2.48/8 = 0.01048.
  near(histogramQuantile(0.99, histogramBuckets(t1, 'etcd_disk_wal_fsync_duration_seconds')), 0.01048, 't1 p99');
});

test('WAL fsync quantiles over the t0 → t1 window', () => {
  const delta = histogramDelta(histogramBuckets(t0, 'etcd_disk_wal_fsync_duration_seconds'), histogramBuckets(t1, 'etcd_disk_wal_fsync_duration_seconds'));
  // t1 − t0 per bucket: 0.001: 656−420 = 236, 0.002: 783−496 = 287, 0.004: 824−525 = 299, 0.008: 841−542 = 299,
  // 0.016: 849−549 = 300, 0.032 and up: 852−552 = 300 (0.128 and up: 852−552 too).
  assert.deepEqual(
    delta.map((b) => b.count),
    [236, 287, 299, 299, 300, 300, 300, 300, 300, 300, 300, 300, 300, 300, 300],
  );
  // p99: rank = 0.99 × 300 = 297. le=0.002 holds 287 < 297, le=0.004 holds 299 ≥ 297:
  // 0.002 + 0.002 × (297 − 287) / (299 − 287) = 0.002 + 0.002 × 10/12 = 0.0036666…
  near(histogramQuantile(0.99, delta), 0.002 + (0.002 * 10) / 12, 'window p99');
  // p50: rank = 150, inside the lowest bucket, which starts at 0: 0.001 × 150/236.
  near(histogramQuantile(0.5, delta), (0.001 * 150) / 236, 'window p50');
});

test('histogramBuckets sums matching series by le', () => {
  // etcd_network_peer_round_trip_time_seconds at t0 has two series, To="104a589dee2f6c05" and To="d403d15a2c04e767".
  // Cumulative counts per le 0.0001 … 3.2768, +Inf:
  //   104a…: 2 2 2 2 2 2 4 6 6 6 6 6 6 6 6 6 6
  //   d403…: 2 2 2 2 2 2 2 3 4 4 4 5 5 6 6 6 6
  //   sum:   4 4 4 4 4 4 6 9 10 10 10 11 11 12 12 12 12
  const all = histogramBuckets(t0, 'etcd_network_peer_round_trip_time_seconds');
  assert.deepEqual(
    all.map((b) => b.count),
    [4, 4, 4, 4, 4, 4, 6, 9, 10, 10, 10, 11, 11, 12, 12, 12, 12],
  );
  // p99 of the sum: rank 11.88 → le=0.8192 (12) after le=0.4096 (11): 0.4096 + 0.4096 × 0.88/1 = 0.770048.
  near(histogramQuantile(0.99, all), 0.4096 * 1.88, 'summed p99');
  // Only d403…: rank 5.94 → le=0.8192 (6) after 0.4096 (5): 0.4096 + 0.4096 × 0.94 = 0.794624.
  near(histogramQuantile(0.99, histogramBuckets(t0, 'etcd_network_peer_round_trip_time_seconds', { To: 'd403d15a2c04e767' })), 0.4096 * 1.94, 'one peer p99');
  assert.deepEqual(histogramBuckets(t0, 'no_such_histogram'), []);
  assert.ok(Number.isNaN(histogramQuantile(0.99, histogramBuckets(t0, 'no_such_histogram'))));
});

test('histogramDelta takes the current buckets after a reset or a layout change', () => {
  const prev: Bucket[] = [
    { le: 0.1, count: 50 },
    { le: 1, count: 90 },
    { le: Infinity, count: 100 },
  ];
  const restarted: Bucket[] = [
    { le: 0.1, count: 5 },
    { le: 1, count: 8 },
    { le: Infinity, count: 10 },
  ];
  assert.deepEqual(histogramDelta(prev, restarted), restarted);
  // Even one bucket going down means a restart; the process cannot un-observe.
  const oneDown: Bucket[] = [
    { le: 0.1, count: 49 },
    { le: 1, count: 200 },
    { le: Infinity, count: 300 },
  ];
  assert.deepEqual(histogramDelta(prev, oneDown), oneDown);
  const relaid: Bucket[] = [
    { le: 0.5, count: 60 },
    { le: 1, count: 95 },
    { le: Infinity, count: 120 },
  ];
  assert.deepEqual(histogramDelta(prev, relaid), relaid);
  assert.deepEqual(histogramDelta([], restarted), restarted);
  // Order of the input does not matter, and the inputs are not modified.
  const grown = [...restarted].reverse().map((b) => ({ le: b.le, count: b.count * 20 }));
  assert.deepEqual(histogramDelta(prev, grown), [
    { le: 0.1, count: 50 },
    { le: 1, count: 70 },
    { le: Infinity, count: 100 },
  ]);
  assert.deepEqual(prev[0], { le: 0.1, count: 50 });
});

test('histogramQuantile follows PromQL at the edges', () => {
  const b: Bucket[] = [
    { le: 1, count: 5 },
    { le: 2, count: 10 },
    { le: Infinity, count: 12 },
  ];
  assert.equal(histogramQuantile(-0.1, b), -Infinity);
  assert.equal(histogramQuantile(-Infinity, b), -Infinity);
  assert.equal(histogramQuantile(1.1, b), Infinity);
  assert.equal(histogramQuantile(Infinity, b), Infinity);
  assert.ok(Number.isNaN(histogramQuantile(NaN, b)));
  // q=0: rank 0 falls in the lowest bucket, which starts at 0.
  assert.equal(histogramQuantile(0, b), 0);
  // rank 0.25 × 12 = 3 in (0, 1]: 3/5.
  assert.equal(histogramQuantile(0.25, b), 0.6);
  // rank 0.75 × 12 = 9 in (1, 2]: 1 + (9 − 5)/5 = 1.8.
  assert.equal(histogramQuantile(0.75, b), 1.8);
  // rank 0.9 × 12 = 10.8 lands in +Inf: the answer is the previous upper bound.
  assert.equal(histogramQuantile(0.9, b), 2);
  assert.equal(histogramQuantile(1, b), 2);
  // No observations, no buckets, no +Inf bucket, only a +Inf bucket: NaN.
  assert.ok(
    Number.isNaN(
      histogramQuantile(
        0.5,
        b.map((x) => ({ le: x.le, count: 0 })),
      ),
    ),
  );
  assert.ok(Number.isNaN(histogramQuantile(0.5, [])));
  assert.ok(Number.isNaN(histogramQuantile(0.5, b.slice(0, 2))));
  assert.ok(Number.isNaN(histogramQuantile(0.5, [{ le: Infinity, count: 3 }])));
  // A lowest bucket with a bound ≤ 0 has no natural start, so its bound is the answer.
  assert.equal(
    histogramQuantile(0.1, [
      { le: -1, count: 4 },
      { le: 0, count: 6 },
      { le: Infinity, count: 10 },
    ]),
    -1,
  );
  // Unsorted input is sorted, duplicate bounds are merged and a dip is flattened, without touching the input.
  const messy: Bucket[] = [
    { le: Infinity, count: 12 },
    { le: 2, count: 6 },
    { le: 1, count: 5 },
    { le: 2, count: 4 },
  ];
  assert.equal(histogramQuantile(0.75, messy), 1.8);
  assert.deepEqual(messy[1], { le: 2, count: 6 });
  const dip: Bucket[] = [
    { le: 1, count: 5 },
    { le: 2, count: 4 },
    { le: 4, count: 10 },
    { le: Infinity, count: 10 },
  ];
  // Monotonic envelope: 5, 5, 10, 10. rank 0.6 × 10 = 6 in (2, 4]: 2 + 2 × (6 − 5)/5 = 2.4.
  assert.equal(histogramQuantile(0.6, dip), 2.4);
});
