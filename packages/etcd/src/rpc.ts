import * as grpc from '@grpc/grpc-js';
import { AppError } from '@etcd-monitor/core/errors';
import type { CallOptions, MemberClient } from './client.ts';
import { decodeRangeKeys, decodeRangeResponse, type RangeKeys } from './fast-decode.ts';
import type {
  AlarmMember,
  AlarmResponse,
  AuthRoleGetResponse,
  AuthRoleListResponse,
  AuthStatusResponse,
  AuthUserGetResponse,
  AuthUserListResponse,
  CompactionResponse,
  DeleteRangeResponse,
  HashKVResponse,
  HeaderOnlyResponse,
  LeaseGrantResponse,
  LeaseKeepAliveResponse,
  LeaseLeasesResponse,
  LeaseRevokeResponse,
  LeaseTimeToLiveResponse,
  MemberAddResponse,
  MemberListResponse,
  PutResponse,
  RangeResponse,
  StatusResponse,
  TxnResponse,
  WatchResponse,
} from './rpc-types.ts';

/** Bytes is a key or value: a string (UTF-8) or raw bytes. */
export type Bytes = string | Uint8Array;

/** Int64Input is a 64-bit integer given as a number (when small), a bigint or a decimal string. */
export type Int64Input = number | bigint | string;

/** RangeOptions select and shape the keys a range (get) returns; every field is optional. */
export interface RangeOptions extends CallOptions {
  /** rangeEnd ends the range (exclusive); see prefixRangeEnd and FROM_KEY. Without it only the key itself is read. */
  rangeEnd?: Bytes;
  /** limit caps the number of keys returned (0: no limit). */
  limit?: Int64Input;
  /** revision reads the store as of this revision (0: the latest). */
  revision?: Int64Input;
  /** sortOrder sorts the result; NONE keeps etcd's key order. */
  sortOrder?: 'NONE' | 'ASCEND' | 'DESCEND';
  /** sortTarget is what to sort by (default KEY). */
  sortTarget?: 'KEY' | 'VERSION' | 'CREATE' | 'MOD' | 'VALUE';
  /** serializable answers from the member's local state without a consensus round (may be stale). */
  serializable?: boolean;
  /** keysOnly leaves the values out. */
  keysOnly?: boolean;
  /** countOnly returns only the count. */
  countOnly?: boolean;
  /** minModRevision, maxModRevision, minCreateRevision and maxCreateRevision filter the keys by revision. */
  minModRevision?: Int64Input;
  /** maxModRevision: see minModRevision. */
  maxModRevision?: Int64Input;
  /** minCreateRevision: see minModRevision. */
  minCreateRevision?: Int64Input;
  /** maxCreateRevision: see minModRevision. */
  maxCreateRevision?: Int64Input;
}

/** PutOptions tune a put. */
export interface PutOptions extends CallOptions {
  /** lease attaches the key to this lease id ("0" or absent: none). */
  lease?: Int64Input;
  /** prevKv returns the key as it was before the put. */
  prevKv?: boolean;
  /** ignoreValue keeps the key's current value (the key must exist). */
  ignoreValue?: boolean;
  /** ignoreLease keeps the key's current lease (the key must exist). */
  ignoreLease?: boolean;
}

/** DeleteOptions tune a delete. */
export interface DeleteOptions extends CallOptions {
  /** rangeEnd deletes every key in [key, rangeEnd); see prefixRangeEnd and FROM_KEY. */
  rangeEnd?: Bytes;
  /** prevKv returns the deleted keys. */
  prevKv?: boolean;
}

/** TxnCompare is one condition of a transaction: `target(key) result value`. */
export interface TxnCompare {
  /** key is the key compared. */
  key: Bytes;
  /** rangeEnd compares every key of [key, rangeEnd) instead. */
  rangeEnd?: Bytes;
  /** target is the attribute compared. */
  target: 'VERSION' | 'CREATE' | 'MOD' | 'VALUE' | 'LEASE';
  /** result is the relation that must hold. */
  result: '=' | '!=' | '>' | '<';
  /** value is a number for VERSION/CREATE/MOD/LEASE, bytes for VALUE. */
  value: Bytes | Int64Input;
}

/** TxnOp is one operation of a transaction branch. */
export type TxnOp =
  | ({ type: 'range'; key: Bytes } & Omit<RangeOptions, keyof CallOptions>)
  | ({ type: 'put'; key: Bytes; value: Bytes } & Omit<PutOptions, keyof CallOptions>)
  | ({ type: 'delete'; key: Bytes } & Omit<DeleteOptions, keyof CallOptions>);

/** TxnRequestInput is a transaction: if every compare holds, run success, else failure. */
export interface TxnRequestInput {
  /** compare are the conditions, all of which must hold. */
  compare: TxnCompare[];
  /** success runs when they all hold. */
  success: TxnOp[];
  /** failure runs otherwise. */
  failure: TxnOp[];
}

/** WatchOptions tune a watch. */
export interface WatchOptions {
  /** rangeEnd watches every key of [key, rangeEnd); see prefixRangeEnd and FROM_KEY. */
  rangeEnd?: Bytes;
  /** startRevision replays the changes from this revision on (0: only new changes). */
  startRevision?: Int64Input;
  /** progressNotify asks etcd for a progress message (no events, the current revision) when the watch is idle. */
  progressNotify?: boolean;
  /** prevKv adds the key's previous value to each event. */
  prevKv?: boolean;
  /** filters drop PUT (`NOPUT`) or DELETE (`NODELETE`) events. */
  filters?: Array<'NOPUT' | 'NODELETE'>;
}

/** WatchStream is an open watch: iterate it for the responses after creation; cancel() ends it. */
export interface WatchStream extends AsyncIterable<WatchResponse> {
  /** watchId is the id etcd gave the watch. */
  readonly watchId: string;
  /** created is etcd's answer to the create request (its header revision is where the watch starts). */
  readonly created: WatchResponse;
  /** requestProgress asks etcd for a progress notification now. */
  requestProgress(): void;
  /** cancel ends the watch and its stream; the iteration then ends without an error. */
  cancel(): void;
}

/** FROM_KEY is the range end meaning "every key from the given key on" (etcdctl --from-key). */
export const FROM_KEY = Buffer.from([0]);

/** prefixRangeEnd is the range end that covers every key starting with `prefix` (etcd's GetPrefixRangeEnd). */
export function prefixRangeEnd(prefix: Bytes): Buffer {
  const out = Buffer.from(prefix);
  for (let i = out.length - 1; i >= 0; i--) {
    if (out[i]! < 0xff) {
      out[i]! += 1;
      return out.subarray(0, i + 1);
    }
  }
  // Only 0xff bytes (or the empty prefix): every key from the prefix on.
  return Buffer.from([0]);
}

const SORT_ORDER = { NONE: 0, ASCEND: 1, DESCEND: 2 } as const;
const SORT_TARGET = { KEY: 0, VERSION: 1, CREATE: 2, MOD: 3, VALUE: 4 } as const;
const COMPARE_RESULT = { '=': 0, '>': 1, '<': 2, '!=': 3 } as const;
const COMPARE_TARGET = { VERSION: 0, CREATE: 1, MOD: 2, VALUE: 3, LEASE: 4 } as const;
const COMPARE_FIELD = { VERSION: 'version', CREATE: 'create_revision', MOD: 'mod_revision', VALUE: 'value', LEASE: 'lease' } as const;
const PERM_TYPE = { READ: 0, WRITE: 1, READWRITE: 2 } as const;
const ALARM_TYPE = { NONE: 0, NOSPACE: 1, CORRUPT: 2 } as const;

const b = (x: Bytes | undefined): Buffer => (x === undefined ? Buffer.alloc(0) : Buffer.from(x));

// An empty range end must be left out, not sent empty: etcd decodes a present empty bytes field as a non-nil
// empty slice, and a non-nil empty range end reads (or deletes!) every key from the key on.
const end = (x: Bytes | undefined): Buffer | undefined => (x === undefined || x.length === 0 ? undefined : Buffer.from(x));

/** int64 validates a 64-bit integer input into the decimal string proto-loader sends. */
function int64(x: Int64Input | undefined, field: string): string {
  if (x === undefined) return '0';
  const s = String(x);
  if (!/^-?\d+$/.test(s)) throw new AppError('ETCD_BAD_FLAG', `${field}: "${s}" is not an integer`, { field, hint: `give ${field} as a whole number` });
  return s;
}

function rangeRequest(key: Bytes, o: Omit<RangeOptions, keyof CallOptions>): Record<string, unknown> {
  return {
    key: b(key),
    range_end: end(o.rangeEnd),
    limit: int64(o.limit, 'limit'),
    revision: int64(o.revision, 'revision'),
    sort_order: SORT_ORDER[o.sortOrder ?? 'NONE'],
    sort_target: SORT_TARGET[o.sortTarget ?? 'KEY'],
    serializable: Boolean(o.serializable),
    keys_only: Boolean(o.keysOnly),
    count_only: Boolean(o.countOnly),
    min_mod_revision: int64(o.minModRevision, 'minModRevision'),
    max_mod_revision: int64(o.maxModRevision, 'maxModRevision'),
    min_create_revision: int64(o.minCreateRevision, 'minCreateRevision'),
    max_create_revision: int64(o.maxCreateRevision, 'maxCreateRevision'),
  };
}

function putRequest(key: Bytes, value: Bytes, o: Omit<PutOptions, keyof CallOptions>): Record<string, unknown> {
  return { key: b(key), value: b(value), lease: int64(o.lease, 'lease'), prev_kv: Boolean(o.prevKv), ignore_value: Boolean(o.ignoreValue), ignore_lease: Boolean(o.ignoreLease) };
}

function deleteRequest(key: Bytes, o: Omit<DeleteOptions, keyof CallOptions>): Record<string, unknown> {
  return { key: b(key), range_end: end(o.rangeEnd), prev_kv: Boolean(o.prevKv) };
}

function requestOp(op: TxnOp): Record<string, unknown> {
  if (op.type === 'range') return { request_range: rangeRequest(op.key, op) };
  if (op.type === 'put') return { request_put: putRequest(op.key, op.value, op) };
  return { request_delete_range: deleteRequest(op.key, op) };
}

function compare(c: TxnCompare): Record<string, unknown> {
  const field = COMPARE_FIELD[c.target];
  const value = c.target === 'VALUE' ? b(c.value as Bytes) : int64(c.value as Int64Input, c.target.toLowerCase());
  return { result: COMPARE_RESULT[c.result], target: COMPARE_TARGET[c.target], key: b(c.key), range_end: end(c.rangeEnd), [field]: value };
}

/**
 * EtcdRpc is etcd's v3 API, typed, over one member's MemberClient (its channel, TLS, auth token and deadlines).
 * Every method answers etcd's own response message (see rpc-types.ts: proto field names, 64-bit integers as exact
 * decimal strings), so a caller can render it as etcdctl does or pass it on. Nothing here retries a write.
 */
export class EtcdRpc {
  /** client is the member connection the calls go through. */
  readonly client: MemberClient;

  constructor(client: MemberClient) {
    this.client = client;
  }

  /** range reads one key, or the keys of [key, rangeEnd) (etcdctl get). */
  range(key: Bytes, o: RangeOptions = {}): Promise<RangeResponse> {
    return this.client.unary('KV', 'Range', rangeRequest(key, o), { ...o, decode: decodeRangeResponse }) as Promise<RangeResponse>;
  }

  /** rangeWire is range() answering the RangeResponse's wire bytes, for a caller that writes them out itself (Printer.getWire). */
  rangeWire(key: Bytes, o: RangeOptions = {}): Promise<Buffer> {
    return this.client.unary('KV', 'Range', rangeRequest(key, o), { ...o, decode: (wire) => wire }) as Promise<Buffer>;
  }

  /** rangeKeys reads like range, answered as RangeKeys: keys located in the message and value sizes, no object per key (for scans that sum). */
  rangeKeys(key: Bytes, o: RangeOptions = {}): Promise<RangeKeys> {
    return this.client.unary('KV', 'Range', rangeRequest(key, o), { ...o, decode: decodeRangeKeys }) as Promise<RangeKeys>;
  }

  /** put writes one key (etcdctl put). */
  put(key: Bytes, value: Bytes, o: PutOptions = {}): Promise<PutResponse> {
    return this.client.unary('KV', 'Put', putRequest(key, value, o), o) as Promise<PutResponse>;
  }

  /** deleteRange deletes one key, or the keys of [key, rangeEnd) (etcdctl del). */
  deleteRange(key: Bytes, o: DeleteOptions = {}): Promise<DeleteRangeResponse> {
    return this.client.unary('KV', 'DeleteRange', deleteRequest(key, o), o) as Promise<DeleteRangeResponse>;
  }

  /** txn runs a transaction atomically (etcdctl txn). */
  txn(t: TxnRequestInput, o: CallOptions = {}): Promise<TxnResponse> {
    const req = { compare: t.compare.map(compare), success: t.success.map(requestOp), failure: t.failure.map(requestOp) };
    return this.client.unary('KV', 'Txn', req, o) as Promise<TxnResponse>;
  }

  /** compact discards the history before `revision`; `physical` waits until the space is really freed (etcdctl compaction). */
  compact(revision: Int64Input, o: CallOptions & { physical?: boolean } = {}): Promise<CompactionResponse> {
    return this.client.unary('KV', 'Compact', { revision: int64(revision, 'revision'), physical: Boolean(o.physical) }, o) as Promise<CompactionResponse>;
  }

  /**
   * watch opens a watch on a key or range and resolves once etcd has created it; a create refused by etcd rejects
   * with the reason. Iterate the stream for the changes; a watch etcd cancels (a compacted start revision, which
   * etcd 3.4 reports just after creating the watch) ends the iteration with an ETCD_COMPACTED or ETCD_SERVER error.
   */
  async watch(key: Bytes, o: WatchOptions = {}): Promise<WatchStream> {
    const stream = await this.client.duplex('Watch', 'Watch', { requireLeader: true });
    const queue = new AsyncQueue<WatchResponse>();
    const client = this.client;
    let cancelled = false;
    stream.on('data', (m) => queue.push(m as WatchResponse));
    stream.on('error', (err: grpc.ServiceError) => {
      if (cancelled || err.code === grpc.status.CANCELLED) queue.end();
      else queue.fail(client.describe(err));
    });
    stream.on('end', () => queue.end());
    const filters = (o.filters ?? []).map((f) => (f === 'NOPUT' ? 0 : 1));
    stream.write({
      create_request: {
        key: b(key),
        range_end: end(o.rangeEnd),
        start_revision: int64(o.startRevision, 'startRevision'),
        progress_notify: Boolean(o.progressNotify),
        filters,
        prev_kv: Boolean(o.prevKv),
      },
    });
    const cancel = () => {
      if (cancelled) return;
      cancelled = true;
      stream.cancel();
      queue.end();
    };
    let created: WatchResponse | undefined;
    try {
      created = await queue.next();
    } catch (err) {
      cancel();
      throw err;
    }
    if (!created) throw new AppError('ETCD_CALL_FAILED', `${client.endpoint}: the watch stream ended before etcd created the watch`);
    if (created.canceled) {
      cancel();
      throw watchCanceled(client.endpoint, created);
    }
    const watchId = created.watch_id;
    return {
      watchId,
      created,
      requestProgress: () => void stream.write({ progress_request: {} }),
      cancel,
      [Symbol.asyncIterator]: () => ({
        next: async () => {
          const v = await queue.next();
          if (v === undefined) return { done: true, value: undefined };
          if (v.canceled) {
            cancel();
            throw watchCanceled(client.endpoint, v);
          }
          return { done: false, value: v };
        },
        return: async () => {
          cancel();
          return { done: true, value: undefined };
        },
      }),
    };
  }

  /** leaseGrant creates a lease of `ttlSeconds` (etcdctl lease grant); `id` asks for a specific id. */
  leaseGrant(ttlSeconds: Int64Input, o: CallOptions & { id?: Int64Input } = {}): Promise<LeaseGrantResponse> {
    return this.client.unary('Lease', 'LeaseGrant', { TTL: int64(ttlSeconds, 'ttl'), ID: int64(o.id, 'id') }, o) as Promise<LeaseGrantResponse>;
  }

  /** leaseRevoke revokes a lease and deletes its keys (etcdctl lease revoke). */
  leaseRevoke(id: Int64Input, o: CallOptions = {}): Promise<LeaseRevokeResponse> {
    return this.client.unary('Lease', 'LeaseRevoke', { ID: int64(id, 'id') }, o) as Promise<LeaseRevokeResponse>;
  }

  /** leaseTimeToLive tells a lease's remaining TTL, and its keys with `keys` (etcdctl lease timetolive). */
  leaseTimeToLive(id: Int64Input, o: CallOptions & { keys?: boolean } = {}): Promise<LeaseTimeToLiveResponse> {
    return this.client.unary('Lease', 'LeaseTimeToLive', { ID: int64(id, 'id'), keys: Boolean(o.keys) }, o) as Promise<LeaseTimeToLiveResponse>;
  }

  /** leaseLeases lists every live lease (etcdctl lease list). */
  leaseLeases(o: CallOptions = {}): Promise<LeaseLeasesResponse> {
    return this.client.unary('Lease', 'LeaseLeases', {}, o) as Promise<LeaseLeasesResponse>;
  }

  /**
   * leaseKeepAlive renews a lease: once, or with `forever` again every TTL/3 until the iteration is ended or the lease
   * expires (a response with TTL "0" is the last one). Each renewal yields etcd's answer (etcdctl lease keep-alive).
   */
  async *leaseKeepAlive(id: Int64Input, o: { forever?: boolean; timeoutMs?: number } = {}): AsyncGenerator<LeaseKeepAliveResponse> {
    const stream = await this.client.duplex('Lease', 'LeaseKeepAlive', { requireLeader: true });
    const queue = new AsyncQueue<LeaseKeepAliveResponse>();
    let done = false;
    stream.on('data', (m) => queue.push(m as LeaseKeepAliveResponse));
    stream.on('error', (err: grpc.ServiceError) => (done || err.code === grpc.status.CANCELLED ? queue.end() : queue.fail(this.client.describe(err))));
    stream.on('end', () => queue.end());
    const ID = int64(id, 'id');
    const timeout = o.timeoutMs ?? 5000;
    try {
      for (;;) {
        stream.write({ ID });
        const timer = setTimeout(() => queue.fail(new AppError('ETCD_TIMEOUT', `${this.client.endpoint}: no keep-alive answer within ${timeout} ms`)), timeout);
        const r = await queue.next().finally(() => clearTimeout(timer));
        if (!r) return;
        yield r;
        if (!o.forever || r.TTL === '0') return;
        await new Promise((res) => setTimeout(res, Math.max(500, (Number(r.TTL) * 1000) / 3)));
      }
    } finally {
      done = true;
      stream.cancel();
    }
  }

  /** memberList lists the members with etcd's own field names and decimal ids (etcdctl member list). */
  memberList(o: CallOptions = {}): Promise<MemberListResponse> {
    return this.client.unary('Cluster', 'MemberList', {}, o) as Promise<MemberListResponse>;
  }

  /** memberAdd adds a member (a learner with `isLearner`) reachable at `peerURLs` (etcdctl member add). */
  memberAdd(peerURLs: string[], o: CallOptions & { isLearner?: boolean } = {}): Promise<MemberAddResponse> {
    return this.client.unary('Cluster', 'MemberAdd', { peerURLs, isLearner: Boolean(o.isLearner) }, o) as Promise<MemberAddResponse>;
  }

  /** memberRemove removes the member with this id (decimal) (etcdctl member remove). */
  memberRemove(id: Int64Input, o: CallOptions = {}): Promise<MemberListResponse> {
    return this.client.unary('Cluster', 'MemberRemove', { ID: int64(id, 'id') }, o) as Promise<MemberListResponse>;
  }

  /** memberUpdate changes a member's peer URLs (etcdctl member update). */
  memberUpdate(id: Int64Input, peerURLs: string[], o: CallOptions = {}): Promise<MemberListResponse> {
    return this.client.unary('Cluster', 'MemberUpdate', { ID: int64(id, 'id'), peerURLs }, o) as Promise<MemberListResponse>;
  }

  /** memberPromote turns a learner that has caught up into a voting member (etcdctl member promote). */
  memberPromote(id: Int64Input, o: CallOptions = {}): Promise<MemberListResponse> {
    return this.client.unary('Cluster', 'MemberPromote', { ID: int64(id, 'id') }, o) as Promise<MemberListResponse>;
  }

  /** status is the member's status message with decimal ids (etcdctl endpoint status). */
  status(o: CallOptions = {}): Promise<StatusResponse> {
    return this.client.unary('Maintenance', 'Status', {}, o) as Promise<StatusResponse>;
  }

  /** hashKV hashes the member's store up to `revision` (0: latest) (etcdctl endpoint hashkv). */
  hashKV(revision: Int64Input = 0, o: CallOptions = {}): Promise<HashKVResponse> {
    return this.client.unary('Maintenance', 'HashKV', { revision: int64(revision, 'revision') }, o) as Promise<HashKVResponse>;
  }

  /** alarmList lists the cluster's alarms (etcdctl alarm list). In etcd 3.4 this is a raft proposal: call it when asked, never to poll. */
  alarmList(o: CallOptions = {}): Promise<AlarmResponse> {
    return this.client.unary('Maintenance', 'Alarm', { action: 0, memberID: '0', alarm: 0 }, o) as Promise<AlarmResponse>;
  }

  /** alarmDisarm clears one alarm of one member; etcdctl alarm disarm calls it for each alarm alarmList returns. */
  alarmDisarm(a: { memberID: Int64Input; alarm: AlarmMember['alarm'] | 'NOSPACE' | 'CORRUPT' }, o: CallOptions = {}): Promise<AlarmResponse> {
    const alarm = ALARM_TYPE[a.alarm.toUpperCase() as keyof typeof ALARM_TYPE];
    return this.client.unary('Maintenance', 'Alarm', { action: 2, memberID: int64(a.memberID, 'memberID'), alarm }, o) as Promise<AlarmResponse>;
  }

  /** defragment defragments this member's backend; it blocks the member while it runs (etcdctl defrag). */
  defragment(o: CallOptions = {}): Promise<HeaderOnlyResponse> {
    return this.client.unary('Maintenance', 'Defragment', {}, o) as Promise<HeaderOnlyResponse>;
  }

  /** moveLeader hands leadership to the member `targetId` (decimal); it must be sent to the current leader (etcdctl move-leader). */
  moveLeader(targetId: Int64Input, o: CallOptions = {}): Promise<HeaderOnlyResponse> {
    return this.client.unary('Maintenance', 'MoveLeader', { targetID: int64(targetId, 'targetID') }, o) as Promise<HeaderOnlyResponse>;
  }

  /**
   * authStatus tells whether authentication is on. etcd 3.4 has no AuthStatus call (it came in 3.5); there the
   * answer comes from asking for the user list without a token, which etcd refuses only when authentication is on.
   */
  async authStatus(o: CallOptions = {}): Promise<AuthStatusResponse> {
    try {
      return (await this.client.unary('Auth', 'AuthStatus', {}, o)) as AuthStatusResponse;
    } catch (err) {
      const code = ((err as AppError).cause as grpc.ServiceError | undefined)?.code;
      if (code !== grpc.status.UNIMPLEMENTED) throw err;
    }
    const probe = await this.client.unauthenticated('Auth', 'UserList', {}, o).then(
      (r) => ({ enabled: false, header: (r as HeaderOnlyResponse).header }),
      (err: unknown) => {
        if (err instanceof AppError && ['ETCD_AUTH_REQUIRED', 'ETCD_PERMISSION_DENIED', 'ETCD_AUTH_TOKEN'].includes(err.code)) return { enabled: true, header: null };
        throw err;
      },
    );
    return { header: probe.header, enabled: probe.enabled, authRevision: '0' };
  }

  /** authEnable turns authentication on (a root user with the root role must exist). */
  authEnable(o: CallOptions = {}): Promise<HeaderOnlyResponse> {
    return this.client.unary('Auth', 'AuthEnable', {}, o) as Promise<HeaderOnlyResponse>;
  }

  /** authDisable turns authentication off. */
  authDisable(o: CallOptions = {}): Promise<HeaderOnlyResponse> {
    return this.client.unary('Auth', 'AuthDisable', {}, o) as Promise<HeaderOnlyResponse>;
  }

  /** userAdd creates a user; `noPassword` makes one that can only authenticate by TLS certificate CN (etcd 3.4.13+). */
  userAdd(name: string, password: string, o: CallOptions & { noPassword?: boolean } = {}): Promise<HeaderOnlyResponse> {
    return this.client.unary('Auth', 'UserAdd', { name, password, options: { no_password: Boolean(o.noPassword) } }, o) as Promise<HeaderOnlyResponse>;
  }

  /** userGet lists a user's roles. */
  userGet(name: string, o: CallOptions = {}): Promise<AuthUserGetResponse> {
    return namedUser(this.client.unary('Auth', 'UserGet', { name }, o)) as Promise<AuthUserGetResponse>;
  }

  /** userList lists the users. */
  userList(o: CallOptions = {}): Promise<AuthUserListResponse> {
    return this.client.unary('Auth', 'UserList', {}, o) as Promise<AuthUserListResponse>;
  }

  /** userDelete deletes a user. */
  userDelete(name: string, o: CallOptions = {}): Promise<HeaderOnlyResponse> {
    return namedUser(this.client.unary('Auth', 'UserDelete', { name }, o)) as Promise<HeaderOnlyResponse>;
  }

  /** userChangePassword sets a user's password. */
  userChangePassword(name: string, password: string, o: CallOptions = {}): Promise<HeaderOnlyResponse> {
    return namedUser(this.client.unary('Auth', 'UserChangePassword', { name, password }, o)) as Promise<HeaderOnlyResponse>;
  }

  /** userGrantRole gives a user a role. */
  userGrantRole(user: string, role: string, o: CallOptions = {}): Promise<HeaderOnlyResponse> {
    return namedUser(this.client.unary('Auth', 'UserGrantRole', { user, role }, o)) as Promise<HeaderOnlyResponse>;
  }

  /** userRevokeRole takes a role from a user. */
  userRevokeRole(name: string, role: string, o: CallOptions = {}): Promise<HeaderOnlyResponse> {
    return namedUser(this.client.unary('Auth', 'UserRevokeRole', { name, role }, o)) as Promise<HeaderOnlyResponse>;
  }

  /** roleAdd creates a role. */
  roleAdd(name: string, o: CallOptions = {}): Promise<HeaderOnlyResponse> {
    return this.client.unary('Auth', 'RoleAdd', { name }, o) as Promise<HeaderOnlyResponse>;
  }

  /** roleGet lists a role's permissions. */
  roleGet(role: string, o: CallOptions = {}): Promise<AuthRoleGetResponse> {
    return this.client.unary('Auth', 'RoleGet', { role }, o) as Promise<AuthRoleGetResponse>;
  }

  /** roleList lists the roles. */
  roleList(o: CallOptions = {}): Promise<AuthRoleListResponse> {
    return this.client.unary('Auth', 'RoleList', {}, o) as Promise<AuthRoleListResponse>;
  }

  /** roleDelete deletes a role. */
  roleDelete(role: string, o: CallOptions = {}): Promise<HeaderOnlyResponse> {
    return this.client.unary('Auth', 'RoleDelete', { role }, o) as Promise<HeaderOnlyResponse>;
  }

  /** roleGrantPermission lets a role read and/or write a key or the range [key, rangeEnd). */
  roleGrantPermission(role: string, perm: { permType: 'READ' | 'WRITE' | 'READWRITE'; key: Bytes; rangeEnd?: Bytes }, o: CallOptions = {}): Promise<HeaderOnlyResponse> {
    const p = { permType: PERM_TYPE[perm.permType], key: b(perm.key), range_end: end(perm.rangeEnd) };
    return this.client.unary('Auth', 'RoleGrantPermission', { name: role, perm: p }, o) as Promise<HeaderOnlyResponse>;
  }

  /** roleRevokePermission takes a key or range permission from a role. */
  roleRevokePermission(role: string, key: Bytes, rangeEnd?: Bytes, o: CallOptions = {}): Promise<HeaderOnlyResponse> {
    return this.client.unary('Auth', 'RoleRevokePermission', { role, key: b(key), range_end: end(rangeEnd) }, o) as Promise<HeaderOnlyResponse>;
  }
}

/**
 * namedUser runs a call that names a user. Without credentials of its own a client reads etcd's "user name not found"
 * as "authentication required" (a TLS CN that is no user); for a call naming a user it means that user does not exist.
 */
async function namedUser<T>(call: Promise<T>): Promise<T> {
  try {
    return await call;
  } catch (err) {
    if (err instanceof AppError && err.code === 'ETCD_AUTH_REQUIRED' && /user name not found/.test(String((err.cause as grpc.ServiceError | undefined)?.details ?? ''))) {
      throw new AppError('ETCD_USER_NOT_FOUND', err.message.replace(/this cluster requires authentication$/, 'etcdserver: user name not found'), { cause: err.cause });
    }
    throw err;
  }
}

/** PermissionType lists the names roleGrantPermission accepts, for validating user input. */
export const PERMISSION_TYPES = Object.keys(PERM_TYPE) as Array<keyof typeof PERM_TYPE>;

/** watchCanceled is the error a watch canceled by etcd ends with: a compacted start revision, or etcd's reason. */
function watchCanceled(endpoint: string, r: WatchResponse): AppError {
  if (r.compact_revision !== '0') {
    return new AppError('ETCD_COMPACTED', `${endpoint}: watch canceled: etcdserver: mvcc: required revision has been compacted`, {
      hint: `the oldest revision still available is ${r.compact_revision}: start from it or later`,
    });
  }
  return new AppError('ETCD_SERVER', `${endpoint}: watch canceled${r.cancel_reason ? `: ${r.cancel_reason}` : ''}`);
}

/** AsyncQueue hands stream messages to an async iterator: push/end/fail on one side, next() on the other. */
class AsyncQueue<T> {
  private items: T[] = [];
  private waiters: Array<{ resolve: (v: T | undefined) => void; reject: (e: unknown) => void }> = [];
  private ended = false;
  private error: unknown;

  push(v: T): void {
    const w = this.waiters.shift();
    if (w) w.resolve(v);
    else this.items.push(v);
  }

  end(): void {
    this.ended = true;
    for (const w of this.waiters.splice(0)) w.resolve(undefined);
  }

  fail(err: unknown): void {
    if (this.ended) return;
    this.error = err;
    this.ended = true;
    for (const w of this.waiters.splice(0)) w.reject(err);
  }

  next(): Promise<T | undefined> {
    if (this.items.length) return Promise.resolve(this.items.shift());
    if (this.error !== undefined) return Promise.reject(this.error);
    if (this.ended) return Promise.resolve(undefined);
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }
}
