/** BreakerOptions configures a circuit breaker; durations in ms. */
export interface BreakerOptions {
  /** failures opens the breaker after this many consecutive failures (0: rule off). */
  failures: number;
  /** ratio opens the breaker when the failure share of the last `window` outcomes reaches it (0: rule off). */
  ratio: number;
  /** window is the number of outcomes the ratio is computed over. */
  window: number;
  /** openDuration is how long the breaker stays open before half-opening. */
  openDuration: number;
  /** halfOpenRequests is the number of probes let through when half-open; all must succeed to close. */
  halfOpenRequests: number;
}

/** REFUSED is what `CircuitBreaker.acquire` returns when no request may be sent. */
export const REFUSED = -1;

/** BreakerState is closed (traffic flows), open (refused) or half-open (a few probes allowed). */
export type BreakerState = 'closed' | 'open' | 'half_open';

/** CircuitBreaker tracks one server's outcomes and decides whether it may take requests. */
export class CircuitBreaker {
  /** state is the current state; read it through `allow()` so open breakers half-open on time. */
  state: BreakerState = 'closed';
  private consecutive = 0;
  private readonly outcomes: Uint8Array;
  private outcomeIdx = 0;
  private outcomeCount = 0;
  private failuresInWindow = 0;
  private openedAt = 0;
  private probes = 0;
  private probeSuccesses = 0;
  /** generation numbers the half-open periods, so an outcome is counted as a probe only in the period it was let through. */
  private generation = 0;
  /** opens counts how often the breaker opened. */
  opens = 0;
  private readonly opts: BreakerOptions;

  constructor(opts: BreakerOptions) {
    this.opts = opts;
    this.outcomes = new Uint8Array(Math.max(1, opts.window));
  }

  /** enabled tells whether any opening rule is configured. */
  get enabled(): boolean {
    return this.opts.failures > 0 || this.opts.ratio > 0;
  }

  /** available tells whether a request could be sent now, without reserving a probe slot. */
  available(now: number): boolean {
    if (this.state === 'closed') return true;
    if (this.state === 'open') return now - this.openedAt >= this.opts.openDuration;
    return this.probes < this.opts.halfOpenRequests;
  }

  /**
   * acquire reserves the right to send a request now: REFUSED (-1), 0 when closed (no slot held), or, when half-open, a
   * probe ticket (> 0). Every ticket must be handed back exactly once, to `record` with the outcome or to `release`
   * when the exchange ended without one (the client left, its body failed) — a ticket never handed back holds its slot
   * and the breaker would refuse everything from then on.
   */
  acquire(now: number): number {
    if (this.state === 'closed') return 0;
    if (this.state === 'open') {
      if (now - this.openedAt < this.opts.openDuration) return REFUSED;
      this.state = 'half_open';
      this.generation++;
      this.probes = 0;
      this.probeSuccesses = 0;
    }
    if (this.probes >= this.opts.halfOpenRequests) return REFUSED;
    this.probes++;
    return this.generation;
  }

  /** release hands back a probe ticket whose exchange ended without saying anything about the server; its slot is free again. */
  release(ticket: number): void {
    if (ticket > 0 && ticket === this.generation && this.state === 'half_open' && this.probes > 0) this.probes--;
  }

  /** record notes a request's outcome; `ticket` is what `acquire` returned for it. */
  record(ok: boolean, now: number, ticket = 0): void {
    if (!this.enabled) return;
    if (this.state === 'half_open') {
      // Only the probes of this half-open period decide it; late outcomes of requests sent before it opened do not.
      if (ticket !== this.generation) return;
      if (!ok) return this.open(now);
      if (++this.probeSuccesses >= this.opts.halfOpenRequests) this.close();
      return;
    }
    if (this.state === 'open') return;
    this.consecutive = ok ? 0 : this.consecutive + 1;
    if (this.opts.ratio > 0) {
      if (this.outcomeCount === this.outcomes.length) this.failuresInWindow -= this.outcomes[this.outcomeIdx]!;
      else this.outcomeCount++;
      this.outcomes[this.outcomeIdx] = ok ? 0 : 1;
      this.failuresInWindow += ok ? 0 : 1;
      this.outcomeIdx = (this.outcomeIdx + 1) % this.outcomes.length;
    }
    if (this.opts.failures > 0 && this.consecutive >= this.opts.failures) return this.open(now);
    if (this.opts.ratio > 0 && this.outcomeCount === this.outcomes.length && this.failuresInWindow / this.outcomeCount >= this.opts.ratio) this.open(now);
  }

  private open(now: number): void {
    this.state = 'open';
    this.openedAt = now;
    this.opens++;
  }

  private close(): void {
    this.state = 'closed';
    this.consecutive = 0;
    this.outcomeCount = 0;
    this.outcomeIdx = 0;
    this.failuresInWindow = 0;
  }
}
