// etcd's v3 API messages as EtcdRpc returns them: the protobuf messages of etcd 3.4's rpc.proto, kv.proto and
// auth.proto, decoded by @grpc/proto-loader. Field names are the .proto's (snake_case or camelCase as etcd spells
// them, the same names `etcdctl -w json` and etcd's JSON gateway print). Every 64-bit integer (ids, revisions, counts,
// TTLs) is a decimal string, so member and lease ids above 2^53 keep every digit; convert with BigInt() or Number()
// where the value is known to be small. Bytes (keys, values) are Buffers. Enums are names. Absent messages are null.

/** Int64 is a 64-bit integer as a decimal string (exact; `BigInt(x)` to compute with it). */
export type Int64 = string;

/** ResponseHeader is the header of every answer: which cluster and member answered, at which revision and raft term. */
export interface ResponseHeader {
  /** cluster_id is the id of the cluster. */
  cluster_id: Int64;
  /** member_id is the id of the member that answered. */
  member_id: Int64;
  /** revision is the key-value store revision when the request was applied. */
  revision: Int64;
  /** raft_term is the raft term when the request was applied. */
  raft_term: Int64;
}

/** KeyValue is one key with its value and revisions. */
export interface KeyValue {
  /** key is the key's bytes. */
  key: Buffer;
  /** create_revision is the revision of the last creation of the key. */
  create_revision: Int64;
  /** mod_revision is the revision of the last modification of the key. */
  mod_revision: Int64;
  /** version counts the modifications since the key was created; a delete resets it to 0. */
  version: Int64;
  /** value is the value's bytes (empty with keys-only). */
  value: Buffer;
  /** lease is the id of the lease the key is attached to; "0" for none. */
  lease: Int64;
}

/** RangeResponse answers a range (get). */
export interface RangeResponse {
  /** header is the response header. */
  header: ResponseHeader;
  /** kvs are the keys found (none with count-only). */
  kvs: KeyValue[];
  /** more tells whether more keys are in the range than the limit let through. */
  more: boolean;
  /** count is the number of keys in the range. */
  count: Int64;
}

/** PutResponse answers a put. */
export interface PutResponse {
  /** header is the response header. */
  header: ResponseHeader;
  /** prev_kv is the key before the put, when prev_kv was asked for and the key existed. */
  prev_kv: KeyValue | null;
}

/** DeleteRangeResponse answers a delete. */
export interface DeleteRangeResponse {
  /** header is the response header. */
  header: ResponseHeader;
  /** deleted is the number of keys deleted. */
  deleted: Int64;
  /** prev_kvs are the deleted keys, when prev_kv was asked for. */
  prev_kvs: KeyValue[];
}

/** ResponseOp is the answer to one operation of a transaction; `response` names the field that is set. */
export interface ResponseOp {
  /** response names the set field. */
  response: 'response_range' | 'response_put' | 'response_delete_range' | 'response_txn';
  /** response_range answers a get. */
  response_range?: RangeResponse | null;
  /** response_put answers a put. */
  response_put?: PutResponse | null;
  /** response_delete_range answers a delete. */
  response_delete_range?: DeleteRangeResponse | null;
  /** response_txn answers a nested transaction. */
  response_txn?: TxnResponse | null;
}

/** TxnResponse answers a transaction. */
export interface TxnResponse {
  /** header is the response header. */
  header: ResponseHeader;
  /** succeeded tells whether every comparison held (the success branch ran). */
  succeeded: boolean;
  /** responses answer the operations of the branch that ran, in order. */
  responses: ResponseOp[];
}

/** CompactionResponse answers a compaction. */
export interface CompactionResponse {
  /** header is the response header. */
  header: ResponseHeader;
}

/** WatchEvent is one change seen by a watch. */
export interface WatchEvent {
  /** type is Put or Delete (the trimmed proto's enum names). */
  type: 'Put' | 'Delete';
  /** kv is the key after the change (for a delete: the key with its delete revision). */
  kv: KeyValue | null;
  /** prev_kv is the key before the change, when prev_kv was asked for. */
  prev_kv: KeyValue | null;
}

/** WatchResponse is one message of a watch stream. */
export interface WatchResponse {
  /** header is the response header; its revision is the store's revision at the time (progress notifications carry only it). */
  header: ResponseHeader;
  /** watch_id is the id of the watch. */
  watch_id: Int64;
  /** created is set on the answer to the create request. */
  created: boolean;
  /** canceled is set when the watch ended (compacted start revision, permission denied…). */
  canceled: boolean;
  /** compact_revision is set when the start revision was compacted: the oldest revision still available. */
  compact_revision: Int64;
  /** cancel_reason tells why the watch was canceled. */
  cancel_reason: string;
  /** fragment marks a message split in parts (only with the fragment option). */
  fragment: boolean;
  /** events are the changes. */
  events: WatchEvent[];
}

/** LeaseGrantResponse answers a lease grant. */
export interface LeaseGrantResponse {
  /** header is the response header. */
  header: ResponseHeader;
  /** ID is the new lease's id. */
  ID: Int64;
  /** TTL is the granted time to live in seconds. */
  TTL: Int64;
  /** error is etcd's error text, if any. */
  error: string;
}

/** LeaseRevokeResponse answers a lease revoke. */
export interface LeaseRevokeResponse {
  /** header is the response header. */
  header: ResponseHeader;
}

/** LeaseKeepAliveResponse answers one keep-alive; TTL "0" means the lease has expired. */
export interface LeaseKeepAliveResponse {
  /** header is the response header. */
  header: ResponseHeader;
  /** ID is the lease's id. */
  ID: Int64;
  /** TTL is the renewed time to live in seconds; "0" when the lease no longer exists. */
  TTL: Int64;
}

/** LeaseTimeToLiveResponse tells a lease's remaining and granted TTL; TTL "-1" means it has expired or never existed. */
export interface LeaseTimeToLiveResponse {
  /** header is the response header. */
  header: ResponseHeader;
  /** ID is the lease's id. */
  ID: Int64;
  /** TTL is the remaining time to live in seconds; "-1" when the lease does not exist. */
  TTL: Int64;
  /** grantedTTL is the TTL the lease was granted with. */
  grantedTTL: Int64;
  /** keys are the keys attached to the lease, when asked for. */
  keys: Buffer[];
}

/** LeaseLeasesResponse lists every lease. */
export interface LeaseLeasesResponse {
  /** header is the response header. */
  header: ResponseHeader;
  /** leases are the live leases. */
  leases: Array<{ ID: Int64 }>;
}

/** Member is one member of the cluster as the Cluster service reports it. */
export interface Member {
  /** ID is the member id (decimal). */
  ID: Int64;
  /** name is the member's name; empty until a newly added member starts. */
  name: string;
  /** peerURLs are the URLs the other members reach it at. */
  peerURLs: string[];
  /** clientURLs are the URLs clients reach it at; empty until it starts. */
  clientURLs: string[];
  /** isLearner tells whether it is a raft learner (a non-voting member). */
  isLearner: boolean;
}

/** MemberListResponse lists the members; MemberRemove/Update/Promote answer with the same shape. */
export interface MemberListResponse {
  /** header is the response header. */
  header: ResponseHeader;
  /** members are the members after the call. */
  members: Member[];
}

/** MemberAddResponse answers a member add. */
export interface MemberAddResponse extends MemberListResponse {
  /** member is the added member. */
  member: Member | null;
}

/** HeaderOnlyResponse answers calls that return nothing but the header (defragment, move-leader, most auth calls). */
export interface HeaderOnlyResponse {
  /** header is the response header. */
  header: ResponseHeader | null;
}

/** AlarmMember is one alarm raised by one member. */
export interface AlarmMember {
  /** memberID is the id of the member that raised it. */
  memberID: Int64;
  /** alarm is Nospace or Corrupt (the trimmed proto's enum names; etcdctl prints NOSPACE, CORRUPT). */
  alarm: 'None' | 'Nospace' | 'Corrupt';
}

/** AlarmResponse lists alarms (after a get, or the disarmed ones after a deactivate). */
export interface AlarmResponse {
  /** header is null: etcd 3.4 fills no header in alarm answers. */
  header: ResponseHeader | null;
  /** alarms are the alarms. */
  alarms: AlarmMember[];
}

/** StatusResponse is one member's status. */
export interface StatusResponse {
  /** header is the response header. */
  header: ResponseHeader;
  /** version is the member's etcd version. */
  version: string;
  /** dbSize is the allocated size of the backend database in bytes. */
  dbSize: Int64;
  /** leader is the id of the leader the member knows; "0" for none. */
  leader: Int64;
  /** raftIndex is the raft committed index. */
  raftIndex: Int64;
  /** raftTerm is the raft term. */
  raftTerm: Int64;
  /** raftAppliedIndex is the raft applied index. */
  raftAppliedIndex: Int64;
  /** errors are the member's alarm and health strings. */
  errors: string[];
  /** dbSizeInUse is the logically used size of the database in bytes. */
  dbSizeInUse: Int64;
  /** isLearner tells whether the member is a learner. */
  isLearner: boolean;
}

/** HashKVResponse is a member's hash of its key-value store up to a revision. */
export interface HashKVResponse {
  /** header is the response header. */
  header: ResponseHeader;
  /** hash is the CRC-32 hash (uint32). */
  hash: number;
  /** compact_revision is the member's compacted revision; "-1" when never compacted. */
  compact_revision: Int64;
}

/** Permission is one key range a role may read and/or write. */
export interface Permission {
  /** permType is Read, Write or Readwrite. */
  permType: 'Read' | 'Write' | 'Readwrite';
  /** key is the first key of the range. */
  key: Buffer;
  /** range_end is the end of the range (exclusive); empty for the single key, "\0" for every key from key on. */
  range_end: Buffer;
}

/** AuthStatusResponse tells whether authentication is on. */
export interface AuthStatusResponse {
  /** header is the response header. */
  header: ResponseHeader | null;
  /** enabled tells whether authentication is enabled. */
  enabled: boolean;
  /** authRevision is the revision of the auth store ("0" from etcd 3.4, which does not report it). */
  authRevision: Int64;
}

/** AuthUserGetResponse lists a user's roles. */
export interface AuthUserGetResponse {
  /** header is the response header. */
  header: ResponseHeader;
  /** roles are the user's roles. */
  roles: string[];
}

/** AuthRoleGetResponse lists a role's permissions. */
export interface AuthRoleGetResponse {
  /** header is the response header. */
  header: ResponseHeader;
  /** perm are the role's permissions. */
  perm: Permission[];
}

/** AuthUserListResponse lists the users. */
export interface AuthUserListResponse {
  /** header is the response header. */
  header: ResponseHeader;
  /** users are the user names. */
  users: string[];
}

/** AuthRoleListResponse lists the roles. */
export interface AuthRoleListResponse {
  /** header is the response header. */
  header: ResponseHeader;
  /** roles are the role names. */
  roles: string[];
}
