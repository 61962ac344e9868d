import { Type, type Static } from 'typebox';

const Hex = (description: string) => Type.String({ pattern: '^[0-9a-fA-F]{1,16}$', description });

/** DefragBody picks what to defragment: one member, or (without member) the whole cluster, rolling. */
export const DefragBody = Type.Object(
  {
    member: Type.Optional(Type.String({ minLength: 1, description: "one member's name or hex id; without it every member, followers first and the leader last" })),
    force: Type.Optional(Type.Boolean({ description: 'go ahead while the cluster is degraded, and carry on past a failed member' })),
  },
  { additionalProperties: false },
);
export type DefragBody = Static<typeof DefragBody>;

/** DefragResult lists each member's outcome, in the order they were defragmented. */
export const DefragResult = Type.Object({
  members: Type.Array(
    Type.Object({
      name: Type.String(),
      id: Type.Optional(Type.String({ description: 'hex' })),
      endpoint: Type.String(),
      leader: Type.Boolean({ description: 'the leader when the run started (defragmented last)' }),
      ok: Type.Boolean(),
      error: Type.Optional(Type.String()),
    }),
  ),
});
export type DefragResult = Static<typeof DefragResult>;

/** CompactBody is a compaction request. */
export const CompactBody = Type.Object(
  {
    revision: Type.String({ pattern: '^-?[0-9]+$', description: 'a past revision: from 1 to the current one' }),
    physical: Type.Optional(Type.Boolean({ description: 'wait until the compaction is applied to the backend (etcdctl --physical)' })),
  },
  { additionalProperties: false },
);
export type CompactBody = Static<typeof CompactBody>;

/** CompactResult answers a compaction. */
export const CompactResult = Type.Object({ revision: Type.String(), currentRevision: Type.String() });
export type CompactResult = Static<typeof CompactResult>;

/** SnapshotQuery picks the member a snapshot is streamed from. */
export const SnapshotQuery = Type.Object(
  { member: Type.Optional(Type.String({ minLength: 1, description: "a member's name or hex id; default the member the monitor talks to" })) },
  { additionalProperties: false },
);

/** AlarmList is the cluster's raised alarms. */
export const AlarmList = Type.Object({
  alarms: Type.Array(Type.Object({ memberId: Type.String({ description: 'hex' }), alarm: Type.String({ description: 'NOSPACE or CORRUPT' }) })),
});
export type AlarmList = Static<typeof AlarmList>;

/** MoveLeaderBody names the member to hand leadership to. */
export const MoveLeaderBody = Type.Object({ member: Type.String({ minLength: 1, description: "the transferee's name or hex id" }) }, { additionalProperties: false });

/** MoveLeaderResult answers a leadership transfer. */
export const MoveLeaderResult = Type.Object({ from: Type.String({ description: 'hex' }), to: Type.String({ description: 'hex' }) });

/** MemberAddBody adds a member. */
export const MemberAddBody = Type.Object(
  {
    peerURLs: Type.Array(Type.String({ pattern: '^https?://', description: 'http(s)://host:port' }), { minItems: 1 }),
    learner: Type.Optional(Type.Boolean({ description: 'add it as a non-voting learner (promote it once caught up)' })),
  },
  { additionalProperties: false },
);

/** MemberView is one member as the member routes answer it. */
export const MemberView = Type.Object({
  id: Hex('the member id'),
  name: Type.String(),
  peerURLs: Type.Array(Type.String()),
  clientURLs: Type.Array(Type.String()),
  isLearner: Type.Boolean(),
});
export type MemberView = Static<typeof MemberView>;

/** MemberChange answers a member add, remove or promote: the member concerned and the member list after it. */
export const MemberChange = Type.Object({ member: Type.Optional(MemberView), members: Type.Array(MemberView) });
export type MemberChange = Static<typeof MemberChange>;

/** MemberParams name a cluster and one of its members (name or hex id). */
export const MemberParams = Type.Object({ name: Type.String(), member: Type.String({ minLength: 1, description: "the member's name or hex id" }) });

/** ForceQuery overrides a guard rail. */
export const ForceQuery = Type.Object(
  { force: Type.Optional(Type.Boolean({ description: 'remove it even when the healthy voting members left would not be a quorum' })) },
  { additionalProperties: false },
);
