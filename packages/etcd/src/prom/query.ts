import { AppError } from '@etcd-monitor/core';
import { parseFloatToken, type Labels, type MetricFamily, type MetricSet, type Sample } from './parse.ts';

/** LabelMatcher selects series by label: a string must equal the value ('' also matches an absent label, as in PromQL), a RegExp is tested against it as written. */
export type LabelMatcher = Record<string, string | RegExp>;

/** SeriesRate is the increase and per-second rate of one counter series between two scrapes. */
export interface SeriesRate {
  /** name is the sample name of the series. */
  name: string;
  /** labels are the series' labels as in the later scrape. */
  labels: Labels;
  /** increase is how much the counter grew; after a reset it is the later value. */
  increase: number;
  /** rate is increase divided by the seconds between the scrapes. */
  rate: number;
}

/** Bucket is one cumulative histogram bucket: how many observations were at most le. */
export interface Bucket {
  /** le is the bucket's upper bound; the last bucket of a complete histogram is +Inf. */
  le: number;
  /** count is the cumulative number of observations less than or equal to le. */
  count: number;
}

/** familyOf finds the family a sample name belongs to: its own, or the histogram or summary it is a `_bucket`, `_sum` or `_count` of. */
export function familyOf(set: MetricSet, name: string): MetricFamily | undefined {
  const own = set.families.get(name);
  if (own !== undefined) return own;
  const cut = name.endsWith('_bucket') ? 7 : name.endsWith('_count') ? 6 : name.endsWith('_sum') ? 4 : 0;
  if (cut === 0) return undefined;
  const parent = set.families.get(name.slice(0, -cut));
  if (parent === undefined || (parent.type !== 'histogram' && parent.type !== 'summary')) return undefined;
  return parent;
}

/** matchLabels tells whether a label set satisfies every entry of a matcher. */
export function matchLabels(labels: Labels, matcher: LabelMatcher | undefined): boolean {
  if (matcher === undefined) return true;
  for (const key in matcher) {
    const want = matcher[key]!;
    // hasOwn keeps a matcher key like "constructor" from reading Object.prototype.
    const have = Object.hasOwn(labels, key) ? labels[key]! : '';
    if (typeof want === 'string') {
      if (have !== want) return false;
    } else {
      // A global or sticky RegExp carries lastIndex between calls and would skip matches.
      want.lastIndex = 0;
      if (!want.test(have)) return false;
    }
  }
  return true;
}

/** samples returns the samples with exactly this sample name whose labels satisfy the matcher. */
export function samples(set: MetricSet, name: string, labels?: LabelMatcher): Sample[] {
  const family = familyOf(set, name);
  if (family === undefined) return [];
  const out: Sample[] = [];
  for (const s of family.samples) if (s.name === name && matchLabels(s.labels, labels)) out.push(s);
  return out;
}

/** value returns the sample value of a series, the sum when several series match, or undefined when none does. */
export function value(set: MetricSet, name: string, labels?: LabelMatcher): number | undefined {
  const found = samples(set, name, labels);
  if (found.length === 0) return undefined;
  let sum = 0;
  for (const s of found) sum += s.value;
  return sum;
}

/** counterRate pairs the series of two scrapes and returns each one's increase and per-second rate, treating a drop as a counter reset like Prometheus. */
export function counterRate(prev: readonly Sample[], cur: readonly Sample[], seconds: number): SeriesRate[] {
  checkWindow(seconds);
  const before = new Map<string, number>();
  for (const s of prev) before.set(seriesKey(s.name, s.labels), s.value);
  const out: SeriesRate[] = [];
  for (const s of cur) {
    const p = before.get(seriesKey(s.name, s.labels));
    // A series seen only once has no rate yet; assuming it started at 0 would invent a burst.
    if (p === undefined) continue;
    // A restarted process counts again from 0, so everything it reports now is new.
    const increase = s.value < p ? s.value : s.value - p;
    out.push({ name: s.name, labels: s.labels, increase, rate: increase / seconds });
  }
  return out;
}

/** rate sums the counterRate of every series matching name and labels across two scrapes, or is undefined when no series is in both. */
export function rate(prev: MetricSet, cur: MetricSet, name: string, seconds: number, labels?: LabelMatcher): number | undefined {
  const rates = counterRate(samples(prev, name, labels), samples(cur, name, labels), seconds);
  if (rates.length === 0) return undefined;
  let sum = 0;
  for (const r of rates) sum += r.rate;
  return sum;
}

/** histogramBuckets returns a histogram's cumulative buckets sorted by le, summed by le across every series matching the labels; [] when there are none. */
export function histogramBuckets(set: MetricSet, name: string, labels?: LabelMatcher): Bucket[] {
  const bucketName = name.endsWith('_bucket') ? name : `${name}_bucket`;
  const byLe = new Map<number, number>();
  for (const s of samples(set, bucketName, labels)) {
    const le = Object.hasOwn(s.labels, 'le') ? parseFloatToken(s.labels.le!) : undefined;
    if (le === undefined) continue;
    byLe.set(le, (byLe.get(le) ?? 0) + s.value);
  }
  const out: Bucket[] = [];
  for (const [le, count] of byLe) out.push({ le, count });
  return out.sort((a, b) => a.le - b.le);
}

/** histogramQuantile estimates the q-quantile from cumulative buckets exactly as PromQL histogram_quantile does. */
export function histogramQuantile(q: number, buckets: readonly Bucket[]): number {
  if (Number.isNaN(q)) return NaN;
  if (q < 0) return -Infinity;
  if (q > 1) return Infinity;
  if (buckets.length === 0) return NaN;
  let b = buckets.map((x) => ({ le: x.le, count: x.count })).sort((x, y) => x.le - y.le);
  if (b[b.length - 1]!.le !== Infinity) return NaN;

  b = coalesce(b);
  correctPrecision(b, 1e-12);
  ensureMonotonic(b);
  if (b.length < 2) return NaN;
  const observations = b[b.length - 1]!.count;
  if (observations === 0) return NaN;

  let rank = q * observations;
  let i = 0;
  while (i < b.length - 1 && b[i]!.count < rank) i++;
  // The +Inf bucket has no width to interpolate in, so Prometheus answers with the highest finite bound.
  if (i === b.length - 1) return b[b.length - 2]!.le;
  if (i === 0 && b[0]!.le <= 0) return b[0]!.le;
  let start = 0;
  const end = b[i]!.le;
  let count = b[i]!.count;
  if (i > 0) {
    start = b[i - 1]!.le;
    count -= b[i - 1]!.count;
    rank -= b[i - 1]!.count;
  }
  return start + (end - start) * (rank / count);
}

/** histogramDelta returns the buckets observed between two scrapes (cur minus prev), or cur when the histogram was reset or changed its bucket layout. */
export function histogramDelta(prev: readonly Bucket[], cur: readonly Bucket[]): Bucket[] {
  const c = [...cur].sort((x, y) => x.le - y.le);
  const p = [...prev].sort((x, y) => x.le - y.le);
  // Different bounds mean a different process (a restart with new buckets), so all of cur is new.
  if (p.length !== c.length) return c.map((x) => ({ le: x.le, count: x.count }));
  const out: Bucket[] = [];
  for (let i = 0; i < c.length; i++) {
    const d = c[i]!.count - p[i]!.count;
    // One shrinking bucket means the process restarted: its counts since the restart are all of cur.
    if (c[i]!.le !== p[i]!.le || d < 0) return c.map((x) => ({ le: x.le, count: x.count }));
    out.push({ le: c[i]!.le, count: d });
  }
  return out;
}

function checkWindow(seconds: number): void {
  if (!(seconds > 0) || !Number.isFinite(seconds)) {
    throw new AppError('ETCD_PROM_WINDOW', `the seconds between two scrapes must be a positive number, got ${seconds}`, {
      hint: 'pass the time between the two scrapes, e.g. (t1 - t0) / 1000 for Date.now() values',
    });
  }
}

function seriesKey(name: string, labels: Labels): string {
  const keys = Object.keys(labels).sort();
  const parts: string[] = [name];
  for (const k of keys) parts.push(k, labels[k]!);
  return JSON.stringify(parts);
}

function coalesce(b: Bucket[]): Bucket[] {
  const out: Bucket[] = [b[0]!];
  for (let i = 1; i < b.length; i++) {
    const last = out[out.length - 1]!;
    if (b[i]!.le === last.le) last.count += b[i]!.count;
    else out.push(b[i]!);
  }
  return out;
}

// Summed float counts can differ by rounding noise; treat such tiny steps as equal, as Prometheus does.
function correctPrecision(b: Bucket[], tolerance: number): void {
  let prev = b[0]!.count;
  for (let i = 1; i < b.length; i++) {
    const cur = b[i]!.count;
    const delta = Math.abs(cur - prev);
    if (delta === 0) continue;
    if (delta / cur <= tolerance) b[i]!.count = prev;
    else prev = cur;
  }
}

// Buckets from inconsistent sources can dip; the search needs cumulative counts, so take the running max.
function ensureMonotonic(b: Bucket[]): void {
  let max = b[0]!.count;
  for (let i = 1; i < b.length; i++) {
    if (b[i]!.count > max) max = b[i]!.count;
    else if (b[i]!.count < max) b[i]!.count = max;
  }
}
