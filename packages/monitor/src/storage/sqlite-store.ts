// The SQLite store: one file through node:sqlite, implementing SeriesStore, EventStore and DocStore by handing each
// call to the part that owns it. The parts share one StoreState (sqlite-state.ts):
//   sqlite-writer.ts      appended samples, buffered and written to the head
//   sqlite-compaction.ts  the head moved into samples_raw in (sid, t) order
//   sqlite-maintenance.ts rollups, retention and the time slices all background work runs in
//   sqlite-reader.ts      series reads; sqlite-events.ts events, alert history, audit log; sqlite-docs.ts documents
import { mkdirSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { AppError, errorMessage, isAppError } from '@etcd-monitor/core';
import { configure, migrate } from './schema.ts';
import { checkOptions, type Options, type SqliteStoreOptions } from './sqlite-options.ts';
import { checkOpen, loadState, moved, type StoreState } from './sqlite-state.ts';
import { SeriesWriter } from './sqlite-writer.ts';
import { Compaction } from './sqlite-compaction.ts';
import { Maintenance } from './sqlite-maintenance.ts';
import { SeriesReader } from './sqlite-reader.ts';
import { SqliteEvents } from './sqlite-events.ts';
import { SqliteDocs } from './sqlite-docs.ts';
import type { Alert, AlertHistoryQuery } from '../model/alerts.ts';
import type { AuditEntry, AuditFilter, EventFilter, Sample, SeriesInfo, SeriesQuery, SeriesResult, Store, StoreStats, StoredEvent } from './types.ts';

export { DEFAULT_RETENTION, type SqliteStoreOptions } from './sqlite-options.ts';

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
    return new SqliteStore(loadState(db, o));
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

/** SqliteStore is the Store over one SQLite file; see docs/storage.md for the layout and its reasons. */
class SqliteStore implements Store {
  private readonly s: StoreState;
  private readonly o: Options;
  private readonly timer: NodeJS.Timeout | undefined;
  private readonly writer: SeriesWriter;
  private readonly compaction: Compaction;
  private readonly maintenance: Maintenance;
  private readonly reader: SeriesReader;
  private readonly events: SqliteEvents;
  private readonly docs: SqliteDocs;

  constructor(s: StoreState) {
    this.s = s;
    const o = (this.o = s.o);
    const open = () => checkOpen(s);
    this.writer = new SeriesWriter(s);
    // Resumes a compaction cut short by a crash or close.
    this.compaction = new Compaction(s);
    this.maintenance = new Maintenance(s, this.compaction);
    this.reader = new SeriesReader(s.db, {
      open,
      now: o.now,
      retention: o.retention,
      meta: s.meta,
      headMinT: () => s.headMinT,
      moved: () => moved(s),
      lastT: s.lastT,
    });
    this.events = new SqliteEvents(s.db, open);
    this.docs = new SqliteDocs(s.db, open, o.now);
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
    checkOpen(this.s);
    if (this.writer.append(samples)) this.flush();
  }

  flush(): void {
    checkOpen(this.s);
    const start = this.o.clock();
    this.writer.writePending();
    this.compaction.startIfDue(this.o.now());
    // A flush whose batch used up the slice leaves the background work to the continuation.
    this.maintenance.pump(start, false);
  }

  maintain(now?: number): void {
    checkOpen(this.s);
    const start = this.o.clock();
    const t = now ?? this.o.now();
    this.writer.writePending();
    this.compaction.startIfDue(t);
    this.maintenance.startPass(t, start);
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
    checkOpen(this.s);
    const db = this.s.db;
    const count = (table: string) => (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
    const headRows = (db.prepare('SELECT count(*) AS n FROM samples_head WHERE NOT (rowid <= ? AND sid < ?)').get(...moved(this.s)) as { n: number }).n;
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
      pending: this.writer.pending,
      skipped: this.writer.skipped,
      late: this.compaction.late,
      dropped: this.writer.dropped,
    };
  }

  private fileBytes(): number {
    const db = this.s.db;
    if (this.o.path === ':memory:' || this.o.path.startsWith('file:')) {
      const pages = db.prepare('PRAGMA page_count').get() as { page_count: number };
      const size = db.prepare('PRAGMA page_size').get() as { page_size: number };
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
    if (this.s.closed) return;
    if (this.timer !== undefined) clearInterval(this.timer);
    this.maintenance.stop();
    try {
      this.writer.writePending();
    } finally {
      this.s.closed = true;
      this.s.db.close();
    }
  }
}
