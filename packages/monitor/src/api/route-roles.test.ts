// Every route on a cluster, walked from the OpenAPI document: a viewer may change nothing, an operator may not touch
// members, nor the cluster's etcd users, roles and authentication (admin). A route added without an entry in ROLES
// fails here until its role is decided.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tempDir } from '@etcd-monitor/core/testing';
import { parseConfig } from '../config.ts';
import { buildMonitor } from '../service.ts';

type Method = 'GET' | 'POST' | 'PUT' | 'DELETE' | 'PATCH';
type Role = 'viewer' | 'operator' | 'admin';

// The least role of each route under /clusters/{name}/ other than a viewer's GET.
const ROLES: Record<string, Role> = {
  'PUT /kv': 'operator',
  'DELETE /kv': 'operator',
  'POST /txn': 'operator',
  'POST /leases': 'operator',
  'DELETE /leases/{lease}': 'operator',
  'POST /leases/{lease}/keep-alive': 'operator',
  'POST /maintenance/defrag': 'operator',
  'POST /maintenance/compact': 'operator',
  'GET /maintenance/snapshot': 'operator',
  'GET /maintenance/alarms': 'operator',
  'DELETE /maintenance/alarms': 'operator',
  'POST /maintenance/move-leader': 'operator',
  'POST /members': 'admin',
  'DELETE /members/{member}': 'admin',
  'POST /members/{member}/promote': 'admin',
  'PUT /members/{member}': 'admin',
  'GET /endpoints/hashkv': 'operator',
  'POST /auth/enable': 'admin',
  'POST /auth/disable': 'admin',
  'GET /users': 'admin',
  'POST /users': 'admin',
  'GET /users/{user}': 'admin',
  'DELETE /users/{user}': 'admin',
  'PUT /users/{user}/password': 'admin',
  'PUT /users/{user}/roles/{role}': 'admin',
  'DELETE /users/{user}/roles/{role}': 'admin',
  'GET /roles': 'admin',
  'POST /roles': 'admin',
  'GET /roles/{role}': 'admin',
  'DELETE /roles/{role}': 'admin',
  'POST /roles/{role}/permissions': 'admin',
  'DELETE /roles/{role}/permissions': 'admin',
};
// Cluster routes of the monitor's own configuration and alerting, checked by their own tests.
const ELSEWHERE = /^\/(?:$|health|members\/\{member\}$|events|series|alerts|config|test|dashboards)/;

test('on every route of a cluster a viewer may only read, and an operator may not do what needs an admin', async (t) => {
  const routes = async (role: Role) => {
    const svc = await buildMonitor(
      parseConfig({
        server: { listen: '127.0.0.1:0', data_dir: tempDir(`mon-roles-${role}`, t) },
        auth: { anonymous_role: role },
        clusters: [{ name: 'c1', endpoints: ['127.0.0.1:1'], timeout: '200ms' }],
      }),
      { env: { ETCD_MONITOR_SECRET_KEY: 'k' } },
    );
    t.after(() => svc.stop());
    return svc;
  };
  const viewer = await routes('viewer');
  const doc = (await viewer.app.inject({ method: 'GET', url: '/api/docs/openapi.json' })).json() as { paths: Record<string, Record<string, unknown>> };
  const prefix = '/api/v1/clusters/{name}';
  const all = Object.entries(doc.paths)
    .filter(([p]) => p.startsWith(`${prefix}/`))
    .flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${p.slice(prefix.length)}`));
  const guarded = all.filter((r) => !r.startsWith('GET ') || r in ROLES).filter((r) => !ELSEWHERE.test(r.split(' ')[1]!) || r in ROLES);
  assert.deepEqual(
    guarded.filter((r) => !(r in ROLES)),
    [],
    'give each new route its least role in ROLES',
  );
  assert.deepEqual(
    Object.keys(ROLES).filter((r) => !all.includes(r)),
    [],
    'ROLES names only routes that exist',
  );

  const call = async (svc: Awaited<ReturnType<typeof routes>>, r: string) => {
    const [method, path] = r.split(' ') as [Method, string];
    const url = `/api/v1/clusters/c1${path.replace('{member}', 'm1').replace('{lease}', '1').replace('{user}', 'u1').replace('{role}', 'r1')}`;
    const body = method === 'GET' || method === 'DELETE' ? {} : { payload: { key: '/a', value: 'x', ttl: 5, name: 'n', password: 'p', type: 'READ', member: 'm1', revision: '1' } };
    return (await svc.app.inject({ method, url, ...body })).statusCode;
  };
  for (const r of guarded) assert.equal(await call(viewer, r), 403, `viewer: ${r}`);
  const operator = await routes('operator');
  for (const r of guarded) {
    const s = await call(operator, r);
    if (ROLES[r] === 'admin') assert.equal(s, 403, `operator: ${r}`);
    else assert.notEqual(s, 403, `operator may: ${r}`);
  }
});
