// `[basic] user` / `group` through the `etcd-monitor gateway` command: the -t check of unknown names, workers that switch
// to nobody/nogroup after binding (checked in /proc) while still serving and reloading, the non-root warning, and pid_file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { lookupGroup, lookupUser, planPrivileges } from './privileges.ts';
import { echo, freePort, request, startUpstream, waitFor } from './test-helpers.ts';

const bin = fileURLToPath(new URL('../../cli/bin/etcd-monitor.js', import.meta.url));
const isRoot = process.getuid?.() === 0;
// Debian's unprivileged account and group (the test machine runs Debian).
const NOBODY = lookupUser('nobody');
const NOGROUP = lookupGroup('nogroup');

/** idsOf reads the Uid, Gid and Groups lines of /proc/<pid>/status. */
function idsOf(pid: number): { uid: string; gid: string; groups: string } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const line = (k: string) => (new RegExp(`^${k}:\\s*(.*)$`, 'm').exec(status)?.[1] ?? '').trim().replace(/\s+/g, ' ');
  return { uid: line('Uid'), gid: line('Gid'), groups: line('Groups') };
}

/** childrenOf lists the child pids of a process. */
function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** freeLowPort finds a port below 1024 that is free on 127.0.0.1 (binding it needs root). */
async function freeLowPort(not: number[] = []): Promise<number> {
  for (let p = 900 + Math.floor(Math.random() * 100); p < 1024; p++) {
    if (not.includes(p)) continue;
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.createServer();
      s.once('error', () => resolve(false));
      s.listen(p, '127.0.0.1', () => s.close(() => resolve(true)));
    });
    if (ok) return p;
  }
  throw new Error('no free port below 1024');
}

test('user and group are looked up in /etc/passwd and /etc/group', () => {
  assert.equal(lookupUser('root')?.id, 0);
  assert.equal(lookupUser('nobody')?.id, 65534);
  assert.equal(lookupGroup('nogroup')?.id, 65534);
  assert.equal(lookupUser('nobdy'), undefined);
  assert.equal(lookupUser('4242')?.id, 4242, 'a numeric id needs no entry');
  assert.deepEqual(planPrivileges({}), { action: 'none' });
  const plan = planPrivileges({ user: 'nobody' });
  if (isRoot) assert.deepEqual(plan, { action: 'switch', uid: 65534, gid: NOBODY!.gid, user: 'nobody' }, 'a user alone takes its primary group');
  else assert.equal(plan.action, 'ignore');
});

test('gateway -t: an unknown user or group is an error with its key path', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gw-user-'));
  const file = join(dir, 'gw.toml');
  writeFileSync(file, `[basic]\nuser = "nobdy"\ngroup = "nogrop"\n[upstreams.u]\naddrs = ["127.0.0.1:1"]\n[locations.l]\nupstream = "u"\n[servers.main]\naddr = "127.0.0.1:0"\nlocations = ["l"]\n`);
  const r = spawnSync(process.execPath, [bin, 'gateway', '-t', '-c', file], { encoding: 'utf8' });
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stderr, /^basic\.user: unknown user "nobdy" \(did you mean "nobody"\?\)$/m);
  assert.match(r.stderr, /^basic\.group: unknown group "nogrop" \(did you mean "nogroup"\?\)$/m);
  assert.match(r.stderr, /2 errors; the config is not valid/);
});

test('started as root, workers switch to user/group after binding a port below 1024, keep serving and reloading; pid_file comes and goes', { skip: isRoot ? false : 'needs root: the test checks that a root-started worker switches to nobody (run the tests as root)' }, async (t) => {
  assert.ok(NOBODY && NOGROUP, 'this test expects Debian\'s "nobody" user and "nogroup" group');
  const a = await startUpstream('a');
  const b = await startUpstream('b');
  t.after(async () => {
    await a.close();
    await b.close();
  });
  const port = await freeLowPort();
  const port2 = await freeLowPort([port]);
  const admin = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'gw-priv-'));
  // The workers re-read the config on reload as nobody.
  chmodSync(dir, 0o755);
  const file = join(dir, 'gw.toml');
  const pidFile = join(dir, 'gw.pid');
  const conf = (extra: string) => `
[basic]
threads = 1
user = "nobody"
group = "nogroup"
pid_file = "gw.pid"
admin_addr = "127.0.0.1:${admin}"
watch = false
log_level = "info"
[upstreams.a]
addrs = ["${a.addr}"]
[upstreams.b]
addrs = ["${b.addr}"]
[locations.a]
upstream = "a"
[locations.b]
upstream = "b"
[servers.main]
addr = "127.0.0.1:${port}"
locations = ["a"]
access_log = "${join(dir, 'logs', 'access.log')}"
access_log_format = "{path} {status}"
access_log_max_size = "100"
${extra}
`;
  writeFileSync(file, conf(''));
  const child = spawn(process.execPath, [bin, 'gateway', '-c', file], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  t.after(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  await waitFor(async () => (await request(port).catch(() => undefined))?.status === 200, 30_000, () => `the gateway to serve (stderr: ${stderr})`);
  assert.equal(readFileSync(pidFile, 'utf8'), `${child.pid}\n`, 'pid_file (relative to the config file) holds the primary pid');
  const workers = childrenOf(child.pid!);
  assert.equal(workers.length, 1, `one worker (children: ${workers.join(' ')})`);
  await waitFor(() => /switched user and group/.test(stderr), 5000, 'the switch to be logged');
  const w = idsOf(workers[0]!);
  assert.equal(w.uid, '65534 65534 65534 65534', 'real, effective, saved and filesystem uid are nobody');
  assert.equal(w.gid, '65534 65534 65534 65534', 'and the gids nogroup');
  assert.ok(!w.groups.split(' ').includes('0'), `root's supplementary groups are gone (Groups: ${w.groups})`);
  assert.equal(idsOf(child.pid!).uid.split(' ')[0], '0', 'the primary keeps root: it binds the listeners of the workers');
  assert.equal(echo(await request(port)).name, 'a', 'the worker running as nobody serves on the port it bound as root');
  // The access log was created as root and handed to nobody; its directory is root's, so size rotation cannot rename it,
  // and the worker keeps appending instead of failing.
  const accessLog = join(dir, 'logs', 'access.log');
  for (let i = 0; i < 12; i++) await request(port, { path: `/line-${i}` });
  await waitFor(() => existsSync(accessLog) && readFileSync(accessLog, 'utf8').includes('/line-11 200'), 5000, 'the access log lines');
  assert.equal(statSync(accessLog).uid, 65534, 'the access log belongs to the worker user');
  assert.deepEqual(childrenOf(child.pid!), workers, 'no worker crashed');
  // A reload adds a second privileged port: the primary binds it and hands it to the worker.
  writeFileSync(file, conf(`[servers.second]\naddr = "127.0.0.1:${port2}"\nlocations = ["b"]\n`));
  child.kill('SIGHUP');
  await waitFor(async () => (await request(port2).catch(() => undefined))?.status === 200, 10_000, () => `the reloaded listener (stderr: ${stderr})`);
  assert.equal(echo(await request(port2)).name, 'b');
  assert.deepEqual(childrenOf(child.pid!), workers, 'the same worker serves it');
  assert.equal(idsOf(workers[0]!).uid, '65534 65534 65534 65534');
  child.kill('SIGTERM');
  assert.equal(await exited, 0, stderr);
  assert.equal(existsSync(pidFile), false, 'the pid file is removed on stop');
});

test('started as another user, a different user/group is a warning and the gateway runs as it is', { skip: isRoot ? false : 'needs root to start the gateway as nobody' }, async (t) => {
  const up = await startUpstream('u');
  t.after(() => up.close());
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'gw-nonroot-'));
  chmodSync(dir, 0o777);
  const file = join(dir, 'gw.toml');
  writeFileSync(file, `[basic]\nuser = "root"\ngroup = "root"\npid_file = "gw.pid"\nadmin_addr = ""\nwatch = false\n[upstreams.u]\naddrs = ["${up.addr}"]\n[locations.l]\nupstream = "u"\n[servers.main]\naddr = "127.0.0.1:${port}"\nlocations = ["l"]\n`);
  chmodSync(file, 0o644);
  const child = spawn(process.execPath, [bin, 'gateway', '-c', file], { stdio: ['ignore', 'ignore', 'pipe'], uid: NOBODY!.id, gid: NOBODY!.gid });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  t.after(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  await waitFor(async () => (await request(port).catch(() => undefined))?.status === 200, 30_000, () => `the gateway to serve (stderr: ${stderr})`);
  const warnings = stderr.split('\n').filter((l) => /not running as root/.test(l));
  assert.equal(warnings.length, 1, `one warning, from the primary (stderr: ${stderr})`);
  assert.match(warnings[0]!, /"level":40/, 'logged as a warning');
  assert.match(warnings[0]!, /user \\"root\\" and group \\"root\\" cannot be applied; ignored/);
  assert.equal(idsOf(childrenOf(child.pid!)[0]!).uid.split(' ')[0], String(NOBODY!.id));
  assert.equal(readFileSync(join(dir, 'gw.pid'), 'utf8'), `${child.pid}\n`);
  child.kill('SIGTERM');
  assert.equal(await exited, 0, stderr);
  assert.equal(existsSync(join(dir, 'gw.pid')), false);
});
