import type { Sample, SeriesInfo, SeriesQuery, SeriesResult } from '../model/series.ts';
import type { StoredEvent } from '../model/events.ts';
import type { Alert, AlertHistoryQuery } from '../model/alerts.ts';

export type { Agg, Point, Resolution, Sample, SeriesInfo, SeriesQuery, SeriesResult } from '../model/series.ts';
export type { StoredEvent } from '../model/events.ts';

/** EventFilter selects events; every field is optional and fields combine with AND. */
export interface EventFilter {
  /** cluster keeps events of this cluster. */
  cluster?: string;
  /** type keeps events whose type is one of these. */
  type?: string[];
  /** member keeps events about this member. */
  member?: string;
  /** since keeps events at or after this time (ms). */
  since?: number;
  /** until keeps events at or before this time (ms). */
  until?: number;
  /** limit caps the answer, newest first; default 1000, at most 10000. */
  limit?: number;
}

/** StoreStats reports the size and contents of a store; the row counts scan the tables, so call it rarely. */
export interface StoreStats {
  /** fileBytes is the size of the database file plus its WAL. */
  fileBytes: number;
  /** rawRows counts raw samples, in the head and the raw table. */
  rawRows: number;
  /** headRows counts raw samples not yet moved from the append-only head into the raw table. */
  headRows: number;
  /** m1Rows counts 1-minute rollup rows. */
  m1Rows: number;
  /** h1Rows counts 1-hour rollup rows. */
  h1Rows: number;
  /** series counts interned (series, cluster, member) triples. */
  series: number;
  /** events counts stored events. */
  events: number;
  /** alerts counts alert history records (one per alert occurrence). */
  alerts: number;
  /** audit counts audit log entries. */
  audit: number;
  /** docs counts stored documents of every kind. */
  docs: number;
  /** pending counts appended samples not yet flushed. */
  pending: number;
  /** skipped counts samples dropped since open because their value was NaN or infinite. */
  skipped: number;
  /** late counts samples dropped since open because they were older than the raw retention already applied. */
  late: number;
  /** dropped counts samples lost since open because a flush failed. */
  dropped: number;
}

/** Retention is how long each resolution is kept, in ms. */
export interface Retention {
  /** raw keeps raw samples this long; default 48 h. */
  raw?: number;
  /** m1 keeps 1-minute rollups this long; default 90 days. */
  m1?: number;
  /** h1 keeps 1-hour rollups this long; default 2 years. */
  h1?: number;
  /** events keeps events this long; default 2 years. */
  events?: number;
}

/** AuditEntry is one change made through the API, as the audit log keeps it. */
export interface AuditEntry {
  /** id is assigned by the store on append; ids grow and are never reused. */
  id?: number;
  /** time is when the change was made, in ms since the epoch. */
  time: number;
  /** actor is the user name (or `anonymous`) that made it. */
  actor: string;
  /** role is the actor's role at the time. */
  role: string;
  /** action names the change, such as `cluster.create`. */
  action: string;
  /** target names what was changed. */
  target: string;
  /** ip is the client address the request came from. */
  ip: string;
  /** cluster is the etcd cluster an operation acted on, for operations on a cluster. */
  cluster?: string;
  /** command is the operation as etcdctl would spell it (`etcdctl put /app/config`; values left out). */
  command?: string;
  /** result is how it ended: `ok`, or the error's code and message. */
  result?: string;
}

/** AuditFilter selects audit entries; every field is optional and fields combine with AND. */
export interface AuditFilter {
  /** actor keeps entries of this user. */
  actor?: string;
  /** action keeps entries of this action. */
  action?: string;
  /** since keeps entries at or after this time (ms). */
  since?: number;
  /** until keeps entries at or before this time (ms). */
  until?: number;
  /** limit caps the answer, newest first; default 1000, at most 10000. */
  limit?: number;
}

/** SeriesStore keeps time series: samples buffered and flushed in batches, read back at the resolution a range needs. */
export interface SeriesStore {
  /** append buffers samples; they are written in one transaction when the batch is full or the flush interval fires. */
  append(samples: Sample[]): void;
  /** flush writes every buffered sample now, in one transaction. */
  flush(): void;
  /** query reads one series, picking the resolution from the range and step. */
  query(q: SeriesQuery): SeriesResult;
  /** listSeries lists stored series, optionally of one cluster and/or member. */
  listSeries(filter?: { cluster?: string; member?: string }): SeriesInfo[];
}

/** EventStore keeps the time-ordered records, each in its own indexed table: cluster events, alert history, the audit log. */
export interface EventStore {
  /** appendEvent stores one event at once and returns it with its id. */
  appendEvent(e: StoredEvent): StoredEvent;
  /** queryEvents returns matching events, newest first. */
  queryEvents(f?: EventFilter): StoredEvent[];
  /** recordAlert stores an alert occurrence, replacing the earlier record of the same fingerprint and activeAt (its resolution). */
  recordAlert(alert: Alert): void;
  /** queryAlerts returns matching alert occurrences, newest activeAt first. */
  queryAlerts(q?: AlertHistoryQuery): Alert[];
  /** appendAudit stores one audit entry at once and returns it with its id. */
  appendAudit(e: AuditEntry): AuditEntry;
  /** queryAudit returns matching audit entries, newest first. */
  queryAudit(f?: AuditFilter): AuditEntry[];
}

/** DocStore keeps JSON documents by kind and key: configuration made through the API, users, sessions, silences … */
export interface DocStore {
  /** putDoc stores (or replaces) one JSON document under kind and key. */
  putDoc(kind: string, key: string, doc: unknown): void;
  /** getDoc returns the document under kind and key, or undefined. */
  getDoc(kind: string, key: string): unknown;
  /** listDocs returns every document of one kind, sorted by key. */
  listDocs(kind: string): Array<{ key: string; doc: unknown }>;
  /** deleteDoc removes one document and tells whether it existed. */
  deleteDoc(kind: string, key: string): boolean;
}

/** Store is the monitor's embedded storage: series, events and documents behind one file, with its upkeep. */
export interface Store extends SeriesStore, EventStore, DocStore {
  /** maintain moves the head into the raw table when due, rolls up what has left the head, and applies retention; idempotent. */
  maintain(now?: number): void;
  /** stats reports sizes and counters. */
  stats(): StoreStats;
  /** close flushes and closes the store; later calls throw MON_STORE_CLOSED. */
  close(): void;
}
