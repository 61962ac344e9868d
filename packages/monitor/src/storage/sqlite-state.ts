// What the SQLite store's writer, compaction, maintenance and reader share: in-memory mirrors of the meta table and
// the series index, and the head's size and oldest time. One plain object, loaded from the file on open and passed
// to each part, so every piece of shared mutable state is named here and nowhere else.
import type { DatabaseSync, StatementSync } from 'node:sqlite';
import { AppError, errorMessage, isAppError } from '@etcd-monitor/core';
import type { Options } from './sqlite-options.ts';

// head_upto and head_sid mark the head rows a compaction in flight has already copied into samples_raw: those with
// rowid <= head_upto and sid < head_sid. Readers skip them; the compaction deletes them (by rowid range) when done.
/** Meta is a key of the meta table: rollup watermarks, applied retention floors and the compaction's head marker. */
export type Meta = 'wm_1m' | 'wm_1h' | 'floor_raw' | 'floor_1m' | 'floor_1h' | 'floor_events' | 'floor_series' | 'head_upto' | 'head_sid';

/** StoreState is the state the parts of the SQLite store share; each field says who writes it. */
export interface StoreState {
  readonly db: DatabaseSync;
  readonly o: Options;
  /** closed is set by close(); every public call checks it through checkOpen. */
  closed: boolean;
  /** meta mirrors the meta table; written only through setMeta, inside tx. */
  readonly meta: Map<Meta, number>;
  /** ids maps seriesKey() to the series id: the writer adds, the series retention removes. */
  readonly ids: Map<string, number>;
  /**
   * lastT is the newest sample time per series id. Updating series.last_t on every flush rewrote the whole series
   * table each second (~100 bytes written per sample at 5000 series), so it is written at compaction (and before the
   * series retention) and rebuilt from the head on open.
   */
  readonly lastT: Map<number, number>;
  /** lastTDirty holds the series ids whose lastT is not in series.last_t yet. */
  readonly lastTDirty: Set<number>;
  /** headRows counts head rows not yet moved to samples_raw: the writer adds, the compaction subtracts. */
  headRows: number;
  /** headMinT is the oldest sample time in the head (Infinity when empty): the writer lowers it, the compaction resets it. */
  headMinT: number;
  /** appendedMinT is the oldest sample time written since the last compaction started: the head's oldest once it ends. */
  appendedMinT: number;
  readonly st: Record<'setMeta' | 'maxSid' | 'updLast', StatementSync>;
}

/** loadState reads the store's in-memory state from an open, migrated database. */
export function loadState(db: DatabaseSync, o: Options): StoreState {
  const s: StoreState = {
    db,
    o,
    closed: false,
    meta: new Map(),
    ids: new Map(),
    lastT: new Map(),
    lastTDirty: new Set(),
    headRows: 0,
    headMinT: Infinity,
    appendedMinT: Infinity,
    st: {
      setMeta: db.prepare('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)'),
      maxSid: db.prepare('SELECT max(id) AS id FROM series'),
      updLast: db.prepare('UPDATE series SET last_t = ?1 WHERE id = ?2 AND last_t < ?1'),
    },
  };
  for (const r of db.prepare('SELECT id, cluster, name, member, last_t FROM series').all()) {
    s.ids.set(seriesKey(r.cluster as string, r.name as string, r.member as string), r.id as number);
    s.lastT.set(r.id as number, r.last_t as number);
  }
  for (const r of db.prepare('SELECT sid, max(t) AS t FROM samples_head GROUP BY sid').all()) noteLastT(s, r.sid as number, r.t as number);
  for (const r of db.prepare('SELECT key, value FROM meta').all()) s.meta.set(r.key as Meta, r.value as number);
  const head = db.prepare('SELECT count(*) AS n, min(t) AS t FROM samples_head WHERE NOT (rowid <= ? AND sid < ?)').get(...moved(s)) as {
    n: number;
    t: number | null;
  };
  s.headRows = head.n;
  s.headMinT = head.t ?? Infinity;
  return s;
}

const KEY_SEP = '\u0000';

/** seriesKey is the ids map's key of a series. */
export function seriesKey(cluster: string, name: string, member: string): string {
  return cluster + KEY_SEP + name + KEY_SEP + member;
}

/** noteLastT records t as the series' newest time if it is newer. */
export function noteLastT(s: StoreState, sid: number, t: number): void {
  if (t > (s.lastT.get(sid) ?? -Infinity)) {
    s.lastT.set(sid, t);
    s.lastTDirty.add(sid);
  }
}

/** writeLastT writes the newest time of each of the series to series.last_t (inside a transaction). */
export function writeLastT(s: StoreState, sids: Iterable<number>): void {
  for (const sid of sids) s.st.updLast.run(s.lastT.get(sid) ?? 0, sid);
}

/** moved returns the head_upto and head_sid marker: head rows with rowid <= upTo and sid < sid are in samples_raw. */
export function moved(s: StoreState): [number, number] {
  return [s.meta.get('head_upto') ?? 0, s.meta.get('head_sid') ?? 0];
}

/** maxSid returns the largest series id, 0 when there is none. */
export function maxSid(s: StoreState): number {
  return (s.st.maxSid.get() as { id: number | null }).id ?? 0;
}

/** checkOpen throws MON_STORE_CLOSED once the store is closed. */
export function checkOpen(s: StoreState): void {
  if (s.closed) throw new AppError('MON_STORE_CLOSED', 'the store is closed', { hint: 'open it again with openSqliteStore()' });
}

/** setMeta writes a meta value and its in-memory mirror; call it inside tx so a rollback restores both. */
export function setMeta(s: StoreState, key: Meta, value: number): void {
  s.st.setMeta.run(key, value);
  s.meta.set(key, value);
}

/** tx runs fn in one write transaction; on failure it rolls back, restores the meta mirror and throws MON_STORE_WRITE_FAILED. */
export function tx(s: StoreState, fn: () => void): void {
  const saved = new Map(s.meta);
  s.db.exec('BEGIN IMMEDIATE');
  try {
    fn();
    s.db.exec('COMMIT');
  } catch (err) {
    if (s.db.isTransaction) s.db.exec('ROLLBACK');
    // The in-memory mirror of meta must match what the rollback left on disk.
    s.meta.clear();
    for (const [k, v] of saved) s.meta.set(k, v);
    if (isAppError(err)) throw err;
    throw new AppError('MON_STORE_WRITE_FAILED', `store maintenance failed: ${errorMessage(err)}`, {
      hint: 'check free disk space and permissions of the store file',
      cause: err,
    });
  }
}

/**
 * Pace learns how long one unit of a kind of work takes, so the next step can be sized to the time left. It is
 * pessimistic: a slower step raises the estimate at once, faster ones lower it gradually, and a step is sized to half
 * the time left, since one too large step is the pause this exists to prevent.
 */
export class Pace {
  private msPerUnit: number;

  constructor(msPerUnit: number) {
    this.msPerUnit = msPerUnit;
  }

  /** units returns how many units fit in half of leftMs, clamped to [min, max]. */
  units(leftMs: number, min: number, max: number): number {
    return Math.max(min, Math.min(max, Math.floor(leftMs / 2 / this.msPerUnit)));
  }

  /** note learns from a step that did `units` units in `ms`. */
  note(units: number, ms: number): void {
    if (units <= 0 || !(ms >= 0)) return;
    const x = ms / units;
    // A floor keeps a clock that does not move (tests) from sizing steps to infinity.
    this.msPerUnit = Math.max(1e-5, x > this.msPerUnit ? x : 0.8 * this.msPerUnit + 0.2 * x);
  }
}
