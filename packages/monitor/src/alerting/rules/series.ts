import type { MemberFacts } from '../../model/member.ts';
import { GRPC_SERIES } from '../../collectors/metrics/derive.ts';

/** DERIVED_SERIES are the per-member series the metrics collector derives from /metrics (see collectors/metrics/README.md). */
export const DERIVED_SERIES: readonly string[] = [
  'has_leader',
  'is_leader',
  'is_learner',
  'leader_changes_total',
  'leader_changes',
  'proposals_committed_rate',
  'proposals_applied_rate',
  'proposals_pending',
  'proposals_failed_total',
  'proposals_failed_rate',
  'commit_apply_gap',
  'wal_fsync_p50_seconds',
  'wal_fsync_p99_seconds',
  'backend_commit_p50_seconds',
  'backend_commit_p99_seconds',
  'wal_fsync_p99_5m_seconds',
  'backend_commit_p99_5m_seconds',
  'peer_rtt_p99_5m_seconds',
  'db_size_bytes',
  'db_size_in_use_bytes',
  'db_growth_bytes_per_second',
  'quota_bytes',
  'quota_used_ratio',
  'time_to_quota_seconds',
  'fragmentation_ratio',
  'mvcc_put_rate',
  'mvcc_range_rate',
  'mvcc_txn_rate',
  'mvcc_delete_rate',
  'grpc_requests_rate',
  'grpc_errors_rate',
  'peer_rtt_p99_seconds',
  'peer_sent_bytes_rate',
  'peer_received_bytes_rate',
  'peer_sent_failures_rate',
  'active_peers',
  'heartbeat_send_failures_total',
  'heartbeat_send_failures_rate',
  'slow_applies_total',
  'slow_applies_rate',
  'slow_read_indexes_rate',
  'process_cpu_seconds_rate',
  'resident_memory_bytes',
  'open_fds',
  'max_fds',
  'fd_used_ratio',
  'wal_write_bytes_rate',
  'snapshot_save_p99_seconds',
  'compaction_duration_ms',
  'watch_streams',
  'lease_keepalive_streams',
  'watchers',
  'keys_total',
  'lease_granted_rate',
  'lease_revoked_rate',
  'lease_renewed_rate',
  'client_received_bytes_rate',
  'client_sent_bytes_rate',
  'scrape_ms',
  'scrape_up',
];

/** STATUS_SERIES are the per-member series the status and probe collectors record. */
export const STATUS_SERIES: readonly string[] = [
  'up',
  'has_leader_status',
  'is_leader_status',
  'raft_term',
  'raft_index',
  'raft_applied_index',
  'db_size_bytes_status',
  'db_size_in_use_bytes_status',
  'status_latency_ms',
  'probe_read_serializable_ms',
  'probe_read_linearizable_ms',
  'probe_write_ms',
  'probe_success',
];

/**
 * PEER_EVIDENCE_SERIES are per-member series about a member as its peers see it (peers.ts): etcd's peer metrics are
 * labelled by the remote member (`To`, `From`, `Remote`, hex ids), so a failing link to m3 shows in m1's and m2's
 * metrics. Summed per scraping member, that evidence named m1 ("m1 is down" while m3 was); regrouped by the remote
 * member's id, it names m3.
 */
export const PEER_EVIDENCE_SERIES: readonly string[] = ['peer_sent_failures_to_rate', 'peer_rtt_p99_5m_to_seconds'];

// The per-method, per-code request rates (grpc_Range_OK_rate …) are named after etcd's labels, so they are known by shape.
class SeriesNames extends Set<string> {
  override has(name: string): boolean {
    return super.has(name) || GRPC_SERIES.test(name);
  }
}

/** KNOWN_SERIES is every series name an expression may select (and the grpc_<Method>_<Code>_rate family); anything else is rejected when the rule is parsed. */
export const KNOWN_SERIES: ReadonlySet<string> = new SeriesNames([...DERIVED_SERIES, ...STATUS_SERIES, ...PEER_EVIDENCE_SERIES]);

/** FINDING_CODES are the health model's finding codes that `finding("…")` accepts (see health/health.ts). */
export const FINDING_CODES: readonly string[] = [
  'cluster_unreachable',
  'quorum_lost',
  'no_leader',
  'split_brain',
  'member_down',
  'member_no_leader',
  'member_partitioned',
  'member_unhealthy',
  'member_lagging',
  'monitor_partitioned',
  'alarm_nospace',
  'alarm_corrupt',
  'version_skew',
  'quota_high',
  'fragmented',
  'member_list_diverged',
  'leader_unreachable',
  'duplicate_cluster',
  'cluster_id_mismatch',
];

/** memberLabel names a member the way the collectors key its stored series: name, else id, else endpoint. */
export function memberLabel(f: MemberFacts): string {
  return f.name || f.id || f.endpoint;
}

/** CurrentValue is a member's current value of one series and when it was observed (ms). */
export interface CurrentValue {
  /** t is when the value was observed. */
  t: number;
  /** v is the value. */
  v: number;
}

/**
 * currentSeries gives a member's current values under the same names the collectors store, so an expression reads the
 * live snapshot and the stored history alike. Metrics from a failed last scrape are left out, as Prometheus marks a
 * failed target's series stale instead of repeating old values.
 */
export function currentSeries(f: MemberFacts, fallbackT: number): Record<string, CurrentValue> {
  const out: Record<string, CurrentValue> = {};
  const put = (t: number | null | undefined, values: Record<string, number>) => {
    for (const [k, v] of Object.entries(values)) if (Number.isFinite(v)) out[k] = { t: t ?? fallbackT, v };
  };
  if (f.metrics && !f.metricsError) put(f.metrics.at, f.metrics.series);
  if (f.metrics || f.metricsError) put(f.metrics?.at, { scrape_up: f.metricsError ? 0 : 1 });
  if (f.status) {
    const s = f.status;
    const hasLeader = s.leader !== '0' && s.leader !== '' ? 1 : 0;
    put(f.statusAt, {
      up: 1,
      has_leader_status: hasLeader,
      is_leader_status: hasLeader && s.leader === s.id ? 1 : 0,
      raft_term: s.raftTerm,
      raft_index: s.raftIndex,
      raft_applied_index: s.raftAppliedIndex,
      db_size_bytes_status: s.dbSize,
      db_size_in_use_bytes_status: s.dbSizeInUse,
    });
    if (f.statusLatencyMs !== null) put(f.statusAt, { status_latency_ms: f.statusLatencyMs });
  } else if (f.error) {
    put(f.statusAt, { up: 0 });
  }
  const p = f.probe;
  if (p) {
    const v: Record<string, number> = { probe_success: p.linearizableOk ? 1 : 0 };
    if (p.serializableMs !== null) v.probe_read_serializable_ms = p.serializableMs;
    if (p.linearizableMs !== null) v.probe_read_linearizable_ms = p.linearizableMs;
    if (p.writeMs !== null) v.probe_write_ms = p.writeMs;
    put(p.at, v);
  }
  return out;
}
