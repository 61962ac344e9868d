import { AppError } from '@etcd-monitor/core';
import { FROM_KEY, prefixRangeEnd, type EtcdRpc, type KeyValue, type RangeKeys, type RangeOptions, type ResponseHeader } from '@etcd-monitor/etcd';

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
  /** depth is where the listing's scan stood (see NearScan), so the next page does not start from the finest bound. */
  depth?: number;
}

/** encodeCursor writes a cursor as an opaque URL-safe token. */
export function encodeCursor(c: Cursor): string {
  return Buffer.from(JSON.stringify({ s: c.start.toString('base64'), r: c.revision, ...(c.depth ? { d: c.depth } : {}) })).toString('base64url');
}

/** decodeCursor reads a token from encodeCursor; a token that is not one is a 400 naming `cursor`. */
export function decodeCursor(token: string): Cursor {
  try {
    const o = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { s?: unknown; r?: unknown; d?: unknown };
    if (typeof o.s === 'string' && typeof o.r === 'string' && /^\d+$/.test(o.r)) {
      const c: Cursor = { start: Buffer.from(o.s, 'base64'), revision: o.r };
      if (typeof o.d === 'number' && Number.isInteger(o.d) && o.d > 0) c.depth = o.d;
      return c;
    }
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

/** atOrPast tells whether `key` is at or after `end` (FROM_KEY as an end: the end of the keyspace, never reached). */
function atOrPast(key: Buffer, end: Buffer): boolean {
  return !end.equals(FROM_KEY) && Buffer.compare(key, end) >= 0;
}

/** commonPrefix is the length of the bytes `a` and `b` start with alike. */
function commonPrefix(a: Buffer, b: Buffer): number {
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a[i] === b[i]) i++;
  return i;
}

/**
 * NearScan reads the keys of [start, end) in order, in ranges whose end stays close to their start. etcd 3.4 walks
 * every index entry between a range's start and its end to count them, limit or not, so a limited read with a far
 * range end costs as much as all the keys after its start. A scan therefore reads subtrees of the key's bytes: the
 * rest of the subtree of the first `depth` bytes of the current key, then the next sibling subtree at that depth, then
 * the rest of the parent's subtree, and so on one byte coarser at a time, so that a range reaching past a dense
 * region is tried only after the finer ones came back short. A read that came back truncated with far more keys than
 * asked for makes the next one a byte finer. Every read is at the scan's revision (the first read's), and after the
 * first one serializable: the member that answered already holds that revision, so no consensus round is needed.
 */
export class NearScan {
  /** revision is the store revision the scan reads at ("0" until the first read). */
  revision: string;
  /** reads counts the range requests made; walked sums their counts (the index entries etcd walked). */
  reads = 0;
  walked = 0;
  private next: Buffer;
  private end: Buffer;
  private readonly rpc: EtcdRpc;
  private readonly keysOnly: boolean;
  private depth: number;
  private finished = false;

  constructor(rpc: EtcdRpc, start: Buffer, end: Buffer, o: { revision?: string; keysOnly: boolean; depth?: number }) {
    this.rpc = rpc;
    this.next = start;
    this.end = end;
    this.revision = o.revision ?? '0';
    this.keysOnly = o.keysOnly;
    this.depth = o.depth ?? start.length;
  }

  /** done tells whether the scan reached its end. */
  get done(): boolean {
    return this.finished;
  }

  /** position is the key the next read starts at; at is the depth of its bound (for a cursor to resume from). */
  get position(): Buffer {
    return this.next;
  }

  get at(): number {
    return this.depth;
  }

  /** widen makes the next read go to the end of the scan's range (for a rest known to be short). */
  widen(): void {
    this.depth = 0;
  }

  /**
   * skipTo moves the scan forward to `key` (the end of a folder, say: FROM_KEY, the end of a folder of 0xff bytes,
   * ends the scan), reading from there the rest of the subtree one byte shorter than `key` first.
   */
  skipTo(key: Buffer): void {
    this.next = key;
    this.depth = Math.max(1, key.length - 1);
    this.finished = key.equals(FROM_KEY) || atOrPast(key, this.end);
  }

  /**
   * bound is the end of the next read: the end of the subtree of the first `depth` bytes of the current key, which is
   * the rest of that subtree, or the next sibling subtree when the current key is that long (`sibling`).
   */
  private bound(): { bound: Buffer; sibling: boolean } {
    const s = this.next;
    const m = Math.min(this.depth, s.length);
    const bound = m === 0 ? this.end : prefixRangeEnd(s.subarray(0, m));
    if (bound.equals(FROM_KEY) || atOrPast(bound, this.end)) return { bound: this.end, sibling: false };
    return { bound, sibling: s.length === m };
  }

  /**
   * split hands the rest of the scan's range after its next read to a new scan at the same revision (for another
   * worker), and keeps only that next read's range; undefined when the next read goes to the end.
   */
  split(): NearScan | undefined {
    if (this.finished || this.revision === '0') return undefined;
    const { bound } = this.bound();
    if (bound === this.end) return undefined;
    const rest = new NearScan(this.rpc, bound, this.end, { revision: this.revision, keysOnly: this.keysOnly, depth: bound.length });
    this.end = bound;
    return rest;
  }

  /** read returns up to `limit` keys from where the scan stands (fewer only at its end), in key order. */
  async read(limit: number): Promise<KeyValue[]> {
    const out: KeyValue[] = [];
    await this.walk(limit, async (start, o) => {
      const r = await this.rpc.range(start, o);
      for (const kv of r.kvs) out.push(kv);
      return { ...r, n: r.kvs.length, key: (i: number) => r.kvs[i]!.key };
    });
    return out;
  }

  /** readKeys is read for scans that only sum: the answers as RangeKeys (no object per key), in key order. */
  async readKeys(limit: number): Promise<RangeKeys[]> {
    const out: RangeKeys[] = [];
    await this.walk(limit, async (start, o) => {
      const r = await this.rpc.rangeKeys(start, o);
      if (r.n) out.push(r);
      return { ...r, key: (i: number) => r.buf.subarray(r.keyStart[i]!, r.keyStart[i]! + r.keyLength[i]!) };
    });
    return out;
  }

  /** walk makes the reads of one page: `range` reads [start, rangeEnd) and says what it got. */
  private async walk(
    limit: number,
    range: (start: Buffer, o: RangeOptions) => Promise<{ header: { revision: string }; more: boolean; count: string; n: number; key: (i: number) => Buffer }>,
  ): Promise<void> {
    let got = 0;
    while (got < limit && !this.finished) {
      const { bound, sibling } = this.bound();
      const want = limit - got;
      const r = await range(this.next, { rangeEnd: bound, limit: want, revision: this.revision, keysOnly: this.keysOnly, serializable: this.revision !== '0' });
      this.reads++;
      this.walked += Number(r.count);
      if (this.revision === '0') this.revision = r.header.revision;
      got += r.n;
      if (r.more && r.n > 0) {
        const last = r.key(r.n - 1);
        // Truncated: the page is full. Far more keys than a page in the range: next time read a byte finer than the
        // prefix the second half of these keys shares (that half spans several such subtrees, so each holds less).
        if (Number(r.count) > 2 * limit) this.depth = Math.min(Math.max(this.depth + 1, commonPrefix(r.key(r.n >> 1), last) + 1), last.length);
        this.next = after(last);
        return;
      }
      if (bound === this.end) {
        this.finished = true;
        return;
      }
      this.next = bound;
      if (!sibling) {
        // The rest of a subtree is read: try the next sibling at the depth the bound ends at.
        this.depth = bound.length;
      } else if (r.n * 4 < want) {
        // Sparse siblings: the rest of the parent next.
        this.depth = Math.max(1, bound.length - 1);
      }
    }
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

/** GUESS_WINDOW is how many guessed children a level page probes at once: probe j reads from where the listing would stand if every guess before it was right. */
const GUESS_WINDOW = 8;

/** LEVEL_CACHE is how many levels a LevelCache remembers; LEVEL_HINTS how many children's first keys it keeps per level. */
const LEVEL_CACHE = 64;
const LEVEL_HINTS = 2000;

/** LevelMemory is what listings of one level found. */
interface LevelMemory {
  /** firsts are the first keys of the children listings found (at any revision), sorted, copied out of the answers. */
  firsts: Buffer[];
  /** pages are the level's first pages by page size, each with the cluster and revision it was read at. */
  pages: Map<number, { clusterId: string; revision: string; page: Page<LevelEntry> }>;
  /** last is where the last child ended when a listing last reached the level's end (nothing came after it then). */
  last?: Buffer;
}

/**
 * LevelCache remembers, for one cluster, what listings of its levels found, two ways. A level's first page at its
 * revision: opened again while the cluster is still at that revision (and the same cluster id), the page is served
 * after one point read; any write moves the revision and leaves it unused. And the first key of each child found: at
 * any later revision these are guesses that listLevel confirms with one short read each (a read up to the guess
 * returns it only when nothing comes before it), so a level opened again after writes is listed without walking its
 * keys again, and exactly: a child deleted or added since costs a read, never a wrong entry. Bounded: LEVEL_CACHE
 * levels, least recently used dropped, LEVEL_HINTS first keys and a few pages each.
 */
export class LevelCache {
  private readonly levels = new Map<string, LevelMemory>();

  /** of returns the memory of one level (empty when new), marking it recently used. */
  of(prefix: Buffer, separator: Buffer): LevelMemory {
    const k = `${prefix.toString('base64')} ${separator.toString('base64')}`;
    let m = this.levels.get(k);
    if (m) this.levels.delete(k);
    else m = { firsts: [], pages: new Map() };
    this.levels.set(k, m);
    if (this.levels.size > LEVEL_CACHE) this.levels.delete(this.levels.keys().next().value!);
    return m;
  }

  /**
   * firstUnder is a key under `prefix` that another level's listing (split at the same separator) found as a child's
   * first key, the first under `prefix` then: a parent level listed before (/ before /bench/) names the first key of
   * each of its folders. Undefined when none; a guess, as the level's other first keys are.
   */
  firstUnder(prefix: Buffer, separator: Buffer): Buffer | undefined {
    const sep = ` ${separator.toString('base64')}`;
    for (const [k, m] of this.levels) {
      if (!k.endsWith(sep)) continue;
      const h = m.firsts[lowerBound(m.firsts, prefix)];
      if (h && h.length > prefix.length && h.subarray(0, prefix.length).equals(prefix)) return h;
    }
    return undefined;
  }

  /** size is the number of levels remembered. */
  get size(): number {
    return this.levels.size;
  }
}

/** lowerBound is the index of the first of the sorted `keys` at or after `key`. */
function lowerBound(keys: Buffer[], key: Buffer): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (Buffer.compare(keys[mid]!, key) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** remember replaces a level's first keys in [from, to) (to: FROM_KEY for the end) by the ones a listing found there. */
function remember(m: LevelMemory, from: Buffer, to: Buffer, found: Buffer[]): void {
  const a = lowerBound(m.firsts, from);
  const b = to.equals(FROM_KEY) ? m.firsts.length : lowerBound(m.firsts, to);
  m.firsts.splice(a, b - a, ...found);
  if (m.firsts.length > LEVEL_HINTS) m.firsts.length = LEVEL_HINTS;
}

/** copyPage copies a page's entries, so that filling in counts does not change a cached page. */
function copyPage(p: Page<LevelEntry>): Page<LevelEntry> {
  return { ...p, items: p.items.map((e) => ({ ...e })) };
}

/** Child is the child of a level a key belongs to, and where the next child can start. */
interface Child {
  key: Buffer;
  folder?: Buffer;
  /** name is a folder's name without the separator. */
  name?: Buffer;
  end: Buffer;
}

/**
 * listLevel returns one page of the children of `prefix` split at `separator`: each folder once (its first key is
 * read, then the listing skips past all of its keys) and each key directly at this level, exactly as at the page's
 * revision. A first page reads that revision with one point read (a consensus read that walks nothing); every other
 * read is serializable at it. Children are found two ways. Guesses: the next child's first key as an earlier listing
 * found it (LevelCache), or a folder named like the next value of a counter with a first key like the last folder's
 * (p09 → p10); a read from where the listing stands up to the guess costs one index entry when it is right and
 * finds whatever comes first otherwise, and up to GUESS_WINDOW such reads are in flight at once, each assuming the
 * ones before it right (a wrong one discards the reads after it). Without a guess the scan reads on, close to where
 * it stands (see NearScan): a few small keys-only ranges per folder, not a walk of the keys after it.
 */
export async function listLevel(
  rpc: EtcdRpc,
  o: {
    prefix: Buffer;
    separator: Buffer;
    limit: number;
    cursor?: string;
    counts: boolean;
    /** cache is the cluster's LevelCache: pages served again at their revision, children's first keys as guesses. */
    cache?: LevelCache;
    /** window overrides GUESS_WINDOW (1: one guess at a time). */
    window?: number;
  },
): Promise<Page<LevelEntry>> {
  const { key, rangeEnd } = rangeOf(o.prefix);
  const c = o.cursor ? decodeCursor(o.cursor) : undefined;
  const memory = o.cache?.of(o.prefix, o.separator);
  let revision: string;
  let clusterId = '';
  if (c) revision = c.revision;
  else {
    const h = (await rpc.range(key, { countOnly: true })).header;
    revision = h.revision;
    clusterId = h.cluster_id;
    const hit = memory?.pages.get(o.limit);
    if (hit && hit.clusterId === clusterId && hit.revision === revision) {
      const page = copyPage(hit.page);
      if (o.counts) await countFolders(rpc, page.items, revision);
      return page;
    }
  }
  const pageStart = c?.start ?? key;
  let start = pageStart;
  const scan = new NearScan(rpc, start, rangeEnd, { keysOnly: true, revision, ...(c?.depth ? { depth: c.depth } : {}) });
  const items: LevelEntry[] = [];
  const found: Buffer[] = [];
  // A level nobody listed yet: the first key a parent level's listing found under it is the guess for its first child
  // (a wrong one costs one read), instead of the walk of the whole level that finding it takes in etcd.
  const inherited = !c && memory && memory.firsts.length === 0 ? o.cache!.firstUnder(o.prefix, o.separator) : undefined;
  const hints = inherited ? [inherited] : (memory?.firsts ?? []);
  const inFlight = Math.max(1, o.window ?? GUESS_WINDOW);
  // A guess at or before `floor` was wrong (nothing up to it): no use trying those again.
  let floor: Buffer | undefined;
  let prev: Child | undefined;
  let afterFolder = false;
  let consumed = true;

  const childOf = (k: Buffer): Child => {
    const rest = k.subarray(o.prefix.length);
    const at = o.separator.length ? rest.indexOf(o.separator) : -1;
    if (at < 0) return { key: k, end: after(k) };
    const folder = k.subarray(0, o.prefix.length + at + o.separator.length);
    return { key: k, folder, name: rest.subarray(0, at), end: prefixRangeEnd(folder) };
  };
  const accept = (kv: KeyValue): Child => {
    const ch = childOf(kv.key);
    if (ch.folder) {
      const name = kv.key.subarray(o.prefix.length, ch.folder.length).toString('utf8');
      items.push({ name, kind: 'folder', prefix: ch.folder.toString('utf8'), prefixBase64: ch.folder.toString('base64') });
    } else {
      items.push({ name: kv.key.subarray(o.prefix.length).toString('utf8'), kind: 'key', kv: keyView(kv, false) });
    }
    found.push(Buffer.from(kv.key));
    start = ch.end;
    return ch;
  };
  /** guessAt is the first key of the child guessed to come next from `s` (after child `p`), if any. */
  const guessAt = (s: Buffer, p: Child | undefined): Buffer | undefined => {
    const from = floor && Buffer.compare(s, floor) <= 0 ? after(floor) : s;
    const h = hints[lowerBound(hints, from)];
    if (h && !atOrPast(h, rangeEnd)) return h;
    const next = p?.name && counterNext(p.name);
    return next ? Buffer.concat([o.prefix, next, o.separator, p.key.subarray(p.folder!.length)]) : undefined;
  };

  /**
   * nearGuess reads the first key from `from` when a guessed folder's first key was not there (siblings look alike:
   * the folder's keys likely start like the guess, k00000007 where k00000000 was guessed), in ranges from `from` to
   * the end of the guess's subtree cut NARROW_CUTS bytes shorter, a round at a time; each walks only the keys before
   * its end. Any key found is the first from `from` (every range starts there); none proves nothing: the scan goes on.
   */
  const nearGuess = async (from: Buffer, guess: Buffer): Promise<KeyValue | undefined> => {
    const g = childOf(guess);
    if (!g.folder) return undefined;
    const suffix = guess.length - g.folder.length;
    for (const cuts of NARROW_CUTS) {
      const ends = cuts
        .filter((cut) => cut < suffix)
        .map((cut) => prefixRangeEnd(guess.subarray(0, guess.length - cut)))
        .filter((e) => !e.equals(FROM_KEY) && Buffer.compare(e, from) > 0 && !atOrPast(e, rangeEnd));
      if (ends.length === 0) return undefined;
      const answers = await Promise.all(ends.map((e) => rpc.range(from, { rangeEnd: e, limit: 1, keysOnly: true, revision, serializable: true })));
      const kv = answers.find((r) => r.kvs.length > 0)?.kvs[0];
      if (kv) return kv;
    }
    return undefined;
  };

  // FROM_KEY as where the listing stands is the end of the keyspace, except at the start of the level of every key.
  const atEnd = (s: Buffer, guessed: number): boolean => s.equals(FROM_KEY) && (c !== undefined || items.length + guessed > 0);

  while (items.length < o.limit && !scan.done) {
    const chain: Array<{ from: Buffer; guess: Buffer }> = [];
    for (let s = start, p = prev; chain.length < Math.min(inFlight, o.limit - items.length) && !atEnd(s, chain.length) && !atOrPast(s, rangeEnd);) {
      const g = guessAt(s, p);
      if (!g) break;
      chain.push({ from: s, guess: g });
      p = childOf(g);
      s = p.end;
    }
    if (chain.length > 0) {
      const answers = await Promise.all(chain.map((x) => rpc.range(x.from, { rangeEnd: after(x.guess), limit: 1, keysOnly: true, revision, serializable: true })));
      for (let j = 0; j < chain.length && items.length < o.limit; j++) {
        let kv: KeyValue | undefined = answers[j]!.kvs[0];
        if (!kv) {
          floor = chain[j]!.guess;
          kv = await nearGuess(chain[j]!.from, chain[j]!.guess);
        }
        if (!kv) {
          // Nothing up to the guess nor just after it: the scan goes on from where the listing stands.
          prev = undefined;
          break;
        }
        prev = accept(kv);
        scan.skipTo(start);
        if (!kv.key.equals(chain[j]!.guess)) break;
      }
      afterFolder = Boolean(prev?.folder);
      consumed = true;
      continue;
    }
    // Where a listing found the level's end: most likely nothing follows, which one read to the end tells (and reads
    // whatever came since), instead of climbing to it a byte at a time.
    if (memory?.last && start.equals(memory.last)) scan.widen();
    // After a folder the next child is most likely another folder: one key is enough to name it.
    const kvs = await scan.read(afterFolder ? 1 : o.limit - items.length);
    afterFolder = false;
    consumed = true;
    for (const kv of kvs) {
      if (items.length === o.limit) {
        consumed = false;
        break;
      }
      prev = accept(kv);
      if (prev.folder) {
        // The keys read after this one are inside the folder, or are read again from its end.
        scan.skipTo(start);
        afterFolder = true;
        break;
      }
    }
  }
  const exhausted = scan.done && consumed;
  const page: Page<LevelEntry> = { items, revision, ...(exhausted ? {} : { nextCursor: encodeCursor({ start, revision, depth: scan.at }) }) };
  if (memory) {
    remember(memory, pageStart, exhausted ? rangeEnd : start, found);
    if (exhausted) memory.last = Buffer.from(start);
    if (!c) {
      memory.pages.delete(o.limit);
      memory.pages.set(o.limit, { clusterId, revision, page: copyPage(page) });
      if (memory.pages.size > 4) memory.pages.delete(memory.pages.keys().next().value!);
    }
  }
  if (o.counts) await countFolders(rpc, items, revision);
  return page;
}

/**
 * NARROW_CUTS are how many bytes shorter than a wrong guess the ranges that look for a folder's first key near it end
 * (see listLevel's nearGuess), by round: the wider range only when the narrower ones found nothing, as it walks more.
 */
const NARROW_CUTS = [[1, 2], [4]];

/** counterNext is the name after `name` when it ends in decimal digits (p09 → p10), else undefined (also for 99 → 100, which sorts before). */
function counterNext(name: Buffer): Buffer | undefined {
  const out = Buffer.from(name);
  let i = out.length - 1;
  if (i < 0 || out[i]! < 0x30 || out[i]! > 0x39) return undefined;
  while (i >= 0 && out[i] === 0x39) out[i--] = 0x30;
  if (i < 0 || out[i]! < 0x30 || out[i]! > 0x38) return undefined;
  out[i]! += 1;
  return out;
}

/** COUNT_CONCURRENCY bounds the count reads in flight for one page (each walks its folder in etcd). */
const COUNT_CONCURRENCY = 4;

/** countFolders fills in each folder's key count, a few folders at a time. */
async function countFolders(rpc: EtcdRpc, items: LevelEntry[], revision: string): Promise<void> {
  const folders = items.filter((e) => e.kind === 'folder');
  const counts = await countPrefixes(
    rpc,
    folders.map((e) => Buffer.from(e.prefixBase64!, 'base64')),
    revision,
  );
  folders.forEach((e, i) => (e.count = counts.counts[i]!));
}

/**
 * countPrefixes counts the keys under each prefix at one revision (the latest when "0"), COUNT_CONCURRENCY at a time:
 * each count walks its folder in etcd, which is why a level page leaves counts to a request of their own.
 */
export async function countPrefixes(rpc: EtcdRpc, prefixes: Buffer[], revision: string): Promise<{ revision: string; counts: number[] }> {
  const counts: number[] = new Array<number>(prefixes.length).fill(0);
  let rev = revision;
  if (rev === '0' && prefixes.length > 0) {
    const r = await rpc.range(prefixes[0]!, { rangeEnd: prefixRangeEnd(prefixes[0]!), countOnly: true });
    rev = r.header.revision;
    counts[0] = Number(r.count);
  }
  let next = revision === '0' ? 1 : 0;
  await Promise.all(
    Array.from({ length: Math.min(COUNT_CONCURRENCY, prefixes.length) }, async () => {
      while (next < prefixes.length) {
        const i = next++;
        const p = prefixes[i]!;
        counts[i] = Number((await rpc.range(p, { rangeEnd: prefixRangeEnd(p), countOnly: true, revision: rev, serializable: true })).count);
      }
    }),
  );
  return { revision: rev, counts };
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

/** STATS_PAGE is how many keys one read of a statistics scan asks for (keys only: ~40 bytes each on the wire). */
const STATS_PAGE = 20_000;

/** STATS_CONCURRENCY is how many reads one statistics scan keeps in flight (on disjoint parts of its range). */
const STATS_CONCURRENCY = 3;

/**
 * prefixStats reads every key under `prefix` (at one revision, `pageSize` keys per read, values only when `values`)
 * and sums keys and bytes per child prefix, largest first: what fills the database. The reads stay close to where
 * the scan stands (see NearScan), so each key is walked about once in etcd. Up to STATS_CONCURRENCY reads run at
 * once: a worker that has nothing to do takes over the rest of a busy one's range (NearScan.split), so etcd's work
 * of fetching the keys and the monitor's of decoding and summing them overlap. Each read is a separate request, so
 * the monitor's other work runs between them.
 */
export async function prefixStats(
  rpc: EtcdRpc,
  o: { prefix: Buffer; separator: Buffer; values: boolean; pageSize?: number; top?: number; concurrency?: number },
): Promise<{ revision: string; keys: number; keyBytes: number; valueBytes: number; prefixes: PrefixStat[]; scannedMs: number; reads: number; walked: number }> {
  const t0 = performance.now();
  const { key, rangeEnd } = rangeOf(o.prefix);
  const byPrefix = new Map<string, PrefixStat & { folder: boolean }>();
  let keys = 0;
  let keyBytes = 0;
  let valueBytes = 0;
  let reads = 0;
  let walked = 0;
  const sum = (chunks: RangeKeys[]) => {
    for (const r of chunks) {
      const { buf, keyStart, keyLength, valueLength } = r;
      // The current folder (keys come in order, so a folder's keys come one after the other) and its sums.
      let folder: Buffer = Buffer.alloc(0);
      let s: (PrefixStat & { folder: boolean }) | undefined;
      for (let i = 0; i < r.n; i++) {
        const ks = keyStart[i]!;
        const kl = keyLength[i]!;
        const vl = valueLength[i]!;
        if (!s?.folder || kl <= folder.length || buf.compare(folder, 0, folder.length, ks, ks + folder.length) !== 0) {
          const k = buf.subarray(ks, ks + kl);
          const rest = k.subarray(o.prefix.length);
          const at = o.separator.length ? rest.indexOf(o.separator) : -1;
          const child = at < 0 ? k : k.subarray(0, o.prefix.length + at + o.separator.length);
          const name = child.toString('utf8');
          s = byPrefix.get(name);
          if (!s) byPrefix.set(name, (s = { prefix: name, keys: 0, keyBytes: 0, valueBytes: 0, folder: at >= 0 }));
          folder = child;
        }
        s.keys++;
        s.keyBytes += kl;
        s.valueBytes += vl;
        keys++;
        keyBytes += kl;
        valueBytes += vl;
      }
    }
  };

  const first = new NearScan(rpc, key, rangeEnd, { keysOnly: !o.values });
  const queue: NearScan[] = [first];
  const idle: Array<() => void> = [];
  let busy = 0;
  let failed = false;
  const wakeAll = () => idle.splice(0).forEach((w) => w());
  const worker = async (): Promise<void> => {
    for (;;) {
      const scan = queue.shift();
      if (!scan) {
        if (busy === 0 || failed) return wakeAll();
        await new Promise<void>((r) => idle.push(r));
        continue;
      }
      busy++;
      try {
        while (!scan.done && !failed) {
          if (idle.length > 0) {
            const rest = scan.split();
            if (rest) {
              queue.push(rest);
              idle.shift()!();
            }
          }
          sum(await scan.readKeys(o.pageSize ?? STATS_PAGE));
        }
      } catch (err) {
        failed = true;
        throw err;
      } finally {
        busy--;
        reads += scan.reads;
        walked += scan.walked;
        if (failed || (busy === 0 && queue.length === 0)) wakeAll();
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, o.concurrency ?? STATS_CONCURRENCY) }, worker));
  const prefixes = [...byPrefix.values()]
    .sort((a, b) => b.keyBytes + b.valueBytes - (a.keyBytes + a.valueBytes))
    .slice(0, o.top ?? 100)
    .map(({ prefix, keys, keyBytes, valueBytes }) => ({ prefix, keys, keyBytes, valueBytes }));
  return { revision: first.revision, keys, keyBytes, valueBytes, prefixes, scannedMs: Math.round(performance.now() - t0), reads, walked };
}
