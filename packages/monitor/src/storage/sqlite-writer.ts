// The SQLite store's series writer: samples are buffered column-wise and written in one transaction per batch into
// samples_head, an append-only rowid table (schema.ts says why), creating series rows as new keys arrive.
import type { StatementSync } from 'node:sqlite';
import { AppError, errorMessage } from '@etcd-monitor/core';
import { checkSampleShape } from './validate.ts';
import { noteLastT, seriesKey, type StoreState } from './sqlite-state.ts';
import type { Sample } from './types.ts';

/** SeriesWriter buffers appended samples and writes them to the head. */
export class SeriesWriter {
  private readonly s: StoreState;
  private readonly st: Record<'insSeries' | 'insHead', StatementSync>;
  private pendSeries: string[] = [];
  private pendCluster: string[] = [];
  private pendMember: string[] = [];
  private pendT: number[] = [];
  private pendV: number[] = [];
  /** skipped counts samples dropped for a non-finite value. */
  skipped = 0;
  /** dropped counts samples lost to a failed write. */
  dropped = 0;

  constructor(s: StoreState) {
    this.s = s;
    this.st = {
      insSeries: s.db.prepare('INSERT INTO series (cluster, name, member, last_t) VALUES (?, ?, ?, ?) RETURNING id'),
      insHead: s.db.prepare('INSERT INTO samples_head (t, sid, v) VALUES (?, ?, ?)'),
    };
  }

  /** pending is the number of buffered samples. */
  get pending(): number {
    return this.pendT.length;
  }

  /** append validates samples and buffers them; it tells whether a batch is full and should be written now. */
  append(samples: Sample[]): boolean {
    if (!Array.isArray(samples)) {
      throw new AppError('MON_STORE_BAD_SAMPLE', 'samples: must be an array', { field: 'samples' });
    }
    // Validate everything first so a bad sample rejects the whole call and nothing of it is half-buffered.
    for (let i = 0; i < samples.length; i++) checkSampleShape(samples[i], i);
    for (const x of samples) {
      if (!Number.isFinite(x.v)) {
        this.skipped++;
        continue;
      }
      this.pendSeries.push(x.series);
      this.pendCluster.push(x.cluster);
      this.pendMember.push(x.member);
      this.pendT.push(Math.trunc(x.t));
      this.pendV.push(x.v);
    }
    return this.pendT.length >= this.s.o.batchSize;
  }

  /** writePending writes the buffered samples to the head in one transaction, if there are any. */
  writePending(): void {
    const n = this.pendT.length;
    if (n === 0) return;
    const { pendSeries, pendCluster, pendMember, pendT, pendV } = this;
    const s = this.s;
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
      s.db.exec('BEGIN IMMEDIATE');
      for (let i = 0; i < n; i++) {
        const key = seriesKey(pendCluster[i], pendSeries[i], pendMember[i]);
        let sid = s.ids.get(key);
        const t = pendT[i];
        if (sid === undefined) {
          sid = (this.st.insSeries.get(pendCluster[i], pendSeries[i], pendMember[i], t) as { id: number }).id;
          s.ids.set(key, sid);
          created.push(key);
        }
        this.st.insHead.run(t, sid, pendV[i]);
        if (t > (maxT.get(sid) ?? -Infinity)) maxT.set(sid, t);
        if (t < minT) minT = t;
      }
      s.db.exec('COMMIT');
    } catch (err) {
      if (s.db.isTransaction) s.db.exec('ROLLBACK');
      for (const key of created) s.ids.delete(key);
      this.dropped += n;
      throw new AppError('MON_STORE_WRITE_FAILED', `cannot write ${n} samples: ${errorMessage(err)}`, {
        hint: 'check free disk space and permissions of the store file',
        cause: err,
      });
    }
    s.headRows += n;
    if (minT < s.headMinT) s.headMinT = minT;
    if (minT < s.appendedMinT) s.appendedMinT = minT;
    for (const [sid, t] of maxT) noteLastT(s, sid, t);
  }
}
