import { Type, type Static } from 'typebox';
import { Nullable, StringEnum } from './common.ts';

/** Severity ranks a finding. */
export const Severity = StringEnum(['critical', 'warning', 'info']);
export type Severity = Static<typeof Severity>;

/** Finding is one thing wrong with a cluster, with its evidence and a hint. */
export const Finding = Type.Object({
  code: Type.String({ description: 'a stable identifier of the kind of finding, such as member_down' }),
  severity: Severity,
  member: Type.Optional(Type.String()),
  message: Type.String(),
  evidence: Type.Optional(Type.String()),
  hint: Type.Optional(Type.String()),
});
export type Finding = Static<typeof Finding>;

/** Probe is a member's last read/write probe result. */
export const Probe = Type.Object({
  at: Type.Number(),
  linearizableMs: Nullable(Type.Number()),
  serializableMs: Nullable(Type.Number()),
  writeMs: Nullable(Type.Number()),
  linearizableOk: Type.Boolean(),
  error: Nullable(Type.String()),
});
export type Probe = Static<typeof Probe>;

/** MemberError is a member's last status failure, with the monitor's code and hint. */
export const MemberError = Type.Object({ message: Type.String(), code: Type.String(), hint: Type.Optional(Type.String()) });
export type MemberError = Static<typeof MemberError>;

/** Member is one member as `GET /api/v1/clusters` returns it; facts not known yet (or while it is down) are null. */
export const Member = Type.Object({
  endpoint: Type.String(),
  id: Nullable(Type.String({ description: 'the member id, hex' })),
  name: Nullable(Type.String({ description: 'null until the member list has told it' })),
  up: Type.Boolean(),
  isLeader: Type.Boolean(),
  leader: Nullable(Type.String()),
  version: Nullable(Type.String()),
  dbSize: Nullable(Type.Number()),
  dbSizeInUse: Nullable(Type.Number()),
  raftTerm: Nullable(Type.Number()),
  raftIndex: Nullable(Type.Number()),
  raftAppliedIndex: Nullable(Type.Number()),
  isLearner: Nullable(Type.Boolean()),
  errors: Type.Array(Type.String(), { description: "the member's own Status errors, verbatim" }),
  latencyMs: Nullable(Type.Number({ description: 'the last status round trip; null while the member is down' })),
  lastSeen: Nullable(Type.Number({ description: 'when the member last answered a status call (ms); null while it is down' })),
  downSince: Nullable(Type.Number()),
  error: Nullable(MemberError),
  probe: Nullable(Probe),
  metrics: Nullable(Type.Record(Type.String(), Type.Number(), { description: 'derived metrics by series name' })),
  metricsAt: Nullable(Type.Number({ description: 'when metrics was scraped (ms)' })),
  metricsError: Nullable(Type.String()),
});
export type Member = Static<typeof Member>;

/** MemberDetail is `GET /api/v1/clusters/NAME/members/MEMBER`: a member with its findings and series names. */
export const MemberDetail = Type.Object({
  cluster: Type.String(),
  ...Member.properties,
  findings: Type.Array(Finding, { description: "the cluster's findings about this member" }),
  series: Type.Array(Type.String(), { description: 'the names of its stored series' }),
});
export type MemberDetail = Static<typeof MemberDetail>;

/** MemberParams names a cluster and one of its members (name, hex id or endpoint). */
export const MemberParams = Type.Object({ name: Type.String(), member: Type.String() });
