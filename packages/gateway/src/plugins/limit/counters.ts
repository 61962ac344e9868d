// The counting behind the limit plugin, in one place for every store: the in-process table (one gateway process, or the
// supervisor counting for all its workers) and the Redis scripts compute the same thing from the same numbers, and the
// numbers a client sees (remaining, reset, Retry-After) come from `rateView`/`bucketView` whichever store counted.

/** LimitRule is what one limit enforces; the store counts under a key that includes every field but `max`, so a reload that only changes `max` keeps the counts. */
export interface LimitRule {
  /** type is `rate` (requests per interval) or `inflight` (requests in progress at once). */
  type: 'rate' | 'inflight';
  /** algorithm counts a rate: a sliding window of two fixed windows, or a token bucket. */
  algorithm: 'sliding_window' | 'token_bucket';
  /** max is the requests allowed per interval (rate) or at once (inflight). */
  max: number;
  /** interval is the rate's window in milliseconds. */
  interval: number;
  /** burst is the token bucket's capacity. */
  burst: number;
}

/** Decision is a store's answer for one request. */
export interface Decision {
  /** allowed is true when the request may go on. */
  allowed: boolean;
  /** remaining is how many more requests the quota allows now. */
  remaining: number;
  /** resetMs is when the quota is whole again (rate: the current window ends; bucket: it is full), in ms from now; 0 for inflight. */
  resetMs: number;
  /** retryMs is, for a refused request, how long until one would be allowed; 0 when allowed or unknown (inflight). */
  retryMs: number;
  /** token names an allowed in-progress request to its store's `release`, where the store needs one (Redis). */
  token?: string;
}

/** ruleKey is the store key of one limited value: the plugin name, the rule's shape and the client's key. */
export function ruleKey(plugin: string, rule: LimitRule, key: string): string {
  const shape = rule.type === 'inflight' ? 'inflight' : rule.algorithm === 'token_bucket' ? `tb:${rule.interval}:${rule.burst}` : `sw:${rule.interval}`;
  return `${plugin}:${shape}:${key}`;
}

/**
 * slidingEstimate is the sliding window's count: the current fixed window's count plus the previous window's, weighted by
 * the part of it still inside a window ending now (so a steady stream at the limit is allowed at an even pace).
 */
export function slidingEstimate(prev: number, curr: number, elapsed: number, interval: number): number {
  return (prev * (interval - elapsed)) / interval + curr;
}

/** rateView turns a sliding window's counts after a decision into what the client is told. */
export function rateView(allowed: boolean, prev: number, curr: number, elapsed: number, rule: LimitRule): Decision {
  const { max, interval } = rule;
  const est = slidingEstimate(prev, curr, elapsed, interval);
  const resetMs = interval - elapsed;
  if (allowed) return { allowed, remaining: Math.max(0, Math.floor(max - est)), resetMs, retryMs: 0 };
  let retryMs: number;
  if (curr < max) {
    // Within this window: wait until the previous window's weight has fallen below the room left.
    retryMs = prev > 0 ? resetMs - ((max - curr) * interval) / prev : 0;
  } else {
    // The current window alone is full: wait for the next one, and within it until this window's weight leaves room.
    retryMs = resetMs + (curr > 0 ? interval - (max * interval) / curr : 0);
  }
  return { allowed, remaining: 0, resetMs, retryMs: Math.max(1, Math.ceil(retryMs)) };
}

/** bucketView turns a token bucket's tokens after a decision into what the client is told. */
export function bucketView(allowed: boolean, tokens: number, rule: LimitRule): Decision {
  const perMs = rule.max / rule.interval;
  const resetMs = Math.ceil((rule.burst - tokens) / perMs);
  return { allowed, remaining: Math.floor(tokens), resetMs, retryMs: allowed ? 0 : Math.max(1, Math.ceil((1 - tokens) / perMs)) };
}

interface RateEntry {
  kind: 'sw';
  window: number;
  prev: number;
  curr: number;
}
interface BucketEntry {
  kind: 'tb';
  tokens: number;
  at: number;
}
interface InflightEntry {
  kind: 'in';
  n: number;
}
type Entry = RateEntry | BucketEntry | InflightEntry;

/**
 * CounterTable counts limits in memory: for one gateway process, or in the supervisor for all its workers. Idle keys are
 * swept as it goes, so a limit keyed by client address does not grow without bound.
 */
export class CounterTable {
  private readonly entries = new Map<string, { e: Entry; rule: LimitRule; seen: number }>();
  private lastSweep = 0;

  /** size is the number of keys counted now. */
  get size(): number {
    return this.entries.size;
  }

  /** take counts one request against a rule and tells whether it may go on. */
  take(key: string, rule: LimitRule, now = Date.now()): Decision {
    this.sweep(now);
    let slot = this.entries.get(key);
    if (!slot) {
      const e: Entry =
        rule.type === 'inflight'
          ? { kind: 'in', n: 0 }
          : rule.algorithm === 'token_bucket'
            ? { kind: 'tb', tokens: rule.burst, at: now }
            : { kind: 'sw', window: Math.floor(now / rule.interval), prev: 0, curr: 0 };
      slot = { e, rule, seen: now };
      this.entries.set(key, slot);
    }
    slot.rule = rule;
    slot.seen = now;
    const e = slot.e;
    if (e.kind === 'in') {
      const allowed = e.n < rule.max;
      if (allowed) e.n++;
      return { allowed, remaining: Math.max(0, rule.max - e.n), resetMs: 0, retryMs: 0 };
    }
    if (e.kind === 'tb') {
      e.tokens = Math.min(rule.burst, e.tokens + ((now - e.at) * rule.max) / rule.interval);
      e.at = now;
      const allowed = e.tokens >= 1;
      if (allowed) e.tokens -= 1;
      return bucketView(allowed, e.tokens, rule);
    }
    const window = Math.floor(now / rule.interval);
    if (window !== e.window) {
      e.prev = window === e.window + 1 ? e.curr : 0;
      e.curr = 0;
      e.window = window;
    }
    const elapsed = now - window * rule.interval;
    // Allowed while the count before this request is below max: with `+ 1 <= max` a saturated key would get max - 1 per
    // window, since the previous window's weight reaches 0 only at the window's very end.
    const allowed = slidingEstimate(e.prev, e.curr, elapsed, rule.interval) < rule.max;
    if (allowed) e.curr++;
    return rateView(allowed, e.prev, e.curr, elapsed, rule);
  }

  /** release ends one in-progress request counted by `take` on an inflight rule. */
  release(key: string): void {
    const slot = this.entries.get(key);
    if (slot?.e.kind === 'in' && slot.e.n > 0) slot.e.n--;
  }

  /** inflight is the in-progress count of a key (tests and the supervisor's bookkeeping). */
  inflight(key: string): number {
    const e = this.entries.get(key)?.e;
    return e?.kind === 'in' ? e.n : 0;
  }

  private sweep(now: number): void {
    if (now - this.lastSweep < 10_000) return;
    this.lastSweep = now;
    for (const [key, { e, rule, seen }] of this.entries) {
      // An entry can go once forgetting it changes nothing: no request in progress, no count left in a window that still weighs.
      const idle = e.kind === 'in' ? e.n === 0 : now - seen > 2 * rule.interval && (e.kind === 'sw' || now - seen > (rule.burst * rule.interval) / rule.max);
      if (idle) this.entries.delete(key);
    }
  }
}
