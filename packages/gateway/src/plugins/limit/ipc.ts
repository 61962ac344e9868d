// Counting for all the workers of one gateway in its supervisor. A worker does not ask once per request: what its
// requests take and release during one turn of its event loop goes out as one IPC message (setImmediate), and the
// supervisor answers each message with one message. Under load a message carries many requests, so the cost per request
// is a small share of one JSON message each way; counting stays exact because one process holds every count.
import { CounterTable, type Decision, type LimitRule } from './counters.ts';
import type { CounterStore } from './store.ts';

/** LimitTake is one request to count: its id (for the answer), its key and its rule. */
export type LimitTake = [id: number, key: string, rule: LimitRule];

/** LimitAnswer is the supervisor's decision for one LimitTake. */
export type LimitAnswer = [id: number, allowed: boolean, remaining: number, resetMs: number, retryMs: number];

/** LimitBatch is what a worker sends: requests to count and in-progress requests that ended. */
export interface LimitBatch {
  type: 'limit';
  takes: LimitTake[];
  releases: string[];
}

/** LimitResults is the supervisor's answer to a LimitBatch. */
export interface LimitResults {
  type: 'limit-results';
  results: LimitAnswer[];
}

/** IPC_TIMEOUT_MS is how long a worker waits for the supervisor's count before the plugin's `fail_open` decides. */
export const IPC_TIMEOUT_MS = 2000;

/** IpcStore is a worker's store: it batches its counts to the supervisor and hands each request its answer. */
export class IpcStore implements CounterStore {
  private readonly send: (m: LimitBatch) => void;
  private takes: LimitTake[] = [];
  private releases: string[] = [];
  private readonly waiting = new Map<number, { resolve(d: Decision): void; reject(e: Error): void; at: number }>();
  private seq = 0;
  private scheduled = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(send: (m: LimitBatch) => void) {
    this.send = send;
  }

  take(key: string, rule: LimitRule): Promise<Decision> {
    return new Promise((resolve, reject) => {
      const id = ++this.seq;
      this.waiting.set(id, { resolve, reject, at: Date.now() });
      this.takes.push([id, key, rule]);
      this.schedule();
      this.timer ??= setInterval(() => this.expire(), IPC_TIMEOUT_MS / 2).unref();
    });
  }

  release(key: string): void {
    this.releases.push(key);
    this.schedule();
  }

  /** answered hands the supervisor's decisions to the requests waiting for them. */
  answered(m: LimitResults): void {
    for (const [id, allowed, remaining, resetMs, retryMs] of m.results) {
      const w = this.waiting.get(id);
      if (!w) continue;
      this.waiting.delete(id);
      w.resolve({ allowed, remaining, resetMs, retryMs });
    }
    this.idle();
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      const m: LimitBatch = { type: 'limit', takes: this.takes, releases: this.releases };
      this.takes = [];
      this.releases = [];
      try {
        this.send(m);
      } catch (err) {
        for (const [id] of m.takes) this.fail(id, err as Error);
      }
    });
  }

  private expire(): void {
    const old = Date.now() - IPC_TIMEOUT_MS;
    for (const [id, w] of this.waiting) if (w.at <= old) this.fail(id, new Error(`the supervisor did not answer within ${IPC_TIMEOUT_MS} ms`));
    this.idle();
  }

  private fail(id: number, err: Error): void {
    const w = this.waiting.get(id);
    this.waiting.delete(id);
    w?.reject(err);
  }

  private idle(): void {
    if (this.waiting.size === 0 && this.timer) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }
}

/**
 * SupervisorCounters counts for every worker of a gateway. It remembers which worker holds which in-progress requests, so
 * the slots of a worker that died are given back (its requests died with it).
 */
export class SupervisorCounters {
  /** table holds the counts of all workers. */
  readonly table = new CounterTable();
  private readonly held = new Map<number, Map<string, number>>();

  /** handle counts a worker's batch and returns the answer to send back, if the batch asked anything. */
  handle(worker: number, m: LimitBatch): LimitResults | undefined {
    let held = this.held.get(worker);
    if (!held) this.held.set(worker, (held = new Map()));
    for (const key of m.releases) {
      const n = held.get(key) ?? 0;
      if (n === 0) continue;
      if (n === 1) held.delete(key);
      else held.set(key, n - 1);
      this.table.release(key);
    }
    if (m.takes.length === 0) return undefined;
    const now = Date.now();
    const results: LimitAnswer[] = [];
    for (const [id, key, rule] of m.takes) {
      const d = this.table.take(key, rule, now);
      if (d.allowed && rule.type === 'inflight') held.set(key, (held.get(key) ?? 0) + 1);
      results.push([id, d.allowed, d.remaining, d.resetMs, d.retryMs]);
    }
    return { type: 'limit-results', results };
  }

  /** forget gives back every in-progress slot a worker held; call it when the worker exits. */
  forget(worker: number): void {
    for (const [key, n] of this.held.get(worker) ?? []) for (let i = 0; i < n; i++) this.table.release(key);
    this.held.delete(worker);
  }
}
