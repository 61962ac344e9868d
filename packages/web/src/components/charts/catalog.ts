import type { SeriesCatalog } from '@etcd-monitor/monitor/contract';
import type { Unit } from '../../lib/format.ts';

/** ChartDef describes one chart of a stored series. */
export interface ChartDef {
  series: string;
  title: string;
  unit: Unit;
}

/** ChartSection is one heading of the cluster and member pages and the series charted under it, in order. */
export interface ChartSection {
  title: string;
  series: string[];
}

/**
 * CHART_SECTIONS choose which of the monitor's series the cluster and member pages chart, and in which order; their
 * titles and units come from the monitor's catalogue (`GET /api/v1/series/catalog`), so they are written once.
 * The sections follow Grafana's etcd dashboard where it has the series.
 */
export const CHART_SECTIONS: ChartSection[] = [
  { title: 'Requests', series: ['grpc_requests_rate', 'grpc_errors_rate', 'mvcc_put_rate', 'mvcc_range_rate', 'mvcc_txn_rate', 'mvcc_delete_rate'] },
  {
    title: 'Clients',
    series: ['watch_streams', 'watchers', 'lease_keepalive_streams', 'lease_granted_rate', 'lease_revoked_rate', 'client_received_bytes_rate', 'client_sent_bytes_rate'],
  },
  { title: 'Latency', series: ['probe_read_linearizable_ms', 'probe_write_ms', 'wal_fsync_p99_seconds', 'backend_commit_p99_seconds', 'peer_rtt_p99_seconds'] },
  { title: 'Raft', series: ['proposals_committed_rate', 'proposals_applied_rate', 'proposals_pending', 'proposals_failed_rate', 'leader_changes'] },
  { title: 'Storage', series: ['db_size_bytes', 'db_size_in_use_bytes', 'keys_total'] },
  { title: 'Process', series: ['process_cpu_seconds_rate', 'resident_memory_bytes', 'open_fds'] },
];

/** PROBE_FIELDS maps probe series to the field of a member's `probe` in the live stream, so they draw without waiting for a store flush. */
export const PROBE_FIELDS: Record<string, 'linearizableMs' | 'serializableMs' | 'writeMs'> = {
  probe_read_linearizable_ms: 'linearizableMs',
  probe_read_serializable_ms: 'serializableMs',
  probe_write_ms: 'writeMs',
};

/**
 * chartDef returns a series' title and unit from the monitor's catalogue (a member of a family such as
 * `grpc_Range_OK_rate` gets its family's title with the labels filled in), else a title and a unit guessed from the
 * name — for a catalogue not loaded yet, or a series an older monitor stored.
 */
export function chartDef(series: string, catalog?: SeriesCatalog): ChartDef {
  const known = catalog?.series.find((d) => d.name === series);
  if (known) return { series, title: known.title, unit: known.unit };
  for (const p of catalog?.patterns ?? []) {
    const m = new RegExp(p.regex).exec(series);
    if (m) return { series, title: p.labels.reduce((t, l, i) => t.replace(`<${l}>`, m[i + 1] ?? ''), p.title), unit: p.unit };
  }
  const unit: Unit = /_bytes$/.test(series)
    ? 'bytes'
    : /_seconds$/.test(series)
      ? 'seconds'
      : /_ms$/.test(series)
        ? 'ms'
        : /_rate$/.test(series)
          ? 'opsPerSec'
          : /_ratio$/.test(series)
            ? 'ratio'
            : 'count';
  return { series, title: readableName(series), unit };
}

// Words a series name abbreviates, spelled out for a title.
const WORDS: Record<string, string> = { grpc: 'gRPC', mvcc: 'MVCC', db: 'DB', wal: 'WAL', rtt: 'round-trip', p99: 'p99', fds: 'file descriptors', cpu: 'CPU', rss: 'RSS' };

/** readableName turns a series name into a title: `peer_sent_bytes_rate` → "Peer sent bytes rate" (the unit suffix stays). */
export function readableName(series: string): string {
  const words = series
    .split('_')
    .filter(Boolean)
    .map((w) => WORDS[w] ?? w);
  // Spelled-out words keep their own case (gRPC); plain ones start the title with a capital.
  const first = words[0] ?? '';
  if (first && !Object.values(WORDS).includes(first)) words[0] = first.charAt(0).toUpperCase() + first.slice(1);
  return words.join(' ');
}
