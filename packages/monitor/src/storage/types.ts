/** Sample is one value of one derived series of one member (or of the cluster when member is '') at one instant. */
export interface Sample {
  /** series is the derived series name, e.g. `raft_term` or `wal_fsync_p99_seconds`. */
  series: string;
  /** cluster is the name of the monitored cluster the sample belongs to. */
  cluster: string;
  /** member is the member id (hex; a name in series written by versions that keyed members by name), or '' for a cluster-level series. */
  member: string;
  /** t is the sample time in milliseconds since the Unix epoch; fractions are truncated. */
  t: number;
  /** v is the value; NaN and ±Infinity are skipped (see docs/storage.md). */
  v: number;
}

/** Agg is how the values inside one step bucket are combined into one point. */
export type Agg = 'avg' | 'min' | 'max' | 'last';

/** Resolution is the table a query was answered from: raw samples, 1-minute or 1-hour rollups. */
export type Resolution = 'raw' | '1m' | '1h';

/** SeriesQuery asks for one series of one cluster, for one member or every member, over a closed time range. */
export interface SeriesQuery {
  /** series is the series name to read. */
  series: string;
  /** cluster is the cluster the series belongs to. */
  cluster: string;
  /** member restricts the answer to one member ('' is the cluster-level series); omitted means every member. */
  member?: string;
  /** from is the start of the range, inclusive, in ms since the epoch. */
  from: number;
  /** to is the end of the range, inclusive, in ms since the epoch. */
  to: number;
  /** step is the wanted distance between points in ms; it picks the resolution, and points are downsampled to it. */
  step?: number;
  /** agg combines the values inside one step bucket; the default is avg. */
  agg?: Agg;
}

/** Point is one value of a query answer; min and max are set when the point summarises several samples. */
export interface Point {
  /** t is the sample time, or the start of the bucket the point summarises. */
  t: number;
  /** v is the value chosen by the query's agg. */
  v: number;
  /** min is the smallest sample inside the bucket. */
  min?: number;
  /** max is the largest sample inside the bucket. */
  max?: number;
}

/** SeriesResult is the answer to a SeriesQuery: the resolution used and one point list per member that has data. */
export interface SeriesResult {
  /** resolution is the table the points were read from. */
  resolution: Resolution;
  /** step is the bucket width of the points in ms, or 0 when raw samples are returned as stored. */
  step: number;
  /** points holds one entry per member with at least one point in range, sorted by member name. */
  points: Array<{ member: string; points: Point[] }>;
}

/** SeriesInfo describes one stored series and the time of its newest sample. */
export interface SeriesInfo {
  /** series is the series name. */
  series: string;
  /** cluster is the cluster the series belongs to. */
  cluster: string;
  /** member is the member id (hex; a name in series written by versions that keyed members by name), or '' for a cluster-level series. */
  member: string;
  /** lastT is the time of the newest sample ever flushed for the series. */
  lastT: number;
}

/** StoredEvent is one monitor event (leader_changed, member_down …) as stored and returned. */
export interface StoredEvent {
  /** id is assigned by the store on append; ids grow and are never reused. */
  id?: number;
  /** time is when the event happened, in ms since the epoch. */
  time: number;
  /** cluster is the cluster the event is about. */
  cluster: string;
  /** type is the event kind, e.g. `leader_changed`. */
  type: string;
  /** member is the member the event is about, when there is one. */
  member?: string;
  /** message is the one-line human description. */
  message: string;
  /** details holds structured, JSON-serialisable data about the event. */
  details?: Record<string, unknown>;
}

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

/** Store is the monitor's embedded storage: time series with rollups, events, and JSON documents. */
export interface Store {
  /** append buffers samples; they are written in one transaction when the batch is full or the flush interval fires. */
  append(samples: Sample[]): void;
  /** flush writes every buffered sample now, in one transaction. */
  flush(): void;
  /** query reads one series, picking the resolution from the range and step. */
  query(q: SeriesQuery): SeriesResult;
  /** listSeries lists stored series, optionally of one cluster and/or member. */
  listSeries(filter?: { cluster?: string; member?: string }): SeriesInfo[];
  /** appendEvent stores one event at once and returns it with its id. */
  appendEvent(e: StoredEvent): StoredEvent;
  /** queryEvents returns matching events, newest first. */
  queryEvents(f?: EventFilter): StoredEvent[];
  /** putDoc stores (or replaces) one JSON document under kind and key. */
  putDoc(kind: string, key: string, doc: unknown): void;
  /** getDoc returns the document under kind and key, or undefined. */
  getDoc(kind: string, key: string): unknown;
  /** listDocs returns every document of one kind, sorted by key. */
  listDocs(kind: string): Array<{ key: string; doc: unknown }>;
  /** deleteDoc removes one document and tells whether it existed. */
  deleteDoc(kind: string, key: string): boolean;
  /** maintain moves the head into the raw table when due, rolls up what has left the head, and applies retention; idempotent. */
  maintain(now?: number): void;
  /** stats reports sizes and counters. */
  stats(): StoreStats;
  /** close flushes and closes the store; later calls throw MON_STORE_CLOSED. */
  close(): void;
}
