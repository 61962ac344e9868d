import type { Agg, Point, Resolution } from './types.ts';

/** MINUTE is one minute in ms. */
export const MINUTE = 60_000;
/** HOUR is one hour in ms. */
export const HOUR = 60 * MINUTE;
/** DAY is one day in ms. */
export const DAY = 24 * HOUR;

/** BUCKET_MS is the bucket width of each rollup resolution (raw has none). */
export const BUCKET_MS: Record<Resolution, number> = { raw: 0, '1m': MINUTE, '1h': HOUR };

/** AggRow is one summarised bucket (or one raw sample, with min = max = sum = last and cnt = 1): [t, min, max, sum, cnt, last]. */
export type AggRow = [t: number, min: number, max: number, sum: number, cnt: number, last: number];

/** pickResolution chooses the table that answers a query: raw for short recent ranges at fine steps, 1h for long ranges or coarse steps, else 1m. */
export function pickResolution(q: { from: number; to: number; step?: number }, now: number, retention: { raw: number; m1: number }): Resolution {
  const step = q.step ?? 0;
  // 7 days at 1 m is ~10k points per member: beyond that hourly points are all a chart can show anyway.
  if (step >= HOUR || q.to - q.from > 7 * DAY || q.from < now - retention.m1) return '1h';
  if (step < MINUTE && q.from >= now - retention.raw) return 'raw';
  return '1m';
}

/** bucketFor returns the bucket width used for a query: 0 keeps raw samples as stored, otherwise a whole multiple of the resolution's bucket. */
export function bucketFor(resolution: Resolution, step: number | undefined): number {
  const base = BUCKET_MS[resolution];
  if (base === 0) return step ?? 0;
  // Rounding up keeps rollup buckets whole inside a step bucket, so a 90 s step at 1 m never splits a minute.
  return step === undefined || step <= base ? base : Math.ceil(step / base) * base;
}

/** downsample folds time-ordered rows into buckets of width bucket (aligned to the epoch) and picks each point's value with agg. */
export function downsample(rows: AggRow[], bucket: number, agg: Agg): Point[] {
  const out: Point[] = [];
  let i = 0;
  while (i < rows.length) {
    const b = Math.floor(rows[i][0] / bucket) * bucket;
    let [, min, max, sum, cnt, last] = rows[i];
    for (i++; i < rows.length && rows[i][0] < b + bucket; i++) {
      const r = rows[i];
      if (r[1] < min) min = r[1];
      if (r[2] > max) max = r[2];
      sum += r[3];
      cnt += r[4];
      last = r[5];
    }
    out.push({ t: b, v: pick(agg, min, max, sum, cnt, last), min, max });
  }
  return out;
}

function pick(agg: Agg, min: number, max: number, sum: number, cnt: number, last: number): number {
  switch (agg) {
    case 'avg':
      return sum / cnt;
    case 'min':
      return min;
    case 'max':
      return max;
    case 'last':
      return last;
  }
}

/** isQuantileSeries tells whether a series name holds a quantile (`…_p50`, `…_p99_seconds`): such series are summarised per member over time but must never be averaged across members. */
export function isQuantileSeries(name: string): boolean {
  return /(?:^|_)p\d{2,3}(?:_|$)/.test(name);
}
