import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { tempDir } from '@etcd-monitor/core/testing';
import { EtcdRpc, MemberClient } from '@etcd-monitor/etcd';
import { useCluster } from '@etcd-monitor/etcd/testing';
import { parseConfig } from '../../config.ts';
import { buildMonitor, type MonitorService } from '../../service.ts';

type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';
const PASSWORD = 'pw-7f3a9c-never-shown';

describe('etcd users, roles and auth API', () => {
  const cluster = useCluster({ members: 1 });
  let svc: MonitorService;
  const inject = (method: Method, url: string, payload?: object) => svc.app.inject({ method, url: `/api/v1/clusters/c1${url}`, ...(payload ? { payload } : {}) });
  const auditAll = async () =>
    (await svc.app.inject({ method: 'GET', url: '/api/v1/audit?limit=1000' })).json() as Array<{ action: string; target: string; command: string; result: string }>;

  before(async () => {
    const endpoints = cluster.get().endpoints;
    svc = await buildMonitor(parseConfig({ server: { listen: '127.0.0.1:0', data_dir: tempDir('mon-etcd-auth') }, clusters: [{ name: 'c1', endpoints, timeout: '5s' }] }), {
      env: { ETCD_MONITOR_SECRET_KEY: 'k' },
    });
  });
  after(async () => {
    await svc?.stop();
  });

  test('users and roles: add, grant, get, revoke, passwd, delete; the password reaches etcd and nowhere else', async () => {
    const ok = async (method: Method, url: string, payload?: object) => {
      const r = await inject(method, url, payload);
      assert.equal(r.statusCode, 200, `${method} ${url}: ${r.body}`);
      assert.ok(!r.body.includes(PASSWORD), `${method} ${url} does not echo the password`);
      return r.json() as Record<string, unknown>;
    };
    await ok('POST', '/users', { name: 'alice', password: PASSWORD });
    await ok('POST', '/roles', { name: 'app' });
    await ok('POST', '/roles/app/permissions', { type: 'READWRITE', key: '/app/', prefix: true });
    await ok('POST', '/roles/app/permissions', { type: 'READ', key: '/cfg', rangeEnd: '/cfz' });
    await ok('PUT', '/users/alice/roles/app');
    assert.deepEqual((await ok('GET', '/users')).users, ['alice']);
    assert.deepEqual((await ok('GET', '/users/alice')).roles, ['app']);
    assert.deepEqual((await ok('GET', '/roles')).roles, ['app']);
    const role = (await ok('GET', '/roles/app')) as { permissions: Array<{ type: string; key: string; rangeEnd: string; prefix: boolean; fromKey: boolean }> };
    assert.deepEqual(
      role.permissions.map((p) => [p.type, p.key, p.rangeEnd, p.prefix, p.fromKey]),
      [
        ['READWRITE', '/app/', '/app0', true, false],
        ['READ', '/cfg', '/cfz', false, false],
      ],
    );
    // etcd checks the password: alice logs in with it.
    const endpoints = cluster.get().endpoints;
    const asAlice = new MemberClient(endpoints[0]!, { endpoints, dialTimeoutMs: 2000, commandTimeoutMs: 5000, auth: { username: 'alice', password: PASSWORD } });
    await ok('PUT', '/users/alice/password', { password: `${PASSWORD}-2` });
    await ok('DELETE', '/roles/app/permissions?key=/cfg&rangeEnd=/cfz');
    await ok('DELETE', '/users/alice/roles/app');
    assert.deepEqual((await ok('GET', '/users/alice')).roles, []);
    await ok('DELETE', '/users/alice');
    await ok('DELETE', '/roles/app');
    asAlice.close();

    const entries = await auditAll();
    assert.ok(!JSON.stringify(entries).includes(PASSWORD), 'no audit entry holds the password');
    const commands = entries.filter((e) => e.action.startsWith('user.') || e.action.startsWith('role.')).map((e) => `${e.command} => ${e.result}`);
    for (const c of [
      'etcdctl user add alice --interactive=false => ok',
      'etcdctl role add app => ok',
      'etcdctl role grant-permission app readwrite --prefix /app/ => ok',
      'etcdctl role grant-permission app read /cfg /cfz => ok',
      'etcdctl user grant-role alice app => ok',
      'etcdctl user passwd alice --interactive=false => ok',
      'etcdctl role revoke-permission app /cfg /cfz => ok',
      'etcdctl user revoke-role alice app => ok',
      'etcdctl user delete alice => ok',
      'etcdctl role delete app => ok',
    ])
      assert.ok(commands.includes(c), `${c} in ${JSON.stringify(commands)}`);
  });

  test('what etcd refuses is a 4xx with a stable code: unknown user or role 404, a duplicate 409, enabling auth without root 409', async () => {
    const expect = async (method: Method, url: string, payload: object | undefined, status: number, code: string) => {
      const r = await inject(method, url, payload);
      assert.equal(r.statusCode, status, `${method} ${url}: ${r.body}`);
      assert.equal(r.json().error.code, code, `${method} ${url}`);
    };
    await expect('GET', '/users/nobody', undefined, 404, 'ETCD_USER_NOT_FOUND');
    await expect('DELETE', '/users/nobody', undefined, 404, 'ETCD_USER_NOT_FOUND');
    await expect('PUT', '/users/nobody/password', { password: 'x' }, 404, 'ETCD_USER_NOT_FOUND');
    await expect('GET', '/roles/none', undefined, 404, 'ETCD_ROLE_NOT_FOUND');
    assert.equal((await inject('POST', '/users', { name: 'bob', password: 'x' })).statusCode, 200);
    await expect('POST', '/users', { name: 'bob', password: 'y' }, 409, 'ETCD_USER_EXISTS');
    await expect('PUT', '/users/bob/roles/none', undefined, 404, 'ETCD_ROLE_NOT_FOUND');
    assert.equal((await inject('POST', '/roles', { name: 'r1' })).statusCode, 200);
    await expect('POST', '/roles', { name: 'r1' }, 409, 'ETCD_ROLE_EXISTS');
    await expect('DELETE', '/users/bob/roles/r1', undefined, 404, 'ETCD_ROLE_NOT_GRANTED');
    await expect('DELETE', '/roles/r1/permissions?key=/x', undefined, 404, 'ETCD_PERMISSION_NOT_GRANTED');
    await expect('POST', '/auth/enable', undefined, 409, 'ETCD_ROOT_MISSING');
    await expect('POST', '/users', { name: 'carol' }, 400, 'MON_BAD_REQUEST');
    await expect('POST', '/roles/r1/permissions', { type: 'ALL', key: '/x' }, 400, 'MON_BAD_REQUEST');
    const status = (await inject('GET', '/auth/status')).json() as { enabled: boolean; header: { revision: string } };
    assert.equal(status.enabled, false);
    assert.ok(Number(status.header.revision) > 0, 'the header of the user list call the status was read with');
    const refusals = (await auditAll()).filter((e) => e.action === 'auth.enable');
    assert.ok(refusals.some((e) => e.command === 'etcdctl auth enable' && e.result.startsWith('ETCD_ROOT_MISSING')));
  });
});

describe('on an etcd with auth enabled', () => {
  const cluster = useCluster({ members: 1, auth: true });

  test("a change the monitor's etcd user may not make is 403 ETCD_PERMISSION_DENIED, audited; as root, auth status, disable and enable work", async (t) => {
    const c = cluster.get();
    const monitor = async (user: string, password: string) => {
      const svc = await buildMonitor(
        parseConfig({
          server: { listen: '127.0.0.1:0', data_dir: tempDir(`mon-etcd-auth-${user}`, t) },
          clusters: [{ name: 'c1', endpoints: c.endpoints, user, password, timeout: '5s' }],
        }),
        { env: { ETCD_MONITOR_SECRET_KEY: 'k' } },
      );
      t.after(() => svc.stop());
      return (method: Method, url: string, payload?: object) => svc.app.inject({ method, url: `/api/v1${url}`, ...(payload ? { payload } : {}) });
    };
    const reader = await monitor(c.auth!.readUser, c.auth!.readPassword);
    for (const [method, url, body] of [
      ['POST', '/clusters/c1/users', { name: 'eve', password: 'x' }],
      ['GET', '/clusters/c1/users'],
      ['POST', '/clusters/c1/txn', { compare: [], success: [{ op: 'put', key: '/k', value: 'v' }], failure: [] }],
    ] as const) {
      const r = await reader(method, url, body);
      assert.equal(r.statusCode, 403, `${method} ${url}: ${r.body}`);
      assert.equal(r.json().error.code, 'ETCD_PERMISSION_DENIED', `${method} ${url}`);
    }
    const audit = (await reader('GET', '/audit?action=kv.txn')).json() as Array<{ result: string }>;
    assert.ok(audit.some((e) => e.result.startsWith('ETCD_PERMISSION_DENIED')));

    const root = await monitor(c.auth!.rootUser, c.auth!.rootPassword);
    assert.equal((await root('GET', '/clusters/c1/auth/status')).json().enabled, true);
    assert.equal((await root('POST', '/clusters/c1/auth/disable')).statusCode, 200);
    assert.equal((await root('GET', '/clusters/c1/auth/status')).json().enabled, false);
    const enabled = await root('POST', '/clusters/c1/auth/enable');
    assert.equal(enabled.statusCode, 200, enabled.body);
    assert.equal((await root('GET', '/clusters/c1/auth/status')).json().enabled, true);
    const users = await root('GET', '/clusters/c1/users');
    assert.equal(users.statusCode, 200, `root still works after auth was turned off and on: ${users.body}`);
    assert.deepEqual(users.json().users, ['reader', 'root']);
    // Turned on again for the etcdctl-made cluster's own teardown: a direct check that etcd agrees.
    const direct = new EtcdRpc(new MemberClient(c.endpoints[0]!, { endpoints: c.endpoints, dialTimeoutMs: 2000, commandTimeoutMs: 5000 }));
    assert.equal((await direct.authStatus()).enabled, true);
    direct.client.close();
  });
});
