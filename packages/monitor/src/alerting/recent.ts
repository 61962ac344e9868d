import type { Window } from './rules/evaluate.ts';

interface Buffer {
  t: number[];
  v: number[];
  start: number;
}

/**
 * RecentSeries keeps the last `spanMs` of every sample in memory, so alert rules — which read the last minutes of many
 * series every few seconds — never query the store for them. Reading recent data from the store scans its append-only
 * head, which at 135 members took three quarters of the monitor's CPU; indexing the head instead cost 35× the disk
 * writes. Times and values sit in plain number arrays (8 bytes each), trimmed as they age out.
 */
export class RecentSeries {
  /** spanMs is how far back the buffers reach. */
  readonly spanMs: number;
  /** since is when the buffers started filling: windows reaching before it are only partly covered. */
  readonly since: number;
  private readonly buffers = new Map<string, Buffer>();
  private keep: Map<string, number> | undefined;

  constructor(spanMs: number, now = Date.now()) {
    this.spanMs = spanMs;
    this.since = now;
  }

  /**
   * only limits the buffers to the named series (those the rules read over a window), each kept for its own span (the
   * longest window read, capped at spanMs): most windows are 5 minutes, and keeping every series for the longest one
   * held five times the points. A plain list keeps its series for spanMs; undefined keeps every series.
   */
  only(series: Map<string, number> | Iterable<string> | undefined): void {
    this.keep =
      series === undefined
        ? undefined
        : series instanceof Map
          ? new Map([...series].map(([k, ms]) => [k, Math.min(ms, this.spanMs)]))
          : new Map([...series].map((k) => [k, this.spanMs]));
    if (this.keep) for (const k of this.buffers.keys()) if (!this.keep.has(k.slice(k.lastIndexOf('\u0000') + 1))) this.buffers.delete(k);
  }

  /** spanOf is how far back a series is kept. */
  spanOf(series: string): number {
    return this.keep ? (this.keep.get(series) ?? 0) : this.spanMs;
  }

  /** add records samples; they are expected in time order per series (late ones are dropped). */
  add(samples: Iterable<{ series: string; cluster: string; member: string; t: number; v: number }>): void {
    for (const s of samples) {
      const span = this.keep ? this.keep.get(s.series) : this.spanMs;
      if (span === undefined) continue;
      const key = `${s.cluster}\u0000${s.member}\u0000${s.series}`;
      let b = this.buffers.get(key);
      if (!b) this.buffers.set(key, (b = { t: [], v: [], start: 0 }));
      const last = b.t.length ? b.t[b.t.length - 1]! : -Infinity;
      if (s.t <= last) continue;
      b.t.push(s.t);
      b.v.push(s.v);
      // Trim lazily: drop the aged-out head once it is a quarter of the buffer, so trimming stays amortised O(1).
      const cutoff = s.t - span;
      while (b.start < b.t.length && b.t[b.start]! < cutoff) b.start++;
      if (b.start > 64 && b.start * 4 > b.t.length) {
        b.t = b.t.slice(b.start);
        b.v = b.v.slice(b.start);
        b.start = 0;
      }
    }
  }

  /** prepend puts older points (from the store, oldest first) in front of a series' buffer; points not older than the buffer's first are dropped. */
  prepend(cluster: string, member: string, series: string, points: ReadonlyArray<{ t: number; v: number }>): void {
    if (points.length === 0 || (this.keep && !this.keep.has(series))) return;
    const key = `${cluster}\u0000${member}\u0000${series}`;
    const b = this.buffers.get(key) ?? { t: [], v: [], start: 0 };
    const first = b.start < b.t.length ? b.t[b.start]! : Infinity;
    const older = points.filter((p) => p.t < first);
    b.t = [...older.map((p) => p.t), ...b.t.slice(b.start)];
    b.v = [...older.map((p) => p.v), ...b.v.slice(b.start)];
    b.start = 0;
    this.buffers.set(key, b);
  }

  /** read returns the points of one series within [from, to], oldest first, as a view of the buffer (no copy). */
  read(cluster: string, member: string, series: string, from: number, to: number): Window {
    const b = this.buffers.get(`${cluster}\u0000${member}\u0000${series}`);
    if (!b) return { t: [], v: [], start: 0, end: 0 };
    // Binary search for the first point at or after `from`.
    let lo = b.start;
    let hi = b.t.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (b.t[mid]! < from) lo = mid + 1;
      else hi = mid;
    }
    let end = lo;
    while (end < b.t.length && b.t[end]! <= to) end++;
    return { t: b.t, v: b.v, start: lo, end };
  }

  /** forget drops a cluster's buffers. */
  forget(cluster: string): void {
    for (const k of this.buffers.keys()) if (k.startsWith(`${cluster}\u0000`)) this.buffers.delete(k);
  }
}
