import { describe, test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { useCluster } from '@etcd-monitor/etcd/testing';
import { parseEtcdctlJson, idToHex } from '@etcd-monitor/etcd';
import { until } from '@etcd-monitor/core/testing';
import { parseConfig } from './config.ts';
import { buildMonitor, type MonitorService } from './service.ts';

type ClusterDoc = {
  name: string;
  clusterId: string | null;
  health: { status: string; findings: Array<{ code: string; severity: string; message: string; evidence?: string; hint?: string }> };
};

describe('cluster identity: the etcd cluster id, a cluster configured twice, endpoints reaching two clusters', () => {
  const one = useCluster({ members: 1 });
  const other = useCluster({ members: 1 });
  const dataDir = mkdtempSync(join(tmpdir(), 'cluster-identity-'));
  let svc: MonitorService | undefined;
  after(async () => {
    await svc?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });
  const get = async (name: string) => (await svc!.app.inject({ method: 'GET', url: `/api/v1/clusters/${name}` })).json() as ClusterDoc;
  const fast = { status_interval: '500ms', probe_interval: '500ms', metrics_interval: '1s', timeout: '1s' };

  test('the API shows the cluster id as etcdctl reports it (hex); a second name for the same cluster is a duplicate_cluster finding on both, gone when the copy is removed', async () => {
    const c = one.get();
    svc = await buildMonitor(parseConfig({ server: { listen: '127.0.0.1:0', data_dir: dataDir }, clusters: [{ name: 'prod', endpoints: c.endpoints, ...fast }] }), {
      env: { ETCD_MONITOR_SECRET_KEY: 'k' },
    });
    const list = await c.etcdctl(['member', 'list', '-w', 'json']);
    const expected = idToHex((parseEtcdctlJson(list.stdout) as { header: { cluster_id: string } }).header.cluster_id);
    const prod = await until('prod healthy with its cluster id', async () => {
      const d = await get('prod');
      return d.health.status === 'healthy' && d.clusterId ? d : undefined;
    });
    assert.equal(prod.clusterId, expected);
    assert.deepEqual(prod.health.findings, []);

    const created = await svc.app.inject({ method: 'POST', url: '/api/v1/clusters', payload: { name: 'prod-again', endpoints: c.endpoints, ...fast } });
    assert.equal(created.statusCode, 201, created.body);
    for (const [name, otherName] of [
      ['prod', 'prod-again'],
      ['prod-again', 'prod'],
    ] as const) {
      const d = await until(`duplicate_cluster on ${name}`, async () => {
        const x = await get(name);
        return x.health.findings.some((f) => f.code === 'duplicate_cluster') ? x : undefined;
      });
      const f = d.health.findings.find((x) => x.code === 'duplicate_cluster')!;
      assert.equal(f.severity, 'warning');
      assert.equal(f.message, `the same etcd cluster is also configured as "${otherName}"`);
      assert.equal(f.evidence, `cluster id ${expected}`);
      assert.match(f.hint!, /raised once per copy/);
      assert.equal(d.health.status, 'degraded');
    }
    assert.equal((await svc.app.inject({ method: 'DELETE', url: '/api/v1/clusters/prod-again' })).statusCode, 204);
    await until('prod healthy again without the finding', async () => {
      const d = await get('prod');
      return d.health.status === 'healthy' && d.health.findings.length === 0;
    });
  });

  test("a real member's stored series include the Grafana-parity ones, and every stored series is in the catalogue", async () => {
    const { SERIES_CATALOG, SERIES_PATTERNS } = await import('./series-catalog.ts');
    const catalogued = (n: string) => SERIES_CATALOG.some((s) => s.name === n) || SERIES_PATTERNS.some((p) => new RegExp(p.regex).test(n));
    const stored = await until('rates from two scrapes stored', () => {
      svc!.store.flush();
      const names = new Set(svc!.store.listSeries({ cluster: 'prod' }).map((s) => s.series));
      return names.has('client_received_bytes_rate') && [...names].some((n) => /^grpc_Status_OK_rate$/.test(n)) ? names : undefined;
    });
    for (const n of ['watch_streams', 'lease_keepalive_streams', 'watchers', 'keys_total', 'lease_granted_rate', 'client_sent_bytes_rate', 'grpc_Range_OK_rate'])
      assert.ok(stored.has(n), `${n} stored`);
    assert.deepEqual(
      [...stored].filter((n) => !catalogued(n)),
      [],
    );
  });

  test('series are stored under the member id and shown by name; series an older version stored under the name are folded in', async () => {
    const c = one.get();
    const id = (await c.endpointStatus())[0]!.memberId;
    svc!.store.flush();
    assert.deepEqual([...new Set(svc!.store.listSeries({ cluster: 'prod' }).map((s) => s.member))].sort(), ['', id]);
    // What a version that keyed series by name left behind, an hour ago.
    const old = Date.now() - 3_600_000;
    svc!.store.append([{ series: 'raft_index', cluster: 'prod', member: 'etcd-1', t: old, v: 1 }]);
    svc!.store.flush();
    for (const member of ['', '&member=etcd-1', `&member=${id}`]) {
      const q = (await svc!.app.inject({ method: 'GET', url: `/api/v1/series/query?series=raft_index&cluster=prod&from=2h${member}` })).json() as {
        points: Array<{ member: string; memberId: string | null; points: Array<{ t: number }> }>;
      };
      assert.deepEqual(
        q.points.map((p) => [p.member, p.memberId]),
        [['etcd-1', id]],
        member,
      );
      assert.equal(q.points[0]!.points[0]!.t, old, 'the old point comes first');
      assert.ok(q.points[0]!.points.length > 1);
    }
    const listed = (await svc!.app.inject({ method: 'GET', url: '/api/v1/series?cluster=prod&member=etcd-1' })).json() as Array<{ member: string; name: string; series: string }>;
    assert.ok(listed.some((s) => s.series === 'raft_index' && s.member === id && s.name === 'etcd-1'));
    // Replaying a rule reads the id-keyed history for the member it names (etcd-1).
    const replay = await svc!.app.inject({
      method: 'POST',
      url: '/api/v1/rules/test',
      payload: { cluster: 'prod', from: '5m', rule: { name: 'indexSeen', expr: 'raft_index > 0', severity: 'info', summary: 'x' } },
    });
    assert.equal(replay.statusCode, 200, replay.body);
    const rr = replay.json() as { firstFiringAt: string | null; firingAtEnd: string[] };
    assert.ok(rr.firstFiringAt, replay.body);
    assert.deepEqual(rr.firingAtEnd, ['etcd-1']);
    const detail = (await svc!.app.inject({ method: 'GET', url: '/api/v1/clusters/prod/members/etcd-1' })).json() as { id: string; series: string[] };
    assert.equal(detail.id, id);
    assert.ok(detail.series.includes('raft_index') && detail.series.includes('keys_total'));
  });

  test('endpoints of one configured cluster that reach two etcd clusters are a cluster_id_mismatch finding', async () => {
    const created = await svc!.app.inject({
      method: 'POST',
      url: '/api/v1/clusters',
      payload: { name: 'mixed', endpoints: [...one.get().endpoints, ...other.get().endpoints], ...fast },
    });
    assert.equal(created.statusCode, 201, created.body);
    const d = await until('cluster_id_mismatch', async () => {
      const x = await get('mixed');
      return x.health.findings.some((f) => f.code === 'cluster_id_mismatch') ? x : undefined;
    });
    const f = d.health.findings.find((x) => x.code === 'cluster_id_mismatch')!;
    assert.equal(f.severity, 'critical');
    assert.match(f.evidence!, /^cluster [0-9a-f]+: etcd-1; cluster [0-9a-f]+: etcd-1$/);
    // Two members named etcd-1: their series stay apart, each under its id, shown as "etcd-1 (id)".
    const ids = [(await one.get().endpointStatus())[0]!.memberId, (await other.get().endpointStatus())[0]!.memberId];
    const q = await until('raft_index of both members', async () => {
      svc!.store.flush();
      const r = (await svc!.app.inject({ method: 'GET', url: '/api/v1/series/query?series=raft_index&cluster=mixed&from=5m' })).json() as {
        points: Array<{ member: string; memberId: string | null }>;
      };
      return r.points.length === 2 ? r : undefined;
    });
    assert.deepEqual(q.points.map((p) => [p.member, p.memberId]).sort(), ids.map((id) => [`etcd-1 (${id})`, id]).sort());
  });
});
