import assert from 'node:assert/strict';
import { test } from 'node:test';
import { prom } from '@etcd-monitor/etcd';
import { metricsDump } from '@etcd-monitor/etcd/testing';
import { startFixtureTargets } from '../../../../../bench/fixture-targets.ts';
import { createMetricsCollector, type MetricsSample } from './collector.ts';

const FIXTURE = metricsDump('t1');

test('bench fixture targets serve the real dump with advancing counters under their own member ids', async () => {
  const targets = await startFixtureTargets(3, { lifetimeSeconds: 1 });
  const samples: MetricsSample[] = [];
  const c = createMetricsCollector({ url: targets.urls[2]!, intervalMs: 60_000, timeoutMs: 2_000, onSample: (s) => samples.push(s), onError: (e) => assert.fail(e.message) });
  try {
    assert.equal(targets.urls.length, 3);
    assert.match(targets.urls[2]!, /^http:\/\/127\.0\.0\.1:\d+\/m\/2\/metrics$/);
    const text = await (await fetch(targets.urls[0]!)).text();
    const set = prom.parsePrometheusText(text);
    const original = prom.parsePrometheusText(FIXTURE);
    // Same families and series as the dump; gauges unchanged; the member id is the target's own.
    assert.deepEqual([...set.families.keys()], [...original.families.keys()]);
    assert.equal(prom.value(set, 'etcd_mvcc_db_total_size_in_bytes'), 167936);
    assert.equal(prom.samples(set, 'etcd_server_id')[0]!.labels.server_id, '1000000000000000');
    assert.ok(prom.value(set, 'etcd_server_proposals_committed_total')! >= 1812);
    assert.equal((await fetch(targets.urls[0]!.replace('/m/0/', '/m/3/'))).status, 404);

    await c.scrapeNow();
    await new Promise((r) => setTimeout(r, 200));
    await c.scrapeNow();
  } finally {
    await c.stop();
    await targets.close();
  }
  const s = samples[1]!.series;
  // Counters grow by value/lifetime per second (× 1.2 for target 2): committed ≈ 1812 × 1.2 per second.
  assert.ok(s.proposals_committed_rate! > 1000 && s.proposals_committed_rate! < 4000, `proposals_committed_rate ${s.proposals_committed_rate}`);
  assert.ok(s.mvcc_put_rate! > 0);
  // Uniformly scaled buckets keep the dump's shape, so window quantiles are about its lifetime ones.
  assert.ok(s.wal_fsync_p99_seconds! > 0.005 && s.wal_fsync_p99_seconds! < 0.02, `wal_fsync_p99_seconds ${s.wal_fsync_p99_seconds}`);
  assert.equal(s.has_leader, 1);
  assert.equal(s.commit_apply_gap, 0);
  for (const [k, v] of Object.entries(s)) assert.ok(Number.isFinite(v) && (!k.endsWith('_rate') || v >= 0), `${k} = ${v}`);
});
