import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatIssue } from '../../config/fields.ts';
import { parseConfigText } from '../../config/load.ts';
import { request, startUpstream, useGateway } from '../../test-helpers.ts';

test('response_headers: add, remove, set, set if absent and rename, in that order; upstream mode leaves plugin answers alone', async (t) => {
  const up = await startUpstream('up', (_req, res) => {
    res.writeHead(200, { server: 'app/1.0', 'x-powered-by': 'php', 'x-internal-trace': 't-1', 'x-trace-id': 'old', 'cache-control': 'private', 'content-type': 'text/plain' });
    res.end('ok');
  });
  const gw = await useGateway(
    t,
    [up],
    `
[upstreams.up]
addrs = ["${up.addr}"]
[plugins.rh]
category = "response_headers"
add_headers = ["X-Served-By: gw-$host", "X-Powered-By: gateway"]
remove_headers = ["Server", "X-Powered-By"]
set_headers = ["X-Frame-Options: DENY", "X-Client: $http_x_client"]
set_headers_not_exists = ["Cache-Control: no-cache", "Referrer-Policy: no-referrer"]
rename_headers = ["X-Internal-Trace: X-Trace-Id"]
[plugins.fix]
category = "response_headers"
mode = "upstream"
set_headers = ["X-Fixed: yes"]
[plugins.mock]
data = "mocked"
path = "/mock"
[locations.l]
upstream = "up"
plugins = ["rh", "fix", "mock"]
[servers.main]
addr = "127.0.0.1:0"
locations = ["l"]
`,
  );
  const port = gw.port('main');
  const r = await request(port, { headers: { host: 'shop.test', 'x-client': 'c-7' } });
  assert.equal(r.status, 200);
  assert.equal(r.headers['x-served-by'], 'gw-shop.test');
  assert.equal(r.headers.server, undefined);
  assert.equal(r.headers['x-powered-by'], undefined, 'added, then removed: remove runs after add');
  assert.equal(r.headers['x-frame-options'], 'DENY');
  assert.equal(r.headers['x-client'], 'c-7');
  assert.equal(r.headers['cache-control'], 'private', 'set only where absent');
  assert.equal(r.headers['referrer-policy'], 'no-referrer');
  assert.equal(r.headers['x-internal-trace'], undefined);
  assert.equal(r.headers['x-trace-id'], 'old, t-1', 'renamed values are appended');
  assert.equal(r.headers['x-fixed'], 'yes');
  const mocked = await request(port, { path: '/mock' });
  assert.equal(mocked.body, 'mocked');
  assert.equal(mocked.headers['x-frame-options'], 'DENY', 'response mode covers plugin answers');
  assert.equal(mocked.headers['x-fixed'], undefined, 'upstream mode only sees upstream responses');
});

test('response_headers: malformed entries are config errors with their key paths', () => {
  const { issues } = parseConfigText(`
[plugins.r]
category = "response_headers"
add_headers = ["NoColon"]
remove_headers = ["Bad Name"]
rename_headers = ["Only-One"]
mode = "downstream"
[servers.s]
addr = "127.0.0.1:0"
`);
  const text = issues.map(formatIssue).join('\n');
  assert.match(text, /^plugins\.r\.add_headers\[0\]: "NoColon" is not "Name:value"/m);
  assert.match(text, /^plugins\.r\.remove_headers\[0\]: "Bad Name" is not a header name/m);
  assert.match(text, /^plugins\.r\.rename_headers\[0\]: "Only-One" is not "Old-Name:New-Name"/m);
  assert.match(text, /^plugins\.r\.mode: /m);
});
