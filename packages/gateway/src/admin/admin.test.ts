// One admin API, two back ends: the same checks run against a gateway in this process and against the supervisor of two
// worker processes, and their answers (status, headers, bodies, reload errors) must be the same.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { childrenOf, freePort, request, spawnGateway, startUpstream, useGateway, waitFor, type Reply, type TestUpstream } from '../test-helpers.ts';
import { mergeUpstreamStatus, type ServerStatus } from './backend.ts';

const TOKEN = 'admin-secret';

function conf(o: { admin: number; up: TestUpstream; threads: number; token?: boolean; upstream?: string; listen?: string }): string {
  return `[basic]\nthreads = ${o.threads}\nwatch = false\nadmin_addr = "127.0.0.1:${o.admin}"\n${o.token === false ? '' : `admin_token = "${TOKEN}"\n`}[upstreams.u]\naddrs = ["${o.up.addr}"]\n[locations.l]\nupstream = "${o.upstream ?? 'u'}"\n[servers.main]\naddr = "${o.listen ?? '127.0.0.1:0'}"\nlocations = ["l"]\n`;
}

/** Answer is a reply reduced to what both back ends must agree on. */
interface Answer {
  step: string;
  status: number;
  type: string | undefined;
  cacheControl: string | undefined;
  wwwAuthenticate: string | undefined;
  body: unknown;
}

/** adminTranscript runs the admin API checks against a listener whose config `write` replaces, and returns what it saw. */
async function adminTranscript(port: number, write: (text: string) => void, make: (o: Partial<Parameters<typeof conf>[0]>) => string, busyPort: number): Promise<Answer[]> {
  const out: Answer[] = [];
  const auth = { authorization: `Bearer ${TOKEN}` };
  const take = (step: string, r: Reply, body: (r: Reply) => unknown = (x) => JSON.parse(x.body)) => {
    out.push({ step, status: r.status, type: r.headers['content-type'], cacheControl: r.headers['cache-control'], wwwAuthenticate: r.headers['www-authenticate'], body: body(r) });
  };
  take('health', await request(port, { path: '/health' }));
  take('metrics', await request(port, { path: '/metrics' }), (r) => /^# TYPE gateway_config_reloads_total counter$/m.test(r.body));
  take('no token', await request(port, { path: '/admin/upstreams' }));
  take('wrong token', await request(port, { method: 'POST', path: '/admin/reload', headers: { authorization: 'Bearer nope' } }));
  take('unknown route', await request(port, { path: '/admin/nope', headers: auth }));
  take('upstreams', await request(port, { path: '/admin/upstreams', headers: auth }));
  take('reload', await request(port, { method: 'POST', path: '/admin/reload', headers: auth }), (r) => ({ ...JSON.parse(r.body), ms: 'n' }));
  write(make({ upstream: 'nope' }));
  take('invalid config', await request(port, { method: 'POST', path: '/admin/reload', headers: auth }), (r) => ({ ...JSON.parse(r.body), ms: 'n' }));
  write(make({ listen: `127.0.0.1:${busyPort}` }));
  take('listener taken', await request(port, { method: 'POST', path: '/admin/reload', headers: auth }), (r) => ({ ...JSON.parse(r.body), ms: 'n' }));
  write(make({ token: false }));
  take('token removed', await request(port, { method: 'POST', path: '/admin/reload', headers: auth }), (r) => ({ ...JSON.parse(r.body), ms: 'n' }));
  take('admin API off', await request(port, { path: '/admin/upstreams', headers: auth }));
  return out;
}

test('the admin API answers the same from the in-process gateway and from the supervisor of two workers', async (t: TestContext) => {
  assert.equal(process.env.GATEWAY_ADMIN_TOKEN, undefined, 'the checks need the token from the config only');
  const up = await startUpstream('u');
  const busy = await startUpstream('busy');
  t.after(() => {
    up.close();
    busy.close();
  });
  const dir = mkdtempSync(join(tmpdir(), 'gw-admin-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));

  // Back end 1: a Gateway in this process, reloading from its file.
  const file = join(dir, 'gw.toml');
  const make1 = (o: Partial<Parameters<typeof conf>[0]>) => conf({ admin: 0, up, threads: 1, ...o });
  writeFileSync(file, make1({}));
  const gw = await useGateway(t, [], make1({}), { configFile: file });
  const inProcess = await adminTranscript(gw.adminPort(), (text) => writeFileSync(file, text), make1, busy.port);

  // Back end 2: the supervisor, fanning out to two workers.
  const admin = await freePort();
  const make2 = (o: Partial<Parameters<typeof conf>[0]>) => conf({ admin, up, threads: 2, ...o });
  const proc = spawnGateway(t, make2({}));
  await waitFor(
    async () => (await request(admin, { path: '/health' }).catch(() => undefined))?.status === 200,
    60_000,
    () => `the supervisor's admin listener (stderr: ${proc.stderr()})`,
  );
  const supervised = await adminTranscript(admin, (text) => writeFileSync(proc.file, text), make2, busy.port);
  proc.child.kill('SIGTERM');
  assert.equal(await proc.exited, 0, proc.stderr());

  assert.deepEqual(supervised, inProcess);
  // What both said, spelled out once.
  const by = Object.fromEntries(inProcess.map((a) => [a.step, a]));
  for (const a of inProcess) assert.equal(a.cacheControl, 'no-store', a.step);
  assert.equal(by['no token']!.status, 401);
  assert.equal(by['no token']!.wwwAuthenticate, 'Bearer');
  assert.equal(by['wrong token']!.wwwAuthenticate, 'Bearer');
  assert.equal(by['metrics']!.type, 'text/plain; version=0.0.4; charset=utf-8');
  assert.deepEqual(by['reload']!.body, { ok: true, ms: 'n', errors: [] });
  assert.deepEqual(by['invalid config']!.body, {
    ok: false,
    ms: 'n',
    errors: [{ path: 'locations.l.upstream', message: 'unknown upstream "nope"', hint: 'define it under [upstreams.nope]' }],
  });
  assert.deepEqual(by['listener taken']!.body, {
    ok: false,
    ms: 'n',
    errors: [{ path: 'servers', message: `servers.main.addr: cannot listen on 127.0.0.1:${busy.port}: EADDRINUSE`, hint: 'pick a free port, or run with the rights to bind it' }],
  });
  assert.equal(by['admin API off']!.status, 403);
  // One view of the gateway, not one per worker.
  assert.deepEqual(by['upstreams']!.body, {
    u: [{ server: up.addr, weight: 1, available: true, healthy: true, passive_down: false, breaker: 'closed', active: 0, requests: 0, failures: 0 }],
  });
});

test("the supervisor of two workers answers as one gateway: /admin/upstreams and /metrics sum the workers' counters (a killed worker's too) and spell out a state they disagree on", async (t: TestContext) => {
  const up = await startUpstream('good');
  t.after(() => up.close());
  const refused = await freePort();
  const admin = await freePort();
  const port = await freePort();
  const proc = spawnGateway(
    t,
    `[basic]\nthreads = 2\nwatch = false\nadmin_addr = "127.0.0.1:${admin}"\nadmin_token = "${TOKEN}"\n` +
      `[upstreams.good]\naddrs = ["${up.addr}"]\n[upstreams.bad]\naddrs = ["127.0.0.1:${refused}"]\nmax_fails = 1\nfail_timeout = "10m"\nretries = 0\n` +
      `[locations.good]\nupstream = "good"\npath = "/good"\n[locations.bad]\nupstream = "bad"\npath = "/bad"\n` +
      `[servers.main]\naddr = "127.0.0.1:${port}"\nlocations = ["good", "bad"]\n`,
  );
  await waitFor(
    async () => (await request(admin, { path: '/health' }).catch(() => undefined))?.status === 200,
    60_000,
    () => `the supervisor's admin listener (stderr: ${proc.stderr()})`,
  );
  const upstreams = async () => JSON.parse((await request(admin, { path: '/admin/upstreams', headers: { authorization: `Bearer ${TOKEN}` } })).body);
  // Each request on a fresh connection, which either worker may accept: only the sum over both is known.
  for (let i = 0; i < 12; i++) assert.equal((await request(port, { path: '/good' })).status, 200);
  // One failed request takes the refusing server out in the one worker that sent it, and not in the other.
  assert.equal((await request(port, { path: '/bad' })).status, 502);
  const view = await upstreams();
  assert.deepEqual(Object.keys(view).sort(), ['bad', 'good']);
  assert.deepEqual(view.good, [{ server: up.addr, weight: 1, available: true, healthy: true, passive_down: false, breaker: 'closed', active: 0, requests: 12, failures: 0 }]);
  const [bad] = view.bad;
  assert.equal(bad.requests, 1);
  assert.equal(bad.failures, 1);
  assert.equal(bad.passive_down, true, 'the worse state when the workers disagree');
  assert.equal(bad.available, false);
  assert.deepEqual(Object.keys(bad.disagree).sort(), ['available', 'passive_down']);
  assert.deepEqual(Object.values(bad.disagree.passive_down).sort(), [false, true], 'one value per worker');

  // /metrics answers as one gateway too: each series once, without a worker label, the workers' counts summed.
  const metrics = async () => (await request(admin, { path: '/metrics' })).body;
  const served = (m: string) => Number(/^gateway_requests_total\{server="main",location="good",upstream="good",status_class="2xx"\} (\d+)$/m.exec(m)?.[1]);
  let m = await metrics();
  assert.doesNotMatch(m, /worker=/);
  assert.equal(served(m), 12);
  assert.match(m, /^gateway_request_duration_seconds_count\{server="main",location="good"\} 12$/m);
  assert.match(m, new RegExp(`^gateway_upstream_server_up\\{upstream="bad",server="127\\.0\\.0\\.1:${refused}"\\} 0$`, 'm'), 'out in one worker: not up');
  assert.match(m, /^gateway_workers 2$/m);
  // A worker killed and replaced takes its counts with it, but the totals keep what it had counted: no counter goes back.
  // Both original workers are killed in turn, as either may have served the requests.
  const originals = childrenOf(proc.pid);
  assert.equal(originals.length, 2, 'two worker processes');
  for (const victim of originals) {
    process.kill(victim, 'SIGKILL');
    await waitFor(
      async () => !childrenOf(proc.pid).includes(victim) && /^gateway_workers 2$/m.test(await metrics()),
      60_000,
      () => `a new worker (stderr: ${proc.stderr()})`,
    );
  }
  m = await metrics();
  assert.equal(served(m), 12);
  assert.match(m, /^gateway_request_duration_seconds_count\{server="main",location="good"\} 12$/m);
  proc.child.kill('SIGTERM');
  assert.equal(await proc.exited, 0, proc.stderr());
});

test('mergeUpstreamStatus: states agreed on are kept, the most open breaker wins, a server one worker does not list is marked', () => {
  const s = (server: string, o: Partial<ServerStatus> = {}): ServerStatus => ({
    server,
    weight: 1,
    available: true,
    healthy: true,
    passive_down: false,
    breaker: 'closed',
    active: 1,
    requests: 10,
    failures: 1,
    ...o,
  });
  const merged = mergeUpstreamStatus([
    { worker: '1', status: { u: [s('a:1'), s('b:1', { breaker: 'half_open' })] } },
    { worker: '2', status: { u: [s('a:1'), s('b:1', { breaker: 'open', available: false })] } },
    { worker: '3', status: { u: [s('a:1')] } },
  ]);
  assert.deepEqual(merged.u![0], s('a:1', { active: 3, requests: 30, failures: 3 }));
  assert.deepEqual(
    merged.u![1],
    s('b:1', {
      breaker: 'open',
      available: false,
      active: 2,
      requests: 20,
      failures: 2,
      disagree: { available: { 1: true, 2: false }, breaker: { 1: 'half_open', 2: 'open' }, present: { 1: true, 2: true, 3: false } },
    }),
  );
});
