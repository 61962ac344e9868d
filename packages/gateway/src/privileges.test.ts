// `[basic] user` / `group` through the `etcd-monitor gateway` command: the -t check of unknown names, workers that switch
// to nobody/nogroup after binding (checked in /proc) while still serving and reloading, the non-root warning, and pid_file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import net from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tempDir } from '@etcd-monitor/core/testing';
import { lookupGroup, lookupUser, planPrivileges } from './privileges.ts';
import { childrenOf, echo, freePort, request, selfSigned, startUpstream, waitFor } from './test-helpers.ts';

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
  const dir = tempDir('gw-user');
  const file = join(dir, 'gw.toml');
  writeFileSync(
    file,
    `[basic]\nuser = "nobdy"\ngroup = "nogrop"\n[upstreams.u]\naddrs = ["127.0.0.1:1"]\n[locations.l]\nupstream = "u"\n[servers.main]\naddr = "127.0.0.1:0"\nlocations = ["l"]\n`,
  );
  const r = spawnSync(process.execPath, [bin, 'gateway', '-t', '-c', file], { encoding: 'utf8' });
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stderr, /^basic\.user: unknown user "nobdy" \(did you mean "nobody"\?\)$/m);
  assert.match(r.stderr, /^basic\.group: unknown group "nogrop" \(did you mean "nogroup"\?\)$/m);
  assert.match(r.stderr, /2 errors; the config is not valid/);
});

test(
  'started as root, workers switch to user/group after binding a port below 1024, keep serving and reloading; pid_file comes and goes',
  { skip: isRoot ? false : 'needs root: the test checks that a root-started worker switches to nobody (run the tests as root)' },
  async (t) => {
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
    const dir = tempDir('gw-priv');
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
    await waitFor(
      async () => (await request(port).catch(() => undefined))?.status === 200,
      30_000,
      () => `the gateway to serve (stderr: ${stderr})`,
    );
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
    await waitFor(
      async () => (await request(port2).catch(() => undefined))?.status === 200,
      10_000,
      () => `the reloaded listener (stderr: ${stderr})`,
    );
    assert.equal(echo(await request(port2)).name, 'b');
    assert.deepEqual(childrenOf(child.pid!), workers, 'the same worker serves it');
    assert.equal(idsOf(workers[0]!).uid, '65534 65534 65534 65534');
    child.kill('SIGTERM');
    assert.equal(await exited, 0, stderr);
    assert.equal(existsSync(pidFile), false, 'the pid file is removed on stop');
  },
);

test(
  'started as another user, a different user/group is a warning and the gateway runs as it is',
  { skip: isRoot ? false : 'needs root to start the gateway as nobody' },
  async (t) => {
    const up = await startUpstream('u');
    t.after(() => up.close());
    const port = await freePort();
    const dir = tempDir('gw-nonroot');
    chmodSync(dir, 0o777);
    const file = join(dir, 'gw.toml');
    writeFileSync(
      file,
      `[basic]\nuser = "root"\ngroup = "root"\npid_file = "gw.pid"\nadmin_addr = ""\nwatch = false\n[upstreams.u]\naddrs = ["${up.addr}"]\n[locations.l]\nupstream = "u"\n[servers.main]\naddr = "127.0.0.1:${port}"\nlocations = ["l"]\n`,
    );
    chmodSync(file, 0o644);
    const child = spawn(process.execPath, [bin, 'gateway', '-c', file], { stdio: ['ignore', 'ignore', 'pipe'], uid: NOBODY!.id, gid: NOBODY!.gid });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    t.after(() => {
      if (child.exitCode === null) child.kill('SIGKILL');
    });
    await waitFor(
      async () => (await request(port).catch(() => undefined))?.status === 200,
      30_000,
      () => `the gateway to serve (stderr: ${stderr})`,
    );
    const warnings = stderr.split('\n').filter((l) => /not running as root/.test(l));
    assert.equal(warnings.length, 1, `one warning, from the primary (stderr: ${stderr})`);
    assert.match(warnings[0]!, /"level":40/, 'logged as a warning');
    assert.match(warnings[0]!, /user \\"root\\" and group \\"root\\" cannot be applied; ignored/);
    assert.equal(idsOf(childrenOf(child.pid!)[0]!).uid.split(' ')[0], String(NOBODY!.id));
    assert.equal(readFileSync(join(dir, 'gw.pid'), 'utf8'), `${child.pid}\n`);
    child.kill('SIGTERM');
    assert.equal(await exited, 0, stderr);
    assert.equal(existsSync(join(dir, 'gw.pid')), false);
  },
);

/** httpsGet fetches a path over TLS without verifying the certificate and resolves with the echo upstream's name. */
function httpsGet(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    https
      .get({ host: '127.0.0.1', port, path: '/', rejectUnauthorized: false, agent: false }, (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve((JSON.parse(body) as { name: string }).name));
      })
      .on('error', reject);
  });
}

test(
  'with user = nobody, a root-only key file and config file: -t as root says valid, -t as nobody names the unreadable key, and hot reloads work, also when they name a new access log',
  { skip: isRoot ? false : 'needs root: the key file is readable by root only' },
  async (t) => {
    const a = await startUpstream('a');
    const b = await startUpstream('b');
    t.after(async () => {
      await a.close();
      await b.close();
    });
    const port = await freePort();
    const dir = tempDir('gw-key');
    chmodSync(dir, 0o755);
    const { cert, key } = selfSigned(dir);
    chmodSync(key, 0o600);
    chmodSync(cert, 0o644);
    const file = join(dir, 'gw.toml');
    const conf = (up: string) => `
[basic]
threads = 2
user = "nobody"
group = "nogroup"
admin_addr = ""
watch = false
log_level = "info"
[upstreams.u]
addrs = ["${up}"]
[locations.l]
upstream = "u"
[servers.main]
addr = "127.0.0.1:${port}"
locations = ["l"]
tls_cert = "cert.pem"
tls_key = "key.pem"
`;
    writeFileSync(file, conf(a.addr));
    chmodSync(file, 0o600);
    const asRoot = spawnSync(process.execPath, [bin, 'gateway', '-t', '-c', file], { encoding: 'utf8' });
    assert.equal(asRoot.status, 0, asRoot.stderr);
    // Copied somewhere nobody can read the config: only the key stays out of reach.
    const other = join(dir, 'other.toml');
    writeFileSync(other, conf(a.addr));
    const asNobody = spawnSync(process.execPath, [bin, 'gateway', '-t', '-c', other], { encoding: 'utf8', uid: NOBODY!.id, gid: NOBODY!.gid });
    assert.equal(asNobody.status, 1, asNobody.stderr);
    assert.match(asNobody.stderr, /^servers\.main\.tls_key: cannot read "key\.pem" \(.*key\.pem\): EACCES/m);
    const child = spawn(process.execPath, [bin, 'gateway', '-c', file], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    t.after(() => {
      if (child.exitCode === null) child.kill('SIGKILL');
    });
    await waitFor(
      async () => (await httpsGet(port).catch(() => '')) === 'a',
      30_000,
      () => `the gateway to serve (stderr: ${stderr})`,
    );
    await waitFor(() => (stderr.match(/switched user and group/g) ?? []).length === 2, 5000, 'both workers to switch');
    for (const w of childrenOf(child.pid!)) assert.equal(idsOf(w).uid.split(' ')[0], '65534');
    // The reload also names an access log in a directory that does not exist yet, under the root-owned one.
    const accessLog = join(dir, 'new-logs', 'access.log');
    writeFileSync(file, `${conf(b.addr)}access_log = "${accessLog}"\naccess_log_format = "{path} {status}"\n`);
    child.kill('SIGHUP');
    await waitFor(() => /config reloaded|config reload rejected/.test(stderr), 10_000, 'the reload');
    assert.doesNotMatch(stderr, /config reload rejected/);
    for (let i = 0; i < 6; i++) assert.equal(await httpsGet(port), 'b', 'every worker serves the reloaded config with the key it could not read');
    await waitFor(() => existsSync(accessLog) && readFileSync(accessLog, 'utf8').split('\n').length > 6, 5000, 'the new access log lines');
    assert.equal(statSync(accessLog).uid, 65534, 'the new access log belongs to the worker user');
    child.kill('SIGTERM');
    assert.equal(await exited, 0, stderr);
  },
);
