/** SeriesPoint is one value of a range query; min/max are set for rollups. */
export interface SeriesPoint {
  t: number;
  v: number;
  min?: number;
  max?: number;
}

/** SeriesQueryResult is `GET /api/v1/series/query`: one point list per member. */
export interface SeriesQueryResult {
  series: string;
  cluster: string;
  from: string;
  to: string;
  resolution: 'raw' | '1m' | '1h';
  step: number;
  /** member is the member's name (`name (id)` when two share it; the id before the name is known); memberId is the id its series are stored under. */
  points: Array<{ member: string; memberId?: string | null; points: SeriesPoint[] }>;
}
