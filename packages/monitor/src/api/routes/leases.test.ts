import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { tempDir } from '@etcd-monitor/core/testing';
import { useCluster } from '@etcd-monitor/etcd/testing';
import { parseConfig } from '../../config.ts';
import { buildMonitor, type MonitorService } from '../../service.ts';

// A real etcd behind the monitor's lease routes.
describe('lease API', () => {
  const cluster = useCluster({ members: 1 });
  let svc: MonitorService;
  const inject = (method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, payload?: object) =>
    svc.app.inject({ method, url: `/api/v1/clusters/c1${url}`, ...(payload ? { payload } : {}) });
  const audit = async (action: string) =>
    (await svc.app.inject({ method: 'GET', url: `/api/v1/audit?action=${action}` })).json() as Array<{ cluster: string; command: string; result: string; target: string }>;

  before(async () => {
    const endpoints = cluster.get().endpoints;
    svc = await buildMonitor(parseConfig({ server: { listen: '127.0.0.1:0', data_dir: tempDir('mon-lease') }, clusters: [{ name: 'c1', endpoints, timeout: '5s' }] }), {
      env: { ETCD_MONITOR_SECRET_KEY: 'k' },
    });
  });
  after(async () => {
    await svc?.stop();
  });

  test('grant, attach a key, timetolive with its keys, list, keep-alive once, revoke: each audited as etcdctl spells it', async () => {
    const g = await inject('POST', '/leases', { ttl: 600 });
    assert.equal(g.statusCode, 200, g.body);
    const lease = g.json() as { id: string; hex: string; ttl: number };
    assert.equal(lease.ttl, 600);
    assert.equal(lease.hex, BigInt(lease.id).toString(16).padStart(16, '0'));
    assert.equal((await inject('PUT', '/kv', { key: '/l/a', value: '1', lease: lease.id })).statusCode, 200);

    const info = await inject('GET', `/leases/${lease.id}?keys=true`);
    assert.equal(info.statusCode, 200, info.body);
    const i = info.json() as { grantedTtl: number; ttl: number; keys: Array<{ key: string }> };
    assert.equal(i.grantedTtl, 600);
    assert.ok(i.ttl > 0 && i.ttl <= 600);
    assert.deepEqual(
      i.keys.map((k) => k.key),
      ['/l/a'],
    );
    assert.equal((await inject('GET', `/leases/${lease.id}`)).json().keys, undefined, 'keys only when asked');
    assert.ok(((await inject('GET', '/leases')).json() as { leases: Array<{ id: string }> }).leases.some((l) => l.id === lease.id));

    const kept = await inject('POST', `/leases/${lease.id}/keep-alive`);
    assert.equal(kept.statusCode, 200, kept.body);
    assert.equal(kept.json().ttl, 600);

    const revoked = await inject('DELETE', `/leases/${lease.id}`);
    assert.equal(revoked.statusCode, 200, revoked.body);
    assert.equal((await inject('GET', '/kv/key?key=/l/a')).statusCode, 404, "the lease's key went with it");

    assert.ok((await audit('lease.grant')).some((e) => e.cluster === 'c1' && e.command === 'etcdctl lease grant 600' && e.result === 'ok'));
    assert.ok((await audit('lease.keep-alive')).some((e) => e.command === `etcdctl lease keep-alive --once ${lease.hex}` && e.result === 'ok'));
    assert.ok((await audit('lease.revoke')).some((e) => e.command === `etcdctl lease revoke ${lease.hex}` && e.result === 'ok'));
  });

  test('a lease that is gone is 404 ETCD_LEASE_NOT_FOUND on every route, and for a put that names it; refusals are audited', async () => {
    const g = (await inject('POST', '/leases', { ttl: 60 })).json() as { id: string; hex: string };
    assert.equal((await inject('DELETE', `/leases/${g.id}`)).statusCode, 200);
    for (const [method, url, body] of [
      ['GET', `/leases/${g.id}?keys=true`],
      ['DELETE', `/leases/${g.id}`],
      ['POST', `/leases/${g.id}/keep-alive`],
      ['PUT', '/kv', { key: '/l/b', value: 'x', lease: g.id }],
    ] as const) {
      const r = await inject(method, url, body);
      assert.equal(r.statusCode, 404, `${method} ${url}: ${r.body}`);
      assert.equal(r.json().error.code, 'ETCD_LEASE_NOT_FOUND', `${method} ${url}`);
    }
    assert.match((await inject('GET', `/leases/${g.id}`)).json().error.message, new RegExp(`lease ${g.hex} \\(${g.id}\\) has expired or was revoked`));
    assert.ok((await audit('lease.revoke')).some((e) => e.target === g.id && e.result.startsWith('ETCD_LEASE_NOT_FOUND')));
    const bad = await inject('GET', '/leases/12ab');
    assert.equal(bad.statusCode, 400, bad.body);
    assert.equal(bad.json().error.field, 'lease');
    const zero = await inject('POST', '/leases', { ttl: 0 });
    assert.equal(zero.statusCode, 400);
    assert.equal(zero.json().error.field, 'ttl');
  });
});
