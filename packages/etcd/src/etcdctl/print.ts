// etcdctl 3.4's output writers (etcdctl/ctlv3/command/printer*.go): `-w simple`, `json`, `fields` and `table`, for the
// same responses, to the byte. Keys and values are written as raw bytes, as etcdctl does.
import type {
  AlarmResponse,
  AuthRoleGetResponse,
  AuthRoleListResponse,
  AuthStatusResponse,
  AuthUserGetResponse,
  AuthUserListResponse,
  DeleteRangeResponse,
  HashKVResponse,
  HeaderOnlyResponse,
  KeyValue,
  LeaseGrantResponse,
  LeaseKeepAliveResponse,
  LeaseLeasesResponse,
  LeaseTimeToLiveResponse,
  MemberAddResponse,
  MemberListResponse,
  PutResponse,
  RangeResponse,
  ResponseHeader,
  StatusResponse,
  TxnResponse,
  WatchResponse,
} from '../rpc-types.ts';
import {
  alarmJson,
  alarmLines,
  endpointHashKVJson,
  endpointHealthJson,
  endpointHealthLines,
  endpointStatusJson,
  endpointStatusRows,
  goTable,
  hex,
  hex16,
  memberListJson,
  memberRows,
} from '@etcd-monitor/core/parse';
import { goHeaderFields, goJson, goString } from './go-json.ts';
import { decodeRangeResponse, scanRangeResponse } from '../fast-decode.ts';

export { goDuration, goTable, hex, hex16, humanizeBytes } from '@etcd-monitor/core/parse';

/** OutputFormat is etcdctl's `-w`: simple, json, fields or table (protobuf is not offered). */
export type OutputFormat = 'simple' | 'json' | 'fields' | 'table';

/** OUTPUT_FORMATS lists the formats `-w` accepts. */
export const OUTPUT_FORMATS: OutputFormat[] = ['simple', 'json', 'fields', 'table'];

/** UnsupportedFormat is etcdctl's "table not supported as output format" (exit 4). */
export class UnsupportedFormat extends Error {
  constructor(format: string) {
    super(`${format} not supported as output format`);
    this.name = 'UnsupportedFormat';
  }
}

/** EpStatus is one endpoint's status as `endpoint status` prints it. */
export interface EpStatus {
  /** ep is the endpoint as given. */
  ep: string;
  /** resp is its status. */
  resp: StatusResponse;
}

/** EpHealth is one endpoint's health as `endpoint health` prints it. */
export interface EpHealth {
  /** ep is the endpoint as given. */
  ep: string;
  /** health tells whether the read went through. */
  health: boolean;
  /** took is how long it took, as Go prints a duration. */
  took: string;
  /** error is why it is unhealthy. */
  error: string;
}

/** EpHashKV is one endpoint's hash as `endpoint hashkv` prints it. */
export interface EpHashKV {
  /** ep is the endpoint as given. */
  ep: string;
  /** resp is its hash. */
  resp: HashKVResponse;
}

/** Printer collects what etcdctl would write to stdout (bytes) and stderr for one command. */
export class Printer {
  /** format is the -w format. */
  readonly format: OutputFormat;
  /** hex prints keys and values as \x-escaped hex (etcdctl --hex). */
  readonly hex: boolean;
  /** valueOnly leaves keys out in simple output (--print-value-only). */
  readonly valueOnly: boolean;
  private chunks: Buffer[] = [];
  private errChunks: string[] = [];

  constructor(format: OutputFormat, o: { hex?: boolean; valueOnly?: boolean } = {}) {
    this.format = format;
    this.hex = Boolean(o.hex);
    this.valueOnly = Boolean(o.valueOnly);
  }

  /** take returns what was written to stdout and stderr since the last take, and forgets it. */
  take(): { out: Buffer; err: string } {
    const r = { out: this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks), err: this.errChunks.join('') };
    this.chunks = [];
    this.errChunks = [];
    return r;
  }

  /** line writes a line to stdout. */
  line(s: string | Buffer = ''): void {
    this.chunks.push(typeof s === 'string' ? Buffer.from(s) : s, NL);
  }

  /** errLine writes a line to stderr. */
  errLine(s: string): void {
    this.errChunks.push(`${s}\n`);
  }

  private json(s: string): void {
    this.line(s);
  }

  private unsupported(): never {
    throw new UnsupportedFormat(this.format);
  }

  private kvSimple(kv: KeyValue): void {
    if (!this.valueOnly) this.line(this.bytes(kv.key));
    this.line(this.bytes(kv.value));
  }

  private bytes(b: Buffer): Buffer {
    return this.hex ? Buffer.from([...b].map((x) => `\\x${x.toString(16).padStart(2, '0')}`).join('')) : b;
  }

  private hdr(h: ResponseHeader | null): void {
    const x = h ?? { cluster_id: '0', member_id: '0', revision: '0', raft_term: '0' };
    this.line(`"ClusterID" : ${x.cluster_id}`);
    this.line(`"MemberID" : ${x.member_id}`);
    this.line(`"Revision" : ${x.revision}`);
    this.line(`"RaftTerm" : ${x.raft_term}`);
  }

  private kvFields(pfx: string, kv: KeyValue): void {
    this.line(`"${pfx}Key" : ${goQuote(kv.key)}`);
    this.line(`"${pfx}CreateRevision" : ${kv.create_revision}`);
    this.line(`"${pfx}ModRevision" : ${kv.mod_revision}`);
    this.line(`"${pfx}Version" : ${kv.version}`);
    this.line(`"${pfx}Value" : ${goQuote(kv.value)}`);
    this.line(`"${pfx}Lease" : ${kv.lease}`);
  }

  /** get prints a range answer; `countOnly` prints the count alone in simple output (etcdctl 3.5's --count-only). */
  get(r: RangeResponse, countOnly = false): void {
    if (this.format === 'json') return this.json(rangeJson(r));
    if (this.format === 'fields') {
      this.hdr(r.header);
      for (const kv of r.kvs) this.kvFields('', kv);
      this.line(`"More" : ${r.more}`);
      this.line(`"Count" : ${r.count}`);
      return;
    }
    if (this.format !== 'simple') this.unsupported();
    if (countOnly) return this.line(r.count);
    for (const kv of r.kvs) this.kvSimple(kv);
  }

  /**
   * getWire prints a range answer from its wire bytes (EtcdRpc.rangeWire) exactly as get() prints it decoded. Simple and
   * JSON output, the formats a large get is printed in, are written straight from the received bytes into one buffer:
   * no object, Buffer or string per key, and no line-sized writes (a get can return the whole keyspace).
   */
  getWire(wire: Buffer, countOnly = false): void {
    if (this.hex || countOnly || (this.format !== 'simple' && this.format !== 'json')) return this.get(decodeRangeResponse(wire), countOnly);
    // Simple output is the keys and values and two newlines per key: at most twice the wire size (a key's entry in
    // the wire takes at least two bytes). JSON grows by a third (base64) plus the field names: rarely more than twice.
    // The JSON header goes in front of the keys once the scan has read it: room for it is kept at the start.
    const w = new ByteWriter(2 * wire.length + 4096, this.format === 'json' ? HEADER_ROOM : 0);
    if (this.format === 'simple') {
      const valueOnly = this.valueOnly;
      scanRangeResponse(wire, false, (kv) => {
        if (!valueOnly) w.line(wire, kv.keyStart, kv.keyEnd);
        w.line(wire, kv.valueStart, kv.valueEnd);
      });
      this.chunks.push(w.done());
      return;
    }
    // rangeJson's document.
    let n = 0;
    const rest = scanRangeResponse(wire, true, (kv) => {
      w.ascii(n++ === 0 ? ',"kvs":[{' : ',{');
      let first = true;
      if (kv.keyEnd > kv.keyStart) {
        w.ascii('"key":"').base64(wire, kv.keyStart, kv.keyEnd).byte(34);
        first = false;
      }
      if (kv.create_revision !== '0') {
        w.ascii(first ? '"create_revision":' : ',"create_revision":').ascii(kv.create_revision);
        first = false;
      }
      if (kv.mod_revision !== '0') {
        w.ascii(first ? '"mod_revision":' : ',"mod_revision":').ascii(kv.mod_revision);
        first = false;
      }
      if (kv.version !== '0') {
        w.ascii(first ? '"version":' : ',"version":').ascii(kv.version);
        first = false;
      }
      if (kv.valueEnd > kv.valueStart) {
        w.ascii(first ? '"value":"' : ',"value":"')
          .base64(wire, kv.valueStart, kv.valueEnd)
          .byte(34);
        first = false;
      }
      if (kv.lease !== '0') w.ascii(first ? '"lease":' : ',"lease":').ascii(kv.lease);
      w.byte(125);
    });
    if (n > 0) w.byte(93);
    w.ascii(`${rest.more ? ',"more":true' : ''}${rest.count !== '0' ? `,"count":${rest.count}` : ''}}\n`);
    this.chunks.push(w.done(`{"header":${goJson('etcdserverpb.ResponseHeader', rest.header)}`));
  }

  /** put prints a put answer. */
  put(r: PutResponse): void {
    if (this.format === 'json') return this.json(goJson('etcdserverpb.PutResponse', r));
    if (this.format === 'fields') {
      this.hdr(r.header);
      if (r.prev_kv) this.kvFields('Prev', r.prev_kv);
      return;
    }
    if (this.format !== 'simple') this.unsupported();
    this.line('OK');
    if (r.prev_kv) this.kvSimple(r.prev_kv);
  }

  /** del prints a delete answer. */
  del(r: DeleteRangeResponse): void {
    if (this.format === 'json') return this.json(goJson('etcdserverpb.DeleteRangeResponse', r));
    if (this.format === 'fields') {
      this.hdr(r.header);
      this.line(`"Deleted" : ${r.deleted}`);
      for (const kv of r.prev_kvs) this.kvFields('Prev', kv);
      return;
    }
    if (this.format !== 'simple') this.unsupported();
    this.line(r.deleted);
    for (const kv of r.prev_kvs) this.kvSimple(kv);
  }

  /** txn prints a transaction answer. */
  txn(r: TxnResponse): void {
    if (this.format === 'json') return this.json(goJson('etcdserverpb.TxnResponse', r));
    if (this.format === 'fields') {
      this.hdr(r.header);
      this.line(`"Succeeded" : ${r.succeeded}`);
      for (const op of r.responses) {
        if (op.response_delete_range) this.del(op.response_delete_range);
        else if (op.response_put) this.put(op.response_put);
        else if (op.response_range) this.get(op.response_range);
      }
      return;
    }
    if (this.format !== 'simple') this.unsupported();
    this.line(r.succeeded ? 'SUCCESS' : 'FAILURE');
    for (const op of r.responses) {
      this.line();
      if (op.response_delete_range) this.del(op.response_delete_range);
      else if (op.response_put) this.put(op.response_put);
      else if (op.response_range) this.get(op.response_range);
    }
  }

  /** watch prints one watch response (etcdctl 3.4 prints clientv3's WatchResponse struct in JSON). */
  watch(r: WatchResponse): void {
    if (this.format === 'json') {
      const events = r.events.map((e) => goJson('mvccpb.Event', e)).join(',');
      return this.json(
        `{"Header":${goJson('etcdserverpb.ResponseHeader', r.header)},"Events":${r.events.length ? `[${events}]` : 'null'},"CompactRevision":${r.compact_revision},"Canceled":${r.canceled},"Created":${r.created}}`,
      );
    }
    if (this.format === 'fields') {
      this.hdr(r.header);
      for (const e of r.events) {
        this.line(`"Type" : ${e.type.toUpperCase()}`);
        if (e.prev_kv) this.kvFields('Prev', e.prev_kv);
        if (e.kv) this.kvFields('', e.kv);
      }
      return;
    }
    if (this.format !== 'simple') this.unsupported();
    for (const e of r.events) {
      this.line(e.type.toUpperCase());
      if (e.prev_kv) this.kvSimple(e.prev_kv);
      if (e.kv) this.kvSimple(e.kv);
    }
  }

  /** leaseGrant prints a lease grant answer. */
  leaseGrant(r: LeaseGrantResponse): void {
    if (this.format === 'json') return this.json(`{${joinFields(goHeaderFields(r.header), `"ID":${r.ID},"TTL":${r.TTL},"Error":${goString(r.error)}`)}}`);
    if (this.format === 'fields') {
      this.hdr(r.header);
      this.line(`"ID" : ${r.ID}`);
      this.line(`"TTL" : ${r.TTL}`);
      return;
    }
    if (this.format !== 'simple') this.unsupported();
    this.line(`lease ${hex16(r.ID)} granted with TTL(${r.TTL}s)`);
  }

  /** leaseRevoke prints a lease revoke answer. */
  leaseRevoke(id: string, r: HeaderOnlyResponse): void {
    if (this.format === 'json') return this.json(goJson('etcdserverpb.LeaseRevokeResponse', r));
    if (this.format === 'fields') return this.hdr(r.header);
    if (this.format !== 'simple') this.unsupported();
    this.line(`lease ${hex16(id)} revoked`);
  }

  /** leaseTimeToLive prints a time-to-live answer. */
  leaseTimeToLive(r: LeaseTimeToLiveResponse, keys: boolean): void {
    if (this.format === 'json') {
      const ks = r.keys.length ? `[${r.keys.map((k) => goString(k.toString('base64'))).join(',')}]` : 'null';
      return this.json(`{${joinFields(goHeaderFields(r.header), `"id":${r.ID},"ttl":${r.TTL},"granted-ttl":${r.grantedTTL},"keys":${ks}`)}}`);
    }
    if (this.format === 'fields') {
      this.hdr(r.header);
      this.line(`"ID" : ${r.ID}`);
      this.line(`"TTL" : ${r.TTL}`);
      this.line(`"GrantedTTL" : ${r.grantedTTL}`);
      for (const k of r.keys) this.line(`"Key" : ${goQuote(k)}`);
      return;
    }
    if (this.format !== 'simple') this.unsupported();
    if (r.grantedTTL === '0' && r.TTL === '-1') return this.line(`lease ${hex16(r.ID)} already expired`);
    let txt = `lease ${hex16(r.ID)} granted with TTL(${r.grantedTTL}s), remaining(${r.TTL}s)`;
    if (keys) txt += `, attached keys([${r.keys.map((k) => k.toString('latin1')).join(' ')}])`;
    this.line(Buffer.from(txt, 'latin1'));
  }

  /** leaseList prints the lease list. */
  leaseList(r: LeaseLeasesResponse): void {
    if (this.format === 'json') return this.json(`{${joinFields(goHeaderFields(r.header), `"leases":[${r.leases.map((l) => `{"id":${l.ID}}`).join(',')}]`)}}`);
    if (this.format === 'fields') {
      this.hdr(r.header);
      for (const l of r.leases) this.line(`"ID" : ${l.ID}`);
      return;
    }
    if (this.format !== 'simple') this.unsupported();
    this.line(`found ${r.leases.length} leases`);
    for (const l of r.leases) this.line(hex16(l.ID));
  }

  /** leaseKeepAlive prints one keep-alive answer. */
  leaseKeepAlive(r: LeaseKeepAliveResponse): void {
    if (this.format === 'json') return this.json(`{${joinFields(goHeaderFields(r.header), `"ID":${r.ID},"TTL":${r.TTL}`)}}`);
    if (this.format === 'fields') {
      this.hdr(r.header);
      this.line(`"ID" : ${r.ID}`);
      this.line(`"TTL" : ${r.TTL}`);
      return;
    }
    if (this.format !== 'simple') this.unsupported();
    this.line(`lease ${hex16(r.ID)} keepalived with TTL(${r.TTL})`);
  }

  /** memberList prints the member list. */
  memberList(r: MemberListResponse): void {
    if (this.format === 'json') return this.json(memberListJson(r));
    if (this.format === 'fields') {
      this.hdr(r.header);
      for (const m of r.members) {
        this.line(`"ID" : ${m.ID}`);
        this.line(`"Name" : ${goQuote(Buffer.from(m.name))}`);
        for (const u of m.peerURLs) this.line(`"PeerURL" : ${goQuote(Buffer.from(u))}`);
        for (const u of m.clientURLs) this.line(`"ClientURL" : ${goQuote(Buffer.from(u))}`);
        this.line(`"IsLearner" : ${m.isLearner}`);
        this.line();
      }
      return;
    }
    const t = memberRows(r.members);
    this.rows(t.header, t.rows);
  }

  /** memberAdd prints a member add answer (the simple format's ETCD_* lines are printed by the command). */
  memberAdd(r: MemberAddResponse): void {
    if (this.format === 'json') return this.json(memberListJson(r));
    if (this.format === 'fields') {
      this.hdr(r.header);
      return;
    }
    if (this.format !== 'simple') this.unsupported();
    const m = r.member!;
    this.line(`Member ${hex(m.ID).padStart(16)} added${m.isLearner ? ' as learner ' : ' '}to cluster ${hex(r.header.cluster_id).padStart(16)}`);
  }

  /** memberChanged prints a member remove, update or promote answer. */
  memberChanged(what: 'removed from' | 'updated in' | 'promoted in', id: string, r: MemberListResponse): void {
    // MemberRemoveResponse, MemberUpdateResponse and MemberPromoteResponse have MemberListResponse's fields.
    if (this.format === 'json') return this.json(memberListJson(r));
    if (this.format === 'fields') return this.hdr(r.header);
    if (this.format !== 'simple') this.unsupported();
    this.line(`Member ${hex(id).padStart(16)} ${what} cluster ${hex(r.header.cluster_id).padStart(16)}`);
  }

  /** endpointStatus prints the endpoints' status. */
  endpointStatus(list: EpStatus[]): void {
    if (this.format === 'json') return this.json(endpointStatusJson(list));
    if (this.format === 'fields') {
      for (const { ep, resp } of list) {
        this.hdr(resp.header);
        this.line(`"Version" : ${goQuote(Buffer.from(resp.version))}`);
        this.line(`"DBSize" : ${resp.dbSize}`);
        this.line(`"Leader" : ${resp.leader}`);
        this.line(`"IsLearner" : ${resp.isLearner}`);
        this.line(`"RaftIndex" : ${resp.raftIndex}`);
        this.line(`"RaftTerm" : ${resp.raftTerm}`);
        this.line(`"RaftAppliedIndex" : ${resp.raftAppliedIndex}`);
        this.line(`"Errors" : [${resp.errors.join(' ')}]`);
        this.line(`"Endpoint" : ${goQuote(Buffer.from(ep))}`);
        this.line();
      }
      return;
    }
    const t = endpointStatusRows(list);
    this.rows(t.header, t.rows);
  }

  /** endpointHealth prints the endpoints' health (the simple format writes to stderr, as etcdctl does). */
  endpointHealth(list: EpHealth[]): void {
    if (this.format === 'json') return this.json(endpointHealthJson(list));
    if (this.format === 'fields') {
      for (const h of list) {
        this.line(`"Endpoint" : ${goQuote(Buffer.from(h.ep))}`);
        this.line(`"Health" : ${h.health}`);
        this.line(`"Took" : ${h.took}`);
        this.line(`"Error" : ${h.error}`);
        this.line();
      }
      return;
    }
    if (this.format === 'table') {
      return this.rows(
        ['endpoint', 'health', 'took', 'error'],
        list.map((h) => [h.ep, String(h.health), h.took, h.error]),
      );
    }
    this.errChunks.push(endpointHealthLines(list));
  }

  /** endpointHashKV prints the endpoints' hashes. */
  endpointHashKV(list: EpHashKV[]): void {
    if (this.format === 'json') return this.json(endpointHashKVJson(list));
    if (this.format === 'fields') {
      for (const h of list) {
        this.hdr(h.resp.header);
        this.line(`"Endpoint" : ${goQuote(Buffer.from(h.ep))}`);
        this.line(`"Hash" : ${h.resp.hash}`);
        this.line();
      }
      return;
    }
    this.rows(
      ['endpoint', 'hash'],
      list.map((h) => [h.ep, String(h.resp.hash)]),
    );
  }

  /** alarm prints an alarm list or disarm answer. */
  alarm(r: AlarmResponse): void {
    if (this.format === 'json') return this.json(alarmJson(r));
    if (this.format === 'fields') {
      // etcdctl 3.4 dereferences the absent header here and panics; print zeros instead.
      this.hdr(r.header);
      for (const a of r.alarms) {
        this.line(`"MemberID" : ${a.memberID}`);
        this.line(`"AlarmType" : ${a.alarm.toUpperCase()}`);
        this.line();
      }
      return;
    }
    if (this.format !== 'simple') this.unsupported();
    this.chunks.push(Buffer.from(alarmLines(r.alarms)));
  }

  /** moveLeader prints a move-leader answer. */
  moveLeader(from: string, to: string, r: HeaderOnlyResponse): void {
    if (this.format === 'json') return this.json(goJson('etcdserverpb.MoveLeaderResponse', r));
    if (this.format === 'fields') return this.hdr(r.header);
    if (this.format !== 'simple') this.unsupported();
    this.line(`Leadership transferred from ${hex(from)} to ${hex(to)}`);
  }

  /** authStatus prints whether authentication is on (etcdctl 3.5's `auth status`). */
  authStatus(r: AuthStatusResponse): void {
    if (this.format === 'json') return this.json(goJson('etcdserverpb.AuthStatusResponse', r));
    if (this.format === 'fields') {
      this.hdr(r.header);
      this.line(`"Enabled" : ${r.enabled}`);
      this.line(`"AuthRevision" : ${r.authRevision}`);
      return;
    }
    if (this.format !== 'simple') this.unsupported();
    this.line(`Authentication Status: ${r.enabled}`);
    this.line(`AuthRevision: ${r.authRevision}`);
  }

  /** authDone prints the answer of a user or role change: `message` in simple output, the header otherwise. */
  authDone(messageName: string, message: string, r: HeaderOnlyResponse): void {
    if (this.format === 'json') return this.json(goJson(`etcdserverpb.${messageName}`, r));
    if (this.format === 'fields') return this.hdr(r.header);
    if (this.format !== 'simple') this.unsupported();
    this.line(message);
  }

  /** userList prints the users. */
  userList(r: AuthUserListResponse): void {
    // etcdctl 3.4's fields printer has no user list.
    if (this.format === 'fields') this.unsupported();
    this.names('AuthUserListResponse', 'User', r.users, r);
  }

  /** roleList prints the roles. */
  roleList(r: AuthRoleListResponse): void {
    this.names('AuthRoleListResponse', 'Role', r.roles, r);
  }

  private names(messageName: string, label: string, names: string[], r: HeaderOnlyResponse): void {
    if (this.format === 'json') return this.json(goJson(`etcdserverpb.${messageName}`, r));
    if (this.format === 'fields') {
      this.hdr(r.header);
      for (const n of names) this.line(`"${label}" : ${n}`);
      return;
    }
    if (this.format !== 'simple') this.unsupported();
    for (const n of names) this.line(n);
  }

  /** userGet prints a user's roles (`user get --detail` prints userDetail and each role instead). */
  userGet(name: string, r: AuthUserGetResponse): void {
    if (this.format === 'json') return this.json(goJson('etcdserverpb.AuthUserGetResponse', r));
    // etcdctl 3.4's fields printer has no user get.
    if (this.format !== 'simple') this.unsupported();
    this.line(`User: ${name}`);
    this.line(`Roles:${r.roles.map((x) => ` ${x}`).join('')}`);
  }

  /** userDetail starts `user get --detail`: the user's name; the command then prints an empty line and roleGet per role. */
  userDetail(name: string): void {
    this.line(`User: ${name}`);
  }

  /** roleGet prints a role's permissions. */
  roleGet(role: string, r: AuthRoleGetResponse): void {
    if (this.format === 'json') return this.json(goJson('etcdserverpb.AuthRoleGetResponse', r));
    if (this.format === 'fields') {
      this.hdr(r.header);
      for (const p of r.perm) {
        this.line(`"PermType" :  ${p.permType.toUpperCase()}`);
        this.line(`"Key" : ${goQuote(p.key)}`);
        this.line(`"RangeEnd" : ${goQuote(p.range_end)}`);
      }
      return;
    }
    if (this.format !== 'simple') this.unsupported();
    this.line(`Role ${role}`);
    const range = (key: Buffer, end: Buffer) => {
      const k = key.toString('latin1');
      const e = end.toString('latin1');
      let s = e !== '\0' ? `\t[${k}, ${e})` : `\t[${k}, <open ended>`;
      if (prefixEnd(key).toString('latin1') === e) s += ` (prefix ${k})`;
      return Buffer.from(s, 'latin1');
    };
    for (const [label, types] of [
      ['KV Read:', ['Read', 'Readwrite']],
      ['KV Write:', ['Write', 'Readwrite']],
    ] as const) {
      this.line(label);
      for (const p of r.perm) {
        if (!(types as readonly string[]).includes(p.permType)) continue;
        this.line(p.range_end.length === 0 ? Buffer.concat([Buffer.from('\t'), p.key]) : range(p.key, p.range_end));
      }
    }
  }

  private rows(header: string[], rows: string[][]): void {
    if (this.format === 'simple') {
      for (const r of rows) this.line(r.join(', '));
      return;
    }
    if (this.format !== 'table') this.unsupported();
    this.chunks.push(Buffer.from(goTable(header, rows)));
  }
}

const NL = Buffer.from('\n');

const B64 = Buffer.from('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/');

// A response header's JSON: four 64-bit numbers (at most 20 digits each) and their names, ~120 bytes.
const HEADER_ROOM = 256;

/** ByteWriter appends bytes to one buffer, growing it (rarely) by doubling; `front` bytes are kept for done()'s head. */
class ByteWriter {
  private buf: Buffer;
  private pos: number;
  private readonly front: number;

  constructor(size: number, front = 0) {
    this.buf = Buffer.allocUnsafe(size + front);
    this.pos = this.front = front;
  }

  private room(n: number): Buffer {
    if (this.pos + n > this.buf.length) {
      const bigger = Buffer.allocUnsafe(Math.max(2 * this.buf.length, this.pos + n));
      this.buf.copy(bigger, 0, 0, this.pos);
      this.buf = bigger;
    }
    return this.buf;
  }

  byte(c: number): this {
    this.room(1)[this.pos++] = c;
    return this;
  }

  /** bytes copies src[start, end); short runs by hand, which is faster than a native copy call. */
  bytes(src: Buffer, start: number, end: number): this {
    const buf = this.room(end - start);
    if (end - start > 64) this.pos += src.copy(buf, this.pos, start, end);
    else for (let i = start; i < end; i++) buf[this.pos++] = src[i]!;
    return this;
  }

  /** line copies src[start, end) and a newline, as bytes() then byte(10) do, with one check for room. */
  line(src: Buffer, start: number, end: number): this {
    const buf = this.room(end - start + 1);
    let p = this.pos;
    if (end - start > 64) p += src.copy(buf, p, start, end);
    else for (let i = start; i < end; i++) buf[p++] = src[i]!;
    buf[p++] = 10;
    this.pos = p;
    return this;
  }

  /** ascii writes a string of ASCII characters (JSON punctuation, field names, digits). */
  ascii(s: string): this {
    const buf = this.room(s.length);
    for (let i = 0; i < s.length; i++) buf[this.pos++] = s.charCodeAt(i);
    return this;
  }

  /** base64 writes src[start, end) in standard base64 with padding, as Go's encoding/json writes []byte. */
  base64(src: Buffer, start: number, end: number): this {
    const buf = this.room(4 * Math.ceil((end - start) / 3));
    let p = this.pos;
    let i = start;
    for (; i + 2 < end; i += 3) {
      const v = (src[i]! << 16) | (src[i + 1]! << 8) | src[i + 2]!;
      buf[p++] = B64[v >>> 18]!;
      buf[p++] = B64[(v >>> 12) & 63]!;
      buf[p++] = B64[(v >>> 6) & 63]!;
      buf[p++] = B64[v & 63]!;
    }
    if (i < end) {
      const v = (src[i]! << 16) | (i + 1 < end ? src[i + 1]! << 8 : 0);
      buf[p++] = B64[v >>> 18]!;
      buf[p++] = B64[(v >>> 12) & 63]!;
      buf[p++] = i + 1 < end ? B64[(v >>> 6) & 63]! : 61;
      buf[p++] = 61;
    }
    this.pos = p;
    return this;
  }

  /** done returns what was written, after `head` (ASCII, put in the room kept in front): a view of the buffer, no copy. */
  done(head = ''): Buffer {
    if (head.length > this.front) return Buffer.concat([Buffer.from(head), this.buf.subarray(this.front, this.pos)]);
    const start = this.front - head.length;
    for (let i = 0; i < head.length; i++) this.buf[start + i] = head.charCodeAt(i);
    return this.buf.subarray(start, this.pos);
  }
}

/**
 * rangeJson is goJson('etcdserverpb.RangeResponse', r) written out by hand for speed (a get can return the whole
 * keyspace); go-json.test.ts checks that the two agree.
 */
export function rangeJson(r: RangeResponse): string {
  const parts: string[] = [];
  if (r.header) parts.push(`"header":${goJson('etcdserverpb.ResponseHeader', r.header)}`);
  if (r.kvs.length) {
    const kvs = new Array<string>(r.kvs.length);
    for (let i = 0; i < r.kvs.length; i++) kvs[i] = kvJson(r.kvs[i]!);
    parts.push(`"kvs":[${kvs.join(',')}]`);
  }
  if (r.more) parts.push('"more":true');
  if (r.count !== '0') parts.push(`"count":${r.count}`);
  return `{${parts.join(',')}}`;
}

function kvJson(kv: KeyValue): string {
  let s = kv.key.length ? `{"key":"${kv.key.toString('base64')}"` : '{';
  const add = (name: string, v: string) => {
    if (v === '0') return;
    s += `${s.length > 1 ? ',' : ''}"${name}":${v}`;
  };
  add('create_revision', kv.create_revision);
  add('mod_revision', kv.mod_revision);
  add('version', kv.version);
  if (kv.value.length) s += `${s.length > 1 ? ',' : ''}"value":"${kv.value.toString('base64')}"`;
  add('lease', kv.lease);
  return `${s}}`;
}

function joinFields(...parts: string[]): string {
  return parts.filter((p) => p !== '').join(',');
}

function prefixEnd(key: Buffer): Buffer {
  const out = Buffer.from(key);
  for (let i = out.length - 1; i >= 0; i--) {
    if (out[i]! < 0xff) {
      out[i]! += 1;
      return out.subarray(0, i + 1);
    }
  }
  return Buffer.from([0]);
}

/** goQuote quotes bytes as Go's %q does: printable UTF-8 kept, \a \b \f \n \r \t \v, other control bytes and invalid UTF-8 as \xNN. */
export function goQuote(b: Uint8Array): string {
  let out = '"';
  let i = 0;
  while (i < b.length) {
    const c = b[i]!;
    if (c < 0x80) {
      const ch = String.fromCharCode(c);
      const esc: Record<string, string> = { '\x07': '\\a', '\b': '\\b', '\f': '\\f', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\v': '\\v', '"': '\\"', '\\': '\\\\' };
      if (esc[ch]) out += esc[ch];
      else if (c < 0x20 || c === 0x7f) out += `\\x${c.toString(16).padStart(2, '0')}`;
      else out += ch;
      i++;
      continue;
    }
    const len = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 0;
    const seq = len ? b.subarray(i, i + len) : undefined;
    const text = seq && seq.length === len ? new TextDecoder('utf-8', { fatal: false }).decode(seq) : '\ufffd';
    if (len && !text.includes('\ufffd') && text.codePointAt(0)! >= 0xa0) {
      out += text;
      i += len;
    } else {
      out += `\\x${c.toString(16).padStart(2, '0')}`;
      i++;
    }
  }
  return `${out}"`;
}
