import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DAY, HOUR, MINUTE, bucketFor, downsample, isQuantileSeries, pickResolution, type AggRow } from './resolution.ts';

const now = Date.UTC(2026, 10, 25, 12);
const retention = { raw: 2 * DAY, m1: 90 * DAY };

test('pickResolution follows range, step and retention', () => {
  const cases: Array<[string, { from: number; to: number; step?: number }, string]> = [
    ['last hour, 5 s step', { from: now - HOUR, to: now, step: 5000 }, 'raw'],
    ['last hour, no step', { from: now - HOUR, to: now }, 'raw'],
    ['last hour, 1 m step', { from: now - HOUR, to: now, step: MINUTE }, '1m'],
    ['last 24 h, 1 m step', { from: now - DAY, to: now, step: MINUTE }, '1m'],
    ['3 days ago, 10 s step: raw is gone', { from: now - 3 * DAY, to: now - 2.9 * DAY, step: 10_000 }, '1m'],
    ['last 6 h, 1 h step', { from: now - 6 * HOUR, to: now, step: HOUR }, '1h'],
    ['last 8 days', { from: now - 8 * DAY, to: now, step: MINUTE }, '1h'],
    ['last 7 days exactly', { from: now - 7 * DAY, to: now, step: MINUTE }, '1m'],
    ['100 days ago: 1 m is gone', { from: now - 100 * DAY, to: now - 99 * DAY }, '1h'],
  ];
  for (const [name, q, want] of cases) assert.equal(pickResolution(q, now, retention), want, name);
});

test('bucketFor keeps raw as stored and rounds rollup steps up to whole buckets', () => {
  assert.equal(bucketFor('raw', undefined), 0);
  assert.equal(bucketFor('raw', 5000), 5000);
  assert.equal(bucketFor('1m', undefined), MINUTE);
  assert.equal(bucketFor('1m', 10_000), MINUTE);
  assert.equal(bucketFor('1m', 90_000), 2 * MINUTE);
  assert.equal(bucketFor('1h', 5 * MINUTE), HOUR);
  assert.equal(bucketFor('1h', 3 * HOUR), 3 * HOUR);
});

test('downsample combines buckets with each aggregation', () => {
  const raw = (t: number, v: number): AggRow => [t, v, v, v, 1, v];
  const rows = [raw(0, 4), raw(1000, 2), raw(2000, 9), raw(10_000, 1), raw(19_999, 3)];
  assert.deepEqual(downsample(rows, 10_000, 'avg'), [
    { t: 0, v: 5, min: 2, max: 9 },
    { t: 10_000, v: 2, min: 1, max: 3 },
  ]);
  assert.deepEqual(
    downsample(rows, 10_000, 'last').map((p) => p.v),
    [9, 3],
  );
  assert.deepEqual(
    downsample(rows, 10_000, 'min').map((p) => p.v),
    [2, 1],
  );
  assert.deepEqual(
    downsample(rows, 10_000, 'max').map((p) => p.v),
    [9, 3],
  );
  // Rollup rows weigh by their sample count, not one vote each.
  const rolled: AggRow[] = [
    [0, 1, 1, 60, 60, 1],
    [MINUTE, 4, 4, 4, 1, 4],
  ];
  assert.deepEqual(downsample(rolled, 2 * MINUTE, 'avg'), [{ t: 0, v: 64 / 61, min: 1, max: 4 }]);
});

test('isQuantileSeries recognises quantile names', () => {
  assert.ok(isQuantileSeries('wal_fsync_p99_seconds'));
  assert.ok(isQuantileSeries('probe_read_latency_p50'));
  assert.ok(isQuantileSeries('backend_commit_p999_seconds'));
  assert.ok(!isQuantileSeries('db_size_bytes'));
  assert.ok(!isQuantileSeries('peer_rtt_seconds'));
  assert.ok(!isQuantileSeries('has_leader'));
});
