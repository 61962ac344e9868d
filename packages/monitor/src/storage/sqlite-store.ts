import { mkdirSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import { AppError, errorMessage, isAppError } from '@etcd-monitor/core';
import { configure, migrate } from './schema.ts';
import { DAY, HOUR, MINUTE } from './resolution.ts';
import { checkSampleShape } from './validate.ts';
import { SqliteEvents } from './sqlite-events.ts';
import { SeriesReader } from './sqlite-reader.ts';
import { SqliteDocs } from './sqlite-docs.ts';
import type { Alert, AlertHistoryQuery } from '../model/alerts.ts';
import type { AuditEntry, AuditFilter, EventFilter, Retention, Sample, SeriesInfo, SeriesQuery, SeriesResult, Store, StoreStats, StoredEvent } from './types.ts';

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

// Rollups of a minute wait this long after the minute ends, so samples of slow collectors are in before it is summarised.
const ROLLUP_GRACE_MS = 15_000;
// 1 m rollups run once this much is pending: appending one row per series dirties one page per series, so rolling
// 10 minutes at a time writes ~10x less. Queries read the not-yet-rolled minutes from raw meanwhile.
const ROLLUP_MIN_LAG_MS = 10 * MINUTE;
// Retention deletes run in steps so each run removes a page or more per series rather than one row.
const RETENTION_STEP = { raw: HOUR, m1: HOUR, h1: DAY, events: HOUR } as const;
// One rollup job covers at least this much time (more when the learnt cost says a slice covers more); inside it, each
// transaction covers a range of series ids sized to the slice.
const ROLLUP_CHUNK = { m1: HOUR, h1: DAY } as const;
// Continuations of unfinished background work run this long after the previous slice, so I/O callbacks run in between.
const CONTINUE_GAP_MS = 5;
// Chunk bounds: a step handles at least min units (progress even when the slice is used up) and at most max.
const STEP_ROWS = { min: 64, max: 200_000 } as const;
// A compaction stages the head a range of series ids at a time, about this many rows per round: the stage is an
// in-memory table, and staging 5 minutes of 100 members at once (630k rows, ~20 MB) left the process that much larger
// for good (glibc keeps what it got back). Each round scans the head once more, which is cheap next to the moves.
const STAGE_ROUND_ROWS = 150_000;

const KEY_SEP = '\u0000';

// head_upto and head_sid mark the head rows a compaction in flight has already copied into samples_raw: those with
// rowid <= head_upto and sid < head_sid. Readers skip them; the compaction deletes them (by rowid range) when done.
type Meta = 'wm_1m' | 'wm_1h' | 'floor_raw' | 'floor_1m' | 'floor_1h' | 'floor_events' | 'floor_series' | 'head_upto' | 'head_sid';

/** Compaction is an in-progress move of the head rows with rowid <= upTo into samples_raw (docs/storage.md, Pauses). */
interface Compaction {
  /** upTo is the largest head rowid when it started; later rows wait for the next compaction. */
  upTo: number;
  /** staged is the largest rowid copied into temp.stage so far. */
  staged: number;
  /** fromSid: head rows of smaller sids (up to upTo) were moved (in an earlier round, or before a restart) and are not staged again. */
  fromSid: number;
  /** toSid ends this round's range of sids (exclusive); Infinity for the last round. */
  toSid: number;
  /** span is how many sids a round stages. */
  span: number;
  /** maxSid is the largest sid when the compaction started: rows up to upTo have no larger one. */
  maxSid: number;
  /** deleted is the largest rowid deleted once every row is moved; the compaction ends when it reaches upTo. */
  deleted: number | undefined;
  /** dirty holds the series whose last_t is still to be written before their rows leave the head. */
  dirty: number[];
  /** minTAfter is the oldest sample appended since it started: the head's oldest once it is done. */
  minTAfter: number;
}

/** SidJob is a rollup or retention delete over every series, done a range of series ids per transaction. */
interface SidJob {
  kind: 'roll1m' | 'roll1h' | 'delRaw' | 'del1m' | 'del1h';
  /** from..end is the time range rolled up, or the old and new retention floor of a delete. */
  from: number;
  end: number;
  /** next is the first series id not done yet; the job ends past maxSid. */
  next: number;
  maxSid: number;
}

// A maintenance pass walks these phases in order; compaction, when due, runs before any of them.
const PHASES = ['roll1m', 'roll1h', 'raw', 'm1', 'h1', 'events', 'series'] as const;

/** Pass is one maintain() run spread over as many slices as it needs. */
interface Pass {
  t: number;
  phase: number;
  /** target is the watermark the current rollup phase rolls up to, fixed when the phase starts. */
  target?: number;
}

/**
 * Pace learns how long one unit of a kind of work takes, so the next step can be sized to the time left. It is
 * pessimistic: a slower step raises the estimate at once, faster ones lower it gradually, and a step is sized to half
 * the time left, since one too large step is the pause this exists to prevent.
 */
class Pace {
  private msPerUnit: number;

  constructor(msPerUnit: number) {
    this.msPerUnit = msPerUnit;
  }

  units(leftMs: number, min: number, max: number): number {
    return Math.max(min, Math.min(max, Math.floor(leftMs / 2 / this.msPerUnit)));
  }

  note(units: number, ms: number): void {
    if (units <= 0 || !(ms >= 0)) return;
    const x = ms / units;
    // A floor keeps a clock that does not move (tests) from sizing steps to infinity.
    this.msPerUnit = Math.max(1e-5, x > this.msPerUnit ? x : 0.8 * this.msPerUnit + 0.2 * x);
  }
}

/** openSqliteStore opens (creating if needed) the SQLite store at opts.path and starts its flush timer. */
export function openSqliteStore(opts: SqliteStoreOptions): Store {
  const o = checkOptions(opts);
  let db: DatabaseSync;
  try {
    if (o.path !== ':memory:' && !o.path.startsWith('file:')) mkdirSync(dirname(o.path), { recursive: true });
    db = new DatabaseSync(o.path, { timeout: 5000 });
  } catch (err) {
    throw openFailed(o.path, err);
  }
  try {
    configure(db, o.cacheKiB);
    migrate(db, o.path);
    // A (sid, t) index on the head would make reads cheap but cost ~35× the bytes written per sample (measured:
    // 9.7 kB vs 277 B); the alert rules, the only frequent reader of recent data, read from memory instead.
    db.exec('DROP INDEX IF EXISTS samples_head_sid_t');
    return new SqliteStore(db, o);
  } catch (err) {
    db.close();
    if (isAppError(err)) throw err;
    throw openFailed(o.path, err);
  }
}

function openFailed(path: string, err: unknown): AppError {
  return new AppError('MON_STORE_OPEN_FAILED', `storage.path: cannot open store ${path}: ${errorMessage(err)}`, {
    field: 'storage.path',
    hint: 'check that the directory is writable and the file is an etcd-monitor store',
    cause: err,
  });
}

type Options = Required<Omit<SqliteStoreOptions, 'retention'>> & { retention: Required<Retention> };

function checkOptions(opts: SqliteStoreOptions): Options {
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

/** SqliteStore is the Store over one SQLite file; see docs/storage.md for the layout and its reasons. */
class SqliteStore implements Store {
  private readonly db: DatabaseSync;
  private readonly o: Options;
  private readonly timer: NodeJS.Timeout | undefined;
  private closed = false;

  private readonly ids = new Map<string, number>();
  // Newest sample time per series id. Updating series.last_t on every flush rewrote the whole series table each
  // second (~100 bytes written per sample at 5000 series), so it is written at compaction and rebuilt from the head on open.
  private readonly lastT = new Map<number, number>();
  private readonly lastTDirty = new Set<number>();
  private pendSeries: string[] = [];
  private pendCluster: string[] = [];
  private pendMember: string[] = [];
  private pendT: number[] = [];
  private pendV: number[] = [];

  private headRows: number;
  private headMinT: number;
  private lastCompact: number;
  private readonly meta = new Map<Meta, number>();
  private skipped = 0;
  private late = 0;
  private dropped = 0;

  private readonly st: Record<
    | 'insSeries'
    | 'updLast'
    | 'insHead'
    | 'setMeta'
    | 'headBounds'
    | 'maxSid'
    | 'stage'
    | 'stageKey'
    | 'stageSum'
    | 'moveStaged'
    | 'delStaged'
    | 'delHead'
    | 'roll1m'
    | 'roll1h'
    | 'delRaw'
    | 'del1m'
    | 'del1h'
    | 'delEvents'
    | 'delSeries',
    StatementSync
  >;
  // Events, alert history and audit log (sqlite-events.ts) and documents (sqlite-docs.ts) share the connection.
  private readonly events: SqliteEvents;
  // Series reads (sqlite-reader.ts) see the head and the watermarks through the state this class keeps.
  private readonly reader: SeriesReader;
  private readonly docs: SqliteDocs;

  // Background work in flight, continued slice by slice (docs/storage.md, Pauses).
  private comp: Compaction | undefined;
  private job: SidJob | undefined;
  private pass: Pass | undefined;
  private later: NodeJS.Timeout | undefined;
  private readonly pace = {
    stage: new Pace(0.002),
    move: new Pace(0.004),
    delHead: new Pace(0.0005),
    // Per series and minute covered; starting values are ~2x the cost measured at one sample per second.
    roll1m: new Pace(0.05),
    roll1h: new Pace(0.002),
    delRaw: new Pace(0.05),
    del1m: new Pace(0.002),
    del1h: new Pace(0.0002),
  };

  constructor(db: DatabaseSync, o: Options) {
    this.db = db;
    this.o = o;
    // The sorted copy of the head rows being compacted: a connection-private, in-memory table (temp_store = MEMORY).
    // Losing it in a crash loses nothing: a head row is only marked as moved (head_upto/head_sid) in the transaction that
    // writes it to samples_raw, and only deleted after that.
    // auto_vacuum on the in-memory temp database hands the pages of staged rows back to the allocator as each compaction
    // step deletes them, for the rest of the process to reuse; without it they stay on the temp database's freelist.
    db.exec('PRAGMA temp.auto_vacuum = FULL');
    db.exec(`CREATE TEMP TABLE IF NOT EXISTS stage (
      sid INTEGER NOT NULL, t INTEGER NOT NULL, hr INTEGER NOT NULL, v REAL NOT NULL, PRIMARY KEY (sid, t, hr)) WITHOUT ROWID`);
    const p = (sql: string) => db.prepare(sql);
    // Bucket widths are SQL literals: node:sqlite binds JS numbers as REAL, which would turn `t / ?` into float division.
    // `last` comes from a correlated lookup because SQLite's bare-column trick is undefined with both min() and max().
    // ?3..?4 is the range of series ids one transaction rolls up.
    const roll1m = `
      INSERT OR REPLACE INTO samples_1m (sid, t, vmin, vmax, vsum, n, vlast)
      SELECT g.sid, g.b, g.vmin, g.vmax, g.vsum, g.n,
             (SELECT l.v FROM samples_raw l WHERE l.sid = g.sid AND l.t >= g.b AND l.t < g.b + ${MINUTE} ORDER BY l.t DESC LIMIT 1)
      FROM (SELECT r.sid AS sid, (r.t / ${MINUTE}) * ${MINUTE} AS b, min(r.v) AS vmin, max(r.v) AS vmax, sum(r.v) AS vsum, count(*) AS n
            FROM series s CROSS JOIN samples_raw r ON r.sid = s.id AND r.t >= ?1 AND r.t < ?2
            WHERE s.id >= ?3 AND s.id < ?4
            GROUP BY r.sid, b) g`;
    const roll1h = `
      INSERT OR REPLACE INTO samples_1h (sid, t, vmin, vmax, vsum, n, vlast)
      SELECT g.sid, g.b, g.vmin, g.vmax, g.vsum, g.n,
             (SELECT l.vlast FROM samples_1m l WHERE l.sid = g.sid AND l.t >= g.b AND l.t < g.b + ${HOUR} ORDER BY l.t DESC LIMIT 1)
      FROM (SELECT r.sid AS sid, (r.t / ${HOUR}) * ${HOUR} AS b, min(r.vmin) AS vmin, max(r.vmax) AS vmax, sum(r.vsum) AS vsum, sum(r.n) AS n
            FROM series s CROSS JOIN samples_1m r ON r.sid = s.id AND r.t >= ?1 AND r.t < ?2
            WHERE s.id >= ?3 AND s.id < ?4
            GROUP BY r.sid, b) g`;
    // A compaction step moves the staged rows of sids up to ?1; ?2 is the applied raw floor.
    this.st = {
      insSeries: p('INSERT INTO series (cluster, name, member, last_t) VALUES (?, ?, ?, ?) RETURNING id'),
      updLast: p('UPDATE series SET last_t = ?1 WHERE id = ?2 AND last_t < ?1'),
      insHead: p('INSERT INTO samples_head (t, sid, v) VALUES (?, ?, ?)'),
      setMeta: p('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)'),
      headBounds: p('SELECT min(rowid) AS lo, max(rowid) AS hi FROM samples_head'),
      maxSid: p('SELECT max(id) AS id FROM series'),
      stage: p('INSERT INTO temp.stage (sid, t, hr, v) SELECT sid, t, rowid, v FROM samples_head WHERE rowid > ?1 AND rowid <= ?2 AND sid >= ?3 AND sid < ?4'),
      stageKey: p('SELECT sid FROM temp.stage ORDER BY sid, t, hr LIMIT 1 OFFSET ?'),
      stageSum: p('SELECT count(*) AS n, sum(t < ?2) AS late, min(CASE WHEN t >= ?2 THEN t END) AS minT FROM temp.stage WHERE sid <= ?1'),
      // hr (the head rowid) breaks ties so the sample appended last wins when the same (series, t) arrives twice.
      moveStaged: p('INSERT OR REPLACE INTO samples_raw (sid, t, v) SELECT sid, t, v FROM temp.stage WHERE sid <= ?1 AND t >= ?2 ORDER BY sid, t, hr'),
      delStaged: p('DELETE FROM temp.stage WHERE sid <= ?1'),
      delHead: p('DELETE FROM samples_head WHERE rowid > ? AND rowid <= ?'),
      roll1m: p(roll1m),
      roll1h: p(roll1h),
      delRaw: p('DELETE FROM samples_raw WHERE sid IN (SELECT id FROM series WHERE id >= ?2 AND id < ?3) AND t < ?1'),
      del1m: p('DELETE FROM samples_1m WHERE sid IN (SELECT id FROM series WHERE id >= ?2 AND id < ?3) AND t < ?1'),
      del1h: p('DELETE FROM samples_1h WHERE sid IN (SELECT id FROM series WHERE id >= ?2 AND id < ?3) AND t < ?1'),
      delEvents: p('DELETE FROM events WHERE time < ?'),
      delSeries: p('DELETE FROM series WHERE last_t < ? RETURNING id, cluster, name, member'),
    };
    this.reader = new SeriesReader(db, {
      open: () => this.open(),
      now: o.now,
      retention: o.retention,
      meta: this.meta,
      headMinT: () => this.headMinT,
      moved: () => this.moved(),
      lastT: this.lastT,
    });
    this.events = new SqliteEvents(db, () => this.open());
    this.docs = new SqliteDocs(db, () => this.open(), o.now);

    for (const r of db.prepare('SELECT id, cluster, name, member, last_t FROM series').all()) {
      this.ids.set(seriesKey(r.cluster as string, r.name as string, r.member as string), r.id as number);
      this.lastT.set(r.id as number, r.last_t as number);
    }
    for (const r of db.prepare('SELECT sid, max(t) AS t FROM samples_head GROUP BY sid').all()) this.noteLastT(r.sid as number, r.t as number);
    for (const r of db.prepare('SELECT key, value FROM meta').all()) this.meta.set(r.key as Meta, r.value as number);
    const [upTo, fromSid] = this.moved();
    const head = db.prepare('SELECT count(*) AS n, min(t) AS t FROM samples_head WHERE NOT (rowid <= ? AND sid < ?)').get(upTo, fromSid) as {
      n: number;
      t: number | null;
    };
    this.headRows = head.n;
    this.headMinT = head.t ?? Infinity;
    this.lastCompact = o.now();
    if (upTo > 0) {
      // A compaction was cut short (crash or close): finish it, staging only what it had not moved yet.
      const after = db.prepare('SELECT min(t) AS t FROM samples_head WHERE rowid > ?').get(upTo) as { t: number | null };
      const lo = (db.prepare('SELECT min(rowid) AS lo FROM samples_head').get() as { lo: number | null }).lo ?? 1;
      this.comp = { upTo, staged: lo - 1, ...this.rounds(fromSid, head.n), deleted: undefined, dirty: [...this.lastTDirty], minTAfter: after.t ?? Infinity };
      this.lastTDirty.clear();
    }

    if (o.flushIntervalMs > 0) {
      this.timer = setInterval(() => {
        try {
          this.flush();
        } catch (err) {
          o.onError(err);
        }
      }, o.flushIntervalMs);
      // The store must not keep a finished process alive; close() flushes what is left.
      this.timer.unref();
    }
  }

  append(samples: Sample[]): void {
    this.open();
    if (!Array.isArray(samples)) {
      throw new AppError('MON_STORE_BAD_SAMPLE', 'samples: must be an array', { field: 'samples' });
    }
    // Validate everything first so a bad sample rejects the whole call and nothing of it is half-buffered.
    for (let i = 0; i < samples.length; i++) checkSampleShape(samples[i], i);
    for (const s of samples) {
      if (!Number.isFinite(s.v)) {
        this.skipped++;
        continue;
      }
      this.pendSeries.push(s.series);
      this.pendCluster.push(s.cluster);
      this.pendMember.push(s.member);
      this.pendT.push(Math.trunc(s.t));
      this.pendV.push(s.v);
    }
    if (this.pendT.length >= this.o.batchSize) this.flush();
  }

  flush(): void {
    this.open();
    const start = this.o.clock();
    const n = this.pendT.length;
    if (n > 0) this.writeBatch(n);
    this.compactIfDue(this.o.now());
    // A flush whose batch used up the slice leaves the background work to the continuation.
    this.pump(start, false);
  }

  // Each compaction rewrites about one page per series, so the bytes written per sample fall with the number of
  // samples per series it moves (measured at 5000 series: ~300 B/sample at 1 min, ~120 B/sample at 5 min).
  private compactIfDue(now: number): void {
    if (this.comp !== undefined) return;
    if (this.headRows >= this.o.maxHeadRows || now - this.lastCompact >= this.o.compactIntervalMs) this.startCompaction(now);
  }

  private writeBatch(n: number): void {
    const { pendSeries, pendCluster, pendMember, pendT, pendV } = this;
    // The batch leaves the buffer before the write: a failing disk must not make the buffer grow without bound.
    this.pendSeries = [];
    this.pendCluster = [];
    this.pendMember = [];
    this.pendT = [];
    this.pendV = [];
    const created: string[] = [];
    const maxT = new Map<number, number>();
    let minT = Infinity;
    try {
      this.db.exec('BEGIN IMMEDIATE');
      for (let i = 0; i < n; i++) {
        const key = seriesKey(pendCluster[i], pendSeries[i], pendMember[i]);
        let sid = this.ids.get(key);
        const t = pendT[i];
        if (sid === undefined) {
          sid = (this.st.insSeries.get(pendCluster[i], pendSeries[i], pendMember[i], t) as { id: number }).id;
          this.ids.set(key, sid);
          created.push(key);
        }
        this.st.insHead.run(t, sid, pendV[i]);
        if (t > (maxT.get(sid) ?? -Infinity)) maxT.set(sid, t);
        if (t < minT) minT = t;
      }
      this.db.exec('COMMIT');
    } catch (err) {
      if (this.db.isTransaction) this.db.exec('ROLLBACK');
      for (const key of created) this.ids.delete(key);
      this.dropped += n;
      throw new AppError('MON_STORE_WRITE_FAILED', `cannot write ${n} samples: ${errorMessage(err)}`, {
        hint: 'check free disk space and permissions of the store file',
        cause: err,
      });
    }
    this.headRows += n;
    if (minT < this.headMinT) this.headMinT = minT;
    if (this.comp !== undefined && minT < this.comp.minTAfter) this.comp.minTAfter = minT;
    for (const [sid, t] of maxT) this.noteLastT(sid, t);
  }

  private noteLastT(sid: number, t: number): void {
    if (t > (this.lastT.get(sid) ?? -Infinity)) {
      this.lastT.set(sid, t);
      this.lastTDirty.add(sid);
    }
  }

  /**
   * startCompaction begins moving the head rows present now into samples_raw. The work is done in steps by pump():
   * write last_t of the series seen since the last compaction, copy the head rows into temp.stage (sorted by sid, t,
   * rowid) a rowid range at a time, then move the first rows of the stage per transaction: insert them into
   * samples_raw, delete them from the head, lower the rollup watermarks below them. A sample is in exactly one of
   * samples_head and samples_raw after every commit.
   */
  private startCompaction(now: number): void {
    this.lastCompact = now;
    if (this.headRows === 0 && this.lastTDirty.size === 0) return;
    const b = this.st.headBounds.get() as { lo: number | null; hi: number | null };
    this.comp = { upTo: b.hi ?? 0, staged: (b.lo ?? 1) - 1, ...this.rounds(0, this.headRows), deleted: undefined, dirty: [...this.lastTDirty], minTAfter: Infinity };
    this.lastTDirty.clear();
  }

  /** compactStep does one step of the compaction in flight, sized to leftMs. */
  private compactStep(c: Compaction, leftMs: number): void {
    if (c.dirty.length > 0) {
      // A series' newest time must be in series.last_t before its head rows leave: open() rebuilds lastT from both.
      const some = c.dirty.splice(0, 5000);
      try {
        this.tx(() => {
          for (const sid of some) this.st.updLast.run(this.lastT.get(sid) ?? 0, sid);
        });
      } catch (err) {
        c.dirty.push(...some);
        throw err;
      }
      return;
    }
    if (c.staged < c.upTo) {
      const rows = this.pace.stage.units(leftMs, STEP_ROWS.min * 16, STEP_ROWS.max);
      const hi = Math.min(c.upTo, c.staged + rows);
      const t0 = this.o.clock();
      this.st.stage.run(c.staged, hi, c.fromSid, c.toSid === Infinity ? Number.MAX_SAFE_INTEGER : c.toSid);
      this.pace.stage.note(hi - c.staged, this.o.clock() - t0);
      c.staged = hi;
      return;
    }
    if (c.deleted === undefined) this.moveStep(c, leftMs);
    else this.deleteStep(c, leftMs);
  }

  /**
   * moveStep moves the staged rows of the next range of sids into samples_raw, and marks them in the head as moved
   * (head_upto, head_sid) in the same transaction; the head rows themselves are deleted later, in rowid order, which
   * frees whole pages instead of rewriting every head page once per step.
   */
  private moveStep(c: Compaction, leftMs: number): void {
    const rows = this.pace.move.units(leftMs, STEP_ROWS.min, STEP_ROWS.max);
    const t0 = this.o.clock();
    const key = this.st.stageKey.get(rows - 1) as { sid: number } | undefined;
    // Whole sids per step: the marker says "every row of these sids up to upTo is in samples_raw".
    const roundDone = key === undefined;
    const last = roundDone && c.toSid === Infinity;
    const sid = last ? Number.MAX_SAFE_INTEGER : roundDone ? c.toSid - 1 : key.sid;
    const floor = this.meta.get('floor_raw') ?? Number.MIN_SAFE_INTEGER;
    let moved: { n: number; late: number | null; minT: number | null } = { n: 0, late: 0, minT: null };
    this.tx(() => {
      // Samples older than applied raw retention would turn a complete rollup bucket into a partial one if re-rolled.
      moved = this.st.stageSum.get(sid, floor) as typeof moved;
      this.st.moveStaged.run(sid, floor);
      this.st.delStaged.run(sid);
      if (this.meta.get('head_upto') !== c.upTo) this.setMeta('head_upto', c.upTo);
      this.setMeta('head_sid', last ? Number.MAX_SAFE_INTEGER : sid + 1);
      if (moved.minT === null) return;
      const m = Math.floor(moved.minT / MINUTE) * MINUTE;
      const h = Math.floor(moved.minT / HOUR) * HOUR;
      const wm1m = this.meta.get('wm_1m');
      const wm1h = this.meta.get('wm_1h');
      if (wm1m === undefined || m < wm1m) this.setMeta('wm_1m', m);
      if (wm1h === undefined || h < wm1h) this.setMeta('wm_1h', h);
    });
    this.pace.move.note(moved.n, this.o.clock() - t0);
    this.late += moved.late ?? 0;
    this.headRows = Math.max(0, this.headRows - moved.n);
    // A late sample inside the range of a rollup in flight makes the series already done stale: start the rollups over.
    if (moved.minT !== null && this.job !== undefined && this.job.kind.startsWith('roll') && moved.minT < this.job.end) {
      this.job = undefined;
      if (this.pass !== undefined) {
        this.pass.phase = 0;
        this.pass.target = undefined;
      }
    }
    if (roundDone && !last) {
      // The next round stages the next range of sids, scanning the head from its start again.
      c.fromSid = c.toSid;
      c.toSid = c.fromSid + c.span > c.maxSid ? Infinity : c.fromSid + c.span;
      c.staged = ((this.st.headBounds.get() as { lo: number | null }).lo ?? 1) - 1;
      return;
    }
    if (last) {
      // Everything up to upTo is in samples_raw; what is left in the head arrived after the compaction started.
      this.headMinT = c.minTAfter;
      c.deleted = (this.st.headBounds.get() as { lo: number | null }).lo ?? c.upTo;
      c.deleted = Math.min(c.deleted - 1, c.upTo);
    }
  }

  /** deleteStep deletes the next rowid range of moved head rows; the last one clears the marker in the same transaction. */
  private deleteStep(c: Compaction, leftMs: number): void {
    const from = c.deleted ?? c.upTo;
    const rows = this.pace.delHead.units(leftMs, STEP_ROWS.min * 16, STEP_ROWS.max * 5);
    const to = Math.min(c.upTo, from + rows);
    const t0 = this.o.clock();
    this.tx(() => {
      this.st.delHead.run(from, to);
      if (to >= c.upTo) {
        this.setMeta('head_upto', 0);
        this.setMeta('head_sid', 0);
      }
    });
    this.pace.delHead.note(to - from, this.o.clock() - t0);
    c.deleted = to;
    if (to >= c.upTo) this.comp = undefined;
  }

  /** moved returns the head_upto and head_sid marker: head rows with rowid <= upTo and sid < sid are in samples_raw. */
  /** rounds splits the sids from `fromSid` on into ranges of about stageRoundRows head rows each. */
  private rounds(fromSid: number, rows: number): Pick<Compaction, 'fromSid' | 'toSid' | 'span' | 'maxSid'> {
    const maxSid = (this.st.maxSid.get() as { id: number | null }).id ?? 0;
    const n = Math.max(1, Math.ceil(rows / this.o.stageRoundRows));
    const span = Math.max(1, Math.ceil((maxSid + 1 - fromSid) / n));
    return { fromSid, toSid: fromSid + span > maxSid ? Infinity : fromSid + span, span, maxSid };
  }

  private moved(): [number, number] {
    return [this.meta.get('head_upto') ?? 0, this.meta.get('head_sid') ?? 0];
  }

  maintain(now?: number): void {
    this.open();
    const start = this.o.clock();
    const t = now ?? this.o.now();
    if (this.pendT.length > 0) this.writeBatch(this.pendT.length);
    this.compactIfDue(t);
    // A new pass starts over from the first phase; a job in flight finishes first (it is valid on its own).
    this.pass = { t, phase: 0 };
    this.pump(start);
  }

  /**
   * pump does background work until the slice that began at start is used up, then schedules the rest. With force it
   * does at least one step, so callers that never yield to the event loop (maintain() in a loop) still make progress.
   */
  private pump(start: number, force = true): void {
    for (let first = force; ; first = false) {
      const left = this.o.sliceMs - (this.o.clock() - start);
      if (!first && left <= 0) break;
      if (!this.step(left)) return;
    }
    if (this.later === undefined && !this.closed) {
      this.later = setTimeout(() => {
        this.later = undefined;
        if (this.closed) return;
        try {
          this.pump(this.o.clock());
        } catch (err) {
          this.o.onError(err);
        }
      }, CONTINUE_GAP_MS);
      this.later.unref();
    }
  }

  /** step does one bounded piece of background work and tells whether there was any. */
  private step(leftMs: number): boolean {
    if (this.comp !== undefined) this.compactStep(this.comp, leftMs);
    else if (this.job !== undefined) this.jobStep(this.job, leftMs);
    else if (this.pass !== undefined) this.passStep(this.pass);
    else return false;
    return true;
  }

  /** passStep starts the next job of the maintenance pass, or moves to its next phase. */
  private passStep(p: Pass): void {
    const t = p.t;
    const r = this.o.retention;
    const phase = PHASES[p.phase];
    const next = () => {
      p.phase++;
      p.target = undefined;
      if (p.phase >= PHASES.length) this.pass = undefined;
    };
    if (phase === 'roll1m') {
      // 1 m rollups from raw, for every whole minute older than the grace period and already out of the head.
      const wm = this.meta.get('wm_1m');
      if (p.target === undefined) {
        const target = Math.floor(Math.min(t - ROLLUP_GRACE_MS, this.headMinT) / MINUTE) * MINUTE;
        if (wm === undefined || target - wm < ROLLUP_MIN_LAG_MS) return next();
        p.target = target;
      }
      if (wm === undefined || wm >= p.target) return next();
      this.job = this.newJob('roll1m', wm, p.target, ROLLUP_CHUNK.m1, MINUTE);
    } else if (phase === 'roll1h') {
      // 1 h rollups from 1 m rows (60x fewer rows to read than raw), for every hour whose minutes are all rolled up.
      const wm = this.meta.get('wm_1h');
      const wm1m = this.meta.get('wm_1m');
      if (p.target === undefined) {
        if (wm1m === undefined) return next();
        p.target = Math.floor(wm1m / HOUR) * HOUR;
      }
      if (wm === undefined || wm >= p.target) return next();
      this.job = this.newJob('roll1h', wm, p.target, ROLLUP_CHUNK.h1, HOUR);
    } else if (phase === 'raw' || phase === 'm1' || phase === 'h1') {
      // Retention never deletes what the next resolution has not summarised yet, and cuts on whole hours so no bucket
      // that may be re-rolled after a late sample is left half-deleted.
      const hourFloor = (x: number) => Math.floor(x / HOUR) * HOUR;
      const key = phase === 'raw' ? 'floor_raw' : phase === 'm1' ? 'floor_1m' : 'floor_1h';
      const cut =
        phase === 'raw'
          ? Math.min(hourFloor(t - r.raw), this.meta.get('wm_1m') ?? -Infinity)
          : phase === 'm1'
            ? Math.min(hourFloor(t - r.m1), this.meta.get('wm_1h') ?? -Infinity)
            : t - r.h1;
      const floor = this.meta.get(key);
      next();
      if (!Number.isFinite(cut) || (floor !== undefined && cut - floor < RETENTION_STEP[phase])) return;
      // The floor moves first, in its own transaction: from then on compaction drops samples below it, so none can
      // land in the range being deleted. A crash mid-job leaves rows below the floor that the next cut deletes.
      this.tx(() => this.setMeta(key, cut));
      this.job = this.newJob(phase === 'raw' ? 'delRaw' : phase === 'm1' ? 'del1m' : 'del1h', floor ?? cut - HOUR, cut);
    } else if (phase === 'events') {
      next();
      this.applyRetention('floor_events', this.st.delEvents, t - r.events, RETENTION_STEP.events);
    } else {
      next();
      // A series whose newest sample is older than every retention has no rows left anywhere.
      this.applyRetention(
        'floor_series',
        this.st.delSeries,
        t - r.h1,
        RETENTION_STEP.h1,
        (gone) => {
          for (const g of gone) {
            this.ids.delete(seriesKey(g.cluster as string, g.name as string, g.member as string));
            this.lastT.delete(g.id as number);
          }
        },
        // A long-silent series that just came back may have its new last_t only in memory yet.
        () => {
          for (const sid of this.lastTDirty) this.st.updLast.run(this.lastT.get(sid) ?? 0, sid);
        },
      );
    }
  }

  /**
   * newJob starts a job over every series from `from` to at most `target`. A rollup job covers at least `span`, more
   * when the learnt pace says a whole slice covers more (sparse data, a long gap), aligned to `align`.
   */
  private newJob(kind: SidJob['kind'], from: number, target: number, span = Infinity, align = MINUTE): SidJob {
    const maxSid = (this.st.maxSid.get() as { id: number | null }).id ?? 0;
    let end = target;
    if (Number.isFinite(span)) {
      const minutes = this.pace[kind].units(this.o.sliceMs, 1, Number.MAX_SAFE_INTEGER) / Math.max(1, maxSid);
      end = Math.min(target, from + Math.max(span, Math.floor((minutes * MINUTE) / align) * align));
    }
    return { kind, from, end, next: 0, maxSid };
  }

  /** jobStep rolls up or deletes for the next range of series ids, sized to leftMs; the last range sets the watermark. */
  private jobStep(j: SidJob, leftMs: number): void {
    const pace = this.pace[j.kind];
    // Cost grows with the series and the minutes covered; a unit is one series for one minute.
    const minutes = Math.max(1, (j.end - j.from) / MINUTE);
    const sids = Math.max(1, Math.floor(pace.units(leftMs, 1, Number.MAX_SAFE_INTEGER) / minutes));
    const hi = Math.min(j.next + sids, j.maxSid + 1);
    const last = hi > j.maxSid;
    const t0 = this.o.clock();
    this.tx(() => {
      if (j.kind === 'roll1m' || j.kind === 'roll1h') {
        this.st[j.kind].run(j.from, j.end, j.next, hi);
        if (last) this.setMeta(j.kind === 'roll1m' ? 'wm_1m' : 'wm_1h', j.end);
      } else {
        this.st[j.kind].run(j.end, j.next, hi);
      }
    });
    pace.note((hi - j.next) * minutes, this.o.clock() - t0);
    j.next = hi;
    if (last) this.job = undefined;
  }

  private applyRetention(key: Meta, del: StatementSync, cut: number, step: number, onDeleted?: (rows: Array<Record<string, unknown>>) => void, before?: () => void): void {
    if (!Number.isFinite(cut)) return;
    const floor = this.meta.get(key);
    if (floor !== undefined && cut - floor < step) return;
    this.tx(() => {
      before?.();
      if (onDeleted) onDeleted(del.all(cut));
      else del.run(cut);
      this.setMeta(key, cut);
    });
  }

  query(q: SeriesQuery): SeriesResult {
    return this.reader.query(q);
  }

  listSeries(filter?: { cluster?: string; member?: string }): SeriesInfo[] {
    return this.reader.listSeries(filter);
  }

  appendEvent(e: StoredEvent): StoredEvent {
    return this.events.appendEvent(e);
  }

  queryEvents(f?: EventFilter): StoredEvent[] {
    return this.events.queryEvents(f);
  }

  recordAlert(alert: Alert): void {
    this.events.recordAlert(alert);
  }

  queryAlerts(q?: AlertHistoryQuery): Alert[] {
    return this.events.queryAlerts(q);
  }

  appendAudit(e: AuditEntry): AuditEntry {
    return this.events.appendAudit(e);
  }

  queryAudit(f?: AuditFilter): AuditEntry[] {
    return this.events.queryAudit(f);
  }

  putDoc(kind: string, key: string, doc: unknown): void {
    this.docs.putDoc(kind, key, doc);
  }

  getDoc(kind: string, key: string): unknown {
    return this.docs.getDoc(kind, key);
  }

  listDocs(kind: string): Array<{ key: string; doc: unknown }> {
    return this.docs.listDocs(kind);
  }

  deleteDoc(kind: string, key: string): boolean {
    return this.docs.deleteDoc(kind, key);
  }

  stats(): StoreStats {
    this.open();
    const count = (table: string) => (this.db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
    const headRows = (this.db.prepare('SELECT count(*) AS n FROM samples_head WHERE NOT (rowid <= ? AND sid < ?)').get(...this.moved()) as { n: number }).n;
    return {
      fileBytes: this.fileBytes(),
      rawRows: count('samples_raw') + headRows,
      headRows,
      m1Rows: count('samples_1m'),
      h1Rows: count('samples_1h'),
      series: count('series'),
      events: count('events'),
      alerts: count('alert_history'),
      audit: count('audit_log'),
      docs: count('docs'),
      pending: this.pendT.length,
      skipped: this.skipped,
      late: this.late,
      dropped: this.dropped,
    };
  }

  private fileBytes(): number {
    if (this.o.path === ':memory:' || this.o.path.startsWith('file:')) {
      const pages = this.db.prepare('PRAGMA page_count').get() as { page_count: number };
      const size = this.db.prepare('PRAGMA page_size').get() as { page_size: number };
      return pages.page_count * size.page_size;
    }
    const size = (p: string) => {
      try {
        return statSync(p).size;
      } catch {
        return 0;
      }
    };
    return size(this.o.path) + size(`${this.o.path}-wal`);
  }

  close(): void {
    if (this.closed) return;
    if (this.timer !== undefined) clearInterval(this.timer);
    if (this.later !== undefined) clearTimeout(this.later);
    try {
      if (this.pendT.length > 0) this.writeBatch(this.pendT.length);
    } finally {
      this.closed = true;
      this.db.close();
    }
  }

  private open(): void {
    if (this.closed) throw new AppError('MON_STORE_CLOSED', 'the store is closed', { hint: 'open it again with openSqliteStore()' });
  }

  private setMeta(key: Meta, value: number): void {
    this.st.setMeta.run(key, value);
    this.meta.set(key, value);
  }

  private tx(fn: () => void): void {
    const saved = new Map(this.meta);
    this.db.exec('BEGIN IMMEDIATE');
    try {
      fn();
      this.db.exec('COMMIT');
    } catch (err) {
      if (this.db.isTransaction) this.db.exec('ROLLBACK');
      // The in-memory mirror of meta must match what the rollback left on disk.
      this.meta.clear();
      for (const [k, v] of saved) this.meta.set(k, v);
      if (isAppError(err)) throw err;
      throw new AppError('MON_STORE_WRITE_FAILED', `store maintenance failed: ${errorMessage(err)}`, {
        hint: 'check free disk space and permissions of the store file',
        cause: err,
      });
    }
  }
}

function seriesKey(cluster: string, name: string, member: string): string {
  return cluster + KEY_SEP + name + KEY_SEP + member;
}
