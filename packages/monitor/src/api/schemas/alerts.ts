import { Type, type Static } from 'typebox';
import { StringEnum, StringMap } from './common.ts';

const AlertState = StringEnum(['pending', 'firing', 'resolved']);

/** Alert is one pending or firing alert of `GET /api/v1/alerts`; times are ISO 8601. */
export const Alert = Type.Object({
  fingerprint: Type.String({ description: 'a stable hash of the sorted labels' }),
  labels: StringMap,
  annotations: StringMap,
  state: AlertState,
  value: Type.Optional(Type.Number()),
  activeAt: Type.Optional(Type.String({ description: 'when the condition first held' })),
  startsAt: Type.Optional(Type.String({ description: 'when it started firing; for a pending alert, when its condition began' })),
  endsAt: Type.Optional(Type.String()),
  silencedBy: Type.Array(Type.String(), { description: 'the ids of the silences muting it' }),
  inhibited: Type.Boolean(),
});
export type Alert = Static<typeof Alert>;

/** AlertsQuery filters `GET /api/v1/alerts`. */
export const AlertsQuery = Type.Object({ cluster: Type.Optional(Type.String()), state: Type.Optional(StringEnum(['pending', 'firing'])) }, { additionalProperties: false });

/** AlertCounts counts a cluster's alerts by what an operator has to act on. */
export const AlertCounts = Type.Object({
  firing: Type.Number({ description: 'firing alerts that are neither silenced nor inhibited: the ones that page' }),
  silenced: Type.Number({ description: 'firing alerts muted by an active silence' }),
  inhibited: Type.Number({ description: 'firing alerts muted by a firing cause (and not silenced)' }),
  pending: Type.Number({ description: 'alerts whose condition holds but whose for has not passed yet' }),
});
export type AlertCounts = Static<typeof AlertCounts>;

/** AlertSummary is `GET /api/v1/alerts/summary`: alert counts per cluster and in total, silenced ones apart from firing ones. */
export const AlertSummary = Type.Object({ total: AlertCounts, clusters: Type.Record(Type.String(), AlertCounts, { description: 'the counts of each cluster that has an alert' }) });
export type AlertSummary = Static<typeof AlertSummary>;

/** AlertHistoryEntry is one alert of `GET /api/v1/alerts/history`, newest first (open: stored alerts keep any key they were stored with). */
export const AlertHistoryEntry = Type.Object(
  {
    fingerprint: Type.Optional(Type.String()),
    labels: StringMap,
    annotations: Type.Optional(StringMap),
    state: Type.Optional(AlertState),
    value: Type.Optional(Type.Number()),
    activeAt: Type.Optional(Type.String()),
    startsAt: Type.Optional(Type.String()),
    endsAt: Type.Optional(Type.String()),
  },
  { additionalProperties: true },
);
export type AlertHistoryEntry = Static<typeof AlertHistoryEntry>;

/** AlertHistoryQuery filters `GET /api/v1/alerts/history`. */
export const AlertHistoryQuery = Type.Object(
  {
    cluster: Type.Optional(Type.String()),
    alertname: Type.Optional(Type.String()),
    since: Type.Optional(Type.String()),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 10000, default: 500 })),
  },
  { additionalProperties: false },
);
