import { describe, test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { useCluster, type TestCluster } from '@etcd-monitor/etcd/testing';
import { until } from '@etcd-monitor/core/testing';
import { buildMonitor, parseConfig, type MonitorService } from '@etcd-monitor/monitor';
import { runCli } from './testing.ts';

// Raft entries are what a write costs every member (a WAL append and an fsync). etcdctl's `endpoint status` reads
// them without adding one, so the index each member reports is the measure of what the monitor wrote.
async function raftIndexes(c: TestCluster): Promise<Map<string, number>> {
  const statuses = await c.endpointStatus(undefined, 5_000);
  assert.equal(statuses.length, c.members.length, 'every member answers endpoint status');
  return new Map(statuses.map((s) => [s.endpoint, s.raftIndex]));
}

const dataDirs: string[] = [];
after(() => {
  for (const d of dataDirs) rmSync(d, { recursive: true, force: true });
});

async function startMonitor(c: TestCluster, cluster: Record<string, unknown>): Promise<MonitorService> {
  const dataDir = mkdtempSync(join(tmpdir(), 'observe-only-'));
  dataDirs.push(dataDir);
  const cfg = parseConfig({
    server: { listen: '127.0.0.1:0', data_dir: dataDir },
    // Every collector at least as often as its default (status 1s, probe 2s, metrics 5s).
    clusters: [{ name: 'main', endpoints: c.endpoints, status_interval: '500ms', probe_interval: '500ms', metrics_interval: '1s', timeout: '2s', ...cluster }],
  });
  return buildMonitor(cfg, { env: { ETCD_MONITOR_SECRET_KEY: 'test-key' } });
}

async function waitWatching(svc: MonitorService): Promise<void> {
  await until(
    'the monitor sees the cluster healthy, with probes and scrapes from every member',
    () => {
      const s = svc.registry.get('main');
      return s.health.status === 'healthy' && s.members.length === 3 && s.members.every((m) => m.status && m.probe?.linearizableOk && m.metrics);
    },
    { timeoutMs: 30_000, detail: () => JSON.stringify(svc.registry.get('main').health) },
  );
}

describe('the monitor observes without writing to the cluster it watches', () => {
  const cluster = useCluster({ members: 3 });

  test("30 s of the whole monitor service and several `status` runs leave every member's raft index where it was", { timeout: 120_000 }, async () => {
    const c = cluster.get();
    const svc = await startMonitor(c, {});
    try {
      await waitWatching(svc);
      const before = await raftIndexes(c);
      const firstReads = svc.registry.get('main').members.map((m) => m.statusAt!);
      const all = ['--endpoints', c.endpoints.join(','), '--dial-timeout', '2s', '--command-timeout', '3s'];
      for (const args of [
        ['status', ...all],
        ['status', '-w', 'json', ...all],
        ['status', '--cluster', '--endpoints', c.endpoints[0]!],
        ['status', ...all],
        ['status', '-w', 'json', ...all],
      ]) {
        const r = await runCli(args);
        assert.equal(r.code, 0, `${args.join(' ')}: ${r.stdout}${r.stderr}`);
      }
      // An observation window, not a wait for something to happen: the monitor polls many times within it.
      await sleep(30_000);
      const snap = svc.registry.get('main');
      assert.equal(snap.health.status, 'healthy', JSON.stringify(snap.health));
      snap.members.forEach((m, i) => assert.ok(m.statusAt! > firstReads[i]!, `${m.endpoint} was polled during the window`));
      const afterIdx = await raftIndexes(c);
      const moved = [...afterIdx].filter(([ep, v]) => v !== before.get(ep)).map(([ep, v]) => `${ep}: ${before.get(ep)} → ${v}`);
      assert.deepEqual(moved, [], `raft index moved while only the monitor and status were running:\n${moved.join('\n')}`);
    } finally {
      await svc.stop();
    }
  });

  test('with write_probe on, the monitor writes only under /etcd-monitor/probe/', { timeout: 90_000 }, async () => {
    const c = cluster.get();
    const svc = await startMonitor(c, { write_probe: true });
    try {
      await until(
        'write probes from every member',
        () => svc.registry.get('main').members.length === 3 && svc.registry.get('main').members.every((m) => m.probe?.writeMs !== null && m.probe?.writeMs !== undefined),
        { timeoutMs: 30_000 },
      );
      const keys = async () => {
        const r = await c.etcdctl(['get', '', '--prefix', '--keys-only']);
        assert.equal(r.code, 0, r.stderr);
        return r.stdout.split('\n').filter((l) => l.trim() !== '');
      };
      const written = await until('one probe key per member', async () => ((await keys()).length >= 3 ? keys() : undefined), { timeoutMs: 30_000 });
      const ids = svc.registry
        .get('main')
        .members.map((m) => m.id)
        .sort();
      assert.deepEqual(
        written.sort(),
        ids.map((id) => `/etcd-monitor/probe/${id}`),
      );
    } finally {
      await svc.stop();
    }
  });
});
