import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { EtcdRpc, MemberClient, FROM_KEY, type TxnOp } from '@etcd-monitor/etcd';
import { useCluster } from '@etcd-monitor/etcd/testing';
import { LevelCache, listLevel, prefixStats, type LevelEntry } from './kv.ts';

// The key browser's reads on a real etcd, against answers computed from one full read of the keyspace, and what they
// cost etcd: every range's count is the number of index entries etcd 3.4 walked to answer it, limit or not.

const FOLDERS = 30;
const PER_FOLDER = 300;

/** counting wraps an EtcdRpc so that every range adds its count (the entries etcd walked) to `walked`. */
function counting(rpc: EtcdRpc): { rpc: EtcdRpc; walked: () => number; reset: () => void } {
  let walked = 0;
  const inner = rpc.range.bind(rpc);
  const wrapped = Object.create(rpc) as EtcdRpc;
  wrapped.range = async (key, o) => {
    const r = await inner(key, o);
    walked += Number(r.count);
    return r;
  };
  return { rpc: wrapped, walked: () => walked, reset: () => (walked = 0) };
}

/** levelOf is a folder level computed from every key: folders once, keys at the level, in key order. */
function levelOf(keys: Buffer[], prefix: Buffer, sep: Buffer): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  let folder: Buffer | undefined;
  for (const k of keys) {
    if (k.length < prefix.length || !k.subarray(0, prefix.length).equals(prefix)) continue;
    if (folder && k.subarray(0, folder.length).equals(folder)) continue;
    const rest = k.subarray(prefix.length);
    const at = rest.indexOf(sep);
    if (at < 0) {
      out.push([rest.toString('base64'), 'key']);
      folder = undefined;
    } else {
      folder = k.subarray(0, prefix.length + at + sep.length);
      out.push([rest.subarray(0, at + sep.length).toString('base64'), 'folder']);
    }
  }
  return out;
}

/** pagesOf lists a whole level page by page. */
async function pagesOf(rpc: EtcdRpc, prefix: Buffer, sep: Buffer, limit: number, o: { window?: number; cache?: LevelCache } = {}): Promise<LevelEntry[]> {
  const all: LevelEntry[] = [];
  let cursor: string | undefined;
  for (let pages = 0; pages < 1000; pages++) {
    const p = await listLevel(rpc, { prefix, separator: sep, limit, counts: false, ...o, ...(cursor ? { cursor } : {}) });
    assert.ok(p.items.length <= limit);
    all.push(...p.items);
    cursor = p.nextCursor;
    if (!cursor) return all;
  }
  throw new Error('the level never ended');
}

describe('key browser reads (real etcd)', () => {
  const cluster = useCluster({ members: 1 });
  let client: MemberClient;
  let rpc: EtcdRpc;
  let keys: Buffer[];

  before(async () => {
    const endpoints = cluster.get().endpoints;
    client = new MemberClient(endpoints[0]!, { endpoints, dialTimeoutMs: 2000, commandTimeoutMs: 20_000 });
    rpc = new EtcdRpc(client);
    const all: Array<string | Buffer> = [];
    for (let f = 0; f < FOLDERS; f++) for (let i = 0; i < PER_FOLDER; i++) all.push(`/s/f${String(f).padStart(2, '0')}/k${String(i).padStart(6, '0')}`);
    // Awkward neighbours: a key named like a folder, a folder whose name extends another's, keys at the level,
    // nested folders, bytes 0xff (a folder whose range end carries over), a two-byte separator's keys.
    all.push('/s/f05', '/s/f05x/a', '/s/f05x/b', '/s/aa', '/s/zz', '/s/f07/deep/er/k', '/t', '/u/c/1', '/u/d', '/u/e/2', 'a::b::c', 'a::b::d', 'a::e');
    all.push(Buffer.from([0x2f, 0x73, 0x2f, 0xff, 0xff, 0x2f, 0x61]), Buffer.from([0x2f, 0x73, 0x2f, 0xff, 0xff, 0x2f, 0x62]), Buffer.from([0x2f, 0x73, 0x2f, 0xff]));
    for (let i = 0; i < all.length; i += 128) {
      const ops: TxnOp[] = all.slice(i, i + 128).map((k) => ({ type: 'put', key: k, value: Buffer.alloc(typeof k === 'string' && k.endsWith('000001') ? 50 : 10, 'v') }));
      await rpc.txn({ compare: [], success: ops, failure: [] });
    }
    keys = (await rpc.range(FROM_KEY, { rangeEnd: FROM_KEY, keysOnly: true })).kvs.map((kv) => Buffer.from(kv.key));
  });
  after(() => client?.close());

  test('a folder level lists what one full read shows, page by page, for any prefix and separator', async () => {
    const cases: Array<[string | Buffer, string]> = [
      ['/s/', '/'],
      ['', '/'],
      ['/', '/'],
      ['/s/f05', '/'],
      ['/s/f07/', '/'],
      ['/u/', '/'],
      ['a', '::'],
      ['/s/', '0'],
      [Buffer.from([0x2f, 0x73, 0x2f, 0xff]), '/'],
    ];
    for (const [p, s] of cases) {
      const prefix = Buffer.from(p);
      const sep = Buffer.from(s);
      const want = levelOf(keys, prefix, sep);
      // One guess at a time, several in flight (the default), and with a cache: the first listing fills it, the second
      // is guided by the first keys it remembers (and its first page served from it).
      const cache = new LevelCache();
      for (const [limit, o] of [
        [1, {}],
        [7, {}],
        [100, {}],
        [7, { window: 1 }],
        [100, { window: 1 }],
        [7, { cache }],
        [7, { cache }],
        [100, { cache }],
      ] as const) {
        const got = (await pagesOf(rpc, prefix, sep, limit, o)).map((e) => [Buffer.from(e.name, 'utf8').toString('base64'), e.kind]);
        // Names are UTF-8 text: compare the ones that are.
        const text = (x: Array<[string, string]>) => x.map(([n, k]) => [Buffer.from(Buffer.from(n, 'base64').toString('utf8')).toString('base64'), k]);
        assert.deepEqual(got, text(want), `level ${JSON.stringify(prefix.toString('latin1'))} split at ${JSON.stringify(s)}, ${limit} a page, ${JSON.stringify(o)}`);
      }
    }
  });

  test('a folder level walks each folder about once in etcd, not the keys after it again for every folder', async () => {
    const c = counting(rpc);
    const page = await listLevel(c.rpc, { prefix: Buffer.from('/s/'), separator: Buffer.from('/'), limit: 100, counts: false });
    assert.equal(page.items.filter((e) => e.kind === 'folder').length, FOLDERS + 2);
    const total = keys.filter((k) => k.toString('latin1').startsWith('/s/')).length;
    // One walk of everything to find the first key, then a few entries per folder named like a counter (f00, f01…)
    // and one walk of the others; reading the rest of the level again after each folder was ~6×.
    assert.ok(c.walked() <= 1.5 * total, `walked ${c.walked()} index entries for a level of ${total} keys`);
  });

  test('a level listed again is exact after writes, and found from the first keys a LevelCache remembers without walking its keys again', async () => {
    const put = async (ks: string[]) => {
      for (let i = 0; i < ks.length; i += 128) await rpc.txn({ compare: [], success: ks.slice(i, i + 128).map((k) => ({ type: 'put', key: k, value: 'v' })), failure: [] });
    };
    // Folders not named like a counter, so that only the cache can guess them.
    const names = Array.from({ length: 40 }, (_v, i) => `${String.fromCharCode(97 + (i % 26))}${'xyz'[Math.floor(i / 26)]}-${i * 7}`);
    await put(names.flatMap((n) => Array.from({ length: 200 }, (_v, i) => `/h/${n}/k${String(i).padStart(4, '0')}`)));
    await put(['/h/ax-0', '/h/zz']);
    const prefix = Buffer.from('/h/');
    const sep = Buffer.from('/');
    const now = async () =>
      levelOf(
        (await rpc.range('/h/', { rangeEnd: '/h0', keysOnly: true })).kvs.map((kv) => Buffer.from(kv.key)),
        prefix,
        sep,
      );
    const listed = (p: LevelEntry[]) => p.map((e) => [Buffer.from(e.name).toString('base64'), e.kind]);
    try {
      const cache = new LevelCache();
      const c = counting(rpc);
      const first = await listLevel(c.rpc, { prefix, separator: sep, limit: 100, counts: false, cache });
      assert.deepEqual(listed(first.items), await now());
      const cold = c.walked();
      assert.ok(cold >= 40 * 200, `the first listing walked ${cold}: each folder's keys once, to find it`);

      // The same revision: the page again, after one point read.
      c.reset();
      const again = await listLevel(c.rpc, { prefix, separator: sep, limit: 100, counts: true, cache });
      assert.deepEqual(
        again.items.map((e) => e.name),
        first.items.map((e) => e.name),
      );
      assert.equal(again.revision, first.revision);
      assert.equal(again.items.find((e) => e.kind === 'folder')!.count, 200, 'counts are filled in on a copy');
      assert.equal(first.items[0]!.count, undefined, 'a page handed out earlier is left as it was');

      // Writes: a folder gone, a folder's first key gone, folders and keys new between the ones remembered.
      await rpc.deleteRange(`/h/${names[3]}/`, { rangeEnd: `/h/${names[3]}0` });
      await rpc.deleteRange(`/h/${names[10]}/k0000`);
      await put([`/h/${names[5]}a/new`, `/h/${names[20]}-key`, '/h/0first/x', '/h/zzz/y']);
      c.reset();
      const after = await listLevel(c.rpc, { prefix, separator: sep, limit: 100, counts: false, cache });
      assert.deepEqual(listed(after.items), await now());
      // A few entries per child, and the keys of the folders that are new or lost their first key.
      assert.ok(c.walked() < cold / 4, `listing again after writes walked ${c.walked()} index entries (the first listing ${cold})`);
      // Page by page with the cache, one guess at a time or several: the same.
      for (const window of [1, 8]) {
        assert.deepEqual(listed(await pagesOf(rpc, prefix, sep, 6, { cache, window })), await now());
      }
    } finally {
      await rpc.deleteRange('/h/', { rangeEnd: '/h0' });
    }
  });

  test('a folder whose first key is near the one guessed from its sibling is found with a few entries walked; one unlike its siblings still listed exactly', async () => {
    const put = async (ks: string[]) => {
      for (let i = 0; i < ks.length; i += 128) await rpc.txn({ compare: [], success: ks.slice(i, i + 128).map((k) => ({ type: 'put', key: k, value: 'v' })), failure: [] });
    };
    const n = (x: number) => String(x).padStart(6, '0');
    // Alike: folder i's keys are k(3i + j), so its first key is near the one guessed from folder i-1's (a counter
    // started later in each folder). Unlike: folder i's keys start with a letter of their own, nothing near the guess.
    const alike = Array.from({ length: 20 }, (_v, f) => Array.from({ length: 300 }, (_w, j) => `/na/g${String(f).padStart(2, '0')}/k${n(3 * f + j)}`)).flat();
    const unlike = Array.from({ length: 20 }, (_v, f) => Array.from({ length: 300 }, (_w, j) => `/nu/g${String(f).padStart(2, '0')}/${String.fromCharCode(97 + f)}${n(j)}`)).flat();
    await put([...alike, ...unlike]);
    try {
      const sep = Buffer.from('/');
      const walkedFor = async (prefix: string, end: string) => {
        const all = (await rpc.range(prefix, { rangeEnd: end, keysOnly: true })).kvs.map((kv) => Buffer.from(kv.key));
        const c = counting(rpc);
        const page = await listLevel(c.rpc, { prefix: Buffer.from(prefix), separator: sep, limit: 100, counts: false });
        assert.deepEqual(
          page.items.map((e) => [Buffer.from(e.name).toString('base64'), e.kind]),
          levelOf(all, Buffer.from(prefix), sep),
          prefix,
        );
        assert.equal(page.items.length, 20);
        return c.walked() / all.length;
      };
      // One walk of everything to find the first key, then a few entries per folder: before, each guessed folder
      // that was not where guessed was walked whole (about 2× in all).
      const a = await walkedFor('/na/', '/na0');
      assert.ok(a < 1.3, `the alike level walked ${a}× its keys`);
      // The unlike level is listed exactly too (the scan after the empty narrow reads), walking each folder again.
      const u = await walkedFor('/nu/', '/nu0');
      assert.ok(u > 1.8, `the unlike level walked ${u}× its keys`);
      // A level whose parent was listed first (with the same cache): its first key is guessed from the one the
      // parent's listing found for it, not found by walking the level; without the parent, the walk (above).
      const parentCache = new LevelCache();
      await listLevel(rpc, { prefix: Buffer.from('/'), separator: sep, limit: 1000, counts: false, cache: parentCache });
      const c = counting(rpc);
      const child = await listLevel(c.rpc, { prefix: Buffer.from('/na/'), separator: sep, limit: 100, counts: false, cache: parentCache });
      assert.deepEqual(
        child.items.map((e) => [Buffer.from(e.name).toString('base64'), e.kind]),
        levelOf(
          (await rpc.range('/na/', { rangeEnd: '/na0', keysOnly: true })).kvs.map((kv) => Buffer.from(kv.key)),
          Buffer.from('/na/'),
          sep,
        ),
      );
      assert.ok(c.walked() < 0.5 * alike.length, `the level under a listed parent walked ${c.walked()} of its ${alike.length} keys`);
      // And the other way: the level of every key after one of its descendants was listed.
      const rootCache = new LevelCache();
      await listLevel(rpc, { prefix: Buffer.from('/na/'), separator: sep, limit: 100, counts: false, cache: rootCache });
      const every = (await rpc.range(FROM_KEY, { rangeEnd: FROM_KEY, keysOnly: true })).kvs.map((kv) => Buffer.from(kv.key));
      c.reset();
      const root = await listLevel(c.rpc, { prefix: Buffer.alloc(0), separator: sep, limit: 100, counts: false, cache: rootCache });
      assert.deepEqual(
        root.items.map((e) => [Buffer.from(e.name).toString('base64'), e.kind]),
        levelOf(every, Buffer.alloc(0), sep),
      );
      assert.ok(c.walked() < 0.5 * every.length, `the level of every key walked ${c.walked()} of ${every.length} keys`);
      // Page by page, one guess at a time or several, with a cache: the same.
      for (const [prefix, end] of [
        ['/na/', '/na0'],
        ['/nu/', '/nu0'],
      ] as const) {
        const all = (await rpc.range(prefix, { rangeEnd: end, keysOnly: true })).kvs.map((kv) => Buffer.from(kv.key));
        const cache = new LevelCache();
        for (const o of [{ window: 1 }, {}, { cache }, { cache }]) {
          for (const limit of [1, 3, 100]) {
            assert.deepEqual(
              (await pagesOf(rpc, Buffer.from(prefix), sep, limit, o)).map((e) => [Buffer.from(e.name).toString('base64'), e.kind]),
              levelOf(all, Buffer.from(prefix), sep),
              `${prefix} ${limit} a page ${JSON.stringify(o)}`,
            );
          }
        }
      }
    } finally {
      await rpc.deleteRange('/na/', { rangeEnd: '/nu0' });
    }
  });

  test('prefix statistics match a full read and walk each key about once', async () => {
    for (const values of [false, true]) {
      const c = counting(rpc);
      const r = await prefixStats(c.rpc, { prefix: Buffer.from('/s/'), separator: Buffer.from('/'), values, pageSize: 500, top: 1000 });
      const full = (await rpc.range('/s/', { rangeEnd: '/s0' })).kvs;
      const want = new Map<string, { keys: number; keyBytes: number; valueBytes: number }>();
      for (const kv of full) {
        const rest = kv.key.subarray(3);
        const at = rest.indexOf('/');
        const name = (at < 0 ? kv.key : kv.key.subarray(0, 3 + at + 1)).toString('utf8');
        const s = want.get(name) ?? { keys: 0, keyBytes: 0, valueBytes: 0 };
        s.keys++;
        s.keyBytes += kv.key.length;
        s.valueBytes += values ? kv.value.length : 0;
        want.set(name, s);
      }
      assert.equal(r.keys, full.length);
      assert.deepEqual(new Map(r.prefixes.map((p) => [p.prefix, { keys: p.keys, keyBytes: p.keyBytes, valueBytes: p.valueBytes }])), want);
      const sizes = r.prefixes.map((p) => p.keyBytes + p.valueBytes);
      assert.deepEqual(
        sizes,
        [...sizes].sort((a, b) => b - a),
        'largest first',
      );
      // One walk to find the first key, each key once more, and the overshoot of a range past the dense part at a
      // few folder boundaries (f09 → f1*): about 3×; before, pages walked everything after them again: ~9.5×.
      assert.ok(c.walked() <= 3 * full.length, `walked ${c.walked()} index entries to read ${full.length} keys (values ${values})`);
    }
  });
});
