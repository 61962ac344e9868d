import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { startCluster, useCluster } from './index.ts';
import type { TestCluster } from './index.ts';
import { livePidCount } from './processes.ts';

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** memberNames reads the names column of `etcdctl member list` (simple output). */
async function memberNames(c: TestCluster): Promise<string[]> {
  const r = await c.etcdctl(['member', 'list'], { timeoutMs: 5_000 });
  assert.equal(r.code, 0, r.stderr);
  return r.stdout
    .trim()
    .split('\n')
    .map((l) => l.split(',')[2]?.trim() ?? '')
    .sort();
}

describe('a 3-member cluster', () => {
  const cluster = useCluster({ members: 3 });

  test('is healthy with one leader that every member names', async () => {
    const c = cluster.get();
    assert.equal(c.members.length, 3);
    assert.equal(c.endpoints.length, 3);
    assert.ok(c.endpoints.every((e) => /^http:\/\/127\.0\.0\.1:\d+$/.test(e)));
    const leader = await c.leader();
    assert.ok(leader, `no leader\n${c.logTails()}`);
    const statuses = await c.endpointStatus();
    assert.equal(statuses.length, 3);
    assert.deepEqual(new Set(statuses.map((s) => s.leaderId)), new Set([leader.id]));
    assert.ok(c.members.every((m) => m.id !== undefined && m.state === 'running' && m.pid !== undefined));
    const put = await c.etcdctl(['put', 'greeting', 'hello'], { timeoutMs: 5_000 });
    assert.equal(put.code, 0, put.stderr);
    const get = await c.etcdctl(['get', 'greeting', '--print-value-only'], { timeoutMs: 5_000 });
    assert.equal(get.stdout.trim(), 'hello');
    // The metrics endpoint is plain http and --metrics=extensive is on.
    const metrics = await fetch(c.members[0].metricsUrl, { signal: AbortSignal.timeout(5_000) }).then((r) => r.text());
    assert.match(metrics, /^etcd_server_has_leader 1$/m);
    assert.match(metrics, /grpc_server_handling_seconds_bucket/);
  });

  test('a paused member times out etcdctl and answers again after resume', async () => {
    const c = cluster.get();
    const leader = await c.leader();
    const follower = c.members.find((m) => m !== leader && m.state === 'running');
    assert.ok(follower);
    await follower.pause();
    try {
      assert.equal(follower.state, 'paused');
      const frozen = await c.etcdctl(['get', 'greeting'], { endpoints: [follower.clientUrl], timeoutMs: 1_500 });
      assert.notEqual(frozen.code, 0, `etcdctl against a paused member succeeded: ${frozen.stdout}`);
      assert.match(frozen.stderr, /deadline exceeded/);
      // waitHealthy looks at running members only.
      await c.waitHealthy(10_000);
    } finally {
      await follower.resume();
    }
    assert.equal(follower.state, 'running');
    const thawed = await c.etcdctl(['get', 'greeting', '--print-value-only'], { endpoints: [follower.clientUrl], timeoutMs: 5_000 });
    assert.equal(thawed.code, 0, `${thawed.stderr}\n${follower.logTail()}`);
    assert.equal(thawed.stdout.trim(), 'hello');
  });

  test('killing the leader yields a different leader, and the old one rejoins', async () => {
    const c = cluster.get();
    const old = await c.waitForLeader();
    const pid = old.pid;
    assert.ok(pid !== undefined);
    await old.kill();
    assert.equal(old.state, 'stopped');
    assert.equal(alive(pid), false);
    const next = await c.waitForLeader({ not: old });
    assert.notEqual(next, old);
    await old.start();
    await c.waitHealthy();
    assert.equal((await c.endpointStatus()).length, 3);
  });

  test('addMember and removeMember change member list', async () => {
    const c = cluster.get();
    const before = await memberNames(c);
    assert.equal(before.length, 3);
    const added = await c.addMember();
    assert.ok(added.id, 'the added member has an id');
    assert.deepEqual(await memberNames(c), [...before, added.name].sort());
    assert.equal(c.members.length, 4);
    await c.removeMember(added);
    assert.deepEqual(await memberNames(c), before);
    assert.equal(c.members.length, 3);
    assert.equal(added.state, 'stopped');
    await c.waitHealthy();
  });

  test('stop() leaves no process alive, paused ones included, and removes the dir', async () => {
    const c = cluster.get();
    await c.members[1].pause();
    const pids = c.members.map((m) => m.pid);
    assert.ok(pids.every((p) => p !== undefined && alive(p)));
    await c.stop();
    for (const pid of pids) assert.equal(alive(pid as number), false, `pid ${pid} is still alive`);
    assert.equal(fs.existsSync(c.dir), false);
    assert.equal(livePidCount(), 0);
    await c.stop(); // idempotent; useCluster's after() calls it once more
  });
});

describe('a TLS cluster', () => {
  const cluster = useCluster({ members: 2, tls: true });

  test('etcdctl with the certificates works, without the CA or the client certificate it fails', async () => {
    const c = cluster.get();
    assert.ok(c.tls);
    assert.ok(c.endpoints.every((e) => e.startsWith('https://127.0.0.1:')));
    const ok = await c.etcdctl(['put', 'k', 'v'], { timeoutMs: 5_000 });
    assert.equal(ok.code, 0, ok.stderr);
    const m = c.members[0];
    const endpoints = [m.clientUrl];
    // etcdctl only says "context deadline exceeded"; the reason is in the server's log.
    const noCa = await c.etcdctl(['get', 'k', `--cert=${c.tls.certFile}`, `--key=${c.tls.keyFile}`], { endpoints, tls: false, timeoutMs: 2_000 });
    assert.notEqual(noCa.code, 0, `etcdctl without --cacert succeeded: ${noCa.stdout}`);
    assert.match(m.logTail(50), /rejected connection.*tls: bad certificate/);
    const noClientCert = await c.etcdctl(['get', 'k', `--cacert=${c.tls.caFile}`], { endpoints, tls: false, timeoutMs: 2_000 });
    assert.notEqual(noClientCert.code, 0, `etcdctl without a client certificate succeeded: ${noClientCert.stdout}`);
    assert.match(m.logTail(50), /rejected connection.*client didn't provide a certificate/);
    // Metrics stay plain http so scrapers in tests need no certificates.
    const res = await fetch(m.metricsUrl, { signal: AbortSignal.timeout(5_000) });
    assert.equal(res.status, 200);
    await res.body?.cancel();
  });
});

describe('a TLS cluster with auth', () => {
  const cluster = useCluster({ members: 1, tls: true, auth: true });

  test('the CN=root client certificate alone is root, and a password login overrides it', async () => {
    const c = cluster.get();
    const certOnly = await c.etcdctl(['put', 'k', 'v'], { user: '', timeoutMs: 5_000 });
    assert.equal(certOnly.code, 0, certOnly.stderr);
    const reader = await c.etcdctl(['put', 'k', 'w'], { user: 'reader', timeoutMs: 5_000 });
    assert.match(reader.stderr, /permission denied/);
  });
});

describe('an auth cluster', () => {
  const cluster = useCluster({ members: 1, auth: true });

  test('reader can get but not put, root can put', async () => {
    const c = cluster.get();
    assert.ok(c.auth);
    const put = await c.etcdctl(['put', 'k', 'v'], { user: 'root', timeoutMs: 5_000 });
    assert.equal(put.code, 0, put.stderr);
    const read = await c.etcdctl(['get', 'k', '--print-value-only'], { user: 'reader', timeoutMs: 5_000 });
    assert.equal(read.code, 0, read.stderr);
    assert.equal(read.stdout.trim(), 'v');
    const denied = await c.etcdctl(['put', 'k', 'w'], { user: 'reader', timeoutMs: 5_000 });
    assert.notEqual(denied.code, 0);
    assert.match(denied.stderr, /permission denied/);
    const anonymous = await c.etcdctl(['get', 'k'], { user: '', timeoutMs: 5_000 });
    assert.notEqual(anonymous.code, 0, 'a request without credentials must be refused');
  });
});

describe('startCluster failures', () => {
  test('a member that cannot start fails with its log tail and leaks nothing', async () => {
    await assert.rejects(startCluster({ members: 1, extraArgs: ['--no-such-flag'] }), (err: Error) => {
      assert.match(err.message, /exited during start/);
      assert.match(err.message, /no-such-flag/);
      return true;
    });
    assert.equal(livePidCount(), 0);
  });

  test('without etcd on PATH it says how to install it', async () => {
    const saved = process.env.PATH;
    process.env.PATH = '/nonexistent';
    try {
      await assert.rejects(startCluster(), { message: 'etcd is not installed: run "apt-get install -y etcd-server etcd-client"' });
    } finally {
      process.env.PATH = saved;
    }
  });
});
