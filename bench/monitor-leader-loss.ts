// Leader-loss detection latency of the monitor on a real 3-member etcd cluster.
//
//   node bench/monitor-leader-loss.ts [kills=5]
//
// For each run: kill the leader (SIGKILL) and time (a) the kill → `leader_lost` event, and (b) the moment etcd itself
// reports a new leader (a survivor's Status names it, polled every 25 ms) → the monitor's `leader_changed` event.
// The monitor runs with its default intervals (status every 1 s, 250 ms while something is wrong).
import { setTimeout as sleep } from 'node:timers/promises';
import { MemberClient, resolveConnectionOptions } from '@etcd-monitor/etcd';
import { startCluster } from '@etcd-monitor/etcd/testing';
import { until } from '@etcd-monitor/core/testing';
import { ClusterMonitor } from '../packages/monitor/src/cluster-monitor.ts';
import { collectors } from '../packages/monitor/src/collectors/index.ts';
import { readClusterConfig } from '../packages/monitor/src/config.ts';
import type { ClusterEvent } from '../packages/monitor/src/events/detect.ts';

const kills = Number(process.argv[2] ?? 5);
const cluster = await startCluster({ members: 3 });
const events: Array<ClusterEvent & { seen: number }> = [];
const cfg = readClusterConfig({ name: 'bench', endpoints: cluster.endpoints }, 'bench', [])!;
const mon = new ClusterMonitor(cfg, { collectors, onSamples: () => {}, onEvent: (e) => events.push({ ...e, seen: performance.now() }), onUpdate: () => {} });
mon.start();

// Polling for what etcd and the monitor do next, every 25 ms.
const waitFor = <T>(fn: () => T | undefined | Promise<T | undefined>, timeoutMs = 60_000) => until('the next step', fn, { timeoutMs, intervalMs: 25 });

const lost: number[] = [];
const changed: number[] = [];
try {
  await sleep(3000);
  for (let i = 0; i < kills; i++) {
    await cluster.waitHealthy();
    await sleep(1500);
    const leader = await cluster.waitForLeader();
    const survivors = cluster.members.filter((m) => m !== leader && m.state === 'running');
    const opts = resolveConnectionOptions({ endpoints: survivors.map((m) => m.clientUrl).join(','), commandTimeout: '500ms', dialTimeout: '500ms' });
    const clients = survivors.map((m) => new MemberClient(m.clientUrl, opts));
    const oldId = (await clients[0]!.status()).leader;
    const from = events.length;
    const t0 = performance.now();
    await leader.kill();
    // etcd's own view: the first moment a survivor names a new leader.
    const tEtcd = await waitFor(async () => {
      for (const c of clients) {
        const s = await c.status().catch(() => undefined);
        if (s && s.leader !== '0' && s.leader !== oldId) return performance.now();
      }
      return undefined;
    });
    const eLost = await waitFor(() => events.slice(from).find((e) => e.type === 'leader_lost'));
    const eChanged = await waitFor(() => events.slice(from).find((e) => e.type === 'leader_changed'));
    lost.push(eLost.seen - t0);
    changed.push(eChanged.seen - tEtcd);
    console.log(
      `run ${i + 1}: kill → leader_lost ${(eLost.seen - t0).toFixed(0)} ms; etcd new leader at +${(tEtcd - t0).toFixed(0)} ms → leader_changed ${(eChanged.seen - tEtcd).toFixed(0)} ms later`,
    );
    for (const c of clients) c.close();
    await leader.start();
  }
} finally {
  await mon.stop();
  await cluster.stop();
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const worst = (xs: number[]) => Math.max(...xs);
console.log('\n| measure | target | median | worst |');
console.log('| --- | --- | --- | --- |');
console.log(`| leader killed → leader_lost event | < 2000 ms | ${median(lost).toFixed(0)} ms | ${worst(lost).toFixed(0)} ms |`);
console.log(`| etcd reports new leader → leader_changed event | < 1000 ms | ${median(changed).toFixed(0)} ms | ${worst(changed).toFixed(0)} ms |`);
console.log(
  '\nFor comparison, Prometheus with the etcd mixin sees etcd_server_has_leader only at its scrape interval (15 s by default, often 30 s), and its etcdNoLeader alert waits `for: 1m`.',
);
