// The limit plugin in a real gateway of several worker processes: counts are kept by the supervisor for all workers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import type http from 'node:http';
import { join } from 'node:path';
import { tempDir } from '@etcd-monitor/core/testing';
import { childrenOf, freePort, gatewayBin, request, spawnGateway, startUpstream, waitFor } from '../../test-helpers.ts';

const conf = (upAddr: string, port: number, plugin: string) => `
[basic]
threads = 2
admin_addr = ""
watch = false
log_level = "info"
[upstreams.up]
addrs = ["${upAddr}"]
[plugins.per_gateway]
category = "limit"
${plugin}
[locations.l]
upstream = "up"
plugins = ["per_gateway"]
[servers.main]
addr = "127.0.0.1:${port}"
locations = ["l"]
`;

/** serving waits until every worker runs (the primary says so once all are ready; one serving is not enough) and the port answers. */
async function serving(port: number, stderr: () => string): Promise<void> {
  await waitFor(
    async () => stderr().includes('gateway workers started') && (await request(port, { path: '/ready' }).catch(() => undefined)) !== undefined,
    60_000,
    () => `the gateway to serve (stderr: ${stderr()})`,
  );
}

test('two workers: a rate limit counts for the whole gateway, not per worker, and a reload changing max keeps the counts', async (t) => {
  const up = await startUpstream('up');
  t.after(() => up.close());
  const port = await freePort();
  const plugin = (max: number) => `type = "rate"\ntag = "header"\nkey = "X-Client"\nmax = ${max}\ninterval = "60s"`;
  const gw = spawnGateway(t, conf(up.addr, port, plugin(10)));
  await serving(port, gw.stderr);
  assert.equal(childrenOf(gw.pid).length, 2, 'two workers');
  // Fresh connections, many at once, land on both workers; each worker alone would allow 10.
  const burst = async (n: number) => {
    const all = await Promise.all(Array.from({ length: n }, () => request(port, { headers: { 'x-client': 'c1' } })));
    return all.filter((r) => r.status === 200).length;
  };
  assert.equal(await burst(40), 10, `exactly max allowed across the workers (stderr: ${gw.stderr()})`);
  assert.equal(await burst(10), 0);
  writeFileSync(gw.file, conf(up.addr, port, plugin(15)));
  const reloads = () => gw.stderr().split('config reloaded').length - 1;
  // The primary takes SIGHUP only once it has set up its reload, a moment after the workers serve; a signal before that
  // is lost, so it is repeated each second until a reload is logged (reloading the same file twice changes nothing).
  let sent = 0;
  await waitFor(
    () => {
      if (reloads() >= 1) return true;
      if (Date.now() - sent > 1000) {
        process.kill(gw.pid, 'SIGHUP');
        sent = Date.now();
      }
      return false;
    },
    60_000,
    () => `the reload (stderr: ${gw.stderr()})`,
  );
  assert.equal(await burst(40), 5, 'the 10 counted stay counted under max = 15');
});

test('two workers: an inflight limit holds for the whole gateway, and the slots of killed workers come back', async (t) => {
  const held: http.ServerResponse[] = [];
  const up = await startUpstream('slow', (req, res) => (req.url === '/ready' ? res.end('ready') : held.push(res)));
  t.after(() => {
    for (const r of held.splice(0)) r.end();
    return up.close();
  });
  const port = await freePort();
  const gw = spawnGateway(t, conf(up.addr, port, 'type = "inflight"\ntag = "route"\nmax = 3'));
  await serving(port, gw.stderr);
  const statuses: number[] = [];
  for (let i = 0; i < 8; i++)
    request(port).then(
      (r) => statuses.push(r.status),
      () => statuses.push(-1),
    );
  await waitFor(
    () => held.length === 3 && statuses.filter((s) => s === 429).length === 5,
    20_000,
    () => `three requests at the upstream and five refused, whichever worker took them (held ${held.length}, answered ${JSON.stringify(statuses)})`,
  );
  const workers = childrenOf(gw.pid);
  for (const pid of workers) process.kill(pid, 'SIGKILL');
  await waitFor(
    () => childrenOf(gw.pid).filter((p) => !workers.includes(p)).length === 2,
    60_000,
    () => `two new workers (stderr: ${gw.stderr()})`,
  );
  await serving(port, gw.stderr);
  for (const r of held.splice(0)) r.destroy();
  const again = Array.from({ length: 3 }, () => request(port));
  await waitFor(() => held.length === 3, 20_000, 'the dead workers’ slots given back: three new requests at the upstream');
  for (const r of held.splice(0)) r.end('ok');
  assert.deepEqual(
    (await Promise.all(again)).map((r) => r.status),
    [200, 200, 200],
  );
});

test('gateway -t reports bad limit options with their key path and exits 1', () => {
  const dir = tempDir('limit-t');
  const file = join(dir, 'bad.toml');
  writeFileSync(
    file,
    `
[upstreams.up]
addrs = ["127.0.0.1:1"]
[plugins.a]
category = "limit"
type = "burst"
max = 1
[plugins.b]
category = "limit"
max = 1
interval = "soon"
[plugins.c]
category = "limit"
max = 1
redis = "redis//nope"
[locations.l]
upstream = "up"
plugins = ["a", "b", "c"]
[servers.main]
addr = "127.0.0.1:0"
locations = ["l"]
`,
  );
  const r = spawnSync(process.execPath, [gatewayBin, 'gateway', '-t', '-c', file], { encoding: 'utf8' });
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stderr, /plugins\.a\.type: unknown value "burst"/);
  assert.match(r.stderr, /plugins\.b\.interval: /);
  assert.match(r.stderr, /plugins\.c\.redis: "redis\/\/nope" is not a URL/);
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
});
