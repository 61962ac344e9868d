// A log-linear latency histogram in the manner of HdrHistogram: 1 µs buckets below 128 µs, then 64 buckets per power of
// two (each at most 1/64 ≈ 1.6 % wide), so percentiles keep two significant digits from microseconds to minutes.

const SUB = 64;

/** LogLinear records values in microseconds and answers percentiles. */
export class LogLinear {
  private readonly counts = new Float64Array(128 + 26 * SUB);
  /** count is the number of values recorded. */
  count = 0;
  /** max is the largest value recorded (µs). */
  max = 0;

  /** record adds one value (µs). */
  record(us: number): void {
    const v = us < 0 ? 0 : Math.floor(us);
    if (v > this.max) this.max = us;
    this.counts[Math.min(indexOf(v), this.counts.length - 1)]!++;
    this.count++;
  }

  /** percentile returns the value (µs, the middle of its bucket) below which `p` % of the values lie. */
  percentile(p: number): number {
    if (this.count === 0) return 0;
    const rank = Math.ceil((p / 100) * this.count);
    let seen = 0;
    for (let i = 0; i < this.counts.length; i++) {
      seen += this.counts[i]!;
      if (seen >= rank) return Math.min(valueOf(i), this.max);
    }
    return this.max;
  }
}

function indexOf(v: number): number {
  if (v < 128) return v;
  const k = 31 - Math.clz32(v);
  return 128 + (k - 7) * SUB + ((v >>> (k - 6)) - SUB);
}

function valueOf(i: number): number {
  if (i < 128) return i + 0.5;
  const k = 7 + Math.floor((i - 128) / SUB);
  const sub = SUB + ((i - 128) % SUB);
  const width = 2 ** (k - 6);
  return sub * width + width / 2;
}
