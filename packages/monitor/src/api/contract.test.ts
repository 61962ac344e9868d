// The API contract against a running monitor with a real cluster: every GET answers a body that its response schema
// accepts, the schema serializer sends exactly what the handler returned (Fastify drops properties a response schema
// does not list and turns null into "" for a string: either would silently change the API), and no field the API sent
// before the schemas were written has gone (contract-keys.json, recorded from the API as it was).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TSchema } from 'typebox';
import { Value } from 'typebox/value';
import { useCluster } from '@etcd-monitor/etcd/testing';
import { until } from '@etcd-monitor/core/testing';
import type { ConfigIssue } from '@etcd-monitor/core';
import { clusterFields, parseConfig, readClusterConfig } from '../config.ts';
import type { ClusterInput } from './contract.ts';
import { buildMonitor, type MonitorService } from '../service.ts';

const KEYS_FILE = new URL('./testdata/contract-keys.json', import.meta.url);

// Maps whose keys are data (label names, metric names, cluster names): their keys are not part of the contract.
const OPEN_MAPS = new Set(['labels', 'annotations', 'metrics', 'details', 'clusters', 'config', 'secrets', 'counts']);

/** keyPaths lists every key path of a JSON value: `[]` for array items, `{}` for the entries of an open map. */
function keyPaths(v: unknown, at = '', out = new Set<string>()): Set<string> {
  if (Array.isArray(v)) for (const x of v) keyPaths(x, `${at}[]`, out);
  else if (v !== null && typeof v === 'object') {
    for (const [k, x] of Object.entries(v)) {
      const p = `${at}.${k}`;
      out.add(p);
      if (OPEN_MAPS.has(k) && x !== null && typeof x === 'object' && !Array.isArray(x)) out.add(`${p}{}`);
      else keyPaths(x, p, out);
    }
  }
  return out;
}

const cluster = useCluster({ members: 1 });
const dir = mkdtempSync(join(tmpdir(), 'api-contract-'));
let svc: MonitorService | undefined;
const hits: string[] = [];
const receiver = http.createServer((req, res) => {
  hits.push(req.url!);
  req.resume();
  req.on('end', () => res.writeHead(200).end());
});
after(async () => {
  await svc?.stop().catch(() => undefined);
  receiver.close();
  rmSync(dir, { recursive: true, force: true });
});

test('every GET answers what its response schema says, unchanged by serialization, with every field it had', async () => {
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  const hook = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
  svc = await buildMonitor(
    parseConfig({
      server: { listen: '127.0.0.1:0', data_dir: dir },
      clusters: [
        { name: 'main', endpoints: cluster.get().endpoints, status_interval: '500ms', probe_interval: '500ms', metrics_interval: '1s', timeout: '1s', labels: { env: 'test' } },
        { name: 'ghost', endpoints: ['127.0.0.1:1'], timeout: '300ms', status_interval: '500ms', probe_interval: '500ms', metrics_interval: '1s' },
      ],
    }),
    { env: { ETCD_MONITOR_SECRET_KEY: 'test-key' } },
  );
  const app = svc.app;
  // What each route's handler returned, before the schema serializer saw it, and the route's response schemas.
  const raw = new Map<string, { payload: unknown; schema: unknown }>();
  app.addHook('preSerialization', async (req, _reply, payload) => {
    raw.set(req.url, {
      payload: JSON.parse(JSON.stringify(payload)) as unknown,
      schema: (req.routeOptions.schema as { response?: Record<string, unknown> } | undefined)?.response?.['200'],
    });
    return payload;
  });
  const call = async (method: 'GET' | 'PUT' | 'POST', url: string, payload?: object) => {
    const r = await app.inject({ method, url, ...(payload ? { payload } : {}) });
    assert.ok(r.statusCode < 300, `${method} ${url}: ${r.statusCode} ${r.body}`);
    return r.statusCode === 204 ? undefined : (r.json() as unknown);
  };

  await call('PUT', '/api/v1/channels/ops', { type: 'webhook', url: hook });
  await call('PUT', '/api/v1/rules/dbInUse', { expr: 'db_size_bytes > 0', for: '0s', severity: 'warning', summary: 'db of {{ $labels.member }} in use' });
  await call('PUT', '/api/v1/routes', { routes: [{ channels: ['ops'], group_wait: '0s', group_interval: '1s', repeat_interval: '1h', group_by: ['alertname'] }] });
  await call('PUT', '/api/v1/dashboards/main', {
    name: 'Main',
    panels: [
      { cluster: 'main', series: 'db_size_bytes', range: '1h', title: 'DB' },
      { cluster: 'main', member: '', series: 'members_up', range: 'live' },
    ],
  });
  await call('PUT', '/api/v1/users/alice', { password: 'correct-horse', role: 'operator' });
  await call('PUT', '/api/v1/clusters/main/kv', { key: '/contract/a', value: '{"v":1}' });
  await call('PUT', '/api/v1/clusters/main/kv', { key: '/contract/a', value: '{"v":2}' });
  const member = await until('main healthy with metrics and a probe', async () => {
    const c = (await call('GET', '/api/v1/clusters/main')) as { health: { status: string }; members: Array<{ name: string | null; probe: unknown; metrics: unknown }> };
    const m = c.members[0];
    return c.health.status === 'healthy' && m?.name && m.probe && m.metrics ? m.name : undefined;
  });
  await until('ghost unreachable', async () => ((await call('GET', '/api/v1/clusters/ghost')) as { health: { status: string } }).health.status === 'unreachable');
  await until('the rule fired and was delivered', async () => hits.length > 0 && ((await call('GET', '/api/v1/notifications')) as { attempts: unknown[] }).attempts.length > 0);
  await call('POST', '/api/v1/silences', { matchers: ['alertname="dbInUse"'], duration: '1h', createdBy: 'test', comment: 'contract' });
  // A resolved alert in the history: the rule off resolves it.
  await call('PUT', '/api/v1/rules/dbInUse', { enabled: false });
  await until('history has a resolved alert', async () => ((await call('GET', '/api/v1/alerts/history')) as Array<{ endsAt?: string }>).some((h) => h.endsAt));
  await call('PUT', '/api/v1/rules/dbInUse', { enabled: true });
  await until('firing again', async () => ((await call('GET', '/api/v1/alerts')) as Array<{ state: string }>).some((a) => a.state === 'firing'));
  // Events: the member stops and comes back.
  const m0 = cluster.get().members[0]!;
  await m0.kill();
  await until('an event', async () => ((await call('GET', '/api/v1/events?cluster=main')) as unknown[]).length > 0);
  await m0.start();
  await until('main healthy again', async () => ((await call('GET', '/api/v1/clusters/main')) as { health: { status: string } }).health.status === 'healthy');
  await until('series stored', async () => ((await call('GET', '/api/v1/series?cluster=main')) as unknown[]).length > 0);
  // A lease with a key, and an etcd user with a role, for the lease and etcd auth routes.
  const lease = ((await call('POST', '/api/v1/clusters/main/leases', { ttl: 600 })) as { id: string }).id;
  await call('PUT', '/api/v1/clusters/main/kv', { key: '/contract/leased', value: 'x', lease });
  await call('POST', '/api/v1/clusters/main/roles', { name: 'contract' });
  await call('POST', '/api/v1/clusters/main/roles/contract/permissions', { type: 'READ', key: '/contract/', prefix: true });
  await call('POST', '/api/v1/clusters/main/users', { name: 'contract', password: 'contract-pw' });
  await call('PUT', '/api/v1/clusters/main/users/contract/roles/contract');

  const doc = (await call('GET', '/api/docs/openapi.json')) as { paths: Record<string, Record<string, { responses?: Record<string, { content?: unknown }> }>> };
  // /api/docs is complete: every operation documents its success answer (a body, or 204) and its errors.
  const undocumented: string[] = [];
  for (const [path, ops] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(ops)) {
      const ok = Object.entries(op.responses ?? {}).filter(([code]) => /^2/.test(code));
      if (!ok.length || ok.some(([code, r]) => code !== '204' && !r.content) || !op.responses?.['4XX']) undocumented.push(`${method.toUpperCase()} ${path}`);
    }
  }
  assert.deepEqual(undocumented, [], 'routes without response schemas');
  const urls: Record<string, string> = {
    '/api/v1/clusters/{name}': '/api/v1/clusters/main',
    '/api/v1/clusters/{name}/config': '/api/v1/clusters/ghost/config',
    '/api/v1/clusters/{name}/members/{member}': `/api/v1/clusters/main/members/${member}`,
    '/api/v1/dashboards/{id}': '/api/v1/dashboards/main',
    '/api/v1/events': '/api/v1/events?cluster=main',
    '/api/v1/series/query': '/api/v1/series/query?series=db_size_bytes&cluster=main&from=1h',
    '/api/v1/clusters/{name}/kv': '/api/v1/clusters/main/kv?prefix=/contract/&values=true',
    '/api/v1/clusters/{name}/kv/level': '/api/v1/clusters/main/kv/level?counts=true',
    '/api/v1/clusters/{name}/kv/key': '/api/v1/clusters/main/kv/key?key=/contract/a',
    '/api/v1/clusters/{name}/kv/history': '/api/v1/clusters/main/kv/history?key=/contract/a',
    '/api/v1/clusters/{name}/kv/stats': '/api/v1/clusters/main/kv/stats',
    '/api/v1/clusters/{name}/kv/counts': `/api/v1/clusters/main/kv/counts?prefixBase64=${encodeURIComponent(Buffer.from('/contract/').toString('base64'))}`,
    '/api/v1/clusters/{name}/maintenance/alarms': '/api/v1/clusters/main/maintenance/alarms',
    '/api/v1/clusters/{name}/members': '/api/v1/clusters/main/members',
    '/api/v1/clusters/{name}/endpoints/status': '/api/v1/clusters/main/endpoints/status?cluster=true',
    '/api/v1/clusters/{name}/endpoints/health': '/api/v1/clusters/main/endpoints/health?cluster=true',
    '/api/v1/clusters/{name}/endpoints/hashkv': '/api/v1/clusters/main/endpoints/hashkv?cluster=true',
    '/api/v1/clusters/{name}/leases': '/api/v1/clusters/main/leases',
    '/api/v1/clusters/{name}/leases/{lease}': `/api/v1/clusters/main/leases/${lease}?keys=true`,
    '/api/v1/clusters/{name}/auth/status': '/api/v1/clusters/main/auth/status',
    '/api/v1/clusters/{name}/users': '/api/v1/clusters/main/users',
    '/api/v1/clusters/{name}/users/{user}': '/api/v1/clusters/main/users/contract',
    '/api/v1/clusters/{name}/roles': '/api/v1/clusters/main/roles',
    '/api/v1/clusters/{name}/roles/{role}': '/api/v1/clusters/main/roles/contract',
  };
  const record = process.env.RECORD_CONTRACT_KEYS === '1';
  const expected = record ? {} : (JSON.parse(readFileSync(KEYS_FILE, 'utf8')) as Record<string, string[]>);
  const seen: Record<string, string[]> = {};
  const problems: string[] = [];
  for (const [path, ops] of Object.entries(doc.paths)) {
    // The streams and the snapshot download are not JSON.
    if (!ops.get || path === '/api/v1/stream' || path === '/api/v1/clusters/{name}/watch' || path === '/api/v1/clusters/{name}/maintenance/snapshot') continue;
    const url = urls[path] ?? path;
    const res = await app.inject({ method: 'GET', url });
    assert.equal(res.statusCode, 200, `${url}: ${res.body}`);
    const body = res.json() as unknown;
    const before = raw.get(url);
    assert.ok(before, `${url}: the handler's payload was seen`);
    assert.deepEqual(body, before.payload, `${url}: the response schema changed the body`);
    const schema = before.schema as (TSchema & { content?: Record<string, { schema: TSchema }> }) | undefined;
    assert.ok(schema, `${url}: has a 200 response schema`);
    const json = schema.content?.['application/json']?.schema ?? schema;
    const errors = [...Value.Errors(json, body)].slice(0, 3).map((e) => `${e.instancePath} ${e.message}`);
    if (errors.length) problems.push(`${path}: ${errors.join('; ')}`);
    seen[path] = [...keyPaths(body)].sort();
    const missing = (expected[path] ?? []).filter((k) => !seen[path]!.includes(k));
    if (missing.length) problems.push(`${path} lost ${missing.join(', ')}`);
  }
  if (record) writeFileSync(KEYS_FILE, `${JSON.stringify(seen, null, 1)}\n`);
  assert.deepEqual(problems, []);
  assert.deepEqual(
    Object.keys(expected).filter((p) => !(p in seen)),
    [],
    'every endpoint recorded is still served',
  );
});

// ClusterInput is typed from the field specs cluster bodies are checked against, so a key added to the specs is in the
// type (this object then fails to typecheck until it has the key too) and the type takes nothing the specs refuse.
test('ClusterInput holds every key of a [[clusters]] table, typed as the API reads them', () => {
  const ca = join(dir, 'ca.pem');
  writeFileSync(ca, 'not checked here');
  const every: Required<ClusterInput> = {
    name: 'typed',
    endpoints: ['127.0.0.1:2379'],
    group: 'g',
    labels: { env: 'test' },
    cacert: ca,
    cert: ca,
    key: ca,
    insecure_skip_tls_verify: false,
    user: 'u',
    password: 'p',
    metrics_urls: ['http://127.0.0.1:2381/metrics'],
    status_interval: '1s',
    probe_interval: '2s',
    metrics_interval: '5s',
    timeout: '2s',
    write_probe: false,
  };
  assert.deepEqual(Object.keys(every).sort(), Object.keys(clusterFields).sort());
  const issues: ConfigIssue[] = [];
  assert.ok(readClusterConfig(every, 'body', issues), JSON.stringify(issues));
});
