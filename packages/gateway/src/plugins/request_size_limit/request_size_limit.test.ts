import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatIssue } from '../../config/fields.ts';
import { parseConfigText } from '../../config/load.ts';
import { echo, request, startUpstream, useGateway } from '../../test-helpers.ts';

test('request_size_limit: 413 for a larger declared body before the upstream, and for a larger chunked body while it streams', async (t) => {
  const up = await startUpstream('up');
  const gw = await useGateway(
    t,
    [up],
    `
[upstreams.up]
addrs = ["${up.addr}"]
[plugins.small]
category = "request_size_limit"
max_size = "1KiB"
[locations.l]
upstream = "up"
plugins = ["request_id", "small"]
[locations.tight]
upstream = "up"
path = "/tight"
client_max_body_size = "100B"
plugins = ["small"]
[plugins.request_id]
[servers.main]
addr = "127.0.0.1:0"
locations = ["l", "tight"]
`,
  );
  const port = gw.port('main');
  const fits = 'x'.repeat(1024);
  const big = 'x'.repeat(64 * 1024);
  const ok = await request(port, { method: 'POST', body: fits });
  assert.equal(ok.status, 200);
  assert.equal(echo(ok).body.length, 1024);
  const chunkedOk = await request(port, { method: 'POST', body: fits, headers: { 'transfer-encoding': 'chunked' } });
  assert.equal(echo(chunkedOk).headers['transfer-encoding'], 'chunked', 'the body went upstream chunked');
  assert.equal(echo(chunkedOk).body.length, 1024);

  const hits = up.hits;
  const declared = await request(port, { method: 'POST', body: big });
  assert.equal(declared.status, 413);
  assert.match(declared.body, /request id: [0-9a-f-]{36}/, "the gateway's error page, with the request id");
  assert.equal(up.hits, hits, 'a declared length past the limit never reaches the upstream');
  const chunked = await request(port, { method: 'POST', body: big, headers: { 'transfer-encoding': 'chunked' } });
  assert.equal(chunked.status, 413);
  // The stricter of the location's client_max_body_size and the plugin's limit applies.
  assert.equal((await request(port, { path: '/tight', method: 'POST', body: 'x'.repeat(200) })).status, 413);
  assert.equal((await request(port, { method: 'POST', body: 'y' })).status, 200, 'the gateway still serves');
});

test('request_size_limit: a missing or unreadable max_size is a config error with its key path', () => {
  const errors = (extra: string) => parseConfigText(`[plugins.r]\ncategory = "request_size_limit"\n${extra}[servers.s]\naddr = "127.0.0.1:0"\n`).issues.map(formatIssue);
  assert.match(errors('').join('\n'), /^plugins\.r\.max_size: /);
  assert.match(errors('max_size = "lots"\n').join('\n'), /^plugins\.r\.max_size: "lots"/);
});
