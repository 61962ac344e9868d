// The SQLite store's compaction: every few minutes the head (samples_head, append order) moves into samples_raw
// ((sid, t) order), in steps small enough to run between event-loop turns (docs/storage.md, Pauses).
import type { StatementSync } from 'node:sqlite';
import { HOUR, MINUTE } from './resolution.ts';
import { Pace, maxSid, moved, setMeta, tx, writeLastT, type StoreState } from './sqlite-state.ts';

// Chunk bounds: a step handles at least min units (progress even when the slice is used up) and at most max.
const STEP_ROWS = { min: 64, max: 200_000 } as const;

/** Move is an in-progress move of the head rows with rowid <= upTo into samples_raw (docs/storage.md, Pauses). */
interface Move {
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
}

/**
 * Compaction moves the head into samples_raw. Each compaction rewrites about one page per series, so the bytes
 * written per sample fall with the number of samples per series it moves (measured at 5000 series: ~300 B/sample at
 * 1 min, ~120 B/sample at 5 min).
 */
export class Compaction {
  private readonly s: StoreState;
  private readonly st: Record<'headBounds' | 'stage' | 'stageKey' | 'stageSum' | 'moveStaged' | 'delStaged' | 'delHead', StatementSync>;
  private readonly pace = { stage: new Pace(0.002), move: new Pace(0.004), delHead: new Pace(0.0005) };
  private move: Move | undefined;
  private lastStart: number;
  /** late counts samples that arrived below the applied raw retention floor and were dropped when moved. */
  late = 0;

  constructor(s: StoreState) {
    this.s = s;
    const db = s.db;
    // The sorted copy of the head rows being compacted: a connection-private, in-memory table (temp_store = MEMORY).
    // Losing it in a crash loses nothing: a head row is only marked as moved (head_upto/head_sid) in the transaction that
    // writes it to samples_raw, and only deleted after that.
    // auto_vacuum on the in-memory temp database hands the pages of staged rows back to the allocator as each compaction
    // step deletes them, for the rest of the process to reuse; without it they stay on the temp database's freelist.
    db.exec('PRAGMA temp.auto_vacuum = FULL');
    db.exec(`CREATE TEMP TABLE IF NOT EXISTS stage (
      sid INTEGER NOT NULL, t INTEGER NOT NULL, hr INTEGER NOT NULL, v REAL NOT NULL, PRIMARY KEY (sid, t, hr)) WITHOUT ROWID`);
    const p = (sql: string) => db.prepare(sql);
    // A move step moves the staged rows of sids up to ?1; ?2 is the applied raw floor.
    this.st = {
      headBounds: p('SELECT min(rowid) AS lo, max(rowid) AS hi FROM samples_head'),
      stage: p('INSERT INTO temp.stage (sid, t, hr, v) SELECT sid, t, rowid, v FROM samples_head WHERE rowid > ?1 AND rowid <= ?2 AND sid >= ?3 AND sid < ?4'),
      stageKey: p('SELECT sid FROM temp.stage ORDER BY sid, t, hr LIMIT 1 OFFSET ?'),
      stageSum: p('SELECT count(*) AS n, sum(t < ?2) AS late, min(CASE WHEN t >= ?2 THEN t END) AS minT FROM temp.stage WHERE sid <= ?1'),
      // hr (the head rowid) breaks ties so the sample appended last wins when the same (series, t) arrives twice.
      moveStaged: p('INSERT OR REPLACE INTO samples_raw (sid, t, v) SELECT sid, t, v FROM temp.stage WHERE sid <= ?1 AND t >= ?2 ORDER BY sid, t, hr'),
      delStaged: p('DELETE FROM temp.stage WHERE sid <= ?1'),
      delHead: p('DELETE FROM samples_head WHERE rowid > ? AND rowid <= ?'),
    };
    this.lastStart = s.o.now();
    const [upTo, fromSid] = moved(s);
    if (upTo > 0) {
      // A compaction was cut short (crash or close): finish it, staging only what it had not moved yet.
      const after = db.prepare('SELECT min(t) AS t FROM samples_head WHERE rowid > ?').get(upTo) as { t: number | null };
      const lo = (this.st.headBounds.get() as { lo: number | null }).lo ?? 1;
      this.move = { upTo, staged: lo - 1, ...this.rounds(fromSid, s.headRows), deleted: undefined, dirty: [...s.lastTDirty] };
      s.appendedMinT = after.t ?? Infinity;
      s.lastTDirty.clear();
    }
  }

  /** inFlight tells whether a compaction has steps left. */
  get inFlight(): boolean {
    return this.move !== undefined;
  }

  /** startIfDue starts a compaction when none is in flight and the head is big or old enough. */
  startIfDue(now: number): void {
    if (this.move !== undefined) return;
    if (this.s.headRows >= this.s.o.maxHeadRows || now - this.lastStart >= this.s.o.compactIntervalMs) this.start(now);
  }

  /**
   * start begins moving the head rows present now into samples_raw. The work is done in steps: write last_t of the
   * series seen since the last compaction, copy the head rows into temp.stage (sorted by sid, t, rowid) a rowid range
   * at a time, then move the first rows of the stage per transaction: insert them into samples_raw, delete them from
   * the head, lower the rollup watermarks below them. A sample is in exactly one of samples_head and samples_raw after
   * every commit.
   */
  private start(now: number): void {
    const s = this.s;
    this.lastStart = now;
    if (s.headRows === 0 && s.lastTDirty.size === 0) return;
    const b = this.st.headBounds.get() as { lo: number | null; hi: number | null };
    this.move = { upTo: b.hi ?? 0, staged: (b.lo ?? 1) - 1, ...this.rounds(0, s.headRows), deleted: undefined, dirty: [...s.lastTDirty] };
    s.appendedMinT = Infinity;
    s.lastTDirty.clear();
  }

  /**
   * step does one step of the compaction in flight, sized to leftMs. It returns the oldest sample time it moved into
   * samples_raw (rollups already done over that time are stale), or undefined.
   */
  step(leftMs: number): number | undefined {
    const c = this.move;
    if (c === undefined) return undefined;
    if (c.dirty.length > 0) {
      // A series' newest time must be in series.last_t before its head rows leave: open() rebuilds lastT from both.
      const some = c.dirty.splice(0, 5000);
      try {
        tx(this.s, () => writeLastT(this.s, some));
      } catch (err) {
        c.dirty.push(...some);
        throw err;
      }
      return undefined;
    }
    if (c.staged < c.upTo) {
      const rows = this.pace.stage.units(leftMs, STEP_ROWS.min * 16, STEP_ROWS.max);
      const hi = Math.min(c.upTo, c.staged + rows);
      const t0 = this.s.o.clock();
      this.st.stage.run(c.staged, hi, c.fromSid, c.toSid === Infinity ? Number.MAX_SAFE_INTEGER : c.toSid);
      this.pace.stage.note(hi - c.staged, this.s.o.clock() - t0);
      c.staged = hi;
      return undefined;
    }
    if (c.deleted === undefined) return this.moveStep(c, leftMs);
    this.deleteStep(c, leftMs);
    return undefined;
  }

  /**
   * moveStep moves the staged rows of the next range of sids into samples_raw, and marks them in the head as moved
   * (head_upto, head_sid) in the same transaction; the head rows themselves are deleted later, in rowid order, which
   * frees whole pages instead of rewriting every head page once per step.
   */
  private moveStep(c: Move, leftMs: number): number | undefined {
    const s = this.s;
    const rows = this.pace.move.units(leftMs, STEP_ROWS.min, STEP_ROWS.max);
    const t0 = s.o.clock();
    const key = this.st.stageKey.get(rows - 1) as { sid: number } | undefined;
    // Whole sids per step: the marker says "every row of these sids up to upTo is in samples_raw".
    const roundDone = key === undefined;
    const last = roundDone && c.toSid === Infinity;
    const sid = last ? Number.MAX_SAFE_INTEGER : roundDone ? c.toSid - 1 : key.sid;
    const floor = s.meta.get('floor_raw') ?? Number.MIN_SAFE_INTEGER;
    let done: { n: number; late: number | null; minT: number | null } = { n: 0, late: 0, minT: null };
    tx(s, () => {
      // Samples older than applied raw retention would turn a complete rollup bucket into a partial one if re-rolled.
      done = this.st.stageSum.get(sid, floor) as typeof done;
      this.st.moveStaged.run(sid, floor);
      this.st.delStaged.run(sid);
      if (s.meta.get('head_upto') !== c.upTo) setMeta(s, 'head_upto', c.upTo);
      setMeta(s, 'head_sid', last ? Number.MAX_SAFE_INTEGER : sid + 1);
      if (done.minT === null) return;
      const m = Math.floor(done.minT / MINUTE) * MINUTE;
      const h = Math.floor(done.minT / HOUR) * HOUR;
      const wm1m = s.meta.get('wm_1m');
      const wm1h = s.meta.get('wm_1h');
      if (wm1m === undefined || m < wm1m) setMeta(s, 'wm_1m', m);
      if (wm1h === undefined || h < wm1h) setMeta(s, 'wm_1h', h);
    });
    this.pace.move.note(done.n, s.o.clock() - t0);
    this.late += done.late ?? 0;
    s.headRows = Math.max(0, s.headRows - done.n);
    if (roundDone && !last) {
      // The next round stages the next range of sids, scanning the head from its start again.
      c.fromSid = c.toSid;
      c.toSid = c.fromSid + c.span > c.maxSid ? Infinity : c.fromSid + c.span;
      c.staged = ((this.st.headBounds.get() as { lo: number | null }).lo ?? 1) - 1;
    } else if (last) {
      // Everything up to upTo is in samples_raw; what is left in the head arrived after the compaction started.
      s.headMinT = s.appendedMinT;
      c.deleted = (this.st.headBounds.get() as { lo: number | null }).lo ?? c.upTo;
      c.deleted = Math.min(c.deleted - 1, c.upTo);
    }
    return done.minT ?? undefined;
  }

  /** deleteStep deletes the next rowid range of moved head rows; the last one clears the marker in the same transaction. */
  private deleteStep(c: Move, leftMs: number): void {
    const s = this.s;
    const from = c.deleted ?? c.upTo;
    const rows = this.pace.delHead.units(leftMs, STEP_ROWS.min * 16, STEP_ROWS.max * 5);
    const to = Math.min(c.upTo, from + rows);
    const t0 = s.o.clock();
    tx(s, () => {
      this.st.delHead.run(from, to);
      if (to >= c.upTo) {
        setMeta(s, 'head_upto', 0);
        setMeta(s, 'head_sid', 0);
      }
    });
    this.pace.delHead.note(to - from, s.o.clock() - t0);
    c.deleted = to;
    if (to >= c.upTo) this.move = undefined;
  }

  /** rounds splits the sids from `fromSid` on into ranges of about stageRoundRows head rows each. */
  private rounds(fromSid: number, rows: number): Pick<Move, 'fromSid' | 'toSid' | 'span' | 'maxSid'> {
    const max = maxSid(this.s);
    const n = Math.max(1, Math.ceil(rows / this.s.o.stageRoundRows));
    const span = Math.max(1, Math.ceil((max + 1 - fromSid) / n));
    return { fromSid, toSid: fromSid + span > max ? Infinity : fromSid + span, span, maxSid: max };
  }
}
