import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCluster } from '@etcd-monitor/etcd/testing';
import { until } from '@etcd-monitor/core/testing';
import { parseConfig } from '../config.ts';
import { buildMonitor } from '../service.ts';

interface ApiAlert {
  labels: Record<string, string>;
  state: string;
}

test(
  "a real 3-member cluster with one member killed: the peers' failing sends are recorded as the killed member's evidence, and every alert names that member or none",
  { timeout: 180_000 },
  async (t) => {
    const cluster = await startCluster({ members: 3 });
    const dir = mkdtempSync(join(tmpdir(), 'members-down-'));
    const svc = await buildMonitor(parseConfig({ server: { data_dir: dir }, clusters: [{ name: 'prod', endpoints: cluster.endpoints, timeout: '1s', metrics_interval: '1s' }] }), {
      env: { ETCD_MONITOR_SECRET_KEY: 'k' },
    });
    t.after(async () => {
      await svc.stop();
      await cluster.stop();
      rmSync(dir, { recursive: true, force: true });
    });
    const get = async <T>(url: string) => (await svc.app.inject({ method: 'GET', url: `/api/v1${url}` })).json() as T;
    await until('healthy', async () => (await get<{ health: { status: string } }>('/clusters/prod')).health.status === 'healthy', { timeoutMs: 30_000 });
    const leader = await cluster.waitForLeader();
    const victim = cluster.members.find((m) => m !== leader)!;
    await victim.kill();

    // The survivors' sends to the killed member fail; the monitor records that as the killed member's series.
    await until(
      'failures towards the killed member',
      async () => {
        const q = await get<{ points: Array<{ member: string; points: Array<{ v: number }> }> }>(`/series/query?series=peer_sent_failures_to_rate&cluster=prod&from=1m`);
        return q.points.some((p) => p.member === victim.name && p.points.some((x) => x.v > 0.01));
      },
      { timeoutMs: 60_000 },
    );
    // Judge the alerts of an evaluation that saw those failures (evaluations run every 5 s).
    const seenAt = Date.now();
    await until(
      'an evaluation after the failures',
      async () => {
        const rules = await get<Array<{ name: string; status: { lastEvaluation?: number } }>>('/rules');
        return (rules.find((r) => r.name === 'etcdMembersDown')?.status.lastEvaluation ?? 0) > seenAt + 1000;
      },
      { timeoutMs: 60_000 },
    );
    const alerts = await until(
      'etcdMembersDown pending for the killed member',
      async () => {
        const list = await get<ApiAlert[]>('/alerts');
        return list.some((a) => a.labels.alertname === 'etcdMembersDown' && a.labels.member === victim.name) ? list : undefined;
      },
      { timeoutMs: 60_000 },
    );
    // The probe rules time the monitor's own reads through each member, so they are about that member whichever it is
    // (and on a loaded test machine a survivor's reads may well be slow); every other rule must name the killed member.
    const probes = new Set(['etcdProbeReadLatencyHigh', 'etcdProbeWriteLatencyHigh', 'etcdGRPCRequestsSlow']);
    const named = alerts.filter((a) => a.labels.member !== undefined && !probes.has(a.labels.alertname!)).map((a) => `${a.labels.alertname}/${a.labels.member}`);
    assert.deepEqual(
      named.filter((n) => !n.endsWith(`/${victim.name}`)),
      [],
      `alerts naming a member that is up: ${named.join(', ')}`,
    );
    const q = await get<{ points: Array<{ member: string; points: Array<{ v: number }> }> }>(`/series/query?series=peer_sent_failures_to_rate&cluster=prod&from=1m`);
    assert.deepEqual(
      q.points.filter((p) => p.member !== victim.name && p.points.some((x) => x.v > 0.01)).map((p) => p.member),
      [],
      'no failures are recorded against the survivors',
    );
  },
);
