import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../config.ts';
import { buildMonitor } from '../service.ts';
import { isLoopbackHost } from './request-guard.ts';

// No etcd needed: one unreachable cluster; this is about who may call what, and what is on disk.
async function monitor(o: { auth?: Record<string, unknown>; dir?: string; server?: Record<string, unknown>; env?: NodeJS.ProcessEnv } = {}) {
  const dir = o.dir ?? mkdtempSync(join(tmpdir(), 'mon-sec-'));
  const svc = await buildMonitor(
    parseConfig({ server: { data_dir: dir, ...o.server }, auth: o.auth ?? {}, clusters: [{ name: 'c1', endpoints: ['127.0.0.1:1'], timeout: '200ms' }] }),
    {
      env: o.env ?? { ETCD_MONITOR_SECRET_KEY: 'k', ETCD_MONITOR_ADMIN_PASSWORD: 'admin-password-1' },
    },
  );
  return {
    svc,
    dir,
    cleanup: async (keep = false) => {
      await svc.stop();
      if (!keep) rmSync(dir, { recursive: true, force: true });
    },
  };
}

test('isLoopbackHost takes loopback names with or without a port, and nothing a rebinding site could send', () => {
  for (const h of ['localhost', 'localhost:8390', 'LOCALHOST:1', '127.0.0.1', '127.0.0.1:8390', '127.1.2.3:80', '[::1]', '[::1]:8390', '[::ffff:127.0.0.1]:8390'])
    assert.ok(isLoopbackHost(h), h);
  for (const h of [
    undefined,
    '',
    'evil.example',
    'evil.example:8390',
    'localhost.evil.example',
    '127.0.0.1.nip.io:8390',
    '10.0.0.1:8390',
    '0.0.0.0:8390',
    '[::]:8390',
    '::1',
    '127.0.0.1:8390:1',
    '0x7f000001:8390',
    '[fe80::1]:8390',
  ])
    assert.ok(!isLoopbackHost(h), String(h));
});

test('anonymous loopback access needs a loopback Host: a DNS-rebinding page gets 401, not admin', async () => {
  const { svc, cleanup } = await monitor();
  try {
    for (const host of ['127.0.0.1:8390', 'localhost:8390', '[::1]:8390']) {
      const r = await svc.app.inject({ method: 'GET', url: '/api/v1/whoami', headers: { host } });
      assert.deepEqual(r.json(), { name: 'anonymous@127.0.0.1', role: 'admin' }, host);
    }
    // The attacker's page at http://rebind.example:8390/ whose name now resolves to 127.0.0.1.
    const host = 'rebind.example:8390';
    const read = await svc.app.inject({ method: 'GET', url: '/api/v1/clusters', headers: { host } });
    assert.equal(read.statusCode, 401);
    assert.match(read.json().error.message, /only for loopback Host names, not "rebind.example:8390"/);
    assert.match(read.json().error.hint, /http:\/\/127\.0\.0\.1:PORT/);
    const write = await svc.app.inject({ method: 'DELETE', url: '/api/v1/clusters/c1', headers: { host, origin: 'http://rebind.example:8390' } });
    assert.equal(write.statusCode, 401);
    const create = await svc.app.inject({ method: 'POST', url: '/api/v1/clusters', headers: { host }, payload: { name: 'evil', endpoints: ['127.0.0.1:2'] } });
    assert.equal(create.statusCode, 401);
    assert.equal(svc.registry.list().length, 1);
    // A login still works under any name: it is what a remote user or a proxied Host does.
    const login = await svc.app.inject({ method: 'POST', url: '/api/v1/login', headers: { host }, payload: { username: 'admin', password: 'admin-password-1' } });
    assert.equal(login.statusCode, 200);
    const who = await svc.app.inject({ method: 'GET', url: '/api/v1/whoami', headers: { host, authorization: `Bearer ${login.json().token}` } });
    assert.equal(who.json().name, 'admin');
  } finally {
    await cleanup();
  }
});

test('a state-changing request whose Origin is not the Host is refused with 403, with or without a session', async () => {
  const { svc, cleanup } = await monitor();
  try {
    const host = '127.0.0.1:8390';
    const login = await svc.app.inject({
      method: 'POST',
      url: '/api/v1/login',
      headers: { host, origin: `http://${host}` },
      payload: { username: 'admin', password: 'admin-password-1' },
    });
    assert.equal(login.statusCode, 200);
    const cookie = `em_session=${login.json().token}`;
    for (const origin of ['http://evil.example', 'http://127.0.0.1:9999', 'null', 'http://127.0.0.1:8390.evil.example']) {
      for (const headers of [
        { host, origin },
        { host, origin, cookie },
      ]) {
        const r = await svc.app.inject({ method: 'POST', url: '/api/v1/clusters', headers, payload: { name: 'csrf', endpoints: ['127.0.0.1:2'] } });
        assert.equal(r.statusCode, 403, `${origin} ${r.body}`);
        assert.equal(r.json().error.code, 'MON_BAD_ORIGIN');
        assert.match(r.json().error.message, /cross-origin request refused: Origin .* does not match the Host "127.0.0.1:8390"/);
      }
      const l = await svc.app.inject({ method: 'POST', url: '/api/v1/login', headers: { host, origin }, payload: { username: 'admin', password: 'admin-password-1' } });
      assert.equal(l.statusCode, 403, 'no login from another site either');
    }
    assert.equal(svc.registry.list().length, 1, 'nothing was created');
    // Reads from another origin are left to the browser's same-origin policy (no CORS headers are sent).
    const read = await svc.app.inject({ method: 'GET', url: '/api/v1/clusters', headers: { host, origin: 'http://evil.example' } });
    assert.equal(read.statusCode, 200);
    assert.equal(read.headers['access-control-allow-origin'], undefined);
    // The monitor's own page, and clients that send no Origin at all (curl, scripts), are served.
    const own = await svc.app.inject({
      method: 'POST',
      url: '/api/v1/clusters',
      headers: { host, origin: `http://${host}`, cookie },
      payload: { name: 'same', endpoints: ['127.0.0.1:2'] },
    });
    assert.equal(own.statusCode, 201);
    const curl = await svc.app.inject({ method: 'DELETE', url: '/api/v1/clusters/same', headers: { host } });
    assert.equal(curl.statusCode, 204);
  } finally {
    await cleanup();
  }
});

test('logins are throttled per user name and per address (429 saying until when), and failures are audited', async () => {
  const { svc, cleanup } = await monitor({ auth: { login_max_failures: 3, login_lockout: '1m' } });
  const login = (username: string, password: string, remoteAddress = '192.0.2.10') =>
    svc.app.inject({ method: 'POST', url: '/api/v1/login', payload: { username, password }, remoteAddress });
  try {
    for (let i = 0; i < 3; i++) assert.equal((await login('admin', `guess-${i}`)).statusCode, 401);
    const locked = await login('admin', 'admin-password-1');
    assert.equal(locked.statusCode, 429, 'the right password does not help while locked');
    const e = locked.json().error;
    assert.equal(e.code, 'MON_LOGIN_LOCKED');
    assert.match(e.message, /too many failed logins for user "admin"; logins are refused until \d{4}-\d\d-\d\dT[\d:.]+Z \(in (59|60) s\)/);
    assert.match(e.hint, /wait (59|60) s/);
    assert.ok(Number(locked.headers['retry-after']) >= 59);
    // The lock is on the name from any address; the address itself is not locked by 3 failures.
    assert.equal((await login('admin', 'admin-password-1', '198.51.100.7')).statusCode, 429);
    assert.equal((await svc.app.inject({ method: 'PUT', url: '/api/v1/users/vera', payload: { password: 'viewer-pass-1', role: 'viewer' } })).statusCode, 204);
    assert.equal((await login('vera', 'viewer-pass-1')).statusCode, 200);

    // One address guessing many names: locked after 4 × 3 failures, for every name.
    for (let i = 0; i < 12; i++) assert.equal((await login(`user${i}`, 'x', '203.0.113.5')).statusCode, 401);
    const byAddress = await login('vera', 'viewer-pass-1', '203.0.113.5');
    assert.equal(byAddress.statusCode, 429);
    assert.match(byAddress.json().error.message, /too many failed logins for address 203\.0\.113\.5/);

    const audit = svc.store.queryAudit();
    const failed = audit.filter((a) => a.action === 'auth.login_failed');
    assert.equal(failed.length, 15, 'every checked failure, not the refused attempts');
    assert.ok(failed.some((a) => a.target === 'admin' && a.ip === '192.0.2.10' && a.actor === 'anonymous@192.0.2.10'));
  } finally {
    await cleanup();
  }
});

test('the data directory is 0700 and its files 0600, existing ones included; the secret key may live outside it', async () => {
  const mode = (p: string) => statSync(p).mode & 0o777;
  const dir = mkdtempSync(join(tmpdir(), 'mon-perm-'));
  const keyDir = mkdtempSync(join(tmpdir(), 'mon-key-'));
  const keyFile = join(keyDir, 'etc', 'secret.key');
  try {
    const first = await monitor({ dir, env: {} });
    await first.cleanup(true);
    // As an earlier version (or a loose umask) left them.
    chmodSync(dir, 0o755);
    for (const f of readdirSync(dir)) chmodSync(join(dir, f), 0o644);
    const again = await monitor({ dir, env: {}, server: { secret_key_file: keyFile } });
    try {
      const files = readdirSync(dir);
      for (const f of ['etcd-monitor.db', 'etcd-monitor.db-wal', 'etcd-monitor.db-shm', 'outbox.db']) assert.ok(files.includes(f), `${f} in ${files}`);
      assert.equal(mode(dir), 0o700);
      for (const f of files) assert.equal(mode(join(dir, f)), 0o600, f);
      assert.equal(mode(keyFile), 0o600);
      assert.equal(mode(join(keyDir, 'etc')), 0o700);
      // A stored credential is sealed with the key outside the data directory.
      const r = await again.svc.app.inject({
        method: 'POST',
        url: '/api/v1/clusters',
        payload: { name: 'auth', endpoints: ['127.0.0.1:2'], user: 'u', password: 'sealed-password' },
      });
      assert.equal(r.statusCode, 201);
    } finally {
      await again.cleanup(true);
    }
    const fresh = mkdtempSync(join(tmpdir(), 'mon-perm-new-'));
    const sub = join(fresh, 'data');
    const third = await monitor({ dir: sub, env: {}, server: { secret_key_file: keyFile } });
    try {
      assert.equal(mode(sub), 0o700);
      for (const f of readdirSync(sub)) assert.equal(mode(join(sub, f)), 0o600, f);
      assert.ok(!existsSync(join(sub, 'secret.key')), 'no key in the data directory');
    } finally {
      await third.cleanup();
      rmSync(fresh, { recursive: true, force: true });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
    rmSync(keyDir, { recursive: true, force: true });
  }
});
