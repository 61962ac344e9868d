// Path and Host normalization and pingap's location syntax, end to end: a real gateway, a real echo upstream, requests
// written as clients send them (node:http sends a path verbatim; raw sockets for Host values it would not send; node:http2).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import { echo, rawRequest, request, startGateway, startUpstream, type Reply, type TestUpstream } from '../test-helpers.ts';
import type { Gateway } from '../gateway.ts';

let up: TestUpstream;
let gw: Gateway;
let port: number;
let unmerged: number;

before(async () => {
  up = await startUpstream('up');
  gw = await startGateway(`
[upstreams.up]
addrs = ["${up.addr}"]

[locations.exact]
upstream = "up"
path = "= /exact"
headers_add = ["X-Loc:exact"]

[locations.pre]
upstream = "up"
path = "/pre"
headers_add = ["X-Loc:pre"]

[locations.rw]
upstream = "up"
path = "/rw"
rewrite = "^/rw/(.*)$ /v2/$1"
headers_add = ["X-Loc:rw"]

[locations.dash]
upstream = "up"
path = "/p-"
rewrite = "^/p-(.*)$ /q/$1"
headers_add = ["X-Loc:dash"]

[locations.php]
upstream = "up"
path = "~ \\\\.php$"
headers_add = ["X-Loc:php"]

[locations.hosted]
upstream = "up"
host = "example.test"
headers_add = ["X-Loc:hosted"]

[locations.any]
upstream = "up"
headers_add = ["X-Loc:any"]

[servers.main]
addr = "127.0.0.1:0"
locations = ["exact", "pre", "rw", "dash", "php", "hosted", "any"]

[servers.unmerged]
addr = "127.0.0.1:0"
merge_slashes = false
enabled_h2 = true
locations = ["pre", "any"]
`);
  port = gw.port('main');
  unmerged = gw.port('unmerged');
});

after(async () => {
  await gw.stop(0);
  await up.close();
});

/** seen returns the location that proxied a reply and the path the upstream received. */
function seen(r: Reply): { loc: string; url: string } {
  assert.equal(r.status, 200, r.body);
  const e = echo(r);
  return { loc: e.headers['x-loc']!, url: e.url };
}

const routed: [string, string, string, string][] = [
  ['".." is resolved before routing and forwarding', '/pre/../exact', 'exact', '/exact'],
  ['an encoded unreserved character matches an exact location', '/ex%61ct', 'exact', '/exact'],
  ['encoded dots are dot segments', '/pre/%2e%2E/exact', 'exact', '/exact'],
  ['"." segments go', '/pre/./a/./b', 'pre', '/pre/a/b'],
  ['slashes are merged by default', '/pre//a///b', 'pre', '/pre/a/b'],
  ['escapes are forwarded with upper-case hex, the query untouched', '/pre/caf%c3%a9?q=/../%2e%2e', 'pre', '/pre/caf%C3%A9?q=/../%2e%2e'],
  ['an encoded slash stays encoded', '/pre/a%2fb', 'pre', '/pre/a%2Fb'],
  ['a rewrite works on the normalized path', '/rw/a/../b', 'rw', '/v2/b'],
  ['a regex with a space after "~" (pingap syntax) matches', '/x/index.php', 'php', '/x/index.php'],
  ['a fragment is dropped, as nginx does', '/pre/a#/../../exact?q', 'pre', '/pre/a'],
];

for (const [name, path, loc, url] of routed) {
  test(`normalization: ${name} (${path})`, async () => {
    assert.deepEqual(seen(await request(port, { path })), { loc, url });
  });
}

const refused: [string, string][] = [
  ['climbing above the root through a rewrite location', '/rw/../../admin'],
  ['encoded dots climbing above the root', '/rw/%2e%2e/%2e%2e/admin'],
  ['"..%2f", which an upstream decoding %2F would climb with', '/rw/..%2f..%2fadmin'],
  ['a malformed escape', '/pre/%zz'],
  ['an encoded NUL', '/pre/index.php%00.jpg'],
  ['a dot segment a rewrite assembled from a capture', '/p-../admin'],
];

for (const [name, path] of refused) {
  test(`normalization: 400 for ${name} (${path}), and nothing reaches the upstream`, async () => {
    const hits = up.hits;
    const r = await request(port, { path });
    assert.equal(r.status, 400, r.body);
    assert.equal(up.hits, hits);
  });
}

test('normalization: with merge_slashes = false, runs of slashes are kept', async () => {
  assert.deepEqual(seen(await request(unmerged, { path: '/pre//a///b' })), { loc: 'pre', url: '/pre//a///b' });
  assert.deepEqual(seen(await request(unmerged, { path: '/pre//../x' })), { loc: 'pre', url: '/pre/x' });
});

test('Host: lower-cased and without a trailing dot before routing', async () => {
  assert.equal(seen(await request(port, { path: '/h', headers: { host: 'EXAMPLE.Test.' } })).loc, 'hosted');
  assert.equal(seen(await request(port, { path: '/h', headers: { host: 'example.test.:8080' } })).loc, 'hosted');
  assert.equal(seen(await request(port, { path: '/h', headers: { host: '[::1]:8080' } })).loc, 'any');
});

for (const host of ['a b', 'a/b', 'example..test', 'example.test:80x', 'example.test:99999', '[::1', 'user@example.test']) {
  test(`Host: 400 for ${JSON.stringify(host)}`, async () => {
    const hits = up.hits;
    const out = await rawRequest(port, `GET /h HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`);
    assert.match(out, /^HTTP\/1\.1 400 /);
    assert.equal(up.hits, hits);
  });
}

function h2request(url: string, headers: http2.OutgoingHttpHeaders): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const session = http2.connect(url);
    session.on('error', reject);
    const req = session.request(headers);
    let body = '';
    let status = 0;
    req.on('response', (h) => (status = Number(h[':status'])));
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      session.close();
      resolve({ status, body });
    });
    req.on('error', reject);
    req.end();
  });
}

test('normalization: HTTP/2 requests are normalized the same way', async () => {
  const base = `http://127.0.0.1:${unmerged}`;
  const ok = await h2request(base, { ':path': '/pre/x/%2e%2e/../pre/%61' });
  assert.equal(ok.status, 200, ok.body);
  assert.equal(echo({ status: ok.status, headers: {}, body: ok.body }).url, '/pre/a');
  const hits = up.hits;
  assert.equal((await h2request(base, { ':path': '/pre/../../admin' })).status, 400);
  assert.equal((await h2request(base, { ':path': '/pre', ':authority': 'example..test' })).status, 400);
  assert.equal(up.hits, hits);
});
