import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatIssue } from '../../config/fields.ts';
import { parseConfigText } from '../../config/load.ts';
import { request, startUpstream, useGateway, type TestUpstream } from '../../test-helpers.ts';

function config(up: TestUpstream, plugin: string, plugins = '["cors"]', extra = ''): string {
  return `
[upstreams.up]
addrs = ["${up.addr}"]
[plugins.cors]
category = "cors"
${plugin}
${extra}
[locations.l]
upstream = "up"
plugins = ${plugins}
[servers.main]
addr = "127.0.0.1:0"
locations = ["l"]
`;
}

const preflight = (origin: string, headers: Record<string, string> = {}) => ({
  method: 'OPTIONS',
  path: '/api/items',
  headers: { origin, 'access-control-request-method': 'PUT', ...headers },
});

test('cors: a preflight from an allowed origin is answered by the gateway (204, upstream not called), reflecting the origin', async (t) => {
  let calls = 0;
  const up = await startUpstream('up', (_req, res) => {
    calls++;
    res.end('{}');
  });
  const gw = await useGateway(
    t,
    [up],
    config(
      up,
      'allow_origins = ["https://app.example.com", "https://*.example.org", "~^http://localhost:[0-9]+$"]\nallow_credentials = true\nexpose_headers = "X-Request-Id"\nmax_age = "10m"',
    ),
  );
  const port = gw.port('main');
  const r = await request(port, preflight('https://app.example.com', { 'access-control-request-headers': 'content-type, x-token' }));
  assert.equal(r.status, 204);
  assert.equal(r.headers['access-control-allow-origin'], 'https://app.example.com');
  assert.equal(r.headers['access-control-allow-methods'], 'GET, POST, PUT, PATCH, DELETE, OPTIONS');
  assert.equal(r.headers['access-control-allow-headers'], 'content-type, x-token');
  assert.equal(r.headers['access-control-allow-credentials'], 'true');
  assert.equal(r.headers['access-control-max-age'], '600');
  assert.match(String(r.headers.vary), /Origin/);
  assert.equal(calls, 0);
  for (const origin of ['https://a.example.org', 'http://localhost:5173']) {
    assert.equal((await request(port, preflight(origin))).headers['access-control-allow-origin'], origin);
  }
  // A disallowed origin's preflight is refused and its real requests carry no CORS headers.
  const bad = await request(port, preflight('https://evil.test'));
  assert.equal(bad.status, 403);
  assert.equal(bad.headers['access-control-allow-origin'], undefined);
  assert.equal((await request(port, preflight('https://example.org.evil.test'))).status, 403);
  const real = await request(port, { path: '/api/items', headers: { origin: 'https://evil.test' } });
  assert.equal(real.status, 200);
  assert.equal(real.headers['access-control-allow-origin'], undefined);
  assert.equal(calls, 1);
});

test('cors: real responses of allowed origins get the headers and Vary: Origin; no Origin means no CORS headers; a plain OPTIONS is proxied', async (t) => {
  const up = await startUpstream('up', (req, res) => {
    res.setHeader('vary', 'Accept-Encoding');
    res.end(req.method);
  });
  const gw = await useGateway(t, [up], config(up, 'allow_origin = "$http_origin"\nexpose_headers = "X-Total"\npath = "^/api/"'));
  const port = gw.port('main');
  const r = await request(port, { path: '/api/items', headers: { origin: 'https://any.test' } });
  assert.equal(r.headers['access-control-allow-origin'], 'https://any.test');
  assert.equal(r.headers['access-control-expose-headers'], 'X-Total');
  assert.equal(r.headers.vary, 'Accept-Encoding, Origin');
  assert.equal((await request(port, { path: '/api/items' })).headers['access-control-allow-origin'], undefined);
  // Outside `path` the plugin does nothing.
  assert.equal((await request(port, { path: '/other', headers: { origin: 'https://any.test' } })).headers['access-control-allow-origin'], undefined);
  const plain = await request(port, { method: 'OPTIONS', path: '/api/items' });
  assert.equal(plain.status, 200);
  assert.equal(plain.body, 'OPTIONS');
});

test('cors: a preflight runs through the chain before an auth plugin would refuse it (priority)', async (t) => {
  const up = await startUpstream('up');
  // A mock standing in for an auth plugin refuses everything with 401; cors has a higher priority, so preflights are answered first.
  const gw = await useGateway(
    t,
    [up],
    config(up, 'allow_origin = "*"\npriority = 10', '["deny", "cors"]', '[plugins.deny]\ncategory = "mock"\nstatus = 401\ndata = "login first"'),
  );
  const pre = await request(gw.port('main'), preflight('https://app.test'));
  assert.equal(pre.status, 204);
  assert.equal(pre.headers['access-control-allow-origin'], '*');
  const real = await request(gw.port('main'), { path: '/api/items', headers: { origin: 'https://app.test' } });
  assert.equal(real.status, 401);
  // The refusal still carries the CORS headers, so the browser's script can read the 401.
  assert.equal(real.headers['access-control-allow-origin'], '*');
});

test('cors: credentials with "*", a bad path regex and a bad origin pattern are config errors with their key paths', () => {
  const { issues } = parseConfigText(`
[plugins.cors]
category = "cors"
allow_credentials = true
path = "^/api/("
[plugins.cors2]
category = "cors"
allow_origins = ["https://ok.test", "~("]
[servers.s]
addr = "127.0.0.1:0"
`);
  const text = issues.map(formatIssue);
  assert.ok(
    text.some((l) => l.startsWith('plugins.cors.allow_credentials: browsers refuse credentials')),
    text.join('\n'),
  );
  assert.ok(
    text.some((l) => l.startsWith('plugins.cors.path: "^/api/(" is not a valid regular expression')),
    text.join('\n'),
  );
  assert.ok(
    text.some((l) => l.startsWith('plugins.cors2.allow_origins[1]:')),
    text.join('\n'),
  );
});
