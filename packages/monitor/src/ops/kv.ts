import { AppError } from '@etcd-monitor/core';
import { FROM_KEY, prefixRangeEnd, type EtcdRpc, type KeyValue, type ResponseHeader } from '@etcd-monitor/etcd';

// The key browser's reads, built so that no request loads more of the keyspace than one page: keys are listed with
// limits and cursors at a pinned revision, a folder level jumps over each folder's keys with one range end, and the
// per-prefix statistics stream page by page.

/** KeyView is a key as the API shows it: text when it is UTF-8, base64 always (keys are bytes). */
export interface KeyView {
  /** key is the key as UTF-8 text (invalid bytes replaced; see keyBase64). */
  key: string;
  /** keyBase64 is the key's exact bytes. */
  keyBase64: string;
  /** createRevision is the revision that created the key. */
  createRevision: string;
  /** modRevision is the revision of its last change: pass it back as expectModRevision to edit without overwriting. */
  modRevision: string;
  /** version counts the changes since the key was created. */
  version: string;
  /** lease is the id of its lease, "0" for none. */
  lease: string;
  /** size is the value's length in bytes. */
  size: number;
  /** value is the value as UTF-8 text, when it is valid UTF-8 and was asked for. */
  value?: string;
  /** valueBase64 is the value's bytes, when it is not UTF-8 text (and was asked for). */
  valueBase64?: string;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function text(b: Buffer): string | undefined {
  try {
    return utf8.decode(b);
  } catch {
    return undefined;
  }
}

/** keyView renders one key-value for the API; values only when asked. */
export function keyView(kv: KeyValue, withValue: boolean): KeyView {
  const v: KeyView = {
    key: kv.key.toString('utf8'),
    keyBase64: kv.key.toString('base64'),
    createRevision: kv.create_revision,
    modRevision: kv.mod_revision,
    version: kv.version,
    lease: kv.lease,
    size: kv.value.length,
  };
  if (withValue) {
    const t = text(kv.value);
    if (t === undefined) v.valueBase64 = kv.value.toString('base64');
    else v.value = t;
  }
  return v;
}

/** Cursor is where the next page starts and the revision every page of one listing reads at. */
interface Cursor {
  start: Buffer;
  revision: string;
}

/** encodeCursor writes a cursor as an opaque URL-safe token. */
export function encodeCursor(c: Cursor): string {
  return Buffer.from(JSON.stringify({ s: c.start.toString('base64'), r: c.revision })).toString('base64url');
}

/** decodeCursor reads a token from encodeCursor; a token that is not one is a 400 naming `cursor`. */
export function decodeCursor(token: string): Cursor {
  try {
    const o = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { s?: unknown; r?: unknown };
    if (typeof o.s === 'string' && typeof o.r === 'string' && /^\d+$/.test(o.r)) return { start: Buffer.from(o.s, 'base64'), revision: o.r };
  } catch {
    // falls through to the error below
  }
  throw new AppError('MON_BAD_REQUEST', 'cursor: not a cursor this API returned', {
    field: 'cursor',
    hint: 'pass nextCursor from the previous page unchanged, or leave it out for the first page',
  });
}

/** rangeOf returns the range of every key under a prefix (every key when the prefix is empty). */
export function rangeOf(prefix: Buffer): { key: Buffer; rangeEnd: Buffer } {
  return prefix.length === 0 ? { key: FROM_KEY, rangeEnd: FROM_KEY } : { key: prefix, rangeEnd: prefixRangeEnd(prefix) };
}

/** after returns the smallest key greater than `key`. */
function after(key: Buffer): Buffer {
  return Buffer.concat([key, FROM_KEY]);
}

/**
 * rangeNear reads the first `limit` keys of [start, rangeEnd) as one limited range would, in steps whose range end stays
 * close to `start`: etcd 3.4 walks every index entry between a range's start and end to count them, limit or not, so
 * one read with a far range end costs as much as all the keys after its start. The bound widens by cutting `start`
 * 1, 2, 4, … bytes shorter until the page is full or the bound is rangeEnd. `more` may be true with nothing left.
 */
async function rangeNear(
  rpc: EtcdRpc,
  start: Buffer,
  rangeEnd: Buffer,
  limit: number,
  o: { revision: string; keysOnly: boolean },
): Promise<{ kvs: KeyValue[]; more: boolean; revision: string }> {
  const kvs: KeyValue[] = [];
  const toEnd = rangeEnd.equals(FROM_KEY);
  let from = start;
  let revision = o.revision;
  for (let cut = 1; ; cut *= 2) {
    let bound = cut < start.length ? prefixRangeEnd(start.subarray(0, start.length - cut)) : rangeEnd;
    const last = bound.equals(FROM_KEY) || (!toEnd && Buffer.compare(bound, rangeEnd) >= 0);
    if (last) bound = rangeEnd;
    else if (Buffer.compare(bound, from) <= 0) continue;
    const r = await rpc.range(from, { rangeEnd: bound, limit: limit - kvs.length, revision, keysOnly: o.keysOnly });
    if (revision === '0') revision = r.header.revision;
    kvs.push(...r.kvs);
    if (kvs.length >= limit) return { kvs, more: r.more || !last, revision };
    if (last) return { kvs, more: false, revision };
    from = bound;
  }
}

/** Page is one page of a listing. */
export interface Page<T> {
  /** items are this page's entries. */
  items: T[];
  /** revision is the store revision the listing reads at. */
  revision: string;
  /** nextCursor fetches the next page; absent on the last page. */
  nextCursor?: string;
}

/** HeaderView is etcd's response header as the API answers it (decimal strings). */
export interface HeaderView {
  /** clusterId is the cluster id. */
  clusterId: string;
  /** memberId is the id of the member that answered. */
  memberId: string;
  /** revision is the store revision when the call was applied. */
  revision: string;
  /** raftTerm is the raft term when the call was applied. */
  raftTerm: string;
}

/** headerView turns etcd's response header into the API's (absent in etcd 3.4's alarm answers: zeros). */
export function headerView(h: ResponseHeader | null): HeaderView {
  return { clusterId: h?.cluster_id ?? '0', memberId: h?.member_id ?? '0', revision: h?.revision ?? '0', raftTerm: h?.raft_term ?? '0' };
}

/** listKeys returns one page of the keys under a prefix, in key order, optionally with their values. */
export async function listKeys(rpc: EtcdRpc, o: { prefix: Buffer; limit: number; cursor?: string; values: boolean }): Promise<Page<KeyView> & { header: HeaderView }> {
  const { key, rangeEnd } = rangeOf(o.prefix);
  const c = o.cursor ? decodeCursor(o.cursor) : undefined;
  const r = await rpc.range(c?.start ?? key, { rangeEnd, limit: o.limit, revision: c?.revision ?? 0, keysOnly: !o.values });
  const revision = c?.revision ?? r.header.revision;
  const items = r.kvs.map((kv) => keyView(kv, o.values));
  const last = r.kvs.at(-1);
  return { items, revision, header: headerView(r.header), ...(r.more && last ? { nextCursor: encodeCursor({ start: after(last.key), revision }) } : {}) };
}

/** LevelEntry is one child of a folder level: a sub-folder (keys sharing the next segment) or a key. */
export interface LevelEntry {
  /** name is the segment after the parent prefix (a folder's ends with the separator). */
  name: string;
  /** kind is `folder` or `key`. */
  kind: 'folder' | 'key';
  /** prefix is a folder's full prefix (list it to open the folder). */
  prefix?: string;
  /** prefixBase64 is that prefix's exact bytes. */
  prefixBase64?: string;
  /** count is the number of keys under a folder, when counts were asked for. */
  count?: number;
  /** kv is a key's metadata (no value). */
  kv?: KeyView;
}

/**
 * listLevel returns one page of the children of `prefix` split at `separator`: each folder once (its first key is
 * read, then the range jumps past all of its keys) and each key directly at this level. A page costs a handful of
 * keys-only ranges whatever the folders hold.
 */
export async function listLevel(rpc: EtcdRpc, o: { prefix: Buffer; separator: Buffer; limit: number; cursor?: string; counts: boolean }): Promise<Page<LevelEntry>> {
  const { key, rangeEnd } = rangeOf(o.prefix);
  const c = o.cursor ? decodeCursor(o.cursor) : undefined;
  let start = c?.start ?? key;
  let revision = c?.revision ?? '0';
  const items: LevelEntry[] = [];
  let exhausted = false;
  const batch = Math.min(Math.max(o.limit * 2, 32), 1000);
  while (items.length < o.limit && !exhausted) {
    const r = await rangeNear(rpc, start, rangeEnd, batch, { revision, keysOnly: true });
    revision = r.revision;
    let folder: Buffer | undefined;
    let full = false;
    for (const kv of r.kvs) {
      // Keys of the folder just listed are skipped; the next read starts after the folder anyway.
      if (folder && kv.key.subarray(0, folder.length).equals(folder)) continue;
      folder = undefined;
      if (items.length === o.limit) {
        full = true;
        break;
      }
      const rest = kv.key.subarray(o.prefix.length);
      const at = o.separator.length ? rest.indexOf(o.separator) : -1;
      if (at < 0) {
        items.push({ name: rest.toString('utf8'), kind: 'key', kv: keyView(kv, false) });
        start = after(kv.key);
      } else {
        folder = kv.key.subarray(0, o.prefix.length + at + o.separator.length);
        items.push({ name: rest.subarray(0, at + o.separator.length).toString('utf8'), kind: 'folder', prefix: folder.toString('utf8'), prefixBase64: folder.toString('base64') });
        start = prefixRangeEnd(folder);
      }
    }
    exhausted = !full && !r.more;
  }
  if (o.counts) {
    await Promise.all(
      items
        .filter((e) => e.kind === 'folder')
        .map(async (e) => {
          const p = Buffer.from(e.prefixBase64!, 'base64');
          const r = await rpc.range(p, { rangeEnd: prefixRangeEnd(p), countOnly: true, revision });
          e.count = Number(r.count);
        }),
    );
  }
  return { items, revision, ...(exhausted ? {} : { nextCursor: encodeCursor({ start, revision }) }) };
}

/** KeyHistory is the revisions of one key, newest first, back to its creation or the compaction horizon. */
export interface KeyHistory {
  /** versions are the key's values, newest first. */
  versions: KeyView[];
  /** compacted tells whether older versions exist but were compacted away. */
  compacted: boolean;
  /** truncated tells whether older versions exist beyond the limit. */
  truncated: boolean;
}

/** keyHistory walks a key's versions back through its mod revisions (one read each), stopping at the limit or the compaction. */
export async function keyHistory(rpc: EtcdRpc, key: Buffer, limit: number): Promise<KeyHistory> {
  const latest = (await rpc.range(key)).kvs[0];
  if (!latest) throw new AppError('MON_KV_NOT_FOUND', `key ${key.toString('utf8')} does not exist`, { field: 'key' });
  const versions = [keyView(latest, true)];
  let kv = latest;
  let compacted = false;
  while (BigInt(kv.version) > 1n && versions.length < limit) {
    try {
      const prev = (await rpc.range(key, { revision: (BigInt(kv.mod_revision) - 1n).toString() })).kvs[0];
      if (!prev) break;
      kv = prev;
      versions.push(keyView(kv, true));
    } catch (err) {
      if (err instanceof AppError && err.code === 'ETCD_COMPACTED') {
        compacted = true;
        break;
      }
      throw err;
    }
  }
  return { versions, compacted, truncated: !compacted && BigInt(kv.version) > 1n };
}

/** PrefixStats is what one child prefix holds. */
export interface PrefixStat {
  /** prefix is the child prefix (up to and including the separator), or the key itself for keys at this level. */
  prefix: string;
  /** keys is the number of keys under it. */
  keys: number;
  /** keyBytes is the total length of those keys. */
  keyBytes: number;
  /** valueBytes is the total length of their values (0 when values were not read). */
  valueBytes: number;
}

/**
 * prefixStats pages through every key under `prefix` (at one revision, `pageSize` keys per read, values only when
 * `values`) and sums keys and bytes per child prefix, largest first: what fills the database. Each page is a separate
 * read, so the monitor's other work runs between pages.
 */
export async function prefixStats(
  rpc: EtcdRpc,
  o: { prefix: Buffer; separator: Buffer; values: boolean; pageSize?: number; top?: number },
): Promise<{ revision: string; keys: number; keyBytes: number; valueBytes: number; prefixes: PrefixStat[]; scannedMs: number }> {
  const t0 = performance.now();
  const { key, rangeEnd } = rangeOf(o.prefix);
  const byPrefix = new Map<string, PrefixStat>();
  let start = key;
  let revision = '0';
  let keys = 0;
  let keyBytes = 0;
  let valueBytes = 0;
  for (;;) {
    const r = await rangeNear(rpc, start, rangeEnd, o.pageSize ?? 5000, { revision, keysOnly: !o.values });
    revision = r.revision;
    for (const kv of r.kvs) {
      const rest = kv.key.subarray(o.prefix.length);
      const at = o.separator.length ? rest.indexOf(o.separator) : -1;
      const name = (at < 0 ? kv.key : kv.key.subarray(0, o.prefix.length + at + o.separator.length)).toString('utf8');
      let s = byPrefix.get(name);
      if (!s) byPrefix.set(name, (s = { prefix: name, keys: 0, keyBytes: 0, valueBytes: 0 }));
      s.keys++;
      s.keyBytes += kv.key.length;
      s.valueBytes += kv.value.length;
      keys++;
      keyBytes += kv.key.length;
      valueBytes += kv.value.length;
    }
    const last = r.kvs.at(-1);
    if (!r.more || !last) break;
    start = after(last.key);
  }
  const prefixes = [...byPrefix.values()].sort((a, b) => b.keyBytes + b.valueBytes - (a.keyBytes + a.valueBytes)).slice(0, o.top ?? 100);
  return { revision, keys, keyBytes, valueBytes, prefixes, scannedMs: Math.round(performance.now() - t0) };
}
