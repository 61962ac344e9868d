import { Type, type Static } from 'typebox';
import { EtcdHeader } from './common.ts';

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
export const MoveLeaderResult = Type.Object({ from: Type.String({ description: 'hex' }), to: Type.String({ description: 'hex' }), header: Type.Optional(EtcdHeader) });
export type MoveLeaderResult = Static<typeof MoveLeaderResult>;

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
export const MemberChange = Type.Object({ member: Type.Optional(MemberView), members: Type.Array(MemberView), header: Type.Optional(EtcdHeader) });
export type MemberChange = Static<typeof MemberChange>;

/** MemberParams name a cluster and one of its members (name or hex id). */
export const MemberParams = Type.Object({ name: Type.String(), member: Type.String({ minLength: 1, description: "the member's name or hex id" }) });

/** ForceQuery overrides a guard rail. */
export const ForceQuery = Type.Object(
  { force: Type.Optional(Type.Boolean({ description: 'remove it even when the healthy voting members left would not be a quorum' })) },
  { additionalProperties: false },
);

/** MemberList is etcd's member list with the header of the member that answered. */
export const MemberList = Type.Object({ header: EtcdHeader, members: Type.Array(MemberView) });
export type MemberList = Static<typeof MemberList>;

/** MemberUpdateBody replaces a member's peer URLs. */
export const MemberUpdateBody = Type.Object(
  { peerURLs: Type.Array(Type.String({ pattern: '^https?://', description: 'http(s)://host:port' }), { minItems: 1 }) },
  { additionalProperties: false },
);

/** EndpointQuery picks the endpoints a per-endpoint read goes to: the cluster's configured endpoints, or every member's client URLs. */
export const EndpointQuery = Type.Object(
  {
    cluster: Type.Optional(Type.Boolean({ description: "every member's client URLs from the member list (etcdctl --cluster) instead of the configured endpoints" })),
    revision: Type.Optional(Type.String({ pattern: '^[0-9]+$', description: 'hashkv only: hash up to this revision (0: the latest)' })),
  },
  { additionalProperties: false },
);

const Dec = (description: string) => Type.String({ pattern: '^-?[0-9]+$', description });

/** EndpointStatusList is each endpoint's status (etcd's StatusResponse, 64-bit values as decimal strings), or why it gave none. */
export const EndpointStatusList = Type.Object({
  endpoints: Type.Array(
    Type.Object({
      endpoint: Type.String(),
      status: Type.Optional(
        Type.Object({
          header: EtcdHeader,
          version: Type.String(),
          dbSize: Dec('allocated database size, bytes'),
          dbSizeInUse: Dec('logically used size, bytes'),
          leader: Dec("the leader's id as this member knows it, decimal (0: none)"),
          raftIndex: Dec('committed index'),
          raftTerm: Dec('raft term'),
          raftAppliedIndex: Dec('applied index'),
          errors: Type.Array(Type.String(), { description: 'alarms and health problems the member reports' }),
          isLearner: Type.Boolean(),
        }),
      ),
      error: Type.Optional(Type.String()),
    }),
  ),
});
export type EndpointStatusList = Static<typeof EndpointStatusList>;

/** EndpointHealthList is each endpoint's health, found without writing to the cluster (see docs/monitor.md). */
export const EndpointHealthList = Type.Object({
  endpoints: Type.Array(
    Type.Object({
      endpoint: Type.String(),
      health: Type.Boolean(),
      tookMs: Type.Number({ description: 'how long the check took' }),
      error: Type.Optional(Type.String({ description: 'why it is unhealthy' })),
    }),
  ),
});
export type EndpointHealthList = Static<typeof EndpointHealthList>;

/** EndpointHashList is each endpoint's hash of its key-value store. */
export const EndpointHashList = Type.Object({
  endpoints: Type.Array(
    Type.Object({
      endpoint: Type.String(),
      hashKV: Type.Optional(
        Type.Object({ header: EtcdHeader, hash: Type.Integer({ description: 'CRC-32 (uint32)' }), compactRevision: Dec('the compacted revision (-1: never)') }),
      ),
      error: Type.Optional(Type.String()),
    }),
  ),
});
export type EndpointHashList = Static<typeof EndpointHashList>;
