import * as grpc from '@grpc/grpc-js';
import { AppError } from '@etcd-monitor/core/errors';
import type { ConnectionOptions } from './options.ts';
import { describeGrpcError, isAuthTokenError } from './grpc-errors.ts';
import { idToHex } from './ids.ts';
import { etcdMethod } from './services.ts';

// One pinned channel per member, not the etcd3 package: etcd3 load-balances every call across hosts (wrong for
// per-member facts), has no default deadline, misnames HashKV and drops the auth token on snapshot streams.
/** StatusResult is one member's answer to the Maintenance Status call, with ids in hex. */
export interface StatusResult {
  /** id is the answering member's id, hex. */
  id: string;
  /** clusterId is the cluster's id, hex. */
  clusterId: string;
  /** version is the etcd server version. */
  version: string;
  /** dbSize is the physically allocated size of the backend database in bytes. */
  dbSize: number;
  /** dbSizeInUse is the logically used size of the backend database in bytes. */
  dbSizeInUse: number;
  /** leader is the id the member believes is the leader, hex; `0` when it knows none. */
  leader: string;
  /** raftTerm is the member's current raft term. */
  raftTerm: number;
  /** raftIndex is the member's raft committed index. */
  raftIndex: number;
  /** raftAppliedIndex is the member's raft applied index. */
  raftAppliedIndex: number;
  /** errors are the alarm/health strings the member reports. */
  errors: string[];
  /** isLearner tells whether the member is a raft learner. */
  isLearner: boolean;
}

/** MemberInfo is one entry of the cluster's member list. */
export interface MemberInfo {
  /** id is the member id, hex. */
  id: string;
  /** name is the member name; empty for a member added but not started. */
  name: string;
  /** peerURLs are the URLs peers use to reach the member. */
  peerURLs: string[];
  /** clientURLs are the URLs clients use; empty for a member added but not started. */
  clientURLs: string[];
  /** isLearner tells whether the member is a raft learner. */
  isLearner: boolean;
}

/** Alarm is one active cluster alarm. */
export interface Alarm {
  /** memberId is the member that raised the alarm, hex. */
  memberId: string;
  /** alarm is `NOSPACE` or `CORRUPT`. */
  alarm: string;
}

/** CallOptions tune one call. */
export interface CallOptions {
  /** timeoutMs overrides the connection's command timeout for this call. */
  timeoutMs?: number;
}

// etcd's gRPC interceptor answers "etcdserver: no leader" at once to a call carrying this, instead of letting it wait.
const REQUIRE_LEADER = { hasleader: 'true' };

/** ServiceName is one of etcd's v3 gRPC services. */
export type ServiceName = 'KV' | 'Watch' | 'Maintenance' | 'Cluster' | 'Auth' | 'Lease';

/** MemberClient talks to exactly one etcd member over its own channel, with a deadline on every call. */
export class MemberClient {
  /** endpoint is the member's client URL. */
  readonly endpoint: string;
  private readonly opts: ConnectionOptions;
  private readonly client: grpc.Client;
  private token: string | undefined;
  private authenticating: Promise<void> | undefined;
  private closed = false;

  constructor(endpoint: string, opts: ConnectionOptions) {
    this.endpoint = endpoint;
    this.opts = opts;
    const url = new URL(endpoint);
    const creds = url.protocol === 'https:' ? sslCredentials(opts) : grpc.credentials.createInsecure();
    const channelOptions: grpc.ChannelOptions = {
      // Reconnect quickly to a member that comes back; the monitor polls every second.
      'grpc.initial_reconnect_backoff_ms': 200,
      'grpc.max_reconnect_backoff_ms': 2000,
      'grpc.keepalive_time_ms': 10_000,
      'grpc.keepalive_timeout_ms': Math.max(1000, opts.commandTimeoutMs),
      'grpc.max_receive_message_length': -1,
      // HTTP/2's default 64 KiB window costs a round trip per 64 KiB of a large answer (a 10 MB range took ~0.5 s on
      // loopback under load); a larger window lets etcd send it at once. It is a limit, not memory allocated up front.
      'grpc-node.flow_control_window': 8 * 1024 * 1024,
      'grpc.enable_retries': 0,
      'grpc.enable_channelz': 0,
    };
    // One grpc-js Client (one channel) for every service: a call names its method's path and codecs (etcdMethod).
    this.client = new grpc.Client(url.host, creds, channelOptions);
  }

  /** status returns the member's own view: version, db size, leader, raft term and indices, errors. */
  async status(o: CallOptions = {}): Promise<StatusResult> {
    const r = (await this.call('Maintenance', 'Status', {}, o, false)) as Record<string, unknown> & { header: Record<string, string> };
    return {
      id: idToHex(r.header.member_id ?? '0'),
      clusterId: idToHex(r.header.cluster_id ?? '0'),
      version: String(r.version ?? ''),
      dbSize: Number(r.dbSize ?? 0),
      dbSizeInUse: Number(r.dbSizeInUse ?? 0),
      leader: idToHex(String(r.leader ?? '0')),
      raftTerm: Number(r.raftTerm ?? 0),
      raftIndex: Number(r.raftIndex ?? 0),
      raftAppliedIndex: Number(r.raftAppliedIndex ?? 0),
      errors: (r.errors as string[] | undefined) ?? [],
      isLearner: Boolean(r.isLearner),
    };
  }

  /** memberList returns the cluster's members as this member knows them. */
  async memberList(o: CallOptions = {}): Promise<MemberInfo[]> {
    const r = (await this.call('Cluster', 'MemberList', {}, o)) as { members: Array<Record<string, unknown>> };
    return r.members.map((m) => ({
      id: idToHex(String(m.ID)),
      name: String(m.name ?? ''),
      peerURLs: (m.peerURLs as string[]) ?? [],
      clientURLs: (m.clientURLs as string[]) ?? [],
      isLearner: Boolean(m.isLearner),
    }));
  }

  /**
   * alarms returns the active alarms of the whole cluster. In etcd 3.4 this is a raft proposal (a WAL entry and an
   * fsync on every member), so pollers read alarms from `status().errors` (see alarmsFromStatus) and call this only
   * when that cannot answer.
   */
  async alarms(o: CallOptions = {}): Promise<Alarm[]> {
    const r = (await this.call('Maintenance', 'Alarm', { action: 'GET', memberID: '0', alarm: 'NONE' }, o)) as { alarms: Array<{ memberID: string; alarm: string }> };
    return r.alarms.map((a) => ({ memberId: idToHex(a.memberID), alarm: String(a.alarm).toUpperCase() }));
  }

  /**
   * health does what `etcdctl endpoint health` does: a linearizable read of the key "health" through this member.
   * Permission denied still proves the member can reach consensus, so it counts as healthy. The read asks etcd to
   * refuse it at once when the member has no leader, so a lost quorum fails with etcd's own "etcdserver: no leader"
   * instead of a timeout. A linearizable read is a ReadIndex round, not a raft entry: it writes nothing.
   */
  async health(o: CallOptions = {}): Promise<void> {
    try {
      await this.get('health', { ...o, serializable: false, requireLeader: true });
    } catch (err) {
      if (err instanceof AppError && err.code === 'ETCD_PERMISSION_DENIED') return;
      throw err;
    }
  }

  /**
   * get reads one key; `serializable` answers from the member's local state without a consensus round, and
   * `requireLeader` makes a member without a leader fail the call at once (etcd's `hasleader` metadata).
   */
  async get(key: string, o: CallOptions & { serializable?: boolean; requireLeader?: boolean } = {}): Promise<{ value: Buffer | undefined; revision: number }> {
    const r = (await this.call('KV', 'Range', { key: Buffer.from(key), serializable: Boolean(o.serializable) }, o, true, o.requireLeader ? REQUIRE_LEADER : undefined)) as {
      kvs: Array<{ value: Buffer }>;
      header: { revision: string };
    };
    return { value: r.kvs[0]?.value, revision: Number(r.header.revision) };
  }

  /** put writes one key, optionally attached to a lease id. */
  async put(key: string, value: string | Buffer, o: CallOptions & { lease?: string } = {}): Promise<{ revision: number }> {
    const r = (await this.call('KV', 'Put', { key: Buffer.from(key), value: Buffer.from(value), lease: o.lease ?? '0' }, o)) as { header: { revision: string } };
    return { revision: Number(r.header.revision) };
  }

  /** leaseGrant creates a lease with the given TTL in seconds and returns its id (decimal string). */
  async leaseGrant(ttlSeconds: number, o: CallOptions = {}): Promise<string> {
    const r = (await this.call('Lease', 'LeaseGrant', { TTL: String(ttlSeconds), ID: '0' }, o)) as { ID: string };
    return String(r.ID);
  }

  /** hashKV returns the member's KV hash up to `revision` (0 = latest), for comparing members' data. */
  async hashKV(revision = 0, o: CallOptions = {}): Promise<{ hash: number; compactRevision: number; revision: number; memberId: string }> {
    const r = (await this.call('Maintenance', 'HashKV', { revision: String(revision) }, o)) as {
      hash: number;
      compact_revision: string;
      header: { revision: string; member_id: string };
    };
    return { hash: Number(r.hash), compactRevision: Number(r.compact_revision), revision: Number(r.header.revision), memberId: idToHex(r.header.member_id) };
  }

  /**
   * snapshot streams the member's backend database. The stream carries the auth token (the etcd3 package does not send
   * it), and has no overall deadline; it fails when no data arrives for `idleTimeoutMs` (default: the command timeout).
   */
  async *snapshot(o: { idleTimeoutMs?: number } = {}): AsyncGenerator<Buffer> {
    const md = await this.metadata();
    const def = methodDef('Maintenance', 'Snapshot') as grpc.MethodDefinition<unknown, { blob: Buffer }>;
    const stream = this.client.makeServerStreamRequest(def.path, def.requestSerialize, def.responseDeserialize, {}, md, {});
    const idle = o.idleTimeoutMs ?? this.opts.commandTimeoutMs;
    let timer: NodeJS.Timeout | undefined;
    const arm = () => {
      clearTimeout(timer);
      timer = setTimeout(() => stream.cancel(), idle);
    };
    arm();
    try {
      for await (const msg of stream as AsyncIterable<{ blob: Buffer }>) {
        arm();
        if (msg.blob.length > 0) yield msg.blob;
      }
    } catch (err) {
      if ((err as grpc.ServiceError).code === grpc.status.CANCELLED) {
        throw new AppError('ETCD_TIMEOUT', `${this.endpoint}: snapshot stalled: no data for ${idle} ms`, { hint: 'the member may be frozen or overloaded' });
      }
      throw describeGrpcError(err, this.endpoint, this.opts);
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * unary makes one unary call of etcd's v3 API with the connection's auth token and deadline; the answer is etcd's
   * message as proto-loader decodes it (see services.ts: proto field names, 64-bit integers as decimal strings, bytes as Buffer,
   * enums as names). `requireLeader` makes a member without a leader refuse at once. EtcdRpc types these calls.
   */
  unary(service: ServiceName, method: string, req: unknown, o: CallOptions & { requireLeader?: boolean; decode?: (wire: Buffer) => unknown } = {}): Promise<unknown> {
    return this.call(service, method, req, o, true, o.requireLeader ? REQUIRE_LEADER : undefined);
  }

  /** unauthenticated makes one unary call without the auth token (to learn whether the cluster asks for one). */
  unauthenticated(service: ServiceName, method: string, req: unknown, o: CallOptions = {}): Promise<unknown> {
    return this.call(service, method, req, o, false);
  }

  /**
   * duplex opens a bidirectional stream (Watch.Watch, Lease.LeaseKeepAlive) carrying the auth token. It has no
   * deadline: the caller ends it with `cancel()` or `end()`. `requireLeader` ends the stream when the member loses its leader.
   */
  async duplex(service: 'Watch' | 'Lease', method: string, o: { requireLeader?: boolean } = {}): Promise<grpc.ClientDuplexStream<unknown, unknown>> {
    if (this.closed) throw new AppError('ETCD_CLOSED', `${this.endpoint}: client is closed`);
    await this.connected();
    const md = await this.metadata();
    if (o.requireLeader) md.set('hasleader', 'true');
    const def = methodDef(service, method);
    return this.client.makeBidiStreamRequest(def.path, def.requestSerialize, def.responseDeserialize, md, {});
  }

  /** describe turns a failure of this member's call or stream into one clear AppError naming the endpoint. */
  describe(err: unknown): AppError {
    return describeGrpcError(err, this.endpoint, this.opts);
  }

  /** close releases the member's channel. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.client.close();
  }

  private async metadata(): Promise<grpc.Metadata> {
    const md = new grpc.Metadata();
    if (this.opts.auth) {
      if (this.token === undefined) await this.authenticate();
      if (this.token) md.set('token', this.token);
    }
    return md;
  }

  private authenticate(): Promise<void> {
    this.authenticating ??= (async () => {
      const auth = this.opts.auth!;
      try {
        const r = (await this.rawCall('Auth', 'Authenticate', { name: auth.username, password: auth.password }, {}, new grpc.Metadata())) as { token: string };
        this.token = r.token;
      } catch (err) {
        // A cluster without authentication accepts anonymous calls: keep going without a token, as clientv3 does.
        if (err instanceof AppError && err.code === 'ETCD_AUTH_NOT_ENABLED') {
          this.token = '';
          return;
        }
        throw err;
      } finally {
        this.authenticating = undefined;
      }
    })();
    return this.authenticating;
  }

  private async call(service: ServiceName, method: string, req: unknown, o: CallOptions, needsAuth = true, extra?: Record<string, string>): Promise<unknown> {
    const withExtra = (md: grpc.Metadata) => {
      for (const [k, v] of Object.entries(extra ?? {})) md.set(k, v);
      return md;
    };
    const md = withExtra(needsAuth ? await this.metadata() : new grpc.Metadata());
    try {
      return await this.rawCall(service, method, req, o, md);
    } catch (err) {
      // Simple tokens expire (5 min by default): authenticate once more and retry, which is safe for any call. A client
      // that found authentication off goes on without a token; once it is turned on again, etcd asks for one.
      const authTurnedOn = this.token === '' && err instanceof AppError && err.code === 'ETCD_AUTH_REQUIRED';
      if (needsAuth && this.opts.auth && (isAuthTokenError(err) || authTurnedOn)) {
        this.token = undefined;
        return this.rawCall(service, method, req, o, withExtra(await this.metadata()));
      }
      throw err;
    }
  }

  private rawCall(service: ServiceName, name: string, req: unknown, o: CallOptions, md: grpc.Metadata): Promise<unknown> {
    if (this.closed) return Promise.reject(new AppError('ETCD_CLOSED', `${this.endpoint}: client is closed`));
    const timeout = o.timeoutMs ?? this.opts.commandTimeoutMs;
    const def = methodDef(service, name);
    const decode = (o as { decode?: (wire: Buffer) => unknown }).decode ?? def.responseDeserialize;
    return this.connected().then(
      () =>
        new Promise((resolve, reject) => {
          // A caller-supplied decoder reads a large answer (a range) without protobufjs.
          this.client.makeUnaryRequest(def.path, def.requestSerialize, decode, req, md, { deadline: Date.now() + timeout }, (err: grpc.ServiceError | null, res: unknown) => {
            if (err) reject(describeGrpcError(err, this.endpoint, this.opts, timeout));
            else resolve(res);
          });
        }),
    );
  }

  /**
   * connected waits, up to the dial timeout, until the channel is ready or has failed. A failed channel lets the call
   * run and fail at once with the real reason (refused, TLS…); a channel still connecting after the dial timeout is a
   * member that accepts TCP but never answers (frozen, or not etcd).
   */
  private connected(): Promise<void> {
    const channel = this.client.getChannel();
    const deadline = Date.now() + this.opts.dialTimeoutMs;
    return new Promise((resolve, reject) => {
      const check = (): void => {
        const state = channel.getConnectivityState(true);
        if (state === grpc.connectivityState.READY || state === grpc.connectivityState.TRANSIENT_FAILURE) return resolve();
        if (state === grpc.connectivityState.SHUTDOWN) return reject(new AppError('ETCD_CLOSED', `${this.endpoint}: client is closed`));
        channel.watchConnectivityState(state, deadline, (err) => {
          if (!err) return check();
          reject(
            new AppError('ETCD_DIAL_TIMEOUT', `${this.endpoint}: no connection within the dial timeout (${this.opts.dialTimeoutMs} ms)`, {
              hint: 'the member accepts connections but does not answer: is it frozen, overloaded, or not an etcd client port?',
            }),
          );
        });
      };
      check();
    });
  }
}

/** methodDef is the definition of one of etcd's methods; a name etcd does not have is a programming error. */
function methodDef(service: ServiceName, name: string): grpc.MethodDefinition<unknown, unknown> {
  const def = etcdMethod(service, name);
  if (!def) throw new Error(`unknown etcd method ${service}.${name}`);
  return def;
}

function sslCredentials(opts: ConnectionOptions): grpc.ChannelCredentials {
  const tls = opts.tls ?? {};
  const verify: grpc.VerifyOptions = tls.insecureSkipVerify ? { rejectUnauthorized: false, checkServerIdentity: () => undefined } : {};
  return grpc.credentials.createSsl(tls.ca ?? null, tls.key ?? null, tls.cert ?? null, verify);
}
