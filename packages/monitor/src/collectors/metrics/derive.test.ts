import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { prom } from '@etcd-monitor/etcd';
import { metricsDump } from '@etcd-monitor/etcd/testing';
import { compactForDerive, derivePeers, deriveSeries, GRPC_SERIES, grpcSeriesName, selectForDerive, type Scrape } from './derive.ts';

const T0_TEXT = metricsDump('t0');
const T1_TEXT = metricsDump('t1');
const t0 = prom.parsePrometheusText(T0_TEXT);
const t1 = prom.parsePrometheusText(T1_TEXT);

// The dumps carry no scrape clock; the tests place them 30 s apart.
const WINDOW_S = 30;
const prev: Scrape = { at: 1_000_000, set: t0 };
const cur: Scrape = { at: 1_000_000 + WINDOW_S * 1000, set: t1 };

const near = (actual: number | undefined, expected: number, what: string) => {
  assert.ok(actual !== undefined, `${what}: absent, want ${expected}`);
  assert.ok(Math.abs(actual - expected) <= 1e-9 * Math.max(1, Math.abs(expected)), `${what}: got ${actual}, want ${expected}`);
};

const noBadNumbers = (series: Record<string, number>) => {
  for (const [k, v] of Object.entries(series)) assert.ok(Number.isFinite(v), `${k} is ${v}`);
};

test('deriveSeries over the t0 → t1 window matches the hand-computed figures', () => {
  const s = deriveSeries(prev, cur);
  noBadNumbers(s);
  // Gauges straight from t1.
  assert.equal(s.has_leader, 1);
  assert.equal(s.is_leader, 1);
  assert.equal(s.leader_changes_total, 2);
  assert.equal(s.proposals_pending, 0);
  assert.equal(s.proposals_failed_total, 28);
  assert.equal(s.db_size_bytes, 167936);
  assert.equal(s.db_size_in_use_bytes, 167936);
  assert.equal(s.quota_bytes, 2147483648);
  assert.equal(s.resident_memory_bytes, 55447552);
  assert.equal(s.open_fds, 34);
  assert.equal(s.max_fds, 20000);
  assert.equal(s.active_peers, 2); // two etcd_network_active_peers series, each 1
  assert.equal(s.heartbeat_send_failures_total, 0);
  assert.equal(s.slow_applies_total, 0);

  // leader_changes_seen_total 2 → 2.
  assert.equal(s.leader_changes, 0);
  // proposals committed and applied 1512 → 1812: 300 / 30 s.
  near(s.proposals_committed_rate, 10, 'proposals_committed_rate');
  near(s.proposals_applied_rate, 10, 'proposals_applied_rate');
  assert.equal(s.proposals_failed_rate, 0); // 28 → 28
  assert.equal(s.commit_apply_gap, 0); // 1812 − 1812

  // WAL fsync buckets, t1 − t0: le 0.001: 656−420 = 236; 0.002: 783−496 = 287; 0.004: 824−525 = 299; 0.008 and up: ≤ 300.
  // p50: rank 0.5 × 300 = 150 falls in the first bucket: 0.001 × 150/236.
  near(s.wal_fsync_p50_seconds, (0.001 * 150) / 236, 'wal_fsync_p50_seconds');
  // p99: rank 297 falls in (0.002, 0.004] holding 299 − 287 = 12: 0.002 + 0.002 × (297 − 287)/12 = 3.667 ms.
  near(s.wal_fsync_p99_seconds, 0.002 + (0.002 * 10) / 12, 'wal_fsync_p99_seconds');
  // Backend commit buckets, t1 − t0: 0.001: 350−135 = 215; 0.002: 267; 0.004: 285; 0.008: 501−208 = 293; total 504−209 = 295.
  // p50: rank 147.5 in the first bucket: 0.001 × 147.5/215.
  near(s.backend_commit_p50_seconds, (0.001 * 147.5) / 215, 'backend_commit_p50_seconds');
  // p99: rank 292.05 in (0.004, 0.008] holding 293 − 285 = 8: 0.004 + 0.004 × 7.05/8 = 7.525 ms.
  near(s.backend_commit_p99_seconds, 0.004 + (0.004 * 7.05) / 8, 'backend_commit_p99_seconds');

  // db size 118784 → 167936: 49152 B / 30 s = 1638.4 B/s.
  near(s.db_growth_bytes_per_second, 1638.4, 'db_growth_bytes_per_second');
  // 167936 / 2^31 = 41 × 4096 / 2^31 = 41 / 2^19.
  near(s.quota_used_ratio, 41 / 2 ** 19, 'quota_used_ratio');
  // (2147483648 − 167936) / 1638.4 = 2147315712 / 1638.4 = 1310617.5 s (≈ 15 days).
  near(s.time_to_quota_seconds, 1310617.5, 'time_to_quota_seconds');
  assert.equal(s.fragmentation_ratio, 0); // 1 − 167936/167936

  // mvcc: put 693 → 993, range 2 → 8, txn and delete stay 0.
  near(s.mvcc_put_rate, 10, 'mvcc_put_rate');
  near(s.mvcc_range_rate, 0.2, 'mvcc_range_rate');
  assert.equal(s.mvcc_txn_rate, 0);
  assert.equal(s.mvcc_delete_rate, 0);

  // grpc_server_handled_total, non-zero series: t0 OK Put 130 + Range 2 + Status 58, Unavailable 1, Unknown 5 = 196;
  // t1 231 + 8 + 58 + 1 + 5 = 303. All: 107 / 30. Errors (code ≠ OK): 6 → 6.
  near(s.grpc_requests_rate, 107 / 30, 'grpc_requests_rate');
  assert.equal(s.grpc_errors_rate, 0);

  // Peer RTT p99 over the window, per peer (see the derivePeers test): max(3.184 ms, 202.752 ms).
  near(s.peer_rtt_p99_seconds, 0.202752, 'peer_rtt_p99_seconds');
  // Sent: (173481 + 195923) − (81821 + 103003) = 184580 B / 30 s.
  near(s.peer_sent_bytes_rate, 184580 / 30, 'peer_sent_bytes_rate');
  // Received, From="0" included: (6780 + 134619 + 185480) − (4620 + 70151 + 120897) = 131211 B / 30 s = 4373.7 B/s.
  near(s.peer_received_bytes_rate, 4373.7, 'peer_received_bytes_rate');
  assert.equal(s.peer_sent_failures_rate, 0); // To=d403… 1 → 1
  assert.equal(s.heartbeat_send_failures_rate, 0);
  assert.equal(s.slow_applies_rate, 0);
  assert.equal(s.slow_read_indexes_rate, 0);

  // process_cpu_seconds_total 1.94 → 2.76: 0.82 s of CPU in 30 s = 0.0273 cores.
  near(s.process_cpu_seconds_rate, 0.82 / 30, 'process_cpu_seconds_rate');
  near(s.fd_used_ratio, 34 / 20000, 'fd_used_ratio');
  // etcd_disk_wal_write_bytes_total 173440 → 297880: 124440 B / 30 s = 4148 B/s.
  near(s.wal_write_bytes_rate, 4148, 'wal_write_bytes_rate');

  // No snapshot was saved and no compaction ran (counts 0 → 0): no observations, no value.
  assert.equal(s.snapshot_save_p99_seconds, undefined);
  assert.equal(s.compaction_duration_ms, undefined);
});

test('derivePeers gives each peer its link state, window RTT p99 and byte rates', () => {
  const peers = derivePeers(prev, cur);
  // From="0" (bytes of streams whose sender is not known yet) is not a peer.
  assert.deepEqual(
    peers.map((p) => p.to),
    ['104a589dee2f6c05', 'd403d15a2c04e767'],
  );
  const [a, b] = peers;
  assert.equal(a!.active, true);
  assert.equal(b!.active, true);
  // 104a… RTT buckets t1 − t0: le ≤ 0.0016: 0; 0.0032: 4−2 = 2; then 2 up to +Inf. p99: rank 1.98 in (0.0016, 0.0032]
  // holding 2: 0.0016 + 0.0016 × 1.98/2 = 3.184 ms.
  near(a!.rttP99, 0.0016 + 0.0016 * 0.99, '104a rttP99');
  // d403… RTT buckets t1 − t0: ≤ 0.0512: 0; 0.1024: 5−4 = 1; 0.2048: 7−5 = 2. p99: rank 1.98 in (0.1024, 0.2048]
  // holding 1: 0.1024 + 0.1024 × 0.98/1 = 202.752 ms.
  near(b!.rttP99, 0.1024 + 0.1024 * 0.98, 'd403 rttP99');
  // 104a… has no sent-failures series (etcd creates it on the first failure): 0. d403… stays at 1: 0.
  assert.equal(a!.sentFailuresRate, 0);
  assert.equal(b!.sentFailuresRate, 0);
  near(a!.sentBytesRate, (173481 - 81821) / 30, '104a sentBytesRate');
  near(b!.receivedBytesRate, (185480 - 120897) / 30, 'd403 receivedBytesRate');
  assert.equal(b!.disconnects, 0); // etcd_network_disconnected_peers_total 3 → 3
});

test('deriveSeries without a previous scrape gives gauges and whole-lifetime quantiles, and no rates', () => {
  const s = deriveSeries(undefined, cur);
  noBadNumbers(s);
  assert.equal(s.has_leader, 1);
  assert.equal(s.proposals_committed_rate, undefined);
  assert.equal(s.leader_changes, undefined);
  assert.equal(s.db_growth_bytes_per_second, undefined);
  assert.equal(s.time_to_quota_seconds, undefined);
  // WAL fsync over all of t1: 852 observations; p99 rank 843.48 in (0.008, 0.016] holding 849 − 841 = 8:
  // 0.008 + 0.008 × (843.48 − 841)/8 = 10.48 ms. p50: rank 426 in the first bucket (656): 0.001 × 426/656.
  near(s.wal_fsync_p99_seconds, 0.008 + (0.008 * 2.48) / 8, 'lifetime wal_fsync_p99_seconds');
  near(s.wal_fsync_p50_seconds, (0.001 * 426) / 656, 'lifetime wal_fsync_p50_seconds');
  // t0 alone: 1 − 114688/118784 = 1 − 28/29.
  near(deriveSeries(undefined, prev).fragmentation_ratio, 1 / 29, 't0 fragmentation_ratio');
});

test('a counter reset (scrapes swapped) never gives a negative rate', () => {
  const swapped = deriveSeries({ at: prev.at, set: t1 }, { at: cur.at, set: t0 });
  noBadNumbers(swapped);
  for (const [k, v] of Object.entries(swapped)) if (k.endsWith('_rate') || k === 'leader_changes') assert.ok(v >= 0, `${k} = ${v}`);
  // Committed fell 1812 → 1512, so the member restarted and all 1512 are new: 1512 / 30 = 50.4.
  near(swapped.proposals_committed_rate, 50.4, 'proposals_committed_rate after reset');
  // A shrinking gauge is no reset: the db really got smaller (as after a defrag), and no time-to-quota is given.
  near(swapped.db_growth_bytes_per_second, -1638.4, 'db_growth_bytes_per_second');
  assert.equal(swapped.time_to_quota_seconds, undefined);
  // Histograms shrank, so the window quantile is t0's whole lifetime: WAL p99 13.12 ms (the prom README's figure).
  near(swapped.wal_fsync_p99_seconds, 0.01312, 'wal_fsync_p99_seconds after reset');
});

test('a restart is recognised from process_start_time_seconds even when counters grew past their old values', () => {
  // t1 served by a new process: every counter counts from 0 inside the window, so committed gives 1812 / 30 = 60.4.
  const restarted = prom.parsePrometheusText(T1_TEXT.replace('process_start_time_seconds 1.7953288373e+09', 'process_start_time_seconds 1.7953289e+09'));
  const s = deriveSeries(prev, { at: cur.at, set: restarted });
  near(s.proposals_committed_rate, 1812 / 30, 'proposals_committed_rate across a restart');
  near(s.leader_changes, 2, 'leader_changes across a restart');
  // The WAL quantile is t1's whole lifetime (10.48 ms), not the t1 − t0 difference.
  near(s.wal_fsync_p99_seconds, 0.01048, 'wal_fsync_p99_seconds across a restart');
});

test('a series that appears during the window counts from 0 in the same process', () => {
  // A first peer send failure to 104a… appears in t1: etcd creates that series on the first failure.
  const failing = prom.parsePrometheusText(
    T1_TEXT.replace(
      'etcd_network_peer_sent_failures_total{To="d403d15a2c04e767"} 1',
      'etcd_network_peer_sent_failures_total{To="d403d15a2c04e767"} 1\netcd_network_peer_sent_failures_total{To="104a589dee2f6c05"} 15',
    ),
  );
  const s = deriveSeries(prev, { at: cur.at, set: failing });
  near(s.peer_sent_failures_rate, 0.5, 'peer_sent_failures_rate'); // 15 new failures / 30 s
  const peers = derivePeers(prev, { at: cur.at, set: failing });
  near(peers.find((p) => p.to === '104a589dee2f6c05')!.sentFailuresRate, 0.5, '104a sentFailuresRate');
});

test('missing metrics leave their series out instead of producing NaN', () => {
  const bare = prom.parsePrometheusText('# TYPE etcd_server_has_leader gauge\netcd_server_has_leader 0\n');
  const s = deriveSeries({ at: 0, set: bare }, { at: 5000, set: bare });
  assert.deepEqual(s, {
    has_leader: 0,
    // etcd creates per-peer series on first contact and failure series on the first failure: none means 0.
    peer_sent_failures_rate: 0,
    active_peers: 0,
  });
  assert.deepEqual(derivePeers(undefined, { at: 0, set: bare }), []);
  // Something that is not etcd at all gives nothing.
  const other = prom.parsePrometheusText('up 1\n');
  assert.deepEqual(deriveSeries({ at: 0, set: other }, { at: 5000, set: other }), {});
  // A histogram with no observations and a zero quota give no quantile and no ratio.
  const empty = prom.parsePrometheusText(
    '# TYPE etcd_disk_wal_fsync_duration_seconds histogram\netcd_disk_wal_fsync_duration_seconds_bucket{le="0.001"} 0\netcd_disk_wal_fsync_duration_seconds_bucket{le="+Inf"} 0\n' +
      'etcd_disk_wal_fsync_duration_seconds_sum 0\netcd_disk_wal_fsync_duration_seconds_count 0\netcd_server_quota_backend_bytes 0\netcd_mvcc_db_total_size_in_bytes 0\n',
  );
  const e = deriveSeries(undefined, { at: 0, set: empty });
  assert.deepEqual(e, { quota_bytes: 0, db_size_bytes: 0 });
});

test('a window that is not positive gives no rates', () => {
  const s = deriveSeries({ at: cur.at, set: t0 }, cur);
  assert.equal(s.proposals_committed_rate, undefined);
  assert.equal(s.has_leader, 1);
});

test('compactForDerive keeps the previous scrape small without changing any derived value', () => {
  const small = compactForDerive(t0);
  let kept = 0;
  for (const f of small.families.values()) kept += f.samples.length;
  let all = 0;
  for (const f of t0.families.values()) all += f.samples.length;
  assert.ok(kept < all / 5, `kept ${kept} of ${all} samples`);
  assert.deepEqual(deriveSeries({ at: prev.at, set: small }, cur), deriveSeries(prev, cur));
  assert.deepEqual(derivePeers({ at: prev.at, set: small }, cur), derivePeers(prev, cur));
});

test('selectForDerive keeps about a sixth of the dump and changes no derived value', () => {
  const small0 = selectForDerive(T0_TEXT);
  const small1 = selectForDerive(T1_TEXT);
  assert.ok(small1.length < T1_TEXT.length / 5, `${small1.length} of ${T1_TEXT.length} characters`);
  const p = { at: prev.at, set: prom.parsePrometheusText(small0) };
  const c = { at: cur.at, set: prom.parsePrometheusText(small1) };
  assert.deepEqual(deriveSeries(p, c), deriveSeries(prev, cur));
  assert.deepEqual(derivePeers(p, c), derivePeers(prev, cur));
  assert.deepEqual(deriveSeries(undefined, c), deriveSeries(undefined, cur));
  // Applied to any split into whole lines, it gives the same lines.
  const lines = T1_TEXT.split('\n');
  const half = lines.length >> 1;
  const pieces = [selectForDerive(lines.slice(0, half).join('\n')), selectForDerive(lines.slice(half).join('\n'))].filter((x) => x !== '');
  assert.equal(pieces.join('\n'), small1);
});

test("the series of etcd's Grafana dashboard: open streams, watchers, keys, lease and client traffic rates, requests by method and code", () => {
  const s = deriveSeries(prev, cur);
  // t1: grpc_server_started_total LeaseKeepAlive 1 and no handled series for it (the stream is open); Watch 0 and 0.
  assert.equal(s.watch_streams, 0);
  assert.equal(s.lease_keepalive_streams, 1);
  assert.equal(s.watchers, 0);
  assert.equal(s.keys_total, 59);
  assert.equal(s.lease_granted_rate, 0); // 1 → 1
  assert.equal(s.lease_revoked_rate, 0); // 0 → 0
  near(s.lease_renewed_rate, 9 / WINDOW_S, 'lease_renewed_rate'); // 2 → 11
  near(s.client_received_bytes_rate, (17179 - 4643) / WINDOW_S, 'client_received_bytes_rate');
  near(s.client_sent_bytes_rate, (10468 - 7216) / WINDOW_S, 'client_sent_bytes_rate');
  // Every (method, code) pair etcd has counted, and no other: Put OK 130 → 231, Range OK 2 → 8, the rest unchanged.
  const grpc = Object.fromEntries(Object.entries(s).filter(([k]) => GRPC_SERIES.test(k)));
  assert.deepEqual(Object.keys(grpc).sort(), ['grpc_Put_OK_rate', 'grpc_Put_Unavailable_rate', 'grpc_Put_Unknown_rate', 'grpc_Range_OK_rate', 'grpc_Status_OK_rate']);
  near(grpc.grpc_Put_OK_rate, 101 / WINDOW_S, 'grpc_Put_OK_rate');
  near(grpc.grpc_Range_OK_rate, 6 / WINDOW_S, 'grpc_Range_OK_rate');
  assert.equal(grpc.grpc_Status_OK_rate, 0);
  assert.equal(grpc.grpc_Put_Unknown_rate, 0);
  // Their sum is the total request rate.
  near(
    Object.values(grpc).reduce((a, b) => a + b, 0),
    s.grpc_requests_rate!,
    'sum of grpc_<method>_<code>_rate',
  );
  assert.deepEqual(GRPC_SERIES.exec(grpcSeriesName('LeaseGrant', 'Unavailable'))?.slice(1), ['LeaseGrant', 'Unavailable']);
});

test('what a collector keeps of a scrape (the compacted set, the peers) does not keep the scrape text alive', () => {
  // Parsed names and label values are slices of the text: kept as they were, the previous scrape and one peer id each
  // held a member's whole text. A 1 MiB comment makes each text big enough to see.
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const members = 10;
  const pad = 1 << 20;
  let texts = Array.from({ length: members }, (_, i) => `# ${String(i).repeat(pad)}\n${T1_TEXT}`);
  gc();
  const before = process.memoryUsage().heapUsed;
  const kept = texts.map((text) => {
    const scrape: Scrape = { at: 1_000_000, set: prom.parsePrometheusText(text) };
    return { set: compactForDerive(scrape.set), peers: derivePeers(prev, scrape) };
  });
  texts = [];
  gc();
  const perMember = (process.memoryUsage().heapUsed - before) / members;
  assert.equal(kept[0]!.peers.length, 2);
  assert.ok(perMember < pad / 4, `a member keeps ${(perMember / 1024).toFixed(0)} KiB after a ${(pad / 1024).toFixed(0)} KiB scrape`);
});
