import { Type, type Static } from 'typebox';
import { MAX_PANELS, RANGE_KEYS, type RangeKey } from './values.ts';

const ID_PATTERN = '^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$';

/** DashboardParams is the `:id` of a dashboard. */
export const DashboardParams = Type.Object({ id: Type.String({ pattern: ID_PATTERN, description: 'letters, digits, "_" or "-"; at most 64' }) });

const panelFields = {
  cluster: Type.String({ minLength: 1, maxLength: 200 }),
  member: Type.Optional(Type.String({ maxLength: 200, description: 'one member; omit for every member, "" for the cluster-level series' })),
  series: Type.String({ pattern: '^[A-Za-z_][A-Za-z0-9_:]{0,199}$', description: 'a stored series name (GET /api/v1/series)' }),
  range: Type.Unsafe<RangeKey>({ type: 'string', enum: [...RANGE_KEYS] }),
  title: Type.Optional(Type.String({ maxLength: 200, description: "replaces the chart's catalog title when set" })),
};

/** Panel is one chart of a dashboard: a series of a cluster (every member, or one), drawn over a range. */
export const Panel = Type.Object(panelFields, { additionalProperties: false });
export type Panel = Static<typeof Panel>;

/** DashboardBody is the body of `PUT /api/v1/dashboards/ID`. */
export const DashboardBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 100 }),
    panels: Type.Array(Panel, { maxItems: MAX_PANELS }),
  },
  { additionalProperties: false },
);

/** Dashboard is a named, ordered list of panels, shared by every user of the monitor. */
export const Dashboard = Type.Object({
  id: Type.String(),
  name: Type.String(),
  panels: Type.Array(Type.Object(panelFields, { additionalProperties: true })),
  createdAt: Type.String(),
  createdBy: Type.String(),
  updatedAt: Type.String(),
  updatedBy: Type.String(),
});
export type Dashboard = Static<typeof Dashboard>;
