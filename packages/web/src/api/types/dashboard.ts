import type { RangeKey } from '../../components/charts/ranges.ts';

/** Panel is one chart of a dashboard: a series of a cluster (every member, or one) over a range. */
export interface Panel {
  cluster: string;
  /** member is one member; omitted for every member. */
  member?: string;
  series: string;
  range: RangeKey;
  /** title replaces the catalog title when set. */
  title?: string;
}

/** Dashboard is `GET /api/v1/dashboards[/:id]`: a named, ordered list of panels shared by every user of the monitor. */
export interface Dashboard {
  id: string;
  name: string;
  panels: Panel[];
  createdAt: string;
  createdBy: string;
  updatedAt: string;
  updatedBy: string;
}
