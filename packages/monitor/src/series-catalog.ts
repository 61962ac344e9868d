import type { SeriesCatalog, SeriesDef, SeriesPattern, SeriesUnit } from './api/contract.ts';
import { GRPC_SERIES } from './collectors/metrics/derive.ts';

type Row = [name: string, title: string, unit: SeriesUnit, source: string];

const member = (group: string, rows: Row[]): SeriesDef[] => rows.map(([name, title, unit, source]) => ({ name, title, unit, scope: 'member', group, source }));

/**
 * SERIES_CATALOG lists every series the collectors and the cluster loop record, with a title, a unit and where it comes
 * from; `GET /api/v1/series/catalog` serves it so charts need no copy of this list. A test checks it against what the
 * collectors actually produce.
 */
export const SERIES_CATALOG: readonly SeriesDef[] = [
  { name: 'health_status', title: 'Health (0 healthy, 1 degraded, 2 critical, 3 unreachable)', unit: 'count', scope: 'cluster', group: 'Cluster', source: 'health model' },
  { name: 'members_up', title: 'Members answering', unit: 'count', scope: 'cluster', group: 'Cluster', source: 'Status' },
  { name: 'members_total', title: 'Members in the member list', unit: 'count', scope: 'cluster', group: 'Cluster', source: 'MemberList' },
  { name: 'has_leader', title: 'Has a leader', unit: 'count', scope: 'cluster', group: 'Cluster', source: 'Status (cluster); etcd_server_has_leader (member)' },
  ...member('Status', [
    ['up', 'Answers its Status call', 'count', 'Status'],
    ['has_leader_status', 'Knows a leader (Status)', 'count', 'Status'],
    ['is_leader_status', 'Is the leader (Status)', 'count', 'Status'],
    ['raft_term', 'Raft term', 'count', 'Status'],
    ['raft_index', 'Raft committed index', 'count', 'Status'],
    ['raft_applied_index', 'Raft applied index', 'count', 'Status'],
    ['db_size_bytes_status', 'DB size (Status)', 'bytes', 'Status'],
    ['db_size_in_use_bytes_status', 'DB size in use (Status)', 'bytes', 'Status'],
    ['status_latency_ms', 'Status call latency', 'ms', 'Status'],
  ]),
  ...member('Latency', [
    ['probe_read_serializable_ms', 'Probe read latency (serializable)', 'ms', 'read probe'],
    ['probe_read_linearizable_ms', 'Probe read latency (linearizable)', 'ms', 'read probe'],
    ['probe_write_ms', 'Probe write latency (opt-in write_probe)', 'ms', 'write probe'],
    ['probe_success', 'Linearizable probe succeeded', 'count', 'read probe'],
    ['wal_fsync_p50_seconds', 'WAL fsync p50', 'seconds', 'etcd_disk_wal_fsync_duration_seconds'],
    ['wal_fsync_p99_seconds', 'WAL fsync p99', 'seconds', 'etcd_disk_wal_fsync_duration_seconds'],
    ['backend_commit_p50_seconds', 'Backend commit p50', 'seconds', 'etcd_disk_backend_commit_duration_seconds'],
    ['backend_commit_p99_seconds', 'Backend commit p99', 'seconds', 'etcd_disk_backend_commit_duration_seconds'],
    ['wal_fsync_p99_5m_seconds', 'WAL fsync p99 over 5 minutes', 'seconds', 'etcd_disk_wal_fsync_duration_seconds (rate of the buckets over 5 m)'],
    ['backend_commit_p99_5m_seconds', 'Backend commit p99 over 5 minutes', 'seconds', 'etcd_disk_backend_commit_duration_seconds (rate of the buckets over 5 m)'],
    ['snapshot_save_p99_seconds', 'Snapshot save p99', 'seconds', 'etcd_debugging_snap_save_total_duration_seconds'],
    ['compaction_duration_ms', 'Compaction duration (mean)', 'ms', 'etcd_debugging_mvcc_db_compaction_total_duration_milliseconds'],
  ]),
  ...member('Raft', [
    ['is_leader', 'Is the leader', 'count', 'etcd_server_is_leader'],
    ['is_learner', 'Is a learner', 'count', 'etcd_server_is_learner'],
    ['leader_changes_total', 'Leader changes seen (since start)', 'count', 'etcd_server_leader_changes_seen_total'],
    ['leader_changes', 'Leader changes', 'count', 'etcd_server_leader_changes_seen_total'],
    ['proposals_committed_rate', 'Proposals committed', 'opsPerSec', 'etcd_server_proposals_committed_total'],
    ['proposals_applied_rate', 'Proposals applied', 'opsPerSec', 'etcd_server_proposals_applied_total'],
    ['proposals_pending', 'Proposals pending', 'count', 'etcd_server_proposals_pending'],
    ['proposals_failed_total', 'Proposals failed (since start)', 'count', 'etcd_server_proposals_failed_total'],
    ['proposals_failed_rate', 'Proposals failed', 'opsPerSec', 'etcd_server_proposals_failed_total'],
    ['commit_apply_gap', 'Committed but not applied', 'count', 'etcd_server_proposals_committed_total − applied'],
    ['heartbeat_send_failures_total', 'Heartbeat send failures (since start)', 'count', 'etcd_server_heartbeat_send_failures_total'],
    ['heartbeat_send_failures_rate', 'Heartbeat send failures', 'opsPerSec', 'etcd_server_heartbeat_send_failures_total'],
    ['slow_applies_total', 'Slow applies (since start)', 'count', 'etcd_server_slow_apply_total'],
    ['slow_applies_rate', 'Slow applies', 'opsPerSec', 'etcd_server_slow_apply_total'],
    ['slow_read_indexes_rate', 'Slow read indexes', 'opsPerSec', 'etcd_server_slow_read_indexes_total'],
  ]),
  ...member('Storage', [
    ['db_size_bytes', 'DB size', 'bytes', 'etcd_mvcc_db_total_size_in_bytes'],
    ['db_size_in_use_bytes', 'DB size in use', 'bytes', 'etcd_mvcc_db_total_size_in_use_in_bytes'],
    ['db_growth_bytes_per_second', 'DB growth', 'bytesPerSec', 'etcd_mvcc_db_total_size_in_bytes'],
    ['quota_bytes', 'Backend quota', 'bytes', 'etcd_server_quota_backend_bytes'],
    ['quota_used_ratio', 'Quota used', 'ratio', 'db size / quota'],
    ['time_to_quota_seconds', 'Time to quota at the current growth', 'seconds', 'db size, quota, growth'],
    ['fragmentation_ratio', 'Free space in the DB file', 'ratio', '1 − in use / size'],
    ['keys_total', 'Keys', 'count', 'etcd_debugging_mvcc_keys_total'],
    ['wal_write_bytes_rate', 'WAL writes', 'bytesPerSec', 'etcd_disk_wal_write_bytes_total'],
  ]),
  ...member('Requests', [
    ['grpc_requests_rate', 'Request rate (gRPC)', 'opsPerSec', 'grpc_server_handled_total'],
    ['grpc_errors_rate', 'Failed requests (gRPC, code not OK)', 'opsPerSec', 'grpc_server_handled_total{grpc_code!="OK"}'],
    ['mvcc_put_rate', 'Writes (put)', 'opsPerSec', 'etcd_mvcc_put_total'],
    ['mvcc_range_rate', 'Reads (range)', 'opsPerSec', 'etcd_mvcc_range_total'],
    ['mvcc_txn_rate', 'Transactions', 'opsPerSec', 'etcd_mvcc_txn_total'],
    ['mvcc_delete_rate', 'Deletes', 'opsPerSec', 'etcd_mvcc_delete_total'],
    ['watch_streams', 'Open watch streams', 'count', 'grpc_server_started_total − grpc_server_handled_total (Watch)'],
    ['watchers', 'Watchers', 'count', 'etcd_debugging_mvcc_watcher_total'],
    ['lease_keepalive_streams', 'Open lease keep-alive streams', 'count', 'grpc_server_started_total − grpc_server_handled_total (LeaseKeepAlive)'],
    ['lease_granted_rate', 'Leases granted', 'opsPerSec', 'etcd_debugging_lease_granted_total'],
    ['lease_revoked_rate', 'Leases revoked', 'opsPerSec', 'etcd_debugging_lease_revoked_total'],
    ['lease_renewed_rate', 'Leases renewed', 'opsPerSec', 'etcd_debugging_lease_renewed_total'],
    ['client_received_bytes_rate', 'Client traffic in', 'bytesPerSec', 'etcd_network_client_grpc_received_bytes_total'],
    ['client_sent_bytes_rate', 'Client traffic out', 'bytesPerSec', 'etcd_network_client_grpc_sent_bytes_total'],
  ]),
  ...member('Network', [
    ['peer_rtt_p99_seconds', 'Peer round-trip p99 (slowest peer)', 'seconds', 'etcd_network_peer_round_trip_time_seconds'],
    ['peer_rtt_p99_5m_seconds', 'Peer round-trip p99 over 5 minutes (slowest peer)', 'seconds', 'etcd_network_peer_round_trip_time_seconds (rate of the buckets over 5 m)'],
    ['peer_sent_bytes_rate', 'Peer traffic out', 'bytesPerSec', 'etcd_network_peer_sent_bytes_total'],
    ['peer_received_bytes_rate', 'Peer traffic in', 'bytesPerSec', 'etcd_network_peer_received_bytes_total'],
    ['peer_sent_failures_rate', 'Peer send failures', 'opsPerSec', 'etcd_network_peer_sent_failures_total'],
    ['active_peers', 'Connected peers', 'count', 'etcd_network_active_peers'],
    ['peer_sent_failures_to_rate', 'Peer send failures towards this member', 'opsPerSec', 'etcd_network_peer_sent_failures_total{To} of the other members'],
    [
      'peer_rtt_p99_5m_to_seconds',
      'Round-trip p99 over 5 minutes towards this member (slowest peer)',
      'seconds',
      'etcd_network_peer_round_trip_time_seconds{To} of the other members (rate of the buckets over 5 m)',
    ],
  ]),
  ...member('Process', [
    ['process_cpu_seconds_rate', 'CPU', 'cores', 'process_cpu_seconds_total'],
    ['resident_memory_bytes', 'Memory (RSS)', 'bytes', 'process_resident_memory_bytes'],
    ['open_fds', 'Open file descriptors', 'count', 'process_open_fds'],
    ['max_fds', 'File descriptor limit', 'count', 'process_max_fds'],
    ['fd_used_ratio', 'File descriptors used', 'ratio', 'open / max'],
    ['scrape_ms', '/metrics scrape time', 'ms', "the monitor's scrape"],
    ['scrape_up', '/metrics scrape succeeded', 'count', "the monitor's scrape"],
  ]),
];

/** SERIES_PATTERNS are the families of series named after label values. */
export const SERIES_PATTERNS: readonly SeriesPattern[] = [
  {
    pattern: 'grpc_<method>_<code>_rate',
    regex: GRPC_SERIES.source,
    labels: ['method', 'code'],
    title: 'gRPC <method> requests answered <code>',
    unit: 'opsPerSec',
    scope: 'member',
    group: 'Requests',
    source: 'grpc_server_handled_total{grpc_method, grpc_code}: one series per pair etcd has served at least once',
  },
];

/** seriesCatalog is the catalogue as the API serves it. */
export function seriesCatalog(): SeriesCatalog {
  return { series: [...SERIES_CATALOG], patterns: [...SERIES_PATTERNS] };
}
