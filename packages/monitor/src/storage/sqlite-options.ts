// The SQLite store's options: their defaults and the checks that reject bad ones with the field named.
import { AppError, errorMessage, isAppError } from '@etcd-monitor/core';
import { DAY, HOUR, MINUTE } from './resolution.ts';
import type { Retention } from './types.ts';

/** DEFAULT_RETENTION is how long each resolution is kept unless configured: raw 48 h, 1 m 90 days, 1 h and events 2 years. */
export const DEFAULT_RETENTION: Required<Retention> = { raw: 2 * DAY, m1: 90 * DAY, h1: 730 * DAY, events: 730 * DAY };

/** SqliteStoreOptions configures openSqliteStore. */
export interface SqliteStoreOptions {
  /** path is the database file (its directory is created), or ':memory:'. */
  path: string;
  /** flushIntervalMs is how often buffered samples are written; 0 disables the timer (flush on batchSize or by hand). Default 1000. */
  flushIntervalMs?: number;
  /** batchSize is the number of buffered samples that triggers a flush at once. Default 5000. */
  batchSize?: number;
  /** retention is how long each resolution is kept, in ms; see DEFAULT_RETENTION. */
  retention?: Retention;
  /** compactIntervalMs is how often flush or maintain moves the head into the raw table; longer writes less, shorter makes queries of recent data cheaper. Default 300000 (5 min). */
  compactIntervalMs?: number;
  /** stageRoundRows is about how many head rows one round of a compaction stages in memory. Default 150000. */
  stageRoundRows?: number;
  /** maxHeadRows moves the head into the raw table early once it holds this many samples, bounding the head scan of a query. Default 500000. */
  maxHeadRows?: number;
  /** cacheKiB is the SQLite page cache size; it should hold one 4 KiB page per series. Default 32768 (32 MiB). */
  cacheKiB?: number;
  /** now is the clock used for resolution choice, compaction and retention; tests and benches replace it. */
  now?: () => number;
  /** onError receives errors of timer-driven flushes, which have no caller to throw to. Default: a process warning. */
  onError?: (err: unknown) => void;
  /**
   * sliceMs bounds the background work (compaction, rollups, retention) done in one synchronous call: work stops once a
   * call has run this long and continues on a later event-loop turn. Infinity does it all at once. Default 20.
   */
  sliceMs?: number;
  /** clock measures slices, in ms (monotonic); tests inject it. Default performance.now. */
  clock?: () => number;
}

/** Options are SqliteStoreOptions checked, with every default filled in. */
export type Options = Required<Omit<SqliteStoreOptions, 'retention'>> & { retention: Required<Retention> };

// A compaction stages the head a range of series ids at a time, about this many rows per round: the stage is an
// in-memory table, and staging 5 minutes of 100 members at once (630k rows, ~20 MB) left the process that much larger
// for good (glibc keeps what it got back). Each round scans the head once more, which is cheap next to the moves.
const STAGE_ROUND_ROWS = 150_000;

/** checkOptions returns opts with defaults filled in, or throws MON_STORE_BAD_OPTION naming the bad field. */
export function checkOptions(opts: SqliteStoreOptions): Options {
  const bad = (field: string, problem: string) => new AppError('MON_STORE_BAD_OPTION', `${field}: ${problem}`, { field });
  if (opts === null || typeof opts !== 'object') throw bad('storage', 'options must be an object');
  if (typeof opts.path !== 'string' || opts.path === '') throw bad('storage.path', 'must be a file path or :memory:');
  const nonNeg = (field: string, x: number | undefined, dflt: number, min = 0) => {
    if (x === undefined) return dflt;
    if (typeof x !== 'number' || !Number.isFinite(x) || x < min) throw bad(field, `must be a number ≥ ${min}, got ${String(x)}`);
    return x;
  };
  const r = opts.retention ?? {};
  const retention = {
    raw: nonNeg('storage.retention.raw', r.raw, DEFAULT_RETENTION.raw, MINUTE),
    m1: nonNeg('storage.retention.m1', r.m1, DEFAULT_RETENTION.m1, MINUTE),
    h1: nonNeg('storage.retention.h1', r.h1, DEFAULT_RETENTION.h1, HOUR),
    events: nonNeg('storage.retention.events', r.events, DEFAULT_RETENTION.events, MINUTE),
  };
  if (retention.raw > retention.m1 || retention.m1 > retention.h1) {
    throw new AppError('MON_STORE_BAD_OPTION', 'storage.retention: raw must not outlive m1, nor m1 outlive h1', {
      field: 'storage.retention',
      hint: 'keep raw ≤ m1 ≤ h1 (defaults 48h, 90d, 2y)',
    });
  }
  const sliceMs = (x: number | undefined) => {
    if (x === undefined) return 20;
    if (typeof x !== 'number' || Number.isNaN(x) || x < 0) throw bad('storage.sliceMs', `must be a number ≥ 0 or Infinity, got ${String(x)}`);
    return x;
  };
  return {
    path: opts.path,
    flushIntervalMs: nonNeg('storage.flushIntervalMs', opts.flushIntervalMs, 1000),
    batchSize: Math.floor(nonNeg('storage.batchSize', opts.batchSize, 5000, 1)),
    compactIntervalMs: nonNeg('storage.compactIntervalMs', opts.compactIntervalMs, 5 * MINUTE),
    maxHeadRows: nonNeg('storage.maxHeadRows', opts.maxHeadRows, 500_000, 1),
    stageRoundRows: nonNeg('storage.stageRoundRows', opts.stageRoundRows, STAGE_ROUND_ROWS, 1),
    cacheKiB: nonNeg('storage.cacheKiB', opts.cacheKiB, 32_768, 0),
    retention,
    now: opts.now ?? Date.now,
    sliceMs: sliceMs(opts.sliceMs),
    clock: opts.clock ?? (() => performance.now()),
    onError: opts.onError ?? ((err) => process.emitWarning(errorMessage(err), { code: isAppError(err) ? err.code : 'MON_STORE_ERROR' })),
  };
}
