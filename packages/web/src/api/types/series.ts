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
  points: Array<{ member: string; points: SeriesPoint[] }>;
}
