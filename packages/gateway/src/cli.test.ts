// End-to-end through the `etcd-monitor gateway` command: -t exit codes and messages, and a multi-worker run with SIGHUP reload.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tempDir } from '@etcd-monitor/core/testing';
import { echo, freePort, pingapDir, request, startUpstream, waitFor } from './test-helpers.ts';

const bin = fileURLToPath(new URL('../../cli/bin/etcd-monitor.js', import.meta.url));
const example = fileURLToPath(new URL('./testdata/pingap-example.toml', import.meta.url));

test('gateway -t: 0 for a valid config, 1 with every error and its hint otherwise', () => {
  const ok = spawnSync(process.execPath, [bin, 'gateway', '-t', '-c', example], { encoding: 'utf8' });
  assert.equal(ok.status, 0, ok.stderr);
  assert.match(ok.stdout, /the config is valid \(1 servers, 1 locations, 1 upstreams, 1 plugins\)/);
  const dir = tempDir('gw-cli');
  const bad = join(dir, 'bad.toml');
  writeFileSync(
    bad,
    readFileSync(example, 'utf8').replace('upstream = "backend_api"', 'upstream = "backend_ap"').replace('algorithm = "round_robin"', 'algorithm = "round_robbin"'),
  );
  const r = spawnSync(process.execPath, [bin, 'gateway', '-t', '-c', bad], { encoding: 'utf8' });
  assert.equal(r.status, 1);
  assert.match(r.stderr, /^upstreams\.backend_api\.algorithm: unknown algorithm "round_robbin" \(did you mean "round_robin"\?\)$/m);
  assert.match(r.stderr, /^locations\.api_v1\.upstream: unknown upstream "backend_ap" \(did you mean "backend_api"\?\)$/m);
  assert.match(r.stderr, /2 errors; the config is not valid/);
  const missing = spawnSync(process.execPath, [bin, 'gateway', '-t', '-c', join(dir, 'nope.toml')], { encoding: 'utf8' });
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /cannot read config file .*nope\.toml: ENOENT/);
  const usage = spawnSync(process.execPath, [bin, 'gateway', '-t'], { encoding: 'utf8' });
  assert.equal(usage.status, 2);
});

test('gateway -t on a pingap config: keys without effect here are printed as warnings, and the config is valid', () => {
  const { file } = pingapDir();
  const r = spawnSync(process.execPath, [bin, 'gateway', '-t', '-c', file], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /the config is valid \(1 servers, 2 locations, 2 upstreams, 2 plugins\)/);
  assert.match(r.stderr, /^warning: basic\.webhook: is pingap's and has no effect here: no webhook notifications \(remove it to silence this warning\)$/m);
  assert.match(r.stderr, /^warning: upstreams\.api\.alpn: "h2h1" offers HTTP\/2 or HTTP\/1\.1; upstreams are spoken to in HTTP\/1\.1 here \(write "h1"\)$/m);
  assert.equal(r.stderr.split('\n').filter((l) => l.startsWith('warning: ')).length, 49);
});

test('gateway -c with threads = 2: workers share the listener, SIGHUP reloads them all, SIGTERM drains', async (t) => {
  const a = await startUpstream('a');
  const b = await startUpstream('b');
  const port = await freePort();
  const admin = await freePort();
  const dir = tempDir('gw-run');
  const file = join(dir, 'gw.toml');
  const conf = (up: string) => `
[basic]
threads = 2
admin_addr = "127.0.0.1:${admin}"
admin_token = "t0k"
watch = false
log_level = "info"
[upstreams.u]
addrs = ["${up}"]
[locations.l]
upstream = "u"
[servers.main]
addr = "127.0.0.1:${port}"
locations = ["l"]
`;
  writeFileSync(file, conf(a.addr));
  const child = spawn(process.execPath, [bin, 'gateway', '-c', file], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  t.after(async () => {
    if (child.exitCode === null) child.kill('SIGKILL');
    await a.close();
    await b.close();
  });
  await waitFor(
    async () => (await request(port).catch(() => undefined))?.status === 200,
    30_000,
    () => `the gateway to serve (stderr: ${stderr})`,
  );
  assert.equal(echo(await request(port)).name, 'a');
  await waitFor(
    async () => {
      const m = await request(admin, { path: '/metrics' }).catch(() => undefined);
      return !!m && /^gateway_workers 2$/m.test(m.body) && /^gateway_requests_total\{.*status_class="2xx"\} [1-9]/m.test(m.body);
    },
    10_000,
    'metrics from both workers',
  );
  // One series per location, as a gateway in one process reports it: the workers' samples are summed, not labelled.
  assert.doesNotMatch((await request(admin, { path: '/metrics' })).body, /worker=/);
  const ups = JSON.parse((await request(admin, { path: '/admin/upstreams', headers: { authorization: 'Bearer t0k' } })).body);
  // One view of the gateway, merged from both workers.
  assert.deepEqual(Object.keys(ups), ['u']);
  assert.equal(ups.u[0].server, a.addr);
  assert.equal((await request(admin, { path: '/admin/reload', method: 'POST' })).status, 401);
  writeFileSync(file, conf(b.addr));
  child.kill('SIGHUP');
  await waitFor(
    async () => {
      const names = new Set<string>();
      for (let i = 0; i < 6; i++) names.add(echo(await request(port)).name);
      return names.size === 1 && names.has('b');
    },
    10_000,
    'every worker to reload',
  );
  child.kill('SIGTERM');
  assert.equal(await exited, 0, stderr);
});

test('gateway -c exits 1 with one line when a worker cannot start', async () => {
  const blocker = await startUpstream('blocker');
  const dir = tempDir('gw-busy');
  const file = join(dir, 'gw.toml');
  writeFileSync(
    file,
    `[basic]\nadmin_addr = ""\nwatch = false\n[upstreams.u]\naddrs = ["127.0.0.1:1"]\n[locations.l]\nupstream = "u"\n[servers.main]\naddr = "${blocker.addr}"\nlocations = ["l"]\n`,
  );
  const r = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
    const c = spawn(process.execPath, [bin, 'gateway', '-c', file], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    c.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    c.once('exit', (code) => resolve({ code, stderr }));
  });
  await blocker.close();
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /servers\.main\.addr: cannot listen on 127\.0\.0\.1:\d+: EADDRINUSE/);
  assert.match(r.stderr, /a gateway worker failed to start/);
});
