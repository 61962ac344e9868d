/** TokenBucket limits a rate: up to `burst` sends at once, refilled at perMinute per minute. */
export interface TokenBucket {
  /** take consumes a token at time now (ms) and returns true, or returns false when none is left. */
  take(now: number): boolean;
  /** refund gives back a token taken for a send that did not happen. */
  refund(): void;
  /** readyAt is the earliest time (ms) a token is available, given time now. */
  readyAt(now: number): number;
}

/** createTokenBucket returns a full bucket holding burst tokens that refills perMinute tokens per minute. */
export function createTokenBucket(o: { perMinute: number; burst: number; now: number }): TokenBucket {
  const perMs = o.perMinute / 60_000;
  const cap = Math.max(1, o.burst);
  let tokens = cap;
  let last = o.now;
  const refill = (now: number): void => {
    // A clock that steps back must not mint tokens or drain them.
    if (now > last) tokens = Math.min(cap, tokens + (now - last) * perMs);
    last = Math.max(last, now);
  };
  return {
    take(now) {
      refill(now);
      if (tokens < 1) return false;
      tokens -= 1;
      return true;
    },
    refund() {
      tokens = Math.min(cap, tokens + 1);
    },
    readyAt(now) {
      refill(now);
      return tokens >= 1 ? now : now + Math.ceil((1 - tokens) / perMs);
    },
  };
}
