import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { tempDir } from '@etcd-monitor/core/testing';
import { useCluster } from '@etcd-monitor/etcd/testing';
import { parseConfig } from '../../config.ts';
import { buildMonitor, type MonitorService } from '../../service.ts';

describe('transaction API', () => {
  const cluster = useCluster({ members: 1 });
  let svc: MonitorService;
  const txn = (payload: object) => svc.app.inject({ method: 'POST', url: '/api/v1/clusters/c1/txn', payload });
  const audit = async () => (await svc.app.inject({ method: 'GET', url: '/api/v1/audit?action=kv.txn' })).json() as Array<{ command: string; result: string }>;

  before(async () => {
    const endpoints = cluster.get().endpoints;
    svc = await buildMonitor(parseConfig({ server: { listen: '127.0.0.1:0', data_dir: tempDir('mon-txn') }, clusters: [{ name: 'c1', endpoints, timeout: '5s' }] }), {
      env: { ETCD_MONITOR_SECRET_KEY: 'k' },
    });
  });
  after(async () => {
    await svc?.stop();
  });

  test('compares choose the branch; its operations answer in order; audited as etcdctl txn reads it, without values', async () => {
    const first = await txn({
      compare: [{ key: '/t/k', target: 'VERSION', result: '=', value: '0' }],
      success: [
        { op: 'put', key: '/t/k', value: 'secret-v1' },
        { op: 'put', key: '/t/j', value: 'v' },
        { op: 'get', key: '/t/', prefix: true },
      ],
      failure: [{ op: 'get', key: '/t/k' }],
    });
    assert.equal(first.statusCode, 200, first.body);
    const r1 = first.json() as { succeeded: boolean; revision: string; responses: Array<{ op: string; kvs?: Array<{ key: string; value: string }>; count?: number }> };
    assert.equal(r1.succeeded, true);
    assert.deepEqual(
      r1.responses.map((x) => x.op),
      ['put', 'put', 'get'],
    );
    assert.deepEqual(
      r1.responses[2]!.kvs!.map((kv) => [kv.key, kv.value]),
      [
        ['/t/j', 'v'],
        ['/t/k', 'secret-v1'],
      ],
    );
    assert.equal(r1.responses[2]!.count, 2);

    const second = await txn({
      compare: [{ key: '/t/k', target: 'VERSION', result: '=', value: '0' }],
      success: [{ op: 'put', key: '/t/k', value: 'never' }],
      failure: [
        { op: 'del', key: '/t/j', prevKv: true },
        { op: 'get', key: '/t/k', keysOnly: true },
      ],
    });
    const r2 = second.json() as { succeeded: boolean; responses: Array<{ op: string; deleted?: number; prevKvs?: Array<{ key: string }>; kvs?: Array<{ value?: string }> }> };
    assert.equal(r2.succeeded, false);
    assert.equal(r2.responses[0]!.deleted, 1);
    assert.equal(r2.responses[0]!.prevKvs![0]!.key, '/t/j');

    const mod = await txn({ compare: [{ key: '/t/k', target: 'VALUE', result: '=', value: 'secret-v1' }], success: [{ op: 'del', key: '/t/', prefix: true }], failure: [] });
    assert.equal(mod.json().succeeded, true);
    assert.equal(mod.json().responses[0].deleted, 1);

    const entries = await audit();
    assert.ok(
      entries.some((e) => e.command === `etcdctl txn <<< $'ver("/t/k") = "0"\\n\\nput /t/k …\\nput /t/j …\\nget --prefix /t/\\n\\nget /t/k\\n'` && e.result === 'ok'),
      JSON.stringify(entries.map((e) => e.command)),
    );
    assert.ok(!JSON.stringify(entries).includes('secret-v1'), 'values stay out of the audit log');
  });

  test('a bad transaction is a 400 naming the field, before anything runs', async () => {
    const cases: Array<[object, string]> = [
      [{ compare: [{ key: 'k', target: 'AGE', result: '=', value: '1' }], success: [], failure: [] }, 'compare.0.target'],
      [{ compare: [{ key: 'k', target: 'MOD', result: '=', value: 'abc' }], success: [], failure: [] }, 'compare.0.value'],
      [{ compare: [], success: [{ op: 'put', key: 'k' }], failure: [] }, 'success.0.value'],
      [{ compare: [], success: [], failure: [{ op: 'get', value: 'x', key: 'k' }] }, 'failure.0.value'],
      [{ compare: [], success: [{ op: 'del' }], failure: [] }, 'success.0.key'],
      [{ compare: [], success: [{ op: 'get', key: 'k', prefix: true, fromKey: true }], failure: [] }, 'success.0.fromKey'],
      [{ compare: [], success: [{ op: 'move', key: 'k' }], failure: [] }, 'success.0.op'],
      [{ compare: [], success: [] }, 'failure'],
    ];
    for (const [body, field] of cases) {
      const r = await txn(body);
      assert.equal(r.statusCode, 400, `${field}: ${r.body}`);
      assert.equal(r.json().error.code, 'MON_BAD_REQUEST');
      assert.equal(r.json().error.field, field, r.body);
    }
    assert.equal((await svc.app.inject({ method: 'GET', url: '/api/v1/clusters/c1/kv/key?key=k' })).statusCode, 404, 'nothing was written');
  });
});
