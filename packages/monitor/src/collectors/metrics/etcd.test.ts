import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { describe, test } from 'node:test';
import { isAppError } from '@etcd-monitor/core';
import { prom, type TlsOptions } from '@etcd-monitor/etcd';
import { useCluster } from '@etcd-monitor/etcd/testing';
import { createMetricsCollector, type MetricsSample } from './collector.ts';
import { deriveSeries } from './derive.ts';
import { scrapeMetrics } from './scrape.ts';

// One TLS member: its --listen-metrics-urls port is plain HTTP, its client port is HTTPS with client-cert auth.
describe('against a real etcd member', () => {
  const cluster = useCluster({ members: 1, tls: true });

  const tlsFiles = async (): Promise<TlsOptions> => {
    const t = cluster.get().tls!;
    const [ca, cert, key] = await Promise.all([readFile(t.caFile), readFile(t.certFile), readFile(t.keyFile)]);
    return { ca, cert, key };
  };

  test('the plain metrics URL gives a leader and a database size', async () => {
    const r = await scrapeMetrics(cluster.get().members[0]!.metricsUrl, { timeoutMs: 5_000 });
    const s = deriveSeries(undefined, { at: Date.now(), set: prom.parsePrometheusText(r.text) });
    assert.equal(s.has_leader, 1);
    assert.equal(s.is_leader, 1);
    assert.ok(s.db_size_bytes! > 0, `db_size_bytes ${s.db_size_bytes}`);
    assert.ok(s.quota_bytes! > 0);
    // A lone member has no peers and no per-peer series at all.
    assert.equal(s.active_peers, 0);
    assert.equal(s.peer_rtt_p99_seconds, undefined);
  });

  test('the TLS client URL needs the client certificate, and derives write rates across two scrapes', async () => {
    const c = cluster.get();
    const url = `${c.members[0]!.clientUrl}/metrics`;
    const tls = await tlsFiles();
    await assert.rejects(
      scrapeMetrics(url, { timeoutMs: 5_000, tls: { ca: tls.ca } }),
      (err: unknown) => isAppError(err, 'MON_SCRAPE_TLS') && /client certificate/.test(err.hint ?? ''),
    );

    const samples: MetricsSample[] = [];
    const collector = createMetricsCollector({
      url,
      tls,
      intervalMs: 60_000,
      timeoutMs: 5_000,
      onSample: (s) => samples.push(s),
      onError: (e) => assert.fail(`${e.code}: ${e.message}`),
    });
    try {
      await collector.scrapeNow();
      for (let i = 0; i < 5; i++) {
        const r = await c.etcdctl(['put', `/metrics-test/${i}`, 'x']);
        assert.equal(r.code, 0, r.stderr);
      }
      await collector.scrapeNow();
    } finally {
      await collector.stop();
    }
    assert.equal(samples.length, 2);
    const s = samples[1]!.series;
    const window = (samples[1]!.at - samples[0]!.at) / 1000;
    // Five puts applied in the window; each is also a committed proposal. etcd 3.4 exports the committed count as a
    // gauge set from its raft loop, which can trail the applied puts by one entry at scrape time (seen in CI: 4.96).
    assert.ok(Math.abs(s.mvcc_put_rate! * window - 5) < 1e-6, `mvcc_put_rate ${s.mvcc_put_rate} over ${window} s`);
    assert.ok(s.proposals_committed_rate! * window >= 4, `proposals_committed_rate ${s.proposals_committed_rate} over ${window} s`);
    assert.ok(s.grpc_requests_rate! > 0);
    assert.equal(s.grpc_errors_rate, 0);
    assert.ok(s.wal_fsync_p99_seconds! > 0, 'the puts were fsynced in the window');
    assert.ok(s.process_cpu_seconds_rate! >= 0);
    for (const [k, v] of Object.entries(s)) assert.ok(Number.isFinite(v), `${k} = ${v}`);
  });
});
