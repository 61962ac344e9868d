import { test } from 'node:test';
import assert from 'node:assert/strict';
import { until } from '@etcd-monitor/core/testing';
import { openSqliteStore } from './sqlite-store.ts';
import { MINUTE } from './resolution.ts';
import type { Sample, SeriesQuery, Store } from './types.ts';

// These tests drive the store's slicing with an injected clock that advances 1 ms on every read and a 1 ms slice, so
// each flush() or maintain() does exactly one step of background work: no wall-clock timing is involved.

const T0 = Date.UTC(2026, 10, 20, 0, 0, 0);
const MEMBERS = ['m1', 'm2', 'm3', 'm4'];
const SERIES = ['raft_term', 'db_size_bytes', 'wal_fsync_p99_seconds', 'has_leader', 'proposal_rate'];

function steppedStore(now: () => number, extra: { flushIntervalMs?: number; stageRoundRows?: number } = {}): Store {
  let work = 0;
  return openSqliteStore({ path: ':memory:', flushIntervalMs: 0, sliceMs: 1, clock: () => (work += 1), now, ...extra });
}

/** data is `minutes` of samples every second for every member and series, from T0; fractions are exact in binary so sums do not depend on order. */
function data(minutes: number): Sample[] {
  const out: Sample[] = [];
  for (let t = T0; t < T0 + minutes * MINUTE; t += 1000) {
    MEMBERS.forEach((member, m) =>
      SERIES.forEach((series, s) => out.push({ series, cluster: 'prod', member, t, v: s === 2 ? ((t / 1000) % 13) / 8 + m : m * 100 + s + (t - T0) / 1000 })),
    );
  }
  return out;
}

/** answers reads every series as raw and at 1 m, so any sample missing, doubled or mis-rolled shows. */
function answers(s: Store): Map<string, string> {
  const out = new Map<string, string>();
  for (const series of SERIES) {
    const q: SeriesQuery = { series, cluster: 'prod', from: T0, to: T0 + 30 * MINUTE };
    out.set(`${series} raw`, JSON.stringify(s.query(q)));
    out.set(`${series} 1m avg`, JSON.stringify(s.query({ ...q, step: MINUTE, agg: 'avg' })));
    out.set(`${series} 1m last`, JSON.stringify(s.query({ ...q, step: MINUTE, agg: 'last' })));
  }
  return out;
}

/** same asserts two answers match, naming the first query that differs (the answers are too long to print). */
function same(got: Map<string, string>, want: Map<string, string>, when: string): void {
  for (const [k, v] of want) assert.ok(got.get(k) === v, `${when}: ${k} differs`);
}

// Staging rounds: the default stages this head in one round; 1,000 rows a round makes it about 18 rounds of series ranges.
for (const stageRoundRows of [undefined, 1000]) {
  test(`compaction and rollups are split across calls, and every answer in between is complete${stageRoundRows ? ' (staged in rounds of series)' : ''}`, () => {
    const c = { now: T0 + 15 * MINUTE + 30_000 };
    const s = steppedStore(() => c.now, stageRoundRows ? { stageRoundRows } : {});
    const all = data(15);
    s.append(all);
    s.flush();
    assert.equal(s.stats().headRows, all.length);
    const want = answers(s);

    // Compaction is due: each maintain() now moves one bounded chunk of the head.
    c.now += 5 * MINUTE;
    let calls = 0;
    let midway = false;
    while (s.stats().headRows > 0) {
      s.maintain();
      calls++;
      const st = s.stats();
      // Every sample is in exactly one of the head and the raw table after every call.
      assert.equal(st.rawRows, all.length);
      if (st.headRows > 0 && st.headRows < all.length) midway = true;
      if (calls % 25 === 0) same(answers(s), want, `after ${calls} calls`);
      assert.ok(calls < 10_000);
    }
    assert.ok(midway, 'the head was partly moved between two calls');
    assert.ok(calls > 20, `compaction took ${calls} calls`);
    same(answers(s), want, 'after compaction');

    // The 1 m rollup of the 15 minutes now goes a range of series per call.
    const m1Rows = MEMBERS.length * SERIES.length * 15;
    let rollCalls = 0;
    let partial = false;
    while (s.stats().m1Rows < m1Rows) {
      s.maintain();
      rollCalls++;
      const n = s.stats().m1Rows;
      if (n > 0 && n < m1Rows) {
        partial = true;
        same(answers(s), want, `with ${n} of ${m1Rows} 1 m rows written`);
      }
      assert.ok(rollCalls < 10_000);
    }
    assert.ok(partial, 'the rollup was partly done between two calls');
    same(answers(s), want, 'after rollup');

    // Idempotent: more runs change nothing.
    const st = s.stats();
    for (let i = 0; i < 50; i++) s.maintain();
    assert.deepEqual(s.stats(), st);
    same(answers(s), want, 'after idempotent runs');
    s.close();
  });
}

test('a late sample compacted while a split rollup is in flight is rolled up too', () => {
  const c = { now: T0 + 15 * MINUTE + 30_000 };
  const s = steppedStore(() => c.now);
  s.append(data(15));
  c.now += 5 * MINUTE;
  while (s.stats().headRows > 0) s.maintain();
  // Start the rollup and stop it part way.
  while (s.stats().m1Rows === 0) s.maintain();
  for (let i = 0; i < 3; i++) s.maintain();
  assert.ok(s.stats().m1Rows < MEMBERS.length * SERIES.length * 15);

  // A late sample for a series whose minute 2 is already rolled up: m1 has the smallest series id.
  s.append([{ series: 'raft_term', cluster: 'prod', member: 'm1', t: T0 + 2 * MINUTE + 500, v: 1e6 }]);
  s.flush();
  const want = answers(s);
  c.now += 5 * MINUTE;
  for (let i = 0; i < 10_000 && (s.stats().headRows > 0 || s.stats().m1Rows < MEMBERS.length * SERIES.length * 15); i++) s.maintain();
  for (let i = 0; i < 200; i++) s.maintain();
  assert.equal(s.stats().headRows, 0);
  same(answers(s), want, 'after the late sample is rolled up');
  const minute = s.query({ series: 'raft_term', cluster: 'prod', member: 'm1', from: T0 + 2 * MINUTE, to: T0 + 3 * MINUTE - 1, step: MINUTE, agg: 'max' });
  assert.equal(minute.resolution, '1m');
  assert.equal(minute.points[0].points[0].max, 1e6);
  s.close();
});

test('unfinished work continues on its own on later event-loop turns', async () => {
  const c = { now: T0 + 12 * MINUTE };
  const s = steppedStore(() => c.now);
  s.append(data(1));
  c.now += 5 * MINUTE;
  s.maintain();
  assert.ok(s.stats().headRows > 0);
  // No more calls: the store's own unref'd timer finishes the compaction.
  await until('the compaction to finish on its own', () => s.stats().headRows === 0, { intervalMs: 10 });
  s.close();
});
