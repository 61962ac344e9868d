import { mkdirSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import { AppError, errorMessage, isAppError } from '@etcd-monitor/core';
import { configure, migrate } from './schema.ts';
import { DAY, HOUR, MINUTE, bucketFor, downsample, pickResolution, type AggRow } from './resolution.ts';
import { checkDocKey, checkDocKind, checkEvent, checkEventFilter, checkQuery, checkSampleShape } from './validate.ts';
import type {
  EventFilter,
  Point,
  Resolution,
  Retention,
  Sample,
  SeriesInfo,
  SeriesQuery,
  SeriesResult,
  Store,
  StoreStats,
  StoredEvent,
} from './types.ts';

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
  /** maxHeadRows moves the head into the raw table early once it holds this many samples, bounding the head scan of a query. Default 500000. */
  maxHeadRows?: number;
  /** cacheKiB is the SQLite page cache size; it should hold one 4 KiB page per series. Default 32768 (32 MiB). */
  cacheKiB?: number;
  /** now is the clock used for resolution choice, compaction and retention; tests and benches replace it. */
  now?: () => number;
  /** onError receives errors of timer-driven flushes, which have no caller to throw to. Default: a process warning. */
  onError?: (err: unknown) => void;
}

// Rollups of a minute wait this long after the minute ends, so samples of slow collectors are in before it is summarised.
const ROLLUP_GRACE_MS = 15_000;
// 1 m rollups run once this much is pending: appending one row per series dirties one page per series, so rolling
// 10 minutes at a time writes ~10x less. Queries read the not-yet-rolled minutes from raw meanwhile.
const ROLLUP_MIN_LAG_MS = 10 * MINUTE;
// Retention deletes run in steps so each run removes a page or more per series rather than one row.
const RETENTION_STEP = { raw: HOUR, m1: HOUR, h1: DAY, events: HOUR } as const;
// One rollup transaction covers at most this much time, bounding the event-loop pause after a long gap.
const ROLLUP_CHUNK = { m1: HOUR, h1: DAY } as const;

const KEY_SEP = '\u0000';

type Meta = 'wm_1m' | 'wm_1h' | 'floor_raw' | 'floor_1m' | 'floor_1h' | 'floor_events' | 'floor_series';

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
  return {
    path: opts.path,
    flushIntervalMs: nonNeg('storage.flushIntervalMs', opts.flushIntervalMs, 1000),
    batchSize: Math.floor(nonNeg('storage.batchSize', opts.batchSize, 5000, 1)),
    compactIntervalMs: nonNeg('storage.compactIntervalMs', opts.compactIntervalMs, 5 * MINUTE),
    maxHeadRows: nonNeg('storage.maxHeadRows', opts.maxHeadRows, 500_000, 1),
    cacheKiB: nonNeg('storage.cacheKiB', opts.cacheKiB, 32_768, 0),
    retention,
    now: opts.now ?? Date.now,
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
    | 'insSeries' | 'updLast' | 'insHead' | 'moveHead' | 'clearHead' | 'dropLateHead' | 'setMeta'
    | 'roll1m' | 'roll1h' | 'delRaw' | 'del1m' | 'del1h' | 'delEvents' | 'delSeries'
    | 'raw' | 'head' | 'sel1m' | 'sel1h' | 'seriesOf' | 'seriesOfMember'
    | 'insEvent' | 'putDoc' | 'getDoc' | 'listDocs' | 'delDoc',
    StatementSync
  >;

  constructor(db: DatabaseSync, o: Options) {
    this.db = db;
    this.o = o;
    const p = (sql: string) => db.prepare(sql);
    // Bucket widths are SQL literals: node:sqlite binds JS numbers as REAL, which would turn `t / ?` into float division.
    // `last` comes from a correlated lookup because SQLite's bare-column trick is undefined with both min() and max().
    const roll1m = `
      INSERT OR REPLACE INTO samples_1m (sid, t, vmin, vmax, vsum, n, vlast)
      SELECT g.sid, g.b, g.vmin, g.vmax, g.vsum, g.n,
             (SELECT l.v FROM samples_raw l WHERE l.sid = g.sid AND l.t >= g.b AND l.t < g.b + ${MINUTE} ORDER BY l.t DESC LIMIT 1)
      FROM (SELECT r.sid AS sid, (r.t / ${MINUTE}) * ${MINUTE} AS b, min(r.v) AS vmin, max(r.v) AS vmax, sum(r.v) AS vsum, count(*) AS n
            FROM series s CROSS JOIN samples_raw r ON r.sid = s.id AND r.t >= ?1 AND r.t < ?2
            GROUP BY r.sid, b) g`;
    const roll1h = `
      INSERT OR REPLACE INTO samples_1h (sid, t, vmin, vmax, vsum, n, vlast)
      SELECT g.sid, g.b, g.vmin, g.vmax, g.vsum, g.n,
             (SELECT l.vlast FROM samples_1m l WHERE l.sid = g.sid AND l.t >= g.b AND l.t < g.b + ${HOUR} ORDER BY l.t DESC LIMIT 1)
      FROM (SELECT r.sid AS sid, (r.t / ${HOUR}) * ${HOUR} AS b, min(r.vmin) AS vmin, max(r.vmax) AS vmax, sum(r.vsum) AS vsum, sum(r.n) AS n
            FROM series s CROSS JOIN samples_1m r ON r.sid = s.id AND r.t >= ?1 AND r.t < ?2
            GROUP BY r.sid, b) g`;
    this.st = {
      insSeries: p('INSERT INTO series (cluster, name, member, last_t) VALUES (?, ?, ?, ?) RETURNING id'),
      updLast: p('UPDATE series SET last_t = ?1 WHERE id = ?2 AND last_t < ?1'),
      insHead: p('INSERT INTO samples_head (t, sid, v) VALUES (?, ?, ?)'),
      // rowid breaks ties so the sample appended last wins when the same (series, t) arrives twice.
      moveHead: p('INSERT OR REPLACE INTO samples_raw (sid, t, v) SELECT sid, t, v FROM samples_head ORDER BY sid, t, rowid'),
      clearHead: p('DELETE FROM samples_head'),
      dropLateHead: p('DELETE FROM samples_head WHERE t < ?'),
      setMeta: p('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)'),
      roll1m: p(roll1m),
      roll1h: p(roll1h),
      delRaw: p('DELETE FROM samples_raw WHERE sid IN (SELECT id FROM series) AND t < ?'),
      del1m: p('DELETE FROM samples_1m WHERE sid IN (SELECT id FROM series) AND t < ?'),
      del1h: p('DELETE FROM samples_1h WHERE sid IN (SELECT id FROM series) AND t < ?'),
      delEvents: p('DELETE FROM events WHERE time < ?'),
      delSeries: p('DELETE FROM series WHERE last_t < ? RETURNING id, cluster, name, member'),
      raw: p('SELECT t, v FROM samples_raw WHERE sid = ? AND t >= ? AND t <= ? ORDER BY t'),
      head: p(`SELECT sid, t, v FROM samples_head
               WHERE t >= ? AND t <= ? AND sid IN (SELECT value FROM json_each(?)) ORDER BY rowid`),
      sel1m: p('SELECT t, vmin, vmax, vsum, n, vlast FROM samples_1m WHERE sid = ? AND t >= ? AND t <= ? ORDER BY t'),
      sel1h: p('SELECT t, vmin, vmax, vsum, n, vlast FROM samples_1h WHERE sid = ? AND t >= ? AND t <= ? ORDER BY t'),
      seriesOf: p('SELECT id, member FROM series WHERE cluster = ? AND name = ? ORDER BY member'),
      seriesOfMember: p('SELECT id, member FROM series WHERE cluster = ? AND name = ? AND member = ?'),
      insEvent: p('INSERT INTO events (time, cluster, type, member, message, details) VALUES (?, ?, ?, ?, ?, ?) RETURNING id'),
      putDoc: p('INSERT OR REPLACE INTO docs (kind, key, doc, updated) VALUES (?, ?, ?, ?)'),
      getDoc: p('SELECT doc FROM docs WHERE kind = ? AND key = ?'),
      listDocs: p('SELECT key, doc FROM docs WHERE kind = ? ORDER BY key'),
      delDoc: p('DELETE FROM docs WHERE kind = ? AND key = ?'),
    };
    for (const s of [this.st.raw, this.st.head, this.st.sel1m, this.st.sel1h]) s.setReturnArrays(true);

    for (const r of db.prepare('SELECT id, cluster, name, member, last_t FROM series').all()) {
      this.ids.set(seriesKey(r.cluster as string, r.name as string, r.member as string), r.id as number);
      this.lastT.set(r.id as number, r.last_t as number);
    }
    for (const r of db.prepare('SELECT sid, max(t) AS t FROM samples_head GROUP BY sid').all()) this.noteLastT(r.sid as number, r.t as number);
    for (const r of db.prepare('SELECT key, value FROM meta').all()) this.meta.set(r.key as Meta, r.value as number);
    const head = db.prepare('SELECT count(*) AS n, min(t) AS t FROM samples_head').get() as { n: number; t: number | null };
    this.headRows = head.n;
    this.headMinT = head.t ?? Infinity;
    this.lastCompact = o.now();

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
    const n = this.pendT.length;
    if (n > 0) this.writeBatch(n);
    this.compactIfDue(this.o.now());
  }

  // Each compaction rewrites about one page per series, so the bytes written per sample fall with the number of
  // samples per series it moves (measured at 5000 series: ~300 B/sample at 1 min, ~120 B/sample at 5 min).
  private compactIfDue(now: number): void {
    if (this.headRows >= this.o.maxHeadRows || now - this.lastCompact >= this.o.compactIntervalMs) this.compact(now);
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
    for (const [sid, t] of maxT) this.noteLastT(sid, t);
  }

  private noteLastT(sid: number, t: number): void {
    if (t > (this.lastT.get(sid) ?? -Infinity)) {
      this.lastT.set(sid, t);
      this.lastTDirty.add(sid);
    }
  }

  /** compact moves the head into samples_raw in (sid, t) order and lowers the rollup watermarks below any late sample. */
  private compact(now: number): void {
    this.lastCompact = now;
    if (this.headRows === 0 && this.lastTDirty.size === 0) return;
    this.tx(() => {
      let minT = this.headMinT;
      const floor = this.meta.get('floor_raw');
      // Samples older than applied raw retention would turn a complete rollup bucket into a partial one if re-rolled.
      if (floor !== undefined && minT < floor) {
        this.late += Number(this.st.dropLateHead.run(floor).changes);
        minT = (this.db.prepare('SELECT min(t) AS t FROM samples_head').get() as { t: number | null }).t ?? Infinity;
      }
      this.st.moveHead.run();
      this.st.clearHead.run();
      for (const sid of this.lastTDirty) this.st.updLast.run(this.lastT.get(sid) ?? 0, sid);
      if (!Number.isFinite(minT)) return;
      const m = Math.floor(minT / MINUTE) * MINUTE;
      const h = Math.floor(minT / HOUR) * HOUR;
      const wm1m = this.meta.get('wm_1m');
      const wm1h = this.meta.get('wm_1h');
      if (wm1m === undefined || m < wm1m) this.setMeta('wm_1m', m);
      if (wm1h === undefined || h < wm1h) this.setMeta('wm_1h', h);
    });
    this.headRows = 0;
    this.headMinT = Infinity;
    this.lastTDirty.clear();
  }

  maintain(now?: number): void {
    this.open();
    const t = now ?? this.o.now();
    if (this.pendT.length > 0) this.writeBatch(this.pendT.length);
    this.compactIfDue(t);
    const r = this.o.retention;

    // 1 m rollups from raw, for every whole minute older than the grace period and already out of the head.
    const target1m = Math.floor(Math.min(t - ROLLUP_GRACE_MS, this.headMinT) / MINUTE) * MINUTE;
    const pending1m = target1m - (this.meta.get('wm_1m') ?? target1m);
    for (let wm = this.meta.get('wm_1m'); wm !== undefined && wm < target1m && pending1m >= ROLLUP_MIN_LAG_MS; ) {
      const end = Math.min(target1m, wm + ROLLUP_CHUNK.m1);
      const from = wm;
      this.tx(() => {
        this.st.roll1m.run(from, end);
        this.setMeta('wm_1m', end);
      });
      wm = end;
    }
    // 1 h rollups from 1 m rows (60x fewer rows to read than raw), for every hour whose minutes are all rolled up.
    const wm1m = this.meta.get('wm_1m');
    const target1h = wm1m === undefined ? undefined : Math.floor(wm1m / HOUR) * HOUR;
    for (let wm = this.meta.get('wm_1h'); wm !== undefined && target1h !== undefined && wm < target1h; ) {
      const end = Math.min(target1h, wm + ROLLUP_CHUNK.h1);
      const from = wm;
      this.tx(() => {
        this.st.roll1h.run(from, end);
        this.setMeta('wm_1h', end);
      });
      wm = end;
    }

    // Retention never deletes what the next resolution has not summarised yet, and cuts on whole hours so no bucket
    // that may be re-rolled after a late sample is left half-deleted.
    const hourFloor = (x: number) => Math.floor(x / HOUR) * HOUR;
    this.applyRetention('floor_raw', this.st.delRaw, Math.min(hourFloor(t - r.raw), this.meta.get('wm_1m') ?? -Infinity), RETENTION_STEP.raw);
    this.applyRetention('floor_1m', this.st.del1m, Math.min(hourFloor(t - r.m1), this.meta.get('wm_1h') ?? -Infinity), RETENTION_STEP.m1);
    this.applyRetention('floor_1h', this.st.del1h, t - r.h1, RETENTION_STEP.h1);
    this.applyRetention('floor_events', this.st.delEvents, t - r.events, RETENTION_STEP.events);
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

  private applyRetention(
    key: Meta,
    del: StatementSync,
    cut: number,
    step: number,
    onDeleted?: (rows: Array<Record<string, unknown>>) => void,
    before?: () => void,
  ): void {
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
    this.open();
    const { agg, ...c } = checkQuery(q);
    const resolution = pickResolution(c, this.o.now(), this.o.retention);
    const bucket = bucketFor(resolution, c.step);
    // Bucketed answers cover every bucket that overlaps [from, to] whole, so a point means the same from any tier.
    const lo = bucket > 0 ? Math.floor(c.from / bucket) * bucket : c.from;
    const hi = bucket > 0 ? Math.floor(c.to / bucket) * bucket + bucket - 1 : c.to;
    const rows = (c.member === undefined
      ? this.st.seriesOf.all(c.cluster, c.series)
      : this.st.seriesOfMember.all(c.cluster, c.series, c.member)) as Array<{ id: number; member: string }>;
    const head = this.headRowsFor(rows.map((r) => r.id), lo, hi);
    const points: SeriesResult['points'] = [];
    for (const { id, member } of rows) {
      let pts: Point[];
      if (bucket === 0) {
        pts = this.rawRows(id, lo, hi, head).map(([t, v]) => ({ t, v }));
      } else {
        pts = downsample(this.aggRows(resolution, id, lo, hi, head), bucket, agg);
      }
      if (pts.length > 0) points.push({ member, points: pts });
    }
    return { resolution, step: bucket, points };
  }

  /** aggRows reads [lo, hi] from the resolution's table below its watermark and from the next finer tier above it. */
  private aggRows(res: Resolution, sid: number, lo: number, hi: number, head: Map<number, Array<[number, number]>>): AggRow[] {
    if (res === 'raw') return this.rawRows(sid, lo, hi, head).map(([t, v]) => [t, v, v, v, 1, v]);
    const width = res === '1m' ? MINUTE : HOUR;
    const stored = this.meta.get(res === '1m' ? 'wm_1m' : 'wm_1h');
    const finer: Resolution = res === '1m' ? 'raw' : '1m';
    if (stored === undefined) return this.aggRows(finer, sid, lo, hi, head);
    // Late samples still in the head belong to buckets already rolled up; until compaction lowers the watermark
    // those buckets are read from the finer tier, which sees the head.
    const wm = Math.min(stored, Math.floor(this.headMinT / width) * width);
    const stmt = res === '1m' ? this.st.sel1m : this.st.sel1h;
    const out = stmt.all(sid, lo, Math.min(hi, wm - 1)) as unknown as AggRow[];
    if (hi >= wm) for (const r of this.aggRows(finer, sid, Math.max(lo, wm), hi, head)) out.push(r);
    return out;
  }

  private rawRows(sid: number, lo: number, hi: number, head: Map<number, Array<[number, number]>>): Array<[number, number]> {
    const stored = this.st.raw.all(sid, lo, hi) as unknown as Array<[number, number]>;
    const recent = head.get(sid)?.filter(([t]) => t >= lo && t <= hi);
    if (recent === undefined || recent.length === 0) return stored;
    return mergeByTime(stored, recent);
  }

  private headRowsFor(ids: number[], lo: number, hi: number): Map<number, Array<[number, number]>> {
    const bySid = new Map<number, Array<[number, number]>>();
    // One scan of the small head table per query, not one per member.
    if (ids.length === 0 || hi < this.headMinT) return bySid;
    for (const [sid, t, v] of this.st.head.all(lo, hi, JSON.stringify(ids)) as unknown as Array<[number, number, number]>) {
      let list = bySid.get(sid);
      if (list === undefined) bySid.set(sid, (list = []));
      list.push([t, v]);
    }
    return bySid;
  }

  listSeries(filter: { cluster?: string; member?: string } = {}): SeriesInfo[] {
    this.open();
    const where: string[] = [];
    const args: string[] = [];
    if (filter.cluster !== undefined) {
      where.push('cluster = ?');
      args.push(filter.cluster);
    }
    if (filter.member !== undefined) {
      where.push('member = ?');
      args.push(filter.member);
    }
    const sql = `SELECT id, name, cluster, member, last_t FROM series ${where.length ? 'WHERE ' + where.join(' AND ') : ''}
                 ORDER BY cluster, name, member`;
    return this.db.prepare(sql).all(...args).map((r) => ({
      series: r.name as string,
      cluster: r.cluster as string,
      member: r.member as string,
      lastT: Math.max(r.last_t as number, this.lastT.get(r.id as number) ?? -Infinity),
    }));
  }

  appendEvent(e: StoredEvent): StoredEvent {
    this.open();
    checkEvent(e);
    const details = e.details === undefined ? null : JSON.stringify(e.details);
    const row = this.st.insEvent.get(Math.trunc(e.time), e.cluster, e.type, e.member ?? null, e.message, details) as { id: number };
    const out: StoredEvent = { id: row.id, time: Math.trunc(e.time), cluster: e.cluster, type: e.type, message: e.message };
    if (e.member !== undefined) out.member = e.member;
    if (e.details !== undefined) out.details = JSON.parse(details as string) as Record<string, unknown>;
    return out;
  }

  queryEvents(f: EventFilter = {}): StoredEvent[] {
    this.open();
    const limit = checkEventFilter(f);
    const where: string[] = [];
    const args: Array<string | number> = [];
    const add = (sql: string, arg: string | number) => {
      where.push(sql);
      args.push(arg);
    };
    if (f.cluster !== undefined) add('cluster = ?', f.cluster);
    if (f.member !== undefined) add('member = ?', f.member);
    if (f.type !== undefined) add('type IN (SELECT value FROM json_each(?))', JSON.stringify(f.type));
    if (f.since !== undefined) add('time >= ?', f.since);
    if (f.until !== undefined) add('time <= ?', f.until);
    const sql = `SELECT id, time, cluster, type, member, message, details FROM events
                 ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY time DESC, id DESC LIMIT ${limit}`;
    return this.db.prepare(sql).all(...args).map((r) => {
      const e: StoredEvent = {
        id: r.id as number,
        time: r.time as number,
        cluster: r.cluster as string,
        type: r.type as string,
        message: r.message as string,
      };
      if (r.member !== null) e.member = r.member as string;
      if (r.details !== null) e.details = JSON.parse(r.details as string) as Record<string, unknown>;
      return e;
    });
  }

  putDoc(kind: string, key: string, doc: unknown): void {
    this.open();
    checkDocKey(kind, key);
    let text: string | undefined;
    try {
      text = JSON.stringify(doc);
    } catch (err) {
      throw new AppError('MON_STORE_BAD_DOC', `doc: cannot be serialised as JSON: ${errorMessage(err)}`, { field: 'doc', cause: err });
    }
    if (text === undefined) throw new AppError('MON_STORE_BAD_DOC', 'doc: must be a JSON value, got undefined', { field: 'doc' });
    this.st.putDoc.run(kind, key, text, this.o.now());
  }

  getDoc(kind: string, key: string): unknown {
    this.open();
    checkDocKey(kind, key);
    const row = this.st.getDoc.get(kind, key) as { doc: string } | undefined;
    return row === undefined ? undefined : JSON.parse(row.doc);
  }

  listDocs(kind: string): Array<{ key: string; doc: unknown }> {
    this.open();
    checkDocKind(kind);
    return this.st.listDocs.all(kind).map((r) => ({ key: r.key as string, doc: JSON.parse(r.doc as string) }));
  }

  deleteDoc(kind: string, key: string): boolean {
    this.open();
    checkDocKey(kind, key);
    return Number(this.st.delDoc.run(kind, key).changes) > 0;
  }

  stats(): StoreStats {
    this.open();
    const count = (table: string) => (this.db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
    const headRows = count('samples_head');
    return {
      fileBytes: this.fileBytes(),
      rawRows: count('samples_raw') + headRows,
      headRows,
      m1Rows: count('samples_1m'),
      h1Rows: count('samples_1h'),
      series: count('series'),
      events: count('events'),
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

/** mergeByTime merges time-sorted stored rows with head rows (in append order); on equal times the head row wins. */
function mergeByTime(stored: Array<[number, number]>, recent: Array<[number, number]>): Array<[number, number]> {
  const last = stored.length > 0 ? stored[stored.length - 1][0] : -Infinity;
  // Sorted stable by time: duplicates keep append order, and the Map keeps the last of them.
  const sorted = recent.slice().sort((a, b) => a[0] - b[0]);
  if (sorted[0][0] > last && isStrictlyIncreasing(sorted)) return stored.concat(sorted);
  const byT = new Map<number, number>();
  for (const [t, v] of stored) byT.set(t, v);
  for (const [t, v] of sorted) byT.set(t, v);
  return [...byT.entries()].sort((a, b) => a[0] - b[0]);
}

function isStrictlyIncreasing(rows: Array<[number, number]>): boolean {
  for (let i = 1; i < rows.length; i++) if (rows[i][0] <= rows[i - 1][0]) return false;
  return true;
}
