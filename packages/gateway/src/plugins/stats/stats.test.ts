import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatIssue } from '../../config/fields.ts';
import { parseConfigText } from '../../config/load.ts';
import { request, startUpstream, useGateway } from '../../test-helpers.ts';

test('stats answers its path with process facts and the requests counted through it; other paths are proxied', async (t) => {
  const up = await startUpstream('up');
  const gw = await useGateway(
    t,
    [up],
    `
[upstreams.up]
addrs = ["${up.addr}"]
[plugins.stats]
path = "/stats"
[locations.l]
upstream = "up"
plugins = ["stats"]
[servers.main]
addr = "127.0.0.1:0"
locations = ["l"]
`,
  );
  const port = gw.port('main');
  for (let i = 0; i < 3; i++) assert.equal((await request(port, { path: '/x' })).status, 200);
  const r = await request(port, { path: '/stats' });
  assert.equal(r.status, 200);
  assert.equal(r.headers['content-type'], 'application/json');
  const s = JSON.parse(r.body);
  assert.equal(s.accepted, 4, 'three proxied requests and this one');
  assert.equal(s.processing, 1, 'only this request is in flight');
  assert.equal(s.location_accepted, 4);
  assert.equal(s.pid, process.pid);
  assert.ok(s.memory_mb > 0 && s.uptime_seconds >= 0 && s.cpus >= 1);
  assert.equal(typeof s.hostname, 'string');
});

test('stats: a path that is not a path is a config error', () => {
  const { issues } = parseConfigText(`
[plugins.stats]
path = "stats"
[servers.s]
addr = "127.0.0.1:0"
`);
  assert.deepEqual(issues.map(formatIssue), ['plugins.stats.path: "stats" is not a path (write a path starting with "/", such as "/stats")']);
});
