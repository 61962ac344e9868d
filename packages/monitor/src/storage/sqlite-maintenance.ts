// The SQLite store's maintenance: the rollups (raw → 1 m → 1 h) and the retention deletes of a maintain() pass, and
// the scheduling of all background work, compaction included, in time slices (docs/storage.md, Pauses).
import type { StatementSync } from 'node:sqlite';
import { DAY, HOUR, MINUTE } from './resolution.ts';
import { Pace, maxSid, seriesKey, setMeta, tx, writeLastT, type Meta, type StoreState } from './sqlite-state.ts';
import type { Compaction } from './sqlite-compaction.ts';

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

/** Maintenance runs the rollups and retention of maintain() passes, and paces every background step into slices. */
export class Maintenance {
  private readonly s: StoreState;
  private readonly compaction: Compaction;
  private readonly st: Record<SidJob['kind'] | 'delEvents' | 'delSeries', StatementSync>;
  private job: SidJob | undefined;
  private pass: Pass | undefined;
  private later: NodeJS.Timeout | undefined;
  // Per series and minute covered; starting values are ~2x the cost measured at one sample per second.
  private readonly pace = {
    roll1m: new Pace(0.05),
    roll1h: new Pace(0.002),
    delRaw: new Pace(0.05),
    del1m: new Pace(0.002),
    del1h: new Pace(0.0002),
  };

  constructor(s: StoreState, compaction: Compaction) {
    this.s = s;
    this.compaction = compaction;
    const p = (sql: string) => s.db.prepare(sql);
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
    this.st = {
      roll1m: p(roll1m),
      roll1h: p(roll1h),
      delRaw: p('DELETE FROM samples_raw WHERE sid IN (SELECT id FROM series WHERE id >= ?2 AND id < ?3) AND t < ?1'),
      del1m: p('DELETE FROM samples_1m WHERE sid IN (SELECT id FROM series WHERE id >= ?2 AND id < ?3) AND t < ?1'),
      del1h: p('DELETE FROM samples_1h WHERE sid IN (SELECT id FROM series WHERE id >= ?2 AND id < ?3) AND t < ?1'),
      delEvents: p('DELETE FROM events WHERE time < ?'),
      delSeries: p('DELETE FROM series WHERE last_t < ? RETURNING id, cluster, name, member'),
    };
  }

  /** startPass begins a maintenance pass at time t and works on it until the slice that began at start is used up. */
  startPass(t: number, start: number): void {
    // A new pass starts over from the first phase; a job in flight finishes first (it is valid on its own).
    this.pass = { t, phase: 0 };
    this.pump(start);
  }

  /** stop cancels the continuation timer; close() calls it. */
  stop(): void {
    if (this.later !== undefined) clearTimeout(this.later);
    this.later = undefined;
  }

  /**
   * pump does background work until the slice that began at start is used up, then schedules the rest. With force it
   * does at least one step, so callers that never yield to the event loop (maintain() in a loop) still make progress.
   */
  pump(start: number, force = true): void {
    const o = this.s.o;
    for (let first = force; ; first = false) {
      const left = o.sliceMs - (o.clock() - start);
      if (!first && left <= 0) break;
      if (!this.step(left)) return;
    }
    if (this.later === undefined && !this.s.closed) {
      this.later = setTimeout(() => {
        this.later = undefined;
        if (this.s.closed) return;
        try {
          this.pump(o.clock());
        } catch (err) {
          o.onError(err);
        }
      }, CONTINUE_GAP_MS);
      this.later.unref();
    }
  }

  /** step does one bounded piece of background work and tells whether there was any. */
  private step(leftMs: number): boolean {
    if (this.compaction.inFlight) {
      const movedMinT = this.compaction.step(leftMs);
      if (movedMinT !== undefined) this.restartStaleRollups(movedMinT);
    } else if (this.job !== undefined) this.jobStep(this.job, leftMs);
    else if (this.pass !== undefined) this.passStep(this.pass);
    else return false;
    return true;
  }

  /** restartStaleRollups starts the rollups over when a rollup in flight covers t, since the series it did are stale. */
  private restartStaleRollups(t: number): void {
    if (this.job === undefined || !this.job.kind.startsWith('roll') || t >= this.job.end) return;
    this.job = undefined;
    if (this.pass !== undefined) {
      this.pass.phase = 0;
      this.pass.target = undefined;
    }
  }

  /** passStep starts the next job of the maintenance pass, or moves to its next phase. */
  private passStep(p: Pass): void {
    const s = this.s;
    const t = p.t;
    const r = s.o.retention;
    const phase = PHASES[p.phase];
    const next = () => {
      p.phase++;
      p.target = undefined;
      if (p.phase >= PHASES.length) this.pass = undefined;
    };
    if (phase === 'roll1m') {
      // 1 m rollups from raw, for every whole minute older than the grace period and already out of the head.
      const wm = s.meta.get('wm_1m');
      if (p.target === undefined) {
        const target = Math.floor(Math.min(t - ROLLUP_GRACE_MS, s.headMinT) / MINUTE) * MINUTE;
        if (wm === undefined || target - wm < ROLLUP_MIN_LAG_MS) return next();
        p.target = target;
      }
      if (wm === undefined || wm >= p.target) return next();
      this.job = this.newJob('roll1m', wm, p.target, ROLLUP_CHUNK.m1, MINUTE);
    } else if (phase === 'roll1h') {
      // 1 h rollups from 1 m rows (60x fewer rows to read than raw), for every hour whose minutes are all rolled up.
      const wm = s.meta.get('wm_1h');
      const wm1m = s.meta.get('wm_1m');
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
          ? Math.min(hourFloor(t - r.raw), s.meta.get('wm_1m') ?? -Infinity)
          : phase === 'm1'
            ? Math.min(hourFloor(t - r.m1), s.meta.get('wm_1h') ?? -Infinity)
            : t - r.h1;
      const floor = s.meta.get(key);
      next();
      if (!Number.isFinite(cut) || (floor !== undefined && cut - floor < RETENTION_STEP[phase])) return;
      // The floor moves first, in its own transaction: from then on compaction drops samples below it, so none can
      // land in the range being deleted. A crash mid-job leaves rows below the floor that the next cut deletes.
      tx(s, () => setMeta(s, key, cut));
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
            s.ids.delete(seriesKey(g.cluster as string, g.name as string, g.member as string));
            s.lastT.delete(g.id as number);
          }
        },
        // A long-silent series that just came back may have its new last_t only in memory yet.
        () => writeLastT(s, s.lastTDirty),
      );
    }
  }

  /**
   * newJob starts a job over every series from `from` to at most `target`. A rollup job covers at least `span`, more
   * when the learnt pace says a whole slice covers more (sparse data, a long gap), aligned to `align`.
   */
  private newJob(kind: SidJob['kind'], from: number, target: number, span = Infinity, align = MINUTE): SidJob {
    const max = maxSid(this.s);
    let end = target;
    if (Number.isFinite(span)) {
      const minutes = this.pace[kind].units(this.s.o.sliceMs, 1, Number.MAX_SAFE_INTEGER) / Math.max(1, max);
      end = Math.min(target, from + Math.max(span, Math.floor((minutes * MINUTE) / align) * align));
    }
    return { kind, from, end, next: 0, maxSid: max };
  }

  /** jobStep rolls up or deletes for the next range of series ids, sized to leftMs; the last range sets the watermark. */
  private jobStep(j: SidJob, leftMs: number): void {
    const s = this.s;
    const pace = this.pace[j.kind];
    // Cost grows with the series and the minutes covered; a unit is one series for one minute.
    const minutes = Math.max(1, (j.end - j.from) / MINUTE);
    const sids = Math.max(1, Math.floor(pace.units(leftMs, 1, Number.MAX_SAFE_INTEGER) / minutes));
    const hi = Math.min(j.next + sids, j.maxSid + 1);
    const last = hi > j.maxSid;
    const t0 = s.o.clock();
    tx(s, () => {
      if (j.kind === 'roll1m' || j.kind === 'roll1h') {
        this.st[j.kind].run(j.from, j.end, j.next, hi);
        if (last) setMeta(s, j.kind === 'roll1m' ? 'wm_1m' : 'wm_1h', j.end);
      } else {
        this.st[j.kind].run(j.end, j.next, hi);
      }
    });
    pace.note((hi - j.next) * minutes, s.o.clock() - t0);
    j.next = hi;
    if (last) this.job = undefined;
  }

  private applyRetention(key: Meta, del: StatementSync, cut: number, step: number, onDeleted?: (rows: Array<Record<string, unknown>>) => void, before?: () => void): void {
    if (!Number.isFinite(cut)) return;
    const floor = this.s.meta.get(key);
    if (floor !== undefined && cut - floor < step) return;
    tx(this.s, () => {
      before?.();
      if (onDeleted) onDeleted(del.all(cut));
      else del.run(cut);
      setMeta(this.s, key, cut);
    });
  }
}
