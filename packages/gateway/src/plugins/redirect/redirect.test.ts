import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatIssue } from '../../config/fields.ts';
import { parseConfigText } from '../../config/load.ts';
import { echo, request, startUpstream, useGateway } from '../../test-helpers.ts';

test('redirect: http to https, a new host, a changed prefix, each status, the query kept; requests at their target pass', async (t) => {
  const up = await startUpstream('up');
  const gw = await useGateway(
    t,
    [up],
    `
[upstreams.up]
addrs = ["${up.addr}"]
[plugins.https]
category = "redirect"
http_to_https = true
status = 301
[plugins.moved]
category = "redirect"
host = "new.example:8443"
status = 308
[plugins.prefix]
category = "redirect"
strip_prefix = "/old"
prefix = "/new"
status = 302
[plugins.api]
category = "redirect"
prefix = "api"
[locations.https]
upstream = "up"
host = "secure.test"
plugins = ["https"]
[locations.moved]
upstream = "up"
host = "old.test"
plugins = ["moved"]
[locations.prefix]
upstream = "up"
host = "prefix.test"
plugins = ["prefix"]
[locations.api]
upstream = "up"
host = "api.test"
plugins = ["api"]
[servers.main]
addr = "127.0.0.1:0"
locations = ["https", "moved", "prefix", "api"]
`,
  );
  const port = gw.port('main');
  const go = (host: string, path: string, method = 'GET') => request(port, { path, method, headers: { host } });
  const https = await go('secure.test:8080', '/a/b?x=1&y=%20');
  assert.equal(https.status, 301);
  assert.equal(https.headers.location, 'https://secure.test/a/b?x=1&y=%20', 'the plain-HTTP port is dropped, the query kept');
  const moved = await go('old.test', '/p?q', 'POST');
  assert.equal(moved.status, 308);
  assert.equal(moved.headers.location, 'http://new.example:8443/p?q');
  const prefixed = await go('prefix.test:81', '/old/a?k=v');
  assert.equal(prefixed.status, 302);
  assert.equal(prefixed.headers.location, 'http://prefix.test:81/new/a?k=v');
  assert.equal((await go('prefix.test', '/older')).headers.location, 'http://prefix.test/new/older', '/older is not under /old');
  const atTarget = await go('prefix.test', '/new/a');
  assert.equal(atTarget.status, 200, 'already at its target: proxied');
  assert.equal(echo(atTarget).url, '/new/a');
  const api = await go('api.test', '/users');
  assert.equal(api.status, 307, 'the default status keeps the method');
  assert.equal(api.headers.location, 'http://api.test/api/users');
  assert.equal((await go('api.test', '/api/users')).status, 200);
  assert.equal(up.hits, 2);
});

test('redirect: a status that is not a redirect, a bad host and a redirect to nowhere are config errors with key paths', () => {
  const { issues } = parseConfigText(`
[plugins.a]
category = "redirect"
http_to_https = true
status = 303
[plugins.b]
category = "redirect"
host = "bad host/x"
[plugins.c]
category = "redirect"
[servers.s]
addr = "127.0.0.1:0"
`);
  assert.deepEqual(issues.map(formatIssue), [
    'plugins.a.status: 303 is not a redirect status (use 301, 302, 307 or 308)',
    'plugins.b.host: "bad host/x" is not host[:port] (write "example.com" or "example.com:8443")',
    'plugins.c: redirects nowhere: set http_to_https, host, prefix or strip_prefix',
  ]);
});
