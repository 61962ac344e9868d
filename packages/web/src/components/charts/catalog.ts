import type { Unit } from '../../lib/format.ts';

/** ChartDef describes one chart of a stored series. */
export interface ChartDef {
  series: string;
  title: string;
  unit: Unit;
}

/** ChartSection groups charts under a heading on the cluster and member pages. */
export interface ChartSection {
  title: string;
  charts: ChartDef[];
}

/** CHART_SECTIONS are the cluster page's charts; series names are the monitor's derived series (collectors/metrics/README.md). */
export const CHART_SECTIONS: ChartSection[] = [
  {
    title: 'Requests',
    charts: [
      { series: 'grpc_requests_rate', title: 'Request rate (gRPC)', unit: 'opsPerSec' },
      { series: 'mvcc_put_rate', title: 'Writes (put)', unit: 'opsPerSec' },
      { series: 'mvcc_range_rate', title: 'Reads (range)', unit: 'opsPerSec' },
    ],
  },
  {
    title: 'Latency',
    charts: [
      { series: 'probe_read_linearizable_ms', title: 'Probe read latency (linearizable)', unit: 'ms' },
      { series: 'probe_write_ms', title: 'Probe write latency', unit: 'ms' },
      { series: 'wal_fsync_p99_seconds', title: 'WAL fsync p99', unit: 'seconds' },
      { series: 'backend_commit_p99_seconds', title: 'Backend commit p99', unit: 'seconds' },
      { series: 'peer_rtt_p99_seconds', title: 'Peer round-trip p99', unit: 'seconds' },
    ],
  },
  {
    title: 'Raft',
    charts: [
      { series: 'proposals_committed_rate', title: 'Proposals committed', unit: 'opsPerSec' },
      { series: 'proposals_applied_rate', title: 'Proposals applied', unit: 'opsPerSec' },
      { series: 'proposals_pending', title: 'Proposals pending', unit: 'count' },
      { series: 'proposals_failed_rate', title: 'Proposals failed', unit: 'opsPerSec' },
      { series: 'leader_changes', title: 'Leader changes', unit: 'count' },
    ],
  },
  {
    title: 'Storage',
    charts: [
      { series: 'db_size_bytes', title: 'DB size', unit: 'bytes' },
      { series: 'db_size_in_use_bytes', title: 'DB size in use', unit: 'bytes' },
    ],
  },
  {
    title: 'Process',
    charts: [
      { series: 'process_cpu_seconds_rate', title: 'CPU', unit: 'cores' },
      { series: 'resident_memory_bytes', title: 'Memory (RSS)', unit: 'bytes' },
      { series: 'open_fds', title: 'Open file descriptors', unit: 'count' },
    ],
  },
];

/** ALL_CHARTS is every chart of the catalog, by series name. */
export const ALL_CHARTS: Map<string, ChartDef> = new Map(CHART_SECTIONS.flatMap((s) => s.charts).map((c) => [c.series, c]));

/** PROBE_FIELDS maps probe series to the field of a member's `probe` in the live stream, so they draw without waiting for a store flush. */
export const PROBE_FIELDS: Record<string, 'linearizableMs' | 'serializableMs' | 'writeMs'> = {
  probe_read_linearizable_ms: 'linearizableMs',
  probe_read_serializable_ms: 'serializableMs',
  probe_write_ms: 'writeMs',
};

/** chartDef returns the catalog chart of a series, or a title and a unit guessed from the name's suffix. */
export function chartDef(series: string): ChartDef {
  const known = ALL_CHARTS.get(series);
  if (known) return known;
  const unit: Unit = /_bytes$/.test(series) ? 'bytes' : /_seconds$/.test(series) ? 'seconds' : /_ms$/.test(series) ? 'ms' : /_rate$/.test(series) ? 'opsPerSec' : /_ratio$/.test(series) ? 'ratio' : 'count';
  return { series, title: readableName(series), unit };
}

// Words a series name abbreviates, spelled out for a title.
const WORDS: Record<string, string> = { grpc: 'gRPC', mvcc: 'MVCC', db: 'DB', wal: 'WAL', rtt: 'round-trip', p99: 'p99', fds: 'file descriptors', cpu: 'CPU', rss: 'RSS' };

/** readableName turns a series name into a title: `peer_sent_bytes_rate` → "Peer sent bytes rate" (the unit suffix stays). */
export function readableName(series: string): string {
  const words = series.split('_').filter(Boolean).map((w) => WORDS[w] ?? w);
  // Spelled-out words keep their own case (gRPC); plain ones start the title with a capital.
  const first = words[0] ?? '';
  if (first && !Object.values(WORDS).includes(first)) words[0] = first.charAt(0).toUpperCase() + first.slice(1);
  return words.join(' ');
}
