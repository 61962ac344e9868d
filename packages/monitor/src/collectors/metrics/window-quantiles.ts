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

/** Hist is one histogram of one scrape: its bucket bounds and cumulative counts. */
interface Hist {
  /** key is the family, or family + peer id; one string per histogram, shared by every scrape of the window. */
  key: string;
  /** le are the bucket bounds, ascending; one array per layout, shared by every scrape of the window. */
  le: readonly number[];
  counts: number[];
  /** grew is how much each bucket grew since the scrape before (see increase). */
  grew: number[];
}

/** Layout says which histograms a scrape's increases are of and where each one's buckets start; scrapes share it while it holds. */
interface Layout {
  keys: string[];
  le: Array<readonly number[]>;
  offset: number[];
}

/** Entry is one scrape: how much each bucket of each histogram grew since the scrape before, one after the other in `by`. */
interface Entry {
  at: number;
  layout: Layout;
  /** by holds all of a histogram's counts where the scrape before lacked it or its counters were reset. */
  by: number[];
}

/**
 * HistogramWindows keeps, for the last 5 minutes of scrapes of one member, how much each bucket of the histograms the
 * alert rules read grew scrape to scrape, and gives their window quantiles. Increases are summed scrape to scrape, so
 * a counter reset inside the window (a bucket that shrinks) counts what came after it, as PromQL's rate does; a new
 * process or member (start time or server id changed) starts the window afresh.
 *
 * A scrape is one array of numbers and a shared layout: keeping every scrape's buckets as objects cost ~320 KiB per
 * member once the window was full (33 MB at 100 members); this is ~30 KiB.
 */
export class HistogramWindows {
  private readonly windowMs: number;
  private entries: Entry[] = [];
  // The histograms of the newest scrape, whose counts the next scrape's increases are taken from.
  private last = new Map<string, Hist>();
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
    if (identity !== this.identity) {
      this.entries = [];
      this.last = new Map();
    }
    this.identity = identity;
    const newest = this.entries[this.entries.length - 1];
    if (newest && at <= newest.at) return;
    const cur = new Map<string, Hist>();
    const take = (key: string, buckets: prom.Bucket[]) => {
      // A histogram with no buckets is as good as absent: it adds nothing, and the next scrape counts all of its own.
      if (buckets.length === 0) return;
      const prev = this.last.get(key);
      const le = buckets.map((b) => b.le);
      const counts = buckets.map((b) => b.count);
      const bounds = prev && sameBounds(prev.le, le) ? prev.le : le;
      cur.set(prev?.key ?? key, { key: prev?.key ?? key, le: bounds, counts, grew: increase(prev, bounds, counts) });
    };
    for (const { family } of Object.values(WINDOW_QUANTILES)) take(family, prom.histogramBuckets(set, family));
    for (const p of peers) take(`${PEER_RTT_FAMILY}\u0000${p.to}`, prom.histogramBuckets(set, PEER_RTT_FAMILY, { To: p.to }));
    this.last = cur;
    const hists = [...cur.values()];
    // concat sizes the array exactly; pushing grows it by half again.
    this.entries.push({ at, layout: layoutOf(hists, newest?.layout), by: ([] as number[]).concat(...hists.map((h) => h.grew)) });
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

  /** quantile sums the increases of every scrape of the window after its first (since the last change of bounds). */
  private quantile(key: string, q: number): number | undefined {
    let le: readonly number[] | undefined;
    let sum: number[] | undefined;
    for (let i = 1; i < this.entries.length; i++) {
      const { layout, by } = this.entries[i]!;
      const k = layout.keys.indexOf(key);
      if (k < 0) continue;
      const bounds = layout.le[k]!;
      const off = layout.offset[k]!;
      if (!sum || !le || !sameBounds(le, bounds)) {
        le = bounds;
        sum = by.slice(off, off + bounds.length);
      } else for (let j = 0; j < sum.length; j++) sum[j]! += by[off + j]!;
    }
    if (!sum || !le) return undefined;
    const v = prom.histogramQuantile(
      q,
      le.map((x, j) => ({ le: x, count: sum[j]! })),
    );
    return Number.isFinite(v) ? v : undefined;
  }
}

/** layoutOf returns the layout of these histograms: `same` when it already describes them. */
function layoutOf(hists: Hist[], same: Layout | undefined): Layout {
  if (same && same.keys.length === hists.length && hists.every((h, i) => same.keys[i] === h.key && same.le[i] === h.le)) return same;
  const offset: number[] = [];
  let n = 0;
  for (const h of hists) {
    offset.push(n);
    n += h.le.length;
  }
  return { keys: hists.map((h) => h.key), le: hists.map((h) => h.le), offset };
}

/** sameBounds tells whether two histograms have the same bucket bounds. */
function sameBounds(a: readonly number[], b: readonly number[]): boolean {
  return a === b || (a.length === b.length && a.every((x, i) => x === b[i]));
}

/** increase is what each bucket grew by since prev, as prom.histogramDelta reads it: all of the counts after a reset or a change of bounds. */
function increase(prev: Hist | undefined, le: readonly number[], counts: number[]): number[] {
  if (!prev || !sameBounds(prev.le, le)) return counts;
  const by = counts.map((c, i) => c - prev.counts[i]!);
  return by.some((d) => d < 0) ? counts : by;
}
