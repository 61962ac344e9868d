import { describe, test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { useCluster } from '@etcd-monitor/etcd/testing';
import { until } from '@etcd-monitor/core/testing';
import { parseConfig } from './config.ts';
import { buildMonitor, type MonitorService } from './service.ts';

type ClusterDoc = {
  name: string;
  health: { status: string; findings: Array<{ severity: string; member?: string; message: string; hint?: string; evidence?: string; code: string }> };
  members: Array<Record<string, unknown>>;
  leader: string | null;
};

describe('the monitor service against a real cluster', () => {
  const cluster = useCluster({ members: 3 });
  const dataDir = mkdtempSync(join(tmpdir(), 'monitor-svc-'));
  let svc: MonitorService;
  after(async () => {
    await svc?.stop().catch(() => undefined);
    rmSync(dataDir, { recursive: true, force: true });
  });
  const start = async () => {
    const cfg = parseConfig({
      server: { listen: '127.0.0.1:0', data_dir: dataDir },
      clusters: [
        { name: 'main', endpoints: cluster.get().endpoints, status_interval: '500ms', probe_interval: '500ms', metrics_interval: '1s', timeout: '1s', labels: { env: 'test' } },
      ],
    });
    svc = await buildMonitor(cfg, { env: { ETCD_MONITOR_SECRET_KEY: 'test-key' } });
  };
  const get = async (url: string) => {
    const r = await svc.app.inject({ method: 'GET', url });
    return { status: r.statusCode, body: r.headers['content-type']?.toString().includes('json') ? r.json() : r.body, headers: r.headers };
  };

  test('GET /api/v1/clusters shows the cluster healthy with its members and leader', async () => {
    await start();
    const c = await until('healthy', async () => {
      const r = await get('/api/v1/clusters');
      const main = (r.body as ClusterDoc[]).find((x) => x.name === 'main');
      return main?.health.status === 'healthy' ? main : undefined;
    });
    assert.equal(c.members.length, 3);
    assert.ok(c.leader);
    assert.deepEqual(c.health.findings, []);
    const one = await get('/api/v1/clusters/main');
    assert.equal(one.status, 200);
    assert.equal((one.body as ClusterDoc).name, 'main');
  });

  test('bad API input is a 400 with a stable code naming the field; unknown names are 404', async () => {
    const cases: Array<[unknown, string]> = [
      [{ endpoints: ['127.0.0.1:2379'] }, 'name'],
      [{ name: 'x', endpoints: ['nope:port'] }, 'endpoints[0]'],
      [{ name: 'bad name!', endpoints: ['127.0.0.1:2379'] }, 'name'],
      [{ name: 'x', endpoints: ['127.0.0.1:2379'], status_interval: 'often' }, 'status_interval'],
      [{ name: 'x', endpoints: ['127.0.0.1:2379'], colour: 'red' }, 'colour'],
    ];
    for (const [body, field] of cases) {
      const r = await svc.app.inject({ method: 'POST', url: '/api/v1/clusters', payload: body as object });
      assert.equal(r.statusCode, 400, `${JSON.stringify(body)} → ${r.body}`);
      const err = r.json().error;
      assert.equal(err.code, 'MON_BAD_REQUEST');
      assert.equal(err.field, field, r.body);
    }
    assert.equal((await get('/api/v1/clusters/nope')).status, 404);
    assert.equal(((await get('/api/v1/clusters/nope')).body as { error: { code: string } }).error.code, 'MON_NOT_FOUND');
    const dup = await svc.app.inject({ method: 'POST', url: '/api/v1/clusters', payload: { name: 'main', endpoints: ['127.0.0.1:1'] } });
    assert.equal(dup.statusCode, 409);
  });

  test('an unreachable cluster added through the API shows as unreachable with the error; the other is unaffected', async () => {
    const r = await svc.app.inject({
      method: 'POST',
      url: '/api/v1/clusters',
      payload: { name: 'ghost', endpoints: ['127.0.0.1:1'], user: 'root', password: 'p4ssw0rd-secret', timeout: '500ms' },
    });
    assert.equal(r.statusCode, 201, r.body);
    assert.ok(!r.body.includes('p4ssw0rd-secret'), 'password never returned');
    const ghost = await until('ghost unreachable', async () => {
      const c = (await get('/api/v1/clusters/ghost')).body as ClusterDoc;
      return c.health.findings[0]?.code === 'cluster_unreachable' ? c : undefined;
    });
    assert.equal(ghost.health.status, 'unreachable');
    assert.match(ghost.health.findings[0]!.evidence ?? '', /connection refused/);
    assert.equal(((await get('/api/v1/clusters/main')).body as ClusterDoc).health.status, 'healthy');
    const all = await svc.app.inject({ method: 'GET', url: '/api/v1/clusters' });
    assert.ok(!all.body.includes('p4ssw0rd-secret'));
    const raw = (await get('/api/v1/clusters/ghost/config')).body as Record<string, unknown>;
    assert.equal(raw.timeout, '500ms');
    assert.equal(raw.user, 'root');
    assert.equal(raw.has_password, true);
    assert.equal(raw.password, undefined);
    // Stored encrypted, not in clear.
    assert.ok(!readFileSync(join(dataDir, 'etcd-monitor.db')).includes(Buffer.from('p4ssw0rd-secret')));
  });

  test('a killed follower becomes a member_down event and a finding naming it; it comes back as member_up', async () => {
    const c = cluster.get();
    const since = new Date().toISOString();
    const leader = await c.waitForLeader();
    const follower = c.members.find((m) => m !== leader)!;
    await follower.kill();
    const ev = await until('member_down', async () => {
      const list = (await get(`/api/v1/events?cluster=main&since=${since}`)).body as Array<{ type: string; member?: string; time: string; message: string; cluster: string }>;
      return list.find((e) => e.type === 'member_down');
    });
    assert.equal(ev.member, follower.name);
    assert.equal(ev.cluster, 'main');
    assert.ok(!Number.isNaN(Date.parse(ev.time)));
    const doc = (await get('/api/v1/clusters/main')).body as ClusterDoc;
    assert.equal(doc.health.status, 'degraded');
    const f = doc.health.findings.find((x) => x.code === 'member_down')!;
    assert.equal(f.member, follower.name);
    assert.ok(f.hint);
    await follower.start();
    await until('member_up', async () => ((await get(`/api/v1/events?cluster=main&since=${since}&type=member_up`)).body as unknown[]).length > 0);
    const csv = await get(`/api/v1/events?cluster=main&since=${since}&format=csv`);
    assert.match(csv.body as string, /^time,cluster,type,member,message,details\n/);
    assert.match(csv.body as string, /,main,member_down,/);
  });

  test('series are stored and queried; member detail lists them', async () => {
    // At least two scrapes (metrics_interval 1s) so rates exist, then everything buffered is written.
    await sleep(2200);
    svc.store.flush();
    const list = (await get(`/api/v1/series?cluster=main`)).body as Array<{ series: string; member: string; name: string }>;
    assert.ok(list.some((s) => s.series === 'raft_index'));
    assert.ok(list.some((s) => s.series === 'health_status' && s.member === ''));
    // Derived from each member's /metrics scrape.
    assert.ok(
      list.some((s) => s.series === 'db_size_bytes' && s.member),
      JSON.stringify(list.map((s) => s.series)),
    );
    assert.ok(list.some((s) => s.series === 'process_cpu_seconds_rate' || s.series === 'resident_memory_bytes'));
    svc.store.flush();
    const q = (await get('/api/v1/series/query?series=raft_index&cluster=main&from=5m')).body as {
      resolution: string;
      points: Array<{ member: string; points: Array<{ t: number; v: number }> }>;
    };
    assert.equal(q.resolution, 'raw');
    assert.equal(q.points.length, 3);
    assert.ok(q.points.every((p) => p.points.length > 0));
    // Every member series is stored under a member id, those the alerting records (peer evidence) too.
    assert.deepEqual(
      list.filter((s) => s.member !== '' && !/^[0-9a-f]+$/.test(s.member)),
      [],
    );
    // Stored under the member id, listed with the name.
    const { member: id, name } = list.find((s) => s.member)!;
    const m = (await get(`/api/v1/clusters/main/members/${name}`)).body as { id: string; name: string; series: string[]; up: boolean };
    assert.equal(m.name, name);
    assert.equal(m.id, id);
    assert.ok(m.series.includes('raft_term'));
    const bad = await get('/api/v1/series/query?series=raft_index&cluster=main&from=yesterday-ish');
    assert.equal(bad.status, 400);
    assert.equal((bad.body as { error: { field: string } }).error.field, 'from');
  });

  test('OpenAPI at /api/docs and Prometheus /metrics', async () => {
    const docs = (await get('/api/docs')).body as { openapi: string; paths: Record<string, unknown> };
    assert.match(docs.openapi, /^3\./);
    for (const p of ['/api/v1/clusters', '/api/v1/clusters/{name}', '/api/v1/events', '/api/v1/series/query', '/api/v1/stream']) assert.ok(docs.paths[p], p);
    const m = await get('/metrics');
    assert.match(m.body as string, /etcd_monitor_cluster_health\{cluster="main"\} 0/);
    assert.match(m.body as string, /etcd_monitor_member_up\{cluster="main",member="[^"]+"\} 1/);
    assert.match(m.body as string, /etcd_monitor_probe_latency_seconds_bucket/);
    // Prometheus's own linter: `.ci/run` installs Debian's prometheus package for promtool.
    const r = spawnSync('promtool', ['check', 'metrics'], { input: m.body as string, encoding: 'utf8', timeout: 20_000 });
    assert.ok(!r.error, 'promtool is missing: apt-get install -y prometheus');
    assert.equal(r.status, 0, `promtool check metrics:\n${r.stdout}${r.stderr}`);
  });

  test('the live stream sends the current state, then events as they happen', async () => {
    const url = await svc.listen();
    const ac = new AbortController();
    const res = await fetch(`${url}/api/v1/stream?cluster=main`, { signal: ac.signal });
    assert.equal(res.headers.get('content-type'), 'text/event-stream; charset=utf-8');
    const reader = res.body!.getReader();
    let text = '';
    const read = async (pattern: RegExp) => {
      while (!pattern.test(text)) {
        const { value, done } = await reader.read();
        if (done) break;
        text += Buffer.from(value).toString();
      }
      return pattern.test(text);
    };
    assert.ok(await read(/event: cluster\ndata: \{"name":"main"/));
    const victim = cluster.get().members.find((m) => m.state === 'running')!;
    const leader = await cluster.get().waitForLeader();
    const follower = cluster.get().members.find((m) => m !== leader && m.state === 'running') ?? victim;
    await follower.stop();
    assert.ok(await read(/event: event\ndata: \{[^\n]*"type":"member_down"/));
    ac.abort();
    await follower.start();
  });

  test('after a restart, clusters, events and history are all still there', async () => {
    await svc.stop();
    await start();
    const names = ((await get('/api/v1/clusters')).body as ClusterDoc[]).map((c) => c.name).sort();
    assert.deepEqual(names, ['ghost', 'main']);
    const events = (await get('/api/v1/events?cluster=main&type=member_down')).body as unknown[];
    assert.ok(events.length >= 1);
    const q = (await get('/api/v1/series/query?series=raft_index&cluster=main&from=10m')).body as { points: Array<{ points: unknown[] }> };
    assert.ok(q.points.some((p) => p.points.length > 0));
    const del = await svc.app.inject({ method: 'DELETE', url: '/api/v1/clusters/ghost' });
    assert.equal(del.statusCode, 204);
    const ro = await svc.app.inject({ method: 'DELETE', url: '/api/v1/clusters/main' });
    assert.equal(ro.statusCode, 409);
    assert.equal(ro.json().error.code, 'MON_CLUSTER_READONLY');
    const audit = svc.store.queryAudit().map((a) => a.action);
    assert.ok(audit.includes('cluster.create') && audit.includes('cluster.delete'));
  });
});
