// Where the limit plugin counts. A gateway in one process counts in memory; the worker processes of a supervised gateway
// ask the supervisor, which counts for all of them (ipc.ts); with `redis` set, every gateway sharing that Redis counts
// there (redis.ts). The process-wide store is chosen once by the worker entry; plugins look it up when they count, so an
// instance made before the choice still counts in the right place.
import { CounterTable, type Decision, type LimitRule } from './counters.ts';

/** CounterStore counts limited requests; `take` may answer at once or later. */
export interface CounterStore {
  /** take counts one request under `key` against `rule`. */
  take(key: string, rule: LimitRule): Decision | Promise<Decision>;
  /** release ends an in-progress request counted by `take` under an inflight rule (with the decision's `token`, if it had one). */
  release(key: string, token?: string): void;
}

/** LocalStore counts in this process's memory. */
export class LocalStore implements CounterStore {
  /** table holds the counts. */
  readonly table = new CounterTable();

  take(key: string, rule: LimitRule): Decision {
    return this.table.take(key, rule);
  }

  release(key: string): void {
    this.table.release(key);
  }
}

let processStore: CounterStore = new LocalStore();

/** useProcessStore makes `store` the one every limit without `redis` counts in, in this process (a supervised worker's IPC store). */
export function useProcessStore(store: CounterStore): void {
  processStore = store;
}

/** currentProcessStore is where limits without `redis` count in this process. */
export function currentProcessStore(): CounterStore {
  return processStore;
}
