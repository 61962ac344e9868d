// A hand-written protobuf decoder for etcd's RangeResponse, the one answer that can hold a whole keyspace. proto-loader
// (protobufjs' toObject with Long → string conversion and defaults) spends ~13 µs per key, which made a 100k-key get
// take seconds and hundreds of MB; this reads the same fields into the same shape (rpc-types.ts) in a fraction of that,
// with keys and values as views into the received buffer (no copy).
import type { KeyValue, RangeResponse, ResponseHeader } from './rpc-types.ts';

const EMPTY = Buffer.alloc(0);
const SMALL = Array.from({ length: 128 }, (_v, i) => String(i));

class Reader {
  buf: Buffer;
  pos: number;

  constructor(buf: Buffer, pos = 0) {
    this.buf = buf;
    this.pos = pos;
  }

  /** int64 reads a (u)int64 varint as an exact decimal string; the common short ones without BigInt or arrays. */
  int64(signed: boolean): string {
    const buf = this.buf;
    const start = this.pos;
    let pos = start;
    let b = buf[pos++]!;
    if (b < 0x80) {
      this.pos = pos;
      return SMALL[b]!;
    }
    let v = b & 0x7f;
    let mul = 128;
    // Seven bytes carry 49 bits: exact in a double.
    for (let i = 1; i < 7; i++) {
      b = buf[pos++]!;
      v += (b & 0x7f) * mul;
      if (b < 0x80) {
        this.pos = pos;
        return String(v);
      }
      mul *= 128;
    }
    let big = 0n;
    let shift = 0n;
    pos = start;
    do {
      b = buf[pos++]!;
      big |= BigInt(b & 0x7f) << shift;
      shift += 7n;
    } while (b & 0x80);
    this.pos = pos;
    big = BigInt.asUintN(64, big);
    return (signed ? BigInt.asIntN(64, big) : big).toString();
  }

  /** uint32 reads a varint of at most 32 bits (tags, lengths). */
  uint32(): number {
    const buf = this.buf;
    let b = buf[this.pos++]!;
    if (b < 0x80) return b;
    let v = b & 0x7f;
    let mul = 128;
    do {
      b = buf[this.pos++]!;
      v += (b & 0x7f) * mul;
      mul *= 128;
    } while (b & 0x80);
    return v;
  }

  bytes(): Buffer {
    const len = this.uint32();
    const start = this.pos;
    this.pos += len;
    return this.buf.subarray(start, this.pos);
  }

  skip(wire: number): void {
    if (wire === 0) this.int64(false);
    else if (wire === 1) this.pos += 8;
    else if (wire === 2) {
      // Not `this.pos += this.uint32()`: that reads this.pos before uint32 moves it past the length.
      const len = this.uint32();
      this.pos += len;
    } else if (wire === 5) this.pos += 4;
    else throw new Error(`protobuf: unsupported wire type ${wire}`);
  }
}

function header(r: Reader, end: number): ResponseHeader {
  const h: ResponseHeader = { cluster_id: '0', member_id: '0', revision: '0', raft_term: '0' };
  while (r.pos < end) {
    const tag = r.uint32();
    const field = tag >>> 3;
    if (field === 1) h.cluster_id = r.int64(false);
    else if (field === 2) h.member_id = r.int64(false);
    else if (field === 3) h.revision = r.int64(true);
    else if (field === 4) h.raft_term = r.int64(false);
    else r.skip(tag & 7);
  }
  return h;
}

function keyValue(r: Reader, end: number): KeyValue {
  const kv: KeyValue = { key: EMPTY, create_revision: '0', mod_revision: '0', version: '0', value: EMPTY, lease: '0' };
  while (r.pos < end) {
    const tag = r.uint32();
    switch (tag >>> 3) {
      case 1:
        kv.key = r.bytes();
        break;
      case 2:
        kv.create_revision = r.int64(true);
        break;
      case 3:
        kv.mod_revision = r.int64(true);
        break;
      case 4:
        kv.version = r.int64(true);
        break;
      case 5:
        kv.value = r.bytes();
        break;
      case 6:
        kv.lease = r.int64(true);
        break;
      default:
        r.skip(tag & 7);
    }
  }
  return kv;
}

/** decodeRangeResponse decodes a RangeResponse from its wire bytes into the shape EtcdRpc.range returns. */
export function decodeRangeResponse(buf: Buffer): RangeResponse {
  const r = new Reader(buf);
  const out: RangeResponse = { header: { cluster_id: '0', member_id: '0', revision: '0', raft_term: '0' }, kvs: [], more: false, count: '0' };
  while (r.pos < buf.length) {
    const tag = r.uint32();
    const field = tag >>> 3;
    if (field === 1 || field === 2) {
      const len = r.uint32();
      const end = r.pos + len;
      if (field === 1) out.header = header(r, end);
      else out.kvs.push(keyValue(r, end));
      r.pos = end;
    } else if (field === 3) out.more = r.uint32() !== 0;
    else if (field === 4) out.count = r.int64(true);
    else r.skip(tag & 7);
  }
  return out;
}

/** KvSpan is one key of a RangeResponse as scanRangeResponse reports it; the same object is reused for every key. */
export interface KvSpan {
  /** keyStart and keyEnd delimit the key in the wire bytes (no copy). */
  keyStart: number;
  /** keyEnd: see keyStart. */
  keyEnd: number;
  /** valueStart and valueEnd delimit the value in the wire bytes. */
  valueStart: number;
  /** valueEnd: see valueStart. */
  valueEnd: number;
  /** create_revision, mod_revision, version and lease are exact decimal strings ('0' when absent or not read). */
  create_revision: string;
  /** mod_revision: see create_revision. */
  mod_revision: string;
  /** version: see create_revision. */
  version: string;
  /** lease: see create_revision. */
  lease: string;
}

/**
 * scanRangeResponse walks a RangeResponse's wire bytes and calls onKv for each key in order, without an object or a
 * Buffer per key (a get can return the whole keyspace); `numbers: false` leaves the revisions, version and lease
 * unread. It returns the rest of the message as decodeRangeResponse does.
 */
export function scanRangeResponse(buf: Buffer, numbers: boolean, onKv: (kv: KvSpan) => void): Omit<RangeResponse, 'kvs'> {
  const r = new Reader(buf);
  const out: Omit<RangeResponse, 'kvs'> = { header: { cluster_id: '0', member_id: '0', revision: '0', raft_term: '0' }, more: false, count: '0' };
  const kv: KvSpan = { keyStart: 0, keyEnd: 0, valueStart: 0, valueEnd: 0, create_revision: '0', mod_revision: '0', version: '0', lease: '0' };
  while (r.pos < buf.length) {
    const tag = r.uint32();
    const field = tag >>> 3;
    if (field === 1 || field === 2) {
      const len = r.uint32();
      const end = r.pos + len;
      if (field === 1) out.header = header(r, end);
      else {
        kv.keyStart = kv.keyEnd = kv.valueStart = kv.valueEnd = 0;
        kv.create_revision = kv.mod_revision = kv.version = kv.lease = '0';
        while (r.pos < end) {
          const t = r.uint32();
          const f = t >>> 3;
          if (f === 1 || f === 5) {
            const n = r.uint32();
            if (f === 1) kv.keyStart = r.pos;
            else kv.valueStart = r.pos;
            r.pos += n;
            if (f === 1) kv.keyEnd = r.pos;
            else kv.valueEnd = r.pos;
          } else if (numbers && f === 2) kv.create_revision = r.int64(true);
          else if (numbers && f === 3) kv.mod_revision = r.int64(true);
          else if (numbers && f === 4) kv.version = r.int64(true);
          else if (numbers && f === 6) kv.lease = r.int64(true);
          else r.skip(t & 7);
        }
        onKv(kv);
      }
      r.pos = end;
    } else if (field === 3) out.more = r.uint32() !== 0;
    else if (field === 4) out.count = r.int64(true);
    else r.skip(tag & 7);
  }
  return out;
}

/**
 * RangeKeys is a RangeResponse read for its keys and value sizes only, without an object per key: key i is
 * `buf.subarray(keyStart[i], keyStart[i] + keyLength[i])` (see decodeRangeKeys). For scans that only sum or compare.
 */
export interface RangeKeys {
  /** header is the response header. */
  header: ResponseHeader;
  /** more tells whether the range holds more keys than were returned. */
  more: boolean;
  /** count is the number of keys in the range (etcd walked them all). */
  count: string;
  /** n is how many keys the answer holds. */
  n: number;
  /** buf is the answer's bytes, which the offsets point into. */
  buf: Buffer;
  /** keyStart and keyLength locate each key in buf; valueLength is each value's size (0 with keys only). */
  keyStart: Uint32Array;
  keyLength: Uint32Array;
  valueLength: Uint32Array;
}

/** decodeRangeKeys decodes a RangeResponse into RangeKeys: one pass to count the keys, one to locate them. */
export function decodeRangeKeys(buf: Buffer): RangeKeys {
  const r = new Reader(buf);
  let n = 0;
  while (r.pos < buf.length) {
    const tag = r.uint32();
    if (tag >>> 3 === 2) n++;
    r.skip(tag & 7);
  }
  const out: RangeKeys = {
    header: { cluster_id: '0', member_id: '0', revision: '0', raft_term: '0' },
    more: false,
    count: '0',
    n,
    buf,
    keyStart: new Uint32Array(n),
    keyLength: new Uint32Array(n),
    valueLength: new Uint32Array(n),
  };
  r.pos = 0;
  let i = 0;
  while (r.pos < buf.length) {
    const tag = r.uint32();
    const field = tag >>> 3;
    if (field === 1 || field === 2) {
      const len = r.uint32();
      const end = r.pos + len;
      if (field === 1) out.header = header(r, end);
      else {
        while (r.pos < end) {
          const t = r.uint32();
          const f = t >>> 3;
          if (f === 1 || f === 5) {
            const l = r.uint32();
            if (f === 1) {
              out.keyStart[i] = r.pos;
              out.keyLength[i] = l;
            } else out.valueLength[i] = l;
            r.pos += l;
          } else r.skip(t & 7);
        }
        i++;
      }
      r.pos = end;
    } else if (field === 3) out.more = r.uint32() !== 0;
    else if (field === 4) out.count = r.int64(true);
    else r.skip(tag & 7);
  }
  return out;
}
