import { test } from 'node:test';
import assert from 'node:assert/strict';
import type http from 'node:http';
import { parseConfigText } from '../../config/load.ts';
import { formatIssue } from '../../config/fields.ts';
import { echo, freePort, request, startUpstream, useGateway } from '../../test-helpers.ts';

test('forward_auth: a 2xx from the auth service passes with chosen headers copied upstream; a refusal or a redirect is relayed; a silent or absent service gives 504 or 502', async (t) => {
  const up = await startUpstream('up');
  const seen: http.IncomingHttpHeaders[] = [];
  const hung: http.ServerResponse[] = [];
  const auth = await startUpstream('auth', (req, res) => {
    seen.push(req.headers);
    if (req.headers.authorization === 'Bearer good') return res.writeHead(200, { 'x-user-id': '42', 'x-user-role': 'admin', 'x-internal': 'no' }).end('ok');
    if (req.headers.authorization === 'Bearer slow') return void hung.push(res);
    if (!req.headers.cookie) return res.writeHead(302, { location: 'https://login.test/?next=' + encodeURIComponent(String(req.headers['x-forwarded-uri'])) }).end();
    res.writeHead(403, { 'content-type': 'text/plain', 'x-reason': 'expired' }).end('session expired');
  });
  t.after(() => hung.forEach((r) => r.destroy()));
  const gone = await freePort();
  const gw = await useGateway(
    t,
    [up, auth],
    `
[upstreams.up]
addrs = ["${up.addr}"]
[plugins.fa]
category = "forward_auth"
auth_url = "http://${auth.addr}/verify"
request_headers = ["Cookie", "Authorization"]
add_headers = ["X-User-Id", "X-User-Role"]
timeout = "500ms"
[plugins.down]
category = "forward_auth"
auth_url = "http://127.0.0.1:${gone}/verify"
[locations.l]
upstream = "up"
plugins = ["fa"]
[locations.d]
upstream = "up"
path = "/down"
plugins = ["down"]
[servers.main]
addr = "127.0.0.1:0"
locations = ["l", "d"]
`,
  );
  const port = gw.port('main');
  const ok = await request(port, {
    method: 'POST',
    path: '/orders?id=7',
    headers: { authorization: 'Bearer good', 'x-user-id': 'spoofed', 'x-other': 'kept', 'content-type': 'application/json' },
    body: '{"a":1}',
  });
  assert.equal(ok.status, 200);
  const e = echo(ok);
  assert.equal(e.headers['x-user-id'], '42');
  assert.equal(e.headers['x-user-role'], 'admin');
  assert.equal(e.headers['x-internal'], undefined, 'only add_headers are copied');
  assert.equal(e.body, '{"a":1}', 'the body goes to the upstream, not the auth service');
  const asked = seen.at(-1)!;
  assert.equal(asked['x-forwarded-method'], 'POST');
  assert.equal(asked['x-forwarded-uri'], '/orders?id=7');
  assert.equal(asked['x-forwarded-host'], `127.0.0.1:${port}`);
  assert.equal(asked['x-forwarded-for'], '127.0.0.1');
  assert.equal(asked['x-other'], undefined, 'only request_headers are sent to the auth service');
  assert.equal(asked['content-length'], undefined);

  const hits = up.hits;
  const redirect = await request(port, { path: '/dashboard', headers: { authorization: 'Bearer none' } });
  assert.equal(redirect.status, 302);
  assert.equal(redirect.headers.location, 'https://login.test/?next=%2Fdashboard');
  const denied = await request(port, { path: '/x', headers: { authorization: 'Bearer old', cookie: 's=1', 'x-user-id': '42' } });
  assert.equal(denied.status, 403);
  assert.equal(denied.body, 'session expired');
  assert.equal(denied.headers['x-reason'], 'expired');
  const slow = await request(port, { path: '/x', headers: { authorization: 'Bearer slow' } });
  assert.equal(slow.status, 504);
  assert.equal(slow.body, 'forward_auth: the auth service did not answer within 500 ms\n');
  const down = await request(port, { path: '/down' });
  assert.equal(down.status, 502);
  assert.equal(down.body, 'forward_auth: the auth service failed\n');
  assert.equal(up.hits, hits, 'nothing refused reached the upstream');
});

test('forward_auth options: a missing or non-URL auth_url, a bad header name', () => {
  const { issues } = parseConfigText(`
[plugins.none]
category = "forward_auth"
[plugins.bad]
category = "forward_auth"
auth_url = "auth-service:9000/verify"
add_headers = ["X User"]
[servers.s]
addr = "127.0.0.1:0"
`);
  assert.deepEqual(issues.map(formatIssue), [
    'plugins.none.auth_url: is required (auth_url is the `http(s)://` URL of the auth service’s check endpoint; the original path is not appended.)',
    'plugins.bad.auth_url: "auth-service:9000/verify" is not an http(s) URL (write the full URL, such as http://127.0.0.1:9000/verify)',
    'plugins.bad.add_headers[0]: "X User" is not a header name (write a header name such as "X-User-Id")',
  ]);
});
