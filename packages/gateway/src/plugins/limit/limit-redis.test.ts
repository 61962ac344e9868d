// The limit plugin counting in a real Redis (Debian's redis-server), shared by several gateways.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type http from 'node:http';
import { startRedis } from '@etcd-monitor/core/testing';
import { freePort, request, spawnGateway, startUpstream, useGateway, waitFor } from '../../test-helpers.ts';

/** records parses the JSON lines of a gateway's stderr. */
function records(stderr: string): Record<string, unknown>[] {
  return stderr.split('\n').flatMap((l) => {
    try {
      return [JSON.parse(l) as Record<string, unknown>];
    } catch {
      return [];
    }
  });
}

test('two gateways sharing a Redis share each count: sliding window, token bucket and inflight', async (t) => {
  const redis = await startRedis(t);
  const held: http.ServerResponse[] = [];
  const up = await startUpstream('up', (req, res) => (req.url === '/slow' ? held.push(res) : res.end('ok')));
  t.after(() => {
    for (const r of held.splice(0)) r.end();
  });
  const toml = `
[upstreams.up]
addrs = ["${up.addr}"]
[plugins.shared]
category = "limit"
tag = "header"
key = "X-User"
max = 4
interval = "60s"
redis = "${redis.url}"
[plugins.bucket]
category = "limit"
algorithm = "token_bucket"
tag = "header"
key = "X-Bucket"
max = 1
interval = "60s"
burst = 3
redis = "${redis.url}"
[plugins.slots]
category = "limit"
type = "inflight"
tag = "route"
max = 2
redis = "${redis.url}"
[locations.slow]
upstream = "up"
path = "/slow"
plugins = ["slots"]
[locations.l]
upstream = "up"
plugins = ["shared", "bucket"]
[servers.main]
addr = "127.0.0.1:0"
locations = ["slow", "l"]
`;
  const a = await useGateway(t, [], toml);
  const b = await useGateway(t, [up], toml);
  const [pa, pb] = [a.port('main'), b.port('main')];
  const st = async (port: number, headers: http.OutgoingHttpHeaders) => (await request(port, { headers })).status;
  const user = { 'x-user': 'u1' };
  assert.deepEqual([await st(pa, user), await st(pb, user), await st(pa, user), await st(pb, user), await st(pa, user), await st(pb, user)], [200, 200, 200, 200, 429, 429]);
  const keys = await redis.command('KEYS gw:limit:*');
  assert.match(keys, /gw:limit:\{shared:sw:60000:header:x-user=u1\}:\d+/, 'the count is in Redis');
  const bucket = { 'x-bucket': 'k' };
  assert.deepEqual([await st(pa, bucket), await st(pb, bucket), await st(pa, bucket), await st(pb, bucket)], [200, 200, 200, 429]);
  const slow = [request(pa, { path: '/slow' }), request(pb, { path: '/slow' })];
  await waitFor(() => held.length === 2, 10_000, 'two slow requests at the upstream');
  const third = await request(pb, { path: '/slow' });
  assert.equal(third.status, 429);
  assert.equal(third.headers['ratelimit-policy'], '"slots";q=2;qu="concurrent-requests"');
  for (const r of held.splice(0)) r.end('done');
  await Promise.all(slow);
  await waitFor(async () => (await redis.command('ZCARD gw:limit:{slots:inflight:route=slow}')) === ':0\r\n', 10_000, 'the finished requests released in Redis');
});

test('Redis down: one clear log line, fail_open allows and fail_open = false answers 503, never a hang; Redis back: counting resumes', async (t) => {
  const redis = await startRedis(t);
  const up = await startUpstream('up');
  t.after(() => up.close());
  const port = await freePort();
  const gw = spawnGateway(
    t,
    `
[basic]
threads = 1
admin_addr = ""
watch = false
[upstreams.up]
addrs = ["${up.addr}"]
[plugins.open]
category = "limit"
tag = "route"
max = 3
interval = "60s"
redis = "${redis.url}"
[plugins.closed]
category = "limit"
tag = "route"
max = 3
interval = "60s"
redis = "${redis.url}"
fail_open = false
[locations.open]
upstream = "up"
path = "/open"
plugins = ["open"]
[locations.closed]
upstream = "up"
path = "/closed"
plugins = ["closed"]
[servers.main]
addr = "127.0.0.1:${port}"
locations = ["open", "closed"]
`,
  );
  await waitFor(
    async () => (await request(port, { path: '/open' }).catch(() => undefined))?.status === 200,
    60_000,
    () => `the gateway to serve (stderr: ${gw.stderr()})`,
  );
  const st = async (path: string) => (await request(port, { path })).status;
  assert.deepEqual([await st('/open'), await st('/open'), await st('/open')], [200, 200, 429], 'counting in Redis');
  await redis.stop();
  await waitFor(
    async () => (await st('/closed')) === 503,
    20_000,
    () => `fail_open = false answers 503 while Redis is down (stderr: ${gw.stderr()})`,
  );
  const during = [await st('/open'), await st('/open'), await st('/open'), await st('/open'), await st('/closed')];
  assert.deepEqual(during, [200, 200, 200, 200, 503], 'fail_open allows everything while the count cannot be kept');
  const downLines = gw.stderr().match(/Redis redis:\/\/127\.0\.0\.1:\d+\/? is unreachable \([^)]+\)/g) ?? [];
  assert.equal(downLines.length, 1, `one line for the outage, not one per request:\n${gw.stderr()}`);
  // The line is the worker's own JSON log (its worker field), at warn, naming the entry that holds the connection.
  const down = records(gw.stderr()).find((r) => / is unreachable /.test(String(r.msg)));
  assert.deepEqual(
    { level: down?.level, plugin: down?.plugin, category: down?.category, worker: typeof down?.worker },
    { level: 40, plugin: 'closed', category: 'limit', worker: 'number' },
    JSON.stringify(down),
  );
  await redis.start();
  await waitFor(
    () => /limit: Redis redis:\/\/127\.0\.0\.1:\d+\/? is back/.test(gw.stderr()),
    60_000,
    () => `the reconnect (stderr: ${gw.stderr()})`,
  );
  assert.deepEqual([await st('/closed'), await st('/closed'), await st('/closed'), await st('/closed')], [200, 200, 200, 429], 'a fresh Redis counts from zero');
  assert.equal(gw.child.exitCode, null, 'the gateway never crashed');
});
