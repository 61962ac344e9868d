// The process model through the `etcd-monitor gateway` command: supervision of crashed workers, the listening sockets the
// primary keeps, reloads of admin settings, the reload counter, the process log, and health checks shared by the workers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import type http from 'node:http';
import { parseConfigText } from './config/load.ts';
import { mergeMetrics, restartDelay } from './cluster.ts';
import { WorkerMetrics } from './supervisor/metrics.ts';
import type { ServerStatus } from './admin/backend.ts';
import { join } from 'node:path';
import { childrenOf, echo, freePort, request, spawnGateway, startUpstream, useGateway, waitFor } from './test-helpers.ts';

/** stream keeps `clients` loops sending requests on fresh connections until stopped, and counts the outcomes by error code. */
function stream(port: number, clients = 4): { counts: Map<string, number>; stop(): Promise<void> } {
  const counts = new Map<string, number>();
  let running = true;
  const loop = async () => {
    while (running) {
      let outcome: string;
      try {
        outcome = String((await request(port)).status);
      } catch (err) {
        outcome = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
      }
      counts.set(outcome, (counts.get(outcome) ?? 0) + 1);
    }
  };
  const loops = Array.from({ length: clients }, loop);
  return {
    counts,
    stop: async () => {
      running = false;
      await Promise.all(loops);
    },
  };
}

test('one worker, no admin listener: a worker killed with -9 is restarted, no connection is refused meanwhile, and the pid file goes on stop', async (t) => {
  const up = await startUpstream('u');
  t.after(() => up.close());
  const port = await freePort();
  const gw = spawnGateway(
    t,
    `
[basic]
threads = 1
admin_addr = ""
pid_file = "gw.pid"
watch = false
log_level = "info"
[upstreams.u]
addrs = ["${up.addr}"]
[locations.l]
upstream = "u"
[servers.main]
addr = "127.0.0.1:${port}"
locations = ["l"]
`,
  );
  await waitFor(
    async () => (await request(port).catch(() => undefined))?.status === 200,
    30_000,
    () => `the gateway to serve (stderr: ${gw.stderr()})`,
  );
  const [first] = childrenOf(gw.pid);
  assert.ok(first, 'one worker');
  const s = stream(port);
  t.after(() => s.stop());
  await waitFor(() => (s.counts.get('200') ?? 0) >= 20, 10_000, 'requests flowing');
  process.kill(first, 'SIGKILL');
  let after = 0;
  await waitFor(
    () => {
      const kids = childrenOf(gw.pid);
      if (kids.length === 1 && kids[0] !== first && after === 0) after = s.counts.get('200') ?? 0;
      return after > 0 && (s.counts.get('200') ?? 0) >= after + 50;
    },
    30_000,
    () => `a new worker serving (children ${childrenOf(gw.pid).join(' ')}, outcomes ${JSON.stringify([...s.counts])}, primary exit ${gw.child.exitCode}, stderr: ${gw.stderr()})`,
  );
  await s.stop();
  t.diagnostic(`outcomes: ${JSON.stringify([...s.counts])}`);
  assert.equal(s.counts.get('ECONNREFUSED') ?? 0, 0, `no connection refused while the worker restarted (outcomes ${JSON.stringify([...s.counts])})`);
  assert.match(gw.stderr(), /worker exited; starting a new one/);
  assert.equal(echo(await request(port)).name, 'u');
  gw.child.kill('SIGTERM');
  assert.equal(await gw.exited, 0, gw.stderr());
  assert.equal(existsSync(join(gw.dir, 'gw.pid')), false, 'the pid file is removed');
});

test('a reload applies a new admin_token and admin_addr, counts a rejected config as a failure, and worker log lines name their worker', async (t) => {
  const up = await startUpstream('u');
  t.after(() => up.close());
  const port = await freePort();
  const admin1 = await freePort();
  const admin2 = await freePort();
  const conf = (admin: number, token: string) => `
[basic]
threads = 2
admin_addr = "127.0.0.1:${admin}"
admin_token = "${token}"
watch = false
log_level = "info"
[upstreams.u]
addrs = ["${up.addr}"]
[locations.l]
upstream = "u"
[servers.main]
addr = "127.0.0.1:${port}"
locations = ["l"]
`;
  const gw = spawnGateway(t, conf(admin1, 'old-token'));
  const reloadWith = (admin: number, token: string) => request(admin, { method: 'POST', path: '/admin/reload', headers: { authorization: `Bearer ${token}` } });
  await waitFor(
    async () => (await reloadWith(admin1, 'old-token').catch(() => undefined))?.status === 200,
    30_000,
    () => `the admin listener (stderr: ${gw.stderr()})`,
  );
  writeFileSync(gw.file, conf(admin2, 'new-token'));
  const r = await reloadWith(admin1, 'old-token');
  assert.equal(r.status, 200, r.body);
  assert.equal((await reloadWith(admin2, 'old-token')).status, 401, 'the old token is refused');
  assert.equal((await reloadWith(admin2, 'new-token')).status, 200, 'the new token works on the new address');
  await assert.rejects(request(admin1, { path: '/health' }), /ECONNREFUSED/, 'the old admin address is closed');
  // A config the primary rejects never reaches a worker, and is still counted.
  writeFileSync(gw.file, conf(admin2, 'new-token').replace('upstream = "u"', 'upstream = "nope"'));
  const bad = await reloadWith(admin2, 'new-token');
  assert.equal(bad.status, 422);
  assert.match(bad.body, /unknown upstream \\"nope\\"/);
  const metrics = (await request(admin2, { path: '/metrics' })).body;
  assert.match(metrics, /^gateway_config_reloads_total\{result="failure"\} 1$/m, 'the rejected config is counted');
  assert.match(metrics, /^gateway_config_reloads_total\{result="success"\} [1-9]\d*$/m);
  assert.doesNotMatch(metrics, /gateway_config_reloads_total\{worker=/, 'counted once, by the primary');
  // An admin address that cannot be bound rejects the reload and keeps the listener where it was.
  const busy = await startUpstream('busy');
  t.after(() => busy.close());
  writeFileSync(gw.file, conf(busy.port, 'new-token'));
  const taken = await reloadWith(admin2, 'new-token');
  assert.equal(taken.status, 422);
  assert.match(taken.body, /basic\.admin_addr: cannot listen on 127\.0\.0\.1:\d+: EADDRINUSE/);
  assert.equal((await request(admin2, { path: '/health' })).status, 200);
  const workerLines = gw
    .stderr()
    .split('\n')
    .filter((l) => l.includes('"gateway started"'))
    .map((l) => JSON.parse(l) as { worker: unknown });
  assert.deepEqual(workerLines.map((l) => l.worker).sort(), [1, 2], 'each worker logs its id');
  gw.child.kill('SIGTERM');
  assert.equal(await gw.exited, 0, gw.stderr());
});

test('Gateway.reload in one process applies a new admin_token and admin_addr', async (t) => {
  const up = await startUpstream('u');
  const admin1 = await freePort();
  const admin2 = await freePort();
  const conf = (admin: number, token: string) =>
    `[basic]\nadmin_addr = "127.0.0.1:${admin}"\nadmin_token = "${token}"\n[upstreams.u]\naddrs = ["${up.addr}"]\n[locations.l]\nupstream = "u"\n[servers.main]\naddr = "127.0.0.1:0"\nlocations = ["l"]\n`;
  const gw = await useGateway(t, [up], conf(admin1, 'a'));
  const upstreams = (admin: number, token: string) => request(admin, { path: '/admin/upstreams', headers: { authorization: `Bearer ${token}` } });
  assert.equal((await upstreams(admin1, 'a')).status, 200);
  const r = await gw.reload(parseConfigText(conf(admin2, 'b')).config);
  assert.equal(r.ok, true, JSON.stringify(r.issues));
  assert.equal(gw.adminPort(), admin2);
  assert.equal((await upstreams(admin2, 'a')).status, 401);
  assert.equal((await upstreams(admin2, 'b')).status, 200);
  await assert.rejects(upstreams(admin1, 'a'), /ECONNREFUSED/);
});

test('three workers: health checks run once, in the primary, and every worker stops sending to a server they find down', async (t) => {
  // /hc is held open until `release`: a checker waits for its round to end before the next, so the probes open at a
  // time are the number of checkers.
  const held: http.ServerResponse[] = [];
  let hold = true;
  const sick = new Set<string>();
  const served: Record<string, number> = { a: 0, b: 0 };
  const serve =
    (name: string): http.RequestListener =>
    (req, res) => {
      if (req.url?.startsWith('/hc')) {
        if (hold) return void held.push(res);
        res.writeHead(sick.has(name) ? 500 : 200).end();
        return;
      }
      served[name]!++;
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ name }));
    };
  const a = await startUpstream('a', serve('a'));
  const b = await startUpstream('b', serve('b'));
  t.after(async () => {
    for (const r of held) r.destroy();
    await a.close();
    await b.close();
  });
  const port = await freePort();
  const admin = await freePort();
  const gw = spawnGateway(
    t,
    `
[basic]
threads = 3
admin_addr = "127.0.0.1:${admin}"
admin_token = "t"
watch = false
[upstreams.u]
addrs = ["${a.addr}", "${b.addr}"]
health_check = "http://check/hc?interval=100ms&timeout=30s&failure=1&success=1"
[locations.l]
upstream = "u"
[servers.main]
addr = "127.0.0.1:${port}"
locations = ["l"]
`,
  );
  // healthy as every worker sees it: a verdict the workers do not share would be listed in `disagree`.
  const up = async (server: string) => {
    const view = JSON.parse((await request(admin, { path: '/admin/upstreams', headers: { authorization: 'Bearer t' } })).body) as Record<string, ServerStatus[]>;
    const s = view.u?.find((x) => x.server === server);
    return s === undefined || s.disagree?.healthy || s.disagree?.present ? 'mixed' : s.healthy ? 'up' : 'down';
  };
  await waitFor(
    async () => /^gateway_workers 3$/m.test((await request(admin, { path: '/metrics' }).catch(() => undefined))?.body ?? ''),
    30_000,
    () => `three workers serving (stderr: ${gw.stderr()})`,
  );
  // Requests through every worker, so that each has had time to start whatever it checks on its own.
  for (let i = 0; i < 30; i++) assert.equal((await request(port)).status, 200);
  await waitFor(() => held.length >= 2, 10_000, 'the first probes');
  assert.equal(held.length, 2, `one probe per server in flight, not one per worker and server (${held.length})`);
  hold = false;
  for (const r of held.splice(0)) r.writeHead(200).end();

  sick.add('b');
  await waitFor(async () => (await up(b.addr)) === 'down', 10_000, 'every worker to take b out');
  const before = served.b;
  for (let i = 0; i < 60; i++) assert.equal(echo(await request(port)).name, 'a');
  assert.equal(served.b, before, 'no request reached b');
  sick.delete('b');
  await waitFor(async () => (await up(b.addr)) === 'up', 10_000, 'every worker to take b back');
  gw.child.kill('SIGTERM');
  assert.equal(await gw.exited, 0, gw.stderr());
});

test('restartDelay: at once after a worker that ran a while, then 200 ms doubling up to 10 s while workers keep dying young', () => {
  assert.deepEqual([0, 1, 2, 3, 6, 7, 20].map(restartDelay), [0, 200, 400, 800, 6400, 10_000, 10_000]);
});

test("mergeMetrics answers as one gateway: series summed without a worker label, up-gauges by their lowest value, the primary's families left out", () => {
  const text = (n: number) =>
    `# HELP a_total A.\n# TYPE a_total counter\na_total{x="1"} ${n}\n# HELP gateway_config_reloads_total R.\n# TYPE gateway_config_reloads_total counter\ngateway_config_reloads_total{result="success"} 1\n# HELP b B.\n# TYPE b gauge\nb ${n}\n# HELP up U.\n# TYPE up gauge\nup{s="x"} ${n - 1}\n# HELP h H.\n# TYPE h histogram\nh_bucket{le="+Inf"} ${n}\nh_sum 0.5\nh_count ${n}\n`;
  assert.equal(
    mergeMetrics(
      [
        { worker: '1', text: text(1) },
        { worker: '2', text: text(2) },
      ],
      new Set(['gateway_config_reloads_total']),
      { up: 'min' },
    ),
    '# HELP a_total A.\n# TYPE a_total counter\na_total{x="1"} 3\n# HELP b B.\n# TYPE b gauge\nb 3\n# HELP up U.\n# TYPE up gauge\nup{s="x"} 0\n# HELP h H.\n# TYPE h histogram\nh_bucket{le="+Inf"} 3\nh_sum 1\nh_count 3\n',
  );
});

test("WorkerMetrics: an exited worker's counters stay in the totals, its gauges go", () => {
  const m = new WorkerMetrics();
  const text = (n: number) => `# HELP a_total A.\n# TYPE a_total counter\na_total ${n}\n# HELP open O.\n# TYPE open gauge\nopen ${n}\n`;
  m.update('1', text(5));
  m.update('2', text(7));
  assert.equal(m.render(['1', '2']), '# HELP a_total A.\n# TYPE a_total counter\na_total 12\n# HELP open O.\n# TYPE open gauge\nopen 12\n');
  m.retire('2');
  m.update('3', text(0));
  assert.equal(m.render(['1', '3']), '# HELP a_total A.\n# TYPE a_total counter\na_total 12\n# HELP open O.\n# TYPE open gauge\nopen 5\n');
});
