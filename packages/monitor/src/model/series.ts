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
