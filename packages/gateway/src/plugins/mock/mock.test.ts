import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfigText } from '../../config/load.ts';
import { formatIssue } from '../../config/fields.ts';
import { request, startUpstream, useGateway } from '../../test-helpers.ts';

test('mock answers for its path only, after the delay, and lets other requests through', async (t) => {
  const up = await startUpstream('up');
  const gw = await useGateway(
    t,
    [up],
    `
[upstreams.up]
addrs = ["${up.addr}"]
[plugins.maintenance]
category = "mock"
status = 503
data = '{"error":"maintenance"}'
headers = ["Content-Type: application/json", "Retry-After: 60"]
path = "/api/orders"
delay = "20ms"
[locations.l]
upstream = "up"
plugins = ["maintenance"]
[servers.main]
addr = "127.0.0.1:0"
locations = ["l"]
`,
  );
  const port = gw.port('main');
  const r = await request(port, { path: '/api/orders' });
  assert.equal(r.status, 503);
  assert.equal(r.body, '{"error":"maintenance"}');
  assert.equal(r.headers['retry-after'], '60');
  assert.equal(r.headers['content-type'], 'application/json');
  assert.equal(up.hits, 0);
  const other = await request(port, { path: '/api/users' });
  assert.equal(other.status, 200);
  assert.equal(up.hits, 1);
  const head = await request(port, { path: '/api/orders', method: 'HEAD' });
  assert.equal(head.status, 503);
  assert.equal(head.body, '');
});

test('mock options are validated with paths and hints', () => {
  const { issues } = parseConfigText(`
[plugins.m]
category = "mock"
status = 99
headers = ["NoColon"]
delai = "1s"
[servers.s]
addr = "127.0.0.1:0"
`);
  assert.deepEqual(issues.map(formatIssue), [
    'plugins.m.status: 99 is out of range (use a value between 100 and 599)',
    'plugins.m.delai: unknown key (did you mean "delay"?)',
    'plugins.m.headers[0]: "NoColon" is not "Name:value" (write headers as "Name:value")',
  ]);
});
