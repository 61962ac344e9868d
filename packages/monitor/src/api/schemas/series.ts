import { Type, type Static } from 'typebox';
import { Nullable, StringEnum } from './common.ts';

/** StoredSeries is one entry of `GET /api/v1/series`: a stored series, whose member it is and its newest sample. */
export const StoredSeries = Type.Object({
  series: Type.String(),
  cluster: Type.String(),
  member: Type.String({ description: "the key it is stored under: the member id ('' for a cluster-level series)" }),
  lastT: Type.Number({ description: 'the newest sample (ms)' }),
  name: Type.String({ description: "the member's name as shown" }),
  lastTime: Type.String({ description: 'the newest sample, ISO 8601' }),
});
export type StoredSeries = Static<typeof StoredSeries>;

/** SeriesListQuery filters `GET /api/v1/series`. */
export const SeriesListQuery = Type.Object({ cluster: Type.Optional(Type.String()), member: Type.Optional(Type.String()) }, { additionalProperties: false });

/** SeriesUnit is how a series' values read: the UI formats and labels axes by it. */
export const SeriesUnit = StringEnum(['bytes', 'bytesPerSec', 'seconds', 'ms', 'opsPerSec', 'count', 'ratio', 'cores']);
export type SeriesUnit = Static<typeof SeriesUnit>;

const Scope = StringEnum(['member', 'cluster'], { description: 'recorded per member, or once per cluster (member "")' });

/** SeriesDef describes one stored series the monitor records. */
export const SeriesDef = Type.Object({
  name: Type.String({ description: 'the stored series name, as /series/query?series= takes it' }),
  title: Type.String(),
  unit: SeriesUnit,
  scope: Scope,
  group: Type.String({ description: 'the chart section, such as Raft or Requests' }),
  source: Type.String({ description: 'an etcd metric, the Status call, a probe, or the health model' }),
});
export type SeriesDef = Static<typeof SeriesDef>;

/** SeriesPattern describes a family of series named after label values, such as `grpc_Range_OK_rate`. */
export const SeriesPattern = Type.Object({
  pattern: Type.String({ description: "the name's shape, such as grpc_<method>_<code>_rate" }),
  regex: Type.String({ description: 'matches the names of the family (JavaScript syntax, anchored); its groups are the label values, in labels order' }),
  labels: Type.Array(Type.String()),
  title: Type.String({ description: 'a chart title with the labels as <method> placeholders' }),
  unit: SeriesUnit,
  scope: Scope,
  group: Type.String(),
  source: Type.String(),
});
export type SeriesPattern = Static<typeof SeriesPattern>;

/** SeriesCatalog is `GET /api/v1/series/catalog`: every series the monitor records, and the families named after labels. */
export const SeriesCatalog = Type.Object({ series: Type.Array(SeriesDef), patterns: Type.Array(SeriesPattern) });
export type SeriesCatalog = Static<typeof SeriesCatalog>;

/** SeriesPoint is one value of a range query; min and max are set for rollups. */
export const SeriesPoint = Type.Object({ t: Type.Number(), v: Type.Number(), min: Type.Optional(Type.Number()), max: Type.Optional(Type.Number()) });
export type SeriesPoint = Static<typeof SeriesPoint>;

/** SeriesQueryParams is the query of `GET /api/v1/series/query`. */
export const SeriesQueryParams = Type.Object(
  {
    series: Type.String(),
    cluster: Type.String(),
    member: Type.Optional(
      Type.String({ description: 'a member id (hex) or name; empty for cluster-level series; omit for every member. Each answer entry has member (the name) and memberId' }),
    ),
    from: Type.Optional(Type.String({ description: 'ISO time, ms, or a duration back from now (default 15m)' })),
    to: Type.Optional(Type.String({ description: 'default now' })),
    step: Type.Optional(Type.String({ description: 'a duration such as 15s; picks raw, 1m or 1h data' })),
    agg: Type.Optional(StringEnum(['avg', 'min', 'max', 'last'], { default: 'avg' })),
  },
  { additionalProperties: false },
);

/** SeriesQueryResult is `GET /api/v1/series/query`: one point list per member. */
export const SeriesQueryResult = Type.Object({
  series: Type.String(),
  cluster: Type.String(),
  from: Type.String(),
  to: Type.String(),
  resolution: StringEnum(['raw', '1m', '1h']),
  step: Type.Number({ description: 'the bucket width (ms), 0 for raw samples' }),
  points: Type.Array(
    Type.Object({
      member: Type.String({ description: "the member's name (`name (id)` when two share it; the id before the name is known)" }),
      memberId: Nullable(Type.String({ description: 'the id its series are stored under; null for cluster-level series' })),
      points: Type.Array(SeriesPoint),
    }),
  ),
});
export type SeriesQueryResult = Static<typeof SeriesQueryResult>;
