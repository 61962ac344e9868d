import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../../config.ts';
import { buildMonitor, type MonitorService } from '../../service.ts';

// No etcd needed: dashboards are documents in the store. The service listens on a real port and is restarted on
// the same data directory, so this is the monitor as `etcd-monitor serve` runs it.
const ENV = { ETCD_MONITOR_SECRET_KEY: 'k', ETCD_MONITOR_ADMIN_PASSWORD: 'admin-password-1' };

async function start(dir: string): Promise<{ svc: MonitorService; url: string }> {
  const svc = await buildMonitor(parseConfig({ server: { listen: '127.0.0.1:0', data_dir: dir }, clusters: [{ name: 'c1', endpoints: ['127.0.0.1:1'], timeout: '200ms' }] }), {
    env: ENV,
  });
  return { svc, url: await svc.listen() };
}

async function call(url: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${url}/api/v1${path}`, {
    method,
    headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown> & { error?: { code: string; field?: string; message: string } }) : undefined };
}

test('dashboards: create, list, rename, reorder, delete; stable 400s naming the field; they survive a restart', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dashboards-'));
  let { svc, url } = await start(dir);
  try {
    assert.deepEqual((await call(url, 'GET', '/dashboards')).body, []);
    const a = { cluster: 'c1', series: 'db_size_bytes', range: 'live' };
    const b = { cluster: 'c1', member: 'm1', series: 'probe_read_linearizable_ms', range: '24h', title: 'Reads of m1' };
    const created = await call(url, 'PUT', '/dashboards/prod', { name: '  Production  ', panels: [a, b] });
    assert.equal(created.status, 201);
    assert.equal(created.body!.name, 'Production', 'the name is trimmed');
    assert.equal(created.body!.createdBy, 'anonymous@127.0.0.1');
    assert.equal((await call(url, 'PUT', '/dashboards/empty', { name: 'Empty', panels: [] })).status, 201);

    // Rename and reorder are one PUT of the whole dashboard; the creation time and author stay.
    const replaced = await call(url, 'PUT', '/dashboards/prod', { name: 'Prod', panels: [b, a] });
    assert.equal(replaced.status, 200);
    assert.equal(replaced.body!.createdAt, created.body!.createdAt);
    assert.deepEqual(
      (replaced.body!.panels as Array<{ series: string }>).map((p) => p.series),
      ['probe_read_linearizable_ms', 'db_size_bytes'],
    );

    const bad: Array<[unknown, string]> = [
      [{ panels: [] }, 'name'],
      [{ name: '   ', panels: [] }, 'name'],
      [{ name: 'x' }, 'panels'],
      [{ name: 'x', panels: [{ series: 'db_size_bytes', range: 'live' }] }, 'panels.0.cluster'],
      [{ name: 'x', panels: [{ ...a, range: '2h' }] }, 'panels.0.range'],
      [{ name: 'x', panels: [a, { ...a, series: 'no spaces allowed' }] }, 'panels.1.series'],
      [{ name: 'x', panels: [a, a] }, 'panels.1'],
      [{ name: 'x', panels: [{ ...a, colour: 'red' }] }, 'panels.0'],
      [{ name: 'x', panels: Array.from({ length: 51 }, (_, i) => ({ ...a, cluster: `c${i}` })) }, 'panels'],
    ];
    for (const [body, field] of bad) {
      const r = await call(url, 'PUT', '/dashboards/bad', body);
      assert.equal(r.status, 400, JSON.stringify(body).slice(0, 80));
      assert.equal(r.body!.error!.code, 'MON_BAD_REQUEST');
      assert.equal(r.body!.error!.field, field, r.body!.error!.message);
    }
    assert.equal((await call(url, 'PUT', '/dashboards/has%20space', { name: 'x', panels: [] })).body!.error!.field, 'id');
    assert.equal((await call(url, 'GET', '/dashboards/bad')).status, 404);
    assert.equal((await call(url, 'GET', '/dashboards/bad')).body!.error!.code, 'MON_NOT_FOUND');

    await svc.stop();
    ({ svc, url } = await start(dir));
    const after = (await call(url, 'GET', '/dashboards')).body as unknown as Array<{ id: string; name: string; panels: unknown[] }>;
    assert.deepEqual(
      after.map((d) => [d.id, d.name, d.panels.length]),
      [
        ['prod', 'Prod', 2],
        ['empty', 'Empty', 0],
      ],
    );
    assert.deepEqual((await call(url, 'GET', '/dashboards/prod')).body!.panels, [b, a]);

    assert.equal((await call(url, 'DELETE', '/dashboards/empty')).status, 204);
    assert.equal((await call(url, 'DELETE', '/dashboards/empty')).status, 404);
    const audit = svc.store.queryAudit().map((a) => a.action);
    for (const action of ['dashboard.create', 'dashboard.update', 'dashboard.delete']) assert.ok(audit.includes(action), action);
    const spec = (await (await fetch(`${url}/api/docs/openapi.json`)).json()) as { paths: Record<string, unknown> };
    assert.ok(spec.paths['/api/v1/dashboards/{id}'], 'documented in OpenAPI');
  } finally {
    await svc.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('dashboards are shared: viewers read them, operators change them', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dashboards-'));
  const { svc } = await start(dir);
  const remote = { remoteAddress: '192.0.2.10' };
  try {
    const login = async (username: string, password: string) => ({
      authorization: `Bearer ${(await svc.app.inject({ method: 'POST', url: '/api/v1/login', payload: { username, password }, ...remote })).json().token}`,
    });
    const admin = await login('admin', 'admin-password-1');
    for (const [name, role] of [
      ['vera', 'viewer'],
      ['otto', 'operator'],
    ]) {
      assert.equal(
        (await svc.app.inject({ method: 'PUT', url: `/api/v1/users/${name}`, headers: admin, payload: { password: `${name}-password`, role }, ...remote })).statusCode,
        204,
      );
    }
    const viewer = await login('vera', 'vera-password');
    const operator = await login('otto', 'otto-password');
    const body = { name: 'Team', panels: [{ cluster: 'c1', series: 'db_size_bytes', range: '1h' }] };
    const denied = await svc.app.inject({ method: 'PUT', url: '/api/v1/dashboards/team', headers: viewer, payload: body, ...remote });
    assert.equal(denied.statusCode, 403);
    assert.match(denied.json().error.message, /needs the operator role/);
    const put = await svc.app.inject({ method: 'PUT', url: '/api/v1/dashboards/team', headers: operator, payload: body, ...remote });
    assert.equal(put.statusCode, 201);
    assert.equal(put.json().createdBy, 'otto');
    const seen = await svc.app.inject({ method: 'GET', url: '/api/v1/dashboards', headers: viewer, ...remote });
    assert.deepEqual(
      seen.json().map((d: { id: string }) => d.id),
      ['team'],
      'what one user saves, another sees',
    );
    assert.equal((await svc.app.inject({ method: 'DELETE', url: '/api/v1/dashboards/team', headers: viewer, ...remote })).statusCode, 403);
    assert.equal((await svc.app.inject({ method: 'DELETE', url: '/api/v1/dashboards/team', headers: operator, ...remote })).statusCode, 204);
  } finally {
    await svc.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
