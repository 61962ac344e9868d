import { prom } from '@etcd-monitor/etcd';
import type { PeerSeries } from './derive.ts';

type MetricSet = prom.MetricSet;

/** WINDOW_MS is the window of the window quantiles: the etcd mixin's `rate(…_bucket[5m])`. */
export const WINDOW_MS = 5 * 60_000;

/**
 * WINDOW_QUANTILES are the series computed as the etcd mixin computes its alert quantiles,
 * `histogram_quantile(q, rate(family_bucket[5m]))`: one quantile of every observation of the last 5 minutes. The
 * per-scrape quantiles (`wal_fsync_p99_seconds`, …) describe a few seconds each; their worst value over 5 minutes is
 * the slowest single operation on an idle member, which made one slow fsync in 2,000 look like a slow disk.
 */
export const WINDOW_QUANTILES: Readonly<Record<string, { family: string; q: number }>> = {
  wal_fsync_p99_5m_seconds: { family: 'etcd_disk_wal_fsync_duration_seconds', q: 0.99 },
  backend_commit_p99_5m_seconds: { family: 'etcd_disk_backend_commit_duration_seconds', q: 0.99 },
};

/** PEER_RTT_FAMILY is the per-peer round-trip histogram, labelled `To` with the peer's hex member id. */
const PEER_RTT_FAMILY = 'etcd_network_peer_round_trip_time_seconds';

interface Entry {
  at: number;
  // Cumulative bucket counts by histogram key (family, or family + peer), as scraped.
  hists: Map<string, prom.Bucket[]>;
}

/**
 * HistogramWindows keeps the cumulative buckets of the histograms the alert rules read over the last 5 minutes of
 * scrapes of one member, and gives their window quantiles. Increases are summed scrape to scrape, so a counter reset
 * inside the window (a bucket that shrinks) counts what came after it, as PromQL's rate does; a new process or
 * member (start time or server id changed) starts the window afresh.
 */
export class HistogramWindows {
  private readonly windowMs: number;
  private entries: Entry[] = [];
  private identity = '';

  constructor(windowMs = WINDOW_MS) {
    this.windowMs = windowMs;
  }

  /**
   * add records a scrape taken at `at` and puts the window quantiles into `series` (WINDOW_QUANTILES' names, and
   * `peer_rtt_p99_5m_seconds`: the slowest peer's) and each peer's `rttP99Window`. A quantile is left out while the
   * window holds one scrape or no observation.
   */
  add(at: number, set: MetricSet, series: Record<string, number>, peers: PeerSeries[]): void {
    const start = prom.value(set, 'process_start_time_seconds');
    const id = prom.samples(set, 'etcd_server_id')[0]?.labels.server_id;
    const identity = `${start ?? ''}/${id ?? ''}`;
    if (identity !== this.identity) this.entries = [];
    this.identity = identity;
    if (this.entries.length > 0 && at <= this.entries[this.entries.length - 1]!.at) return;
    const hists = new Map<string, prom.Bucket[]>();
    for (const { family } of Object.values(WINDOW_QUANTILES)) hists.set(family, prom.histogramBuckets(set, family));
    for (const p of peers) hists.set(`${PEER_RTT_FAMILY}\u0000${p.to}`, prom.histogramBuckets(set, PEER_RTT_FAMILY, { To: p.to }));
    this.entries.push({ at, hists });
    // The window is (at - windowMs, at]: its first scrape is the oldest one inside it, as in a PromQL range.
    while (this.entries.length > 1 && this.entries[0]!.at <= at - this.windowMs) this.entries.shift();
    for (const [name, { family, q }] of Object.entries(WINDOW_QUANTILES)) {
      const v = this.quantile(family, q);
      if (v !== undefined) series[name] = v;
    }
    let slowest: number | undefined;
    for (const p of peers) {
      const v = this.quantile(`${PEER_RTT_FAMILY}\u0000${p.to}`, 0.99);
      if (v === undefined) continue;
      p.rttP99Window = v;
      slowest = Math.max(slowest ?? 0, v);
    }
    if (slowest !== undefined) series.peer_rtt_p99_5m_seconds = slowest;
  }

  private quantile(key: string, q: number): number | undefined {
    if (this.entries.length < 2) return undefined;
    let inc: prom.Bucket[] | undefined;
    for (let i = 1; i < this.entries.length; i++) {
      const a = this.entries[i - 1]!.hists.get(key);
      const b = this.entries[i]!.hists.get(key);
      if (!b || b.length === 0) continue;
      // A series born inside the window (a new peer) or a reset counts from 0, as histogramDelta reads it.
      const d = a && a.length > 0 ? prom.histogramDelta(a, b) : b;
      if (!inc || inc.length !== d.length || inc.some((x, j) => x.le !== d[j]!.le)) inc = d.map((x) => ({ ...x }));
      else for (let j = 0; j < d.length; j++) inc[j]!.count += d[j]!.count;
    }
    if (!inc) return undefined;
    const v = prom.histogramQuantile(q, inc);
    return Number.isFinite(v) ? v : undefined;
  }
}
