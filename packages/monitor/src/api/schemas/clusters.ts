import { Type, type Static } from 'typebox';
import type { FieldInputs } from '@etcd-monitor/core';
import type { clusterFields } from '../../cluster-fields.ts';
import { Nullable, StringEnum, StringMap } from './common.ts';
import { Finding, Member } from './members.ts';

/** HealthStatus is a cluster's colour on the overview. */
export const HealthStatus = StringEnum(['healthy', 'degraded', 'critical', 'unreachable']);
export type HealthStatus = Static<typeof HealthStatus>;

/** Verdict is the etcd-level verdict, as `etcd-monitor status` prints it. */
export const Verdict = StringEnum(['healthy', 'degraded', 'no quorum', 'no leader', 'split']);
export type Verdict = Static<typeof Verdict>;

/** ClusterHealth is the health model's verdict: a status, the etcd verdict, the agreed leader and the findings, most severe first. */
export const ClusterHealth = Type.Object({ status: HealthStatus, verdict: Verdict, leader: Nullable(Type.String()), findings: Type.Array(Finding) });
export type ClusterHealth = Static<typeof ClusterHealth>;

/** Alarm is an active etcd alarm (NOSPACE, CORRUPT) and the member that raised it. */
export const Alarm = Type.Object({ memberId: Type.String({ description: 'hex' }), alarm: Type.String() });
export type Alarm = Static<typeof Alarm>;

/** ClusterSource says where a cluster is defined: the config file or the API. */
export const ClusterSource = StringEnum(['config', 'api']);

/** Cluster is one cluster as `GET /api/v1/clusters` and the SSE `cluster` frame carry it. */
export const Cluster = Type.Object({
  name: Type.String(),
  group: Type.String(),
  labels: StringMap,
  endpoints: Type.Array(Type.String()),
  source: ClusterSource,
  clusterId: Nullable(Type.String({ description: 'the etcd cluster id in hex; null until a member has answered' })),
  updatedAt: Type.String(),
  health: ClusterHealth,
  leader: Nullable(Type.String()),
  leaderName: Nullable(Type.String()),
  membersUp: Type.Number(),
  membersTotal: Type.Number(),
  alarms: Nullable(Type.Array(Alarm)),
  members: Type.Array(Member),
});
export type Cluster = Static<typeof Cluster>;

/**
 * ClusterConfig is `GET /api/v1/clusters/NAME/config`: the cluster as written (TOML keys), `has_password` instead of
 * the password. Open: keys a newer monitor adds pass through, and the UI sends them back untouched.
 */
export const ClusterConfig = Type.Object(
  {
    name: Type.String(),
    endpoints: Type.Array(Type.String()),
    group: Type.Optional(Type.String()),
    labels: Type.Optional(StringMap),
    cacert: Type.Optional(Type.String()),
    cert: Type.Optional(Type.String()),
    key: Type.Optional(Type.String()),
    insecure_skip_tls_verify: Type.Optional(Type.Boolean()),
    user: Type.Optional(Type.String()),
    has_password: Type.Optional(Type.Boolean()),
    metrics_urls: Type.Optional(Type.Array(Type.String())),
    status_interval: Type.Optional(Type.String()),
    probe_interval: Type.Optional(Type.String()),
    metrics_interval: Type.Optional(Type.String()),
    timeout: Type.Optional(Type.String()),
    write_probe: Type.Optional(Type.Boolean()),
    source: Type.Optional(Type.String()),
  },
  { additionalProperties: true },
);
export type ClusterConfig = Static<typeof ClusterConfig>;

/**
 * ClusterInput is the body of `POST /clusters`, `PUT /clusters/NAME` and `POST /clusters/test`: the keys of a
 * [[clusters]] table as written, typed from the field specs the body is checked against (password is write-only).
 */
export type ClusterInput = FieldInputs<typeof clusterFields>;

/** ConnectionTest is `POST /api/v1/clusters/test`: a verdict and one result per endpoint. */
export const ConnectionTest = Type.Object({
  verdict: Type.String(),
  reasons: Type.Array(Type.String()),
  endpoints: Type.Array(
    Type.Object({
      endpoint: Type.String(),
      ok: Type.Boolean(),
      id: Nullable(Type.String()),
      name: Nullable(Type.String()),
      version: Nullable(Type.String()),
      isLeader: Nullable(Type.Boolean()),
      latencyMs: Nullable(Type.Number()),
      error: Nullable(Type.String()),
      hint: Nullable(Type.String()),
    }),
  ),
});
export type ConnectionTest = Static<typeof ConnectionTest>;
