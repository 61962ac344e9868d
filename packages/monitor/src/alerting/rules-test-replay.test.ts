import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCluster } from '@etcd-monitor/etcd/testing';
import { until } from '@etcd-monitor/core/testing';
import { parseConfig } from '../config.ts';
import { buildMonitor } from '../service.ts';

test('POST /rules/test replays a finding-based rule from the stored events: a real cluster down and back is a firing and a resolve', { timeout: 120_000 }, async (t) => {
  const cluster = await startCluster({ members: 1 });
  const dir = mkdtempSync(join(tmpdir(), 'rules-replay-'));
  const svc = await buildMonitor(
    parseConfig({ server: { data_dir: dir }, clusters: [{ name: 'prod', endpoints: cluster.endpoints, timeout: '500ms', status_interval: '300ms' }] }),
    { env: { ETCD_MONITOR_SECRET_KEY: 'k' } },
  );
  t.after(async () => {
    await svc.stop();
    await cluster.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  const status = async () => ((await svc.app.inject({ method: 'GET', url: '/api/v1/clusters/prod' })).json() as { health: { status: string } }).health.status;
  await until('healthy', async () => (await status()) === 'healthy', { timeoutMs: 30_000 });
  const from = new Date().toISOString();
  await cluster.members[0]!.kill();
  await until('unreachable', async () => (await status()) === 'unreachable', { timeoutMs: 30_000 });
  await cluster.members[0]!.start();
  await until('healthy again', async () => (await status()) === 'healthy', { timeoutMs: 30_000 });
  const back = await until(
    'the cluster_reachable event',
    async () => ((await svc.app.inject({ method: 'GET', url: '/api/v1/events?cluster=prod&type=cluster_reachable' })).json() as Array<{ time: string }>)[0],
    { timeoutMs: 30_000 },
  );
  // The replay ends past the event, so its last 100 ms step sees it.
  const to = new Date(Date.parse(back.time) + 500).toISOString();

  // The built-in rule waits 1m; the body makes it fire at once, as an operator trying a change would.
  const r = await svc.app.inject({
    method: 'POST',
    url: '/api/v1/rules/test',
    payload: { name: 'etcdClusterUnreachable', rule: { for: '0s' }, cluster: 'prod', from, to, step: '100ms' },
  });
  assert.equal(r.statusCode, 200, r.body);
  const body = r.json() as { transitions: Array<{ state: string }>; firstFiringAt?: string; notes: string[] };
  assert.deepEqual(
    body.transitions.map((x) => x.state),
    ['firing', 'resolved'],
  );
  assert.ok(body.firstFiringAt);
  assert.match(body.notes[0]!, /findings replayed from \d+ stored events/);
});
