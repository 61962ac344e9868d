// A worker's free lists: the objects of a finished request (H1Request, H1Response, the proxy's Exchange) wait here for
// the next request of any connection, instead of each keep-alive connection keeping its own for its next request. What
// they hold is then bounded by requests in flight, not by connections: 10,000 idle connections hold nothing of their last
// request (docs/gateway.md, Memory).

/**
 * FREE_LIST_CAP is how many objects of one kind a free list keeps. A request takes one as it starts and gives it back as
 * it ends, so at steady state a list serves every request as long as no more than CAP are in flight at once in the
 * worker. By Little's law that is rate × latency: a worker saturated at ~40k requests/s with 256 in flight means
 * responses of ~6 ms; beyond that, requests are slow enough that the garbage saved per second (~1 KB per request) does not
 * matter, while the list stays small: 256 × ~1.6 KB ≈ 0.4 MB per kind at most, whatever the number of connections.
 */
export const FREE_LIST_CAP = 256;

/** FreeList is a bounded stack of reusable objects: the last given back is the first taken (the one most likely in cache). */
export class FreeList<T extends object> {
  // A fixed array and a count: push and pop would let V8 shrink and regrow the backing store as the list empties and fills.
  private readonly items: (T | undefined)[];
  private n = 0;
  /** cap is how many objects the list keeps at most. */
  readonly cap: number;

  constructor(cap: number = FREE_LIST_CAP) {
    this.cap = cap;
    this.items = new Array<T | undefined>(cap).fill(undefined);
  }

  /** take returns a kept object, or undefined when none is (the caller makes a new one). */
  take(): T | undefined {
    if (this.n === 0) return undefined;
    const x = this.items[--this.n];
    this.items[this.n] = undefined;
    return x;
  }

  /** give keeps an object for a later take(); beyond the cap it is left to the garbage collector. */
  give(x: T): void {
    if (this.n < this.cap) this.items[this.n++] = x;
  }

  /** size is how many objects are kept. */
  get size(): number {
    return this.n;
  }

  /** clear drops every kept object (tests: what stays reachable beyond the lists). */
  clear(): void {
    this.items.fill(undefined);
    this.n = 0;
  }
}
