// The reading half of the SQLite series store: a query picks its resolution, reads the rollup tables below their
// watermarks and the finer tiers (down to the head not yet compacted) above them, and downsamples to the step.
import type { DatabaseSync, StatementSync } from 'node:sqlite';
import { HOUR, MINUTE, bucketFor, downsample, pickResolution, type AggRow } from './resolution.ts';
import { checkQuery } from './validate.ts';
import type { Point, Resolution, Retention, SeriesInfo, SeriesQuery, SeriesResult } from './types.ts';

/** ReaderState is what the reader needs of the writer's state: watermarks, the head's bounds, the newest times. */
export interface ReaderState {
  /** open throws once the store is closed. */
  open(): void;
  /** now is the store's clock. */
  now(): number;
  /** retention is how long each tier is kept. */
  retention: Required<Retention>;
  /** meta holds the rollup watermarks (`wm_1m`, `wm_1h`). */
  meta: ReadonlyMap<string, number>;
  /** headMinT is the oldest sample time in the head, Infinity when it is empty. */
  headMinT(): number;
  /** moved is the mark of head rows a compaction in flight has copied already: [rowid up to, below sid]. */
  moved(): [number, number];
  /** lastT holds the newest sample time per series id not yet written to the series table. */
  lastT: ReadonlyMap<number, number>;
}

/** SeriesReader answers SeriesStore's reads (query, listSeries) from the store's tables. */
export class SeriesReader {
  private readonly db: DatabaseSync;
  private readonly s: ReaderState;
  private readonly st: Record<'raw' | 'head' | 'sel1m' | 'sel1h' | 'seriesOf' | 'seriesOfMember', StatementSync>;

  constructor(db: DatabaseSync, s: ReaderState) {
    this.db = db;
    this.s = s;
    const p = (sql: string) => db.prepare(sql);
    this.st = {
      raw: p('SELECT t, v FROM samples_raw WHERE sid = ? AND t >= ? AND t <= ? ORDER BY t'),
      head: p(`SELECT sid, t, v FROM samples_head
               WHERE t >= ?1 AND t <= ?2 AND sid IN (SELECT value FROM json_each(?3)) AND NOT (rowid <= ?4 AND sid < ?5) ORDER BY rowid`),
      sel1m: p('SELECT t, vmin, vmax, vsum, n, vlast FROM samples_1m WHERE sid = ? AND t >= ? AND t <= ? ORDER BY t'),
      sel1h: p('SELECT t, vmin, vmax, vsum, n, vlast FROM samples_1h WHERE sid = ? AND t >= ? AND t <= ? ORDER BY t'),
      seriesOf: p('SELECT id, member FROM series WHERE cluster = ? AND name = ? ORDER BY member'),
      seriesOfMember: p('SELECT id, member FROM series WHERE cluster = ? AND name = ? AND member = ?'),
    };
    for (const x of [this.st.raw, this.st.head, this.st.sel1m, this.st.sel1h]) x.setReturnArrays(true);
  }

  query(q: SeriesQuery): SeriesResult {
    this.s.open();
    const { agg, ...c } = checkQuery(q);
    const resolution = pickResolution(c, this.s.now(), this.s.retention);
    const bucket = bucketFor(resolution, c.step);
    // Bucketed answers cover every bucket that overlaps [from, to] whole, so a point means the same from any tier.
    const lo = bucket > 0 ? Math.floor(c.from / bucket) * bucket : c.from;
    const hi = bucket > 0 ? Math.floor(c.to / bucket) * bucket + bucket - 1 : c.to;
    const rows = (c.member === undefined ? this.st.seriesOf.all(c.cluster, c.series) : this.st.seriesOfMember.all(c.cluster, c.series, c.member)) as Array<{
      id: number;
      member: string;
    }>;
    const head = this.headRowsFor(
      rows.map((r) => r.id),
      lo,
      hi,
    );
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
    const stored = this.s.meta.get(res === '1m' ? 'wm_1m' : 'wm_1h');
    const finer: Resolution = res === '1m' ? 'raw' : '1m';
    if (stored === undefined) return this.aggRows(finer, sid, lo, hi, head);
    // Late samples still in the head belong to buckets already rolled up; until compaction lowers the watermark
    // those buckets are read from the finer tier, which sees the head.
    const wm = Math.min(stored, Math.floor(this.s.headMinT() / width) * width);
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
    if (ids.length === 0 || hi < this.s.headMinT()) return bySid;
    for (const [sid, t, v] of this.st.head.all(lo, hi, JSON.stringify(ids), ...this.s.moved()) as unknown as Array<[number, number, number]>) {
      let list = bySid.get(sid);
      if (list === undefined) bySid.set(sid, (list = []));
      list.push([t, v]);
    }
    return bySid;
  }

  listSeries(filter: { cluster?: string; member?: string } = {}): SeriesInfo[] {
    this.s.open();
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
    return this.db
      .prepare(sql)
      .all(...args)
      .map((r) => ({
        series: r.name as string,
        cluster: r.cluster as string,
        member: r.member as string,
        lastT: Math.max(r.last_t as number, this.s.lastT.get(r.id as number) ?? -Infinity),
      }));
  }
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
