import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../config.ts';
import { buildMonitor } from '../service.ts';

// No etcd needed: the cluster list is empty apart from an unreachable one; this is about who may call what.
async function monitor(auth: Record<string, unknown> = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'auth-'));
  const svc = await buildMonitor(parseConfig({ server: { data_dir: dir }, auth, clusters: [{ name: 'c1', endpoints: ['127.0.0.1:1'], timeout: '200ms' }] }), {
    env: { ETCD_MONITOR_SECRET_KEY: 'k', ETCD_MONITOR_ADMIN_PASSWORD: 'admin-password-1' },
  });
  return {
    svc,
    cleanup: async () => {
      await svc.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

test('from another host every API call needs a login; roles decide what it may do', async () => {
  const { svc, cleanup } = await monitor();
  const remote = { remoteAddress: '192.0.2.10' };
  try {
    const anon = await svc.app.inject({ method: 'GET', url: '/api/v1/clusters', ...remote });
    assert.equal(anon.statusCode, 401);
    assert.equal(anon.json().error.code, 'MON_UNAUTHORIZED');
    const bad = await svc.app.inject({ method: 'POST', url: '/api/v1/login', payload: { username: 'admin', password: 'nope' }, ...remote });
    assert.equal(bad.statusCode, 401);
    const ok = await svc.app.inject({ method: 'POST', url: '/api/v1/login', payload: { username: 'admin', password: 'admin-password-1' }, ...remote });
    assert.equal(ok.statusCode, 200);
    const admin = { authorization: `Bearer ${ok.json().token}` };
    assert.equal((await svc.app.inject({ method: 'GET', url: '/api/v1/clusters', headers: admin, ...remote })).statusCode, 200);
    assert.equal(
      (await svc.app.inject({ method: 'PUT', url: '/api/v1/users/vera', headers: admin, payload: { password: 'viewer-pass-1', role: 'viewer' }, ...remote })).statusCode,
      204,
    );
    const users = (await svc.app.inject({ method: 'GET', url: '/api/v1/users', headers: admin, ...remote })).body;
    assert.ok(!users.includes('viewer-pass-1') && !users.includes('hash'), 'no passwords or hashes');

    const v = await svc.app.inject({ method: 'POST', url: '/api/v1/login', payload: { username: 'vera', password: 'viewer-pass-1' }, ...remote });
    const viewer = { authorization: `Bearer ${v.json().token}` };
    assert.equal((await svc.app.inject({ method: 'GET', url: '/api/v1/clusters/c1', headers: viewer, ...remote })).statusCode, 200);
    const denied = await svc.app.inject({ method: 'POST', url: '/api/v1/clusters', headers: viewer, payload: { name: 'x', endpoints: ['127.0.0.1:2'] }, ...remote });
    assert.equal(denied.statusCode, 403);
    assert.match(denied.json().error.message, /needs the admin role/);
    const created = await svc.app.inject({ method: 'POST', url: '/api/v1/clusters', headers: admin, payload: { name: 'x', endpoints: ['127.0.0.1:2'] }, ...remote });
    assert.equal(created.statusCode, 201);
    const audit = svc.store.queryAudit();
    assert.ok(audit.some((a) => a.actor === 'admin' && a.action === 'cluster.create'));
    await svc.app.inject({ method: 'POST', url: '/api/v1/logout', headers: viewer, ...remote });
    assert.equal((await svc.app.inject({ method: 'GET', url: '/api/v1/clusters', headers: viewer, ...remote })).statusCode, 401);
  } finally {
    await cleanup();
  }
});

test('from loopback, anonymous requests get the configured role ("admin" by default, "none" to require a login)', async () => {
  const open = await monitor();
  try {
    const r = await open.svc.app.inject({ method: 'GET', url: '/api/v1/whoami' });
    assert.deepEqual(r.json(), { name: 'anonymous@127.0.0.1', role: 'admin' });
  } finally {
    await open.cleanup();
  }
  const viewerOnly = await monitor({ anonymous_role: 'viewer' });
  try {
    assert.equal((await viewerOnly.svc.app.inject({ method: 'GET', url: '/api/v1/clusters' })).statusCode, 200);
    assert.equal((await viewerOnly.svc.app.inject({ method: 'DELETE', url: '/api/v1/clusters/c1' })).statusCode, 403);
  } finally {
    await viewerOnly.cleanup();
  }
  const closed = await monitor({ anonymous_role: 'none' });
  try {
    assert.equal((await closed.svc.app.inject({ method: 'GET', url: '/api/v1/clusters' })).statusCode, 401);
    assert.equal((await closed.svc.app.inject({ method: 'GET', url: '/metrics' })).statusCode, 200, 'Prometheus scrapes without a login');
  } finally {
    await closed.cleanup();
  }
});
