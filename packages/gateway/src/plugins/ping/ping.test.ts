import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatIssue } from '../../config/fields.ts';
import { parseConfigText } from '../../config/load.ts';
import { request, startUpstream, useGateway } from '../../test-helpers.ts';

test('ping answers its exact path with 200 pong without the upstream; other paths are proxied', async (t) => {
  const up = await startUpstream('up');
  const gw = await useGateway(
    t,
    [up],
    `
[upstreams.up]
addrs = ["${up.addr}"]
[plugins.ping]
path = "/ping"
[locations.l]
upstream = "up"
plugins = ["ping"]
[servers.main]
addr = "127.0.0.1:0"
locations = ["l"]
`,
  );
  const port = gw.port('main');
  for (const method of ['GET', 'POST']) {
    const r = await request(port, { path: '/ping', method });
    assert.equal(r.status, 200);
    assert.equal(r.body, 'pong');
  }
  assert.equal((await request(port, { path: '/ping', method: 'HEAD' })).body, '');
  assert.equal(up.hits, 0);
  assert.equal((await request(port, { path: '/ping/x' })).headers['x-upstream'], 'up', 'only the exact path');
  assert.equal(up.hits, 1);
});

test('ping: a missing or relative path is a config error with its key path', () => {
  const errors = (extra: string) => parseConfigText(`[plugins.p]\ncategory = "ping"\n${extra}[servers.s]\naddr = "127.0.0.1:0"\n`).issues.map(formatIssue);
  assert.match(errors('').join('\n'), /^plugins\.p\.path: /);
  assert.deepEqual(errors('path = "ping"\n'), ['plugins.p.path: "ping" does not start with "/" (write a path such as "/ping")']);
});
