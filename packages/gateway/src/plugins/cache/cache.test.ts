import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import zlib from 'node:zlib';
import { spawnSync } from 'node:child_process';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '@etcd-monitor/core/testing';
import { builtinPlugins } from '../index.ts';
import { definePlugin } from '../plugin.ts';
import { gatewayBin, request, startGateway, startUpstream, useGateway, waitFor } from '../../test-helpers.ts';

const conf = (addr: string, plugin: string, extra = '') => `
[upstreams.up]
addrs = ["${addr}"]
[plugins.c]
category = "cache"
${plugin}
${extra}
[locations.l]
upstream = "up"
plugins = ["c"]
[servers.main]
addr = "127.0.0.1:0"
locations = ["l"]
`;

test('cache: miss then hit with Cache-Status and Age; Cache-Control, methods, Set-Cookie and the request’s no-cache honoured', async (t) => {
  const up = await startUpstream('up', (req, res) => {
    const cc: Record<string, string> = { '/a': 'max-age=60', '/s': 'max-age=0, s-maxage=60', '/private': 'private, max-age=60', '/nostore': 'no-store', '/none': '' };
    const headers: Record<string, string> = { 'content-type': 'text/plain', 'x-n': String(up.hits), etag: `"${req.url}-${up.hits}"` };
    if (cc[req.url!]) headers['cache-control'] = cc[req.url!]!;
    if (req.url === '/cookie') Object.assign(headers, { 'cache-control': 'max-age=60', 'set-cookie': 'a=b' });
    res.writeHead(200, headers);
    res.end(`${req.method} ${req.url} #${up.hits}`);
  });
  const gw = await useGateway(t, [up], conf(up.addr, ''));
  const port = gw.port('main');
  const first = await request(port, { path: '/a' });
  assert.equal(first.headers['cache-status'], 'c; fwd=uri-miss; stored');
  const second = await request(port, { path: '/a' });
  assert.equal(second.body, 'GET /a #1');
  assert.match(String(second.headers['cache-status']), /^c; hit; ttl=(59|60)$/);
  assert.match(String(second.headers.age), /^\d+$/);
  assert.equal(second.headers['x-n'], '1');
  const head = await request(port, { path: '/a', method: 'HEAD' });
  assert.equal(head.headers['cache-status']?.toString().startsWith('c; hit'), true, 'HEAD is answered from the GET entry');
  assert.equal(head.body, '');
  const etag = String(second.headers.etag);
  const revalidated = await request(port, { path: '/a', headers: { 'if-none-match': `"nope", ${etag}` } });
  assert.equal(revalidated.status, 304, 'a hit whose ETag the client has is answered 304');
  assert.equal(revalidated.body, '');
  assert.equal((await request(port, { path: '/a', headers: { 'if-none-match': '"nope"' } })).status, 200);
  assert.equal(up.hits, 1);
  assert.equal((await request(port, { path: '/a', headers: { 'cache-control': 'no-cache' } })).headers['cache-status'], 'c; fwd=request; stored');
  assert.equal(up.hits, 2);
  await request(port, { path: '/s' });
  assert.match(String((await request(port, { path: '/s' })).headers['cache-status']), /hit/, 's-maxage is the shared cache’s lifetime');
  for (const path of ['/private', '/nostore', '/none', '/cookie']) {
    await request(port, { path });
    const again = await request(port, { path });
    assert.equal(again.headers['cache-status'], 'c; fwd=uri-miss', `${path} is not stored`);
  }
  const before = up.hits;
  await request(port, { path: '/a', method: 'POST', body: 'x' });
  assert.equal(up.hits, before + 1, 'POST goes upstream');
});

test('cache: variants by Vary: Accept-Encoding — from an upstream that varies, and from the compression plugin before the cache', async (t) => {
  const BODY = 'hello '.repeat(500);
  const up = await startUpstream('up', (req, res) => {
    const gzip = /gzip/.test(String(req.headers['accept-encoding'] ?? ''));
    const headers: Record<string, string> = { 'content-type': 'text/plain', 'cache-control': 'max-age=60', vary: 'Accept-Encoding' };
    if (req.url === '/plain') {
      delete headers.vary;
      res.writeHead(200, headers);
      return res.end(BODY);
    }
    if (gzip) headers['content-encoding'] = 'gzip';
    res.writeHead(200, headers);
    res.end(gzip ? zlib.gzipSync(BODY) : BODY);
  });
  const gw = await useGateway(
    t,
    [up],
    `
[upstreams.up]
addrs = ["${up.addr}"]
[plugins.c]
category = "cache"
[plugins.gz]
category = "compression"
gzip_level = 6
priority = 10
[locations.varies]
upstream = "up"
path = "/v"
plugins = ["c"]
[locations.compressed]
upstream = "up"
path = "/plain"
plugins = ["gz", "c"]
[servers.main]
addr = "127.0.0.1:0"
locations = ["varies", "compressed"]
`,
  );
  const port = gw.port('main');
  const get = (path: string, ae: string | undefined) =>
    new Promise<{ status: string; encoding: string | undefined; body: string }>((resolve, reject) => {
      http
        .get({ host: '127.0.0.1', port, path, headers: ae ? { 'accept-encoding': ae } : {}, agent: false }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const raw = Buffer.concat(chunks);
            const enc = res.headers['content-encoding'];
            resolve({ status: String(res.headers['cache-status']), encoding: enc, body: (enc === 'gzip' ? zlib.gunzipSync(raw) : raw).toString() });
          });
        })
        .on('error', reject);
    });
  for (const path of ['/v', '/plain']) {
    const hits = up.hits;
    const gz1 = await get(path, 'gzip');
    assert.equal(gz1.encoding, 'gzip', path);
    assert.match(gz1.status, /fwd=uri-miss; stored/, path);
    const id1 = await get(path, undefined);
    assert.equal(id1.encoding, undefined, path);
    assert.match(id1.status, /fwd=vary-miss; stored/, `${path}: another Accept-Encoding is another variant`);
    const gz2 = await get(path, 'gzip');
    const id2 = await get(path, undefined);
    assert.deepEqual([gz2.encoding, id2.encoding], ['gzip', undefined], path);
    assert.match(gz2.status, /hit/);
    assert.match(id2.status, /hit/);
    for (const r of [gz1, id1, gz2, id2]) assert.equal(r.body, BODY);
    assert.equal(up.hits, hits + (path === '/v' ? 2 : 2), `${path}: one upstream request per variant`);
  }
});

test('cache: 1,000 concurrent misses for one key make exactly 1 upstream request', async (t) => {
  let arrived = 0;
  let release: () => void = () => {};
  const released = new Promise<void>((r) => (release = r));
  // counter runs before the cache on each request: once all 1,000 reached the chain, the one upstream fetch may answer.
  const counter = definePlugin({ category: 'counter', description: 'counter counts requests.', fields: {}, create: () => ({ request: () => void arrived++ }) });
  const up = await startUpstream('up', (_req, res) => {
    void released.then(() => {
      res.writeHead(200, { 'content-type': 'text/plain', 'cache-control': 'max-age=60' });
      res.end('the one answer');
    });
  });
  const gw = await useGateway(
    t,
    [up],
    `
[upstreams.up]
addrs = ["${up.addr}"]
[plugins.n]
category = "counter"
priority = 10
[plugins.c]
category = "cache"
lock = "60s"
[locations.l]
upstream = "up"
plugins = ["n", "c"]
[servers.main]
addr = "127.0.0.1:0"
locations = ["l"]
`,
    { plugins: new Map([...builtinPlugins, ['counter', counter]]) },
  );
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1000 });
  t.after(() => agent.destroy());
  const port = gw.port('main');
  const all = Array.from({ length: 1000 }, () => request(port, { path: '/hot', agent }));
  await waitFor(
    () => arrived === 1000,
    60_000,
    () => `all 1,000 requests in the chain (${arrived})`,
  );
  release();
  const replies = await Promise.all(all);
  assert.equal(up.hits, 1);
  assert.ok(replies.every((r) => r.status === 200 && r.body === 'the one answer'));
  const statuses = replies.map((r) => String(r.headers['cache-status']));
  assert.equal(statuses.filter((s) => s === 'c; fwd=uri-miss; stored').length, 1);
  assert.equal(statuses.filter((s) => s.startsWith('c; hit; collapsed')).length, 999);
});

test('cache: stale-if-error serves the expired entry while the upstream is down; stale-while-revalidate refreshes in the background', async (t) => {
  let version = 0;
  const up = await startUpstream('up', (req, res) => {
    version++;
    const cc = req.url === '/swr' ? 'max-age=1, stale-while-revalidate=600' : req.url === '/sie' ? 'max-age=1, stale-if-error=600' : 'max-age=1';
    res.writeHead(200, { 'content-type': 'text/plain', 'cache-control': cc });
    res.end(`${req.url} v${version}`);
  });
  const gw = await useGateway(t, [], conf(up.addr, ''));
  const port = gw.port('main');
  assert.equal((await request(port, { path: '/sie' })).body, '/sie v1');
  assert.equal((await request(port, { path: '/plain' })).body, '/plain v2');
  assert.equal((await request(port, { path: '/swr' })).body, '/swr v3');

  // Stale while revalidating: the expired entry is answered at once, and one background request refreshes it.
  let stale: http.IncomingHttpHeaders = {};
  await waitFor(
    async () => {
      const r = await request(port, { path: '/swr' });
      stale = r.headers;
      assert.equal(r.body, '/swr v3', 'the stale copy answers while the refresh runs');
      return String(r.headers['cache-status']).includes('fwd=stale');
    },
    10_000,
    'the entry to expire',
  );
  assert.match(String(stale['cache-status']), /^c; hit; fwd=stale; ttl=-\d+$/);
  await waitFor(async () => (await request(port, { path: '/swr' })).body === '/swr v4', 10_000, 'the background refresh');
  assert.equal(version, 4);

  await up.close();
  // Upstream down: the expired /sie entry answers in place of the 502; /plain has no stale-if-error and fails.
  let r = await request(port, { path: '/sie' });
  await waitFor(
    async () => {
      r = await request(port, { path: '/sie' });
      return String(r.headers['cache-status']).includes('fwd=stale');
    },
    10_000,
    'the entry to expire',
  );
  assert.equal(r.status, 200);
  assert.equal(r.body, '/sie v1');
  assert.match(String(r.headers['cache-status']), /^c; fwd=stale; fwd-status=502; ttl=-\d+$/);
  await waitFor(async () => (await request(port, { path: '/plain' })).status === 502, 10_000, '/plain to expire and fail');
});

test('cache: PURGE needs an allowed address or the token; the disk tier survives a restart', async (t) => {
  const up = await startUpstream('up', (req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain', 'cache-control': 'max-age=600' });
    res.end(`${req.url} #${up.hits} ${'x'.repeat(4000)}`);
  });
  t.after(() => up.close());
  const dir = tempDir('gw-cache', t);
  const plugin = (ips: string) => `directory = "${dir}"\nnamespace = "web"\nmax_size = "5KiB"\npurge_ip_list = [${ips}]\npurge_token = "s3cret"`;
  // The files a write has finished (store.ts writes NAME.tmp, then renames it): a .tmp one cannot be read yet.
  const stored = () => readdirSync(join(dir, 'web')).filter((f) => !f.endsWith('.tmp')).length;
  let gw = await startGateway(conf(up.addr, plugin('"10.0.0.0/8"')));
  // Whichever gateway runs when the test ends (a failed assertion must not leave one holding the process open).
  t.after(() => gw.stop(0));
  let port = gw.port('main');
  for (const p of ['/one', '/two', '/three']) await request(port, { path: p });
  await waitFor(() => stored() === 3, 5000, 'three entry files');
  const one = await request(port, { path: '/one' });
  assert.match(String(one.headers['cache-status']), /hit/, 'evicted from the 5 KiB memory tier, read from disk');
  assert.equal(one.body.startsWith('/one #1 '), true);
  assert.equal(one.body.length, Number(one.headers['content-length']));
  assert.equal((await request(port, { path: '/one', method: 'PURGE' })).status, 403, 'loopback is not in purge_ip_list');
  assert.equal((await request(port, { path: '/one', method: 'PURGE', headers: { authorization: 'Bearer wrong' } })).status, 403);
  assert.equal((await request(port, { path: '/one', method: 'PURGE', headers: { authorization: 'Bearer s3cret' } })).status, 204);
  assert.match(String((await request(port, { path: '/one' })).headers['cache-status']), /fwd=uri-miss/);
  assert.equal(up.hits, 4);
  await waitFor(() => stored() === 3, 5000, '/one stored again');
  await gw.stop(0);

  // A new gateway on the same directory finds the entries a previous one stored.
  gw = await startGateway(conf(up.addr, plugin('"127.0.0.1"')));
  port = gw.port('main');
  const two = await request(port, { path: '/two' });
  assert.match(String(two.headers['cache-status']), /hit/);
  assert.equal(two.body.startsWith('/two #2 '), true);
  assert.equal(up.hits, 4);
  const all = await request(port, { path: '/*', method: 'PURGE' });
  assert.equal(all.status, 200);
  assert.equal(all.body, 'purged: 3\n');
  assert.match(String((await request(port, { path: '/two' })).headers['cache-status']), /fwd=uri-miss/);
});

test('gateway -t: cache options are checked with their key paths', () => {
  const dir = tempDir('gw-cache-t');
  const file = join(dir, 'gw.toml');
  writeFileSync(
    file,
    `[plugins.c]\ncategory = "cache"\ndirectory = "memory://x?max_size=lots"\npurge_ip_list = ["10.0.0.300"]\nskip = "^/api/("\nheaders = ["Accept Language"]\nlock = "soon"\nmax_sise = "1MiB"\n[upstreams.u]\naddrs = ["127.0.0.1:1"]\n[locations.l]\nupstream = "u"\nplugins = ["c"]\n[servers.main]\naddr = "127.0.0.1:0"\nlocations = ["l"]\n`,
  );
  const r = spawnSync(process.execPath, [gatewayBin, 'gateway', '-t', '-c', file], { encoding: 'utf8' });
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stderr, /^plugins\.c\.directory: max_size "lots" in the directory is not a size/m);
  assert.match(r.stderr, /^plugins\.c\.purge_ip_list\[0\]: "10\.0\.0\.300" is not an IP address or CIDR range/m);
  assert.match(r.stderr, /^plugins\.c\.skip: not a regular expression/m);
  assert.match(r.stderr, /^plugins\.c\.headers\[0\]: "Accept Language" is not a header name/m);
  assert.match(r.stderr, /^plugins\.c\.lock: /m);
  assert.match(r.stderr, /^plugins\.c\.max_sise: unknown key \(did you mean "max_size"\?\)/m);
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
});
