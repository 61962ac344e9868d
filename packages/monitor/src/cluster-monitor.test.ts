import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { useCluster } from '@etcd-monitor/etcd/testing';
import { until as untilCore } from '@etcd-monitor/core/testing';
import { readClusterConfig } from './config.ts';
import { collectors } from './collectors/index.ts';
import { ClusterMonitor, type ClusterSnapshot, type SampleInput } from './cluster-monitor.ts';
import type { ClusterEvent } from './events/detect.ts';

let lastSnap: ClusterSnapshot | undefined;
const until = <T>(what: string, fn: () => T | undefined, timeoutMs = 20_000) => untilCore(what, fn, { timeoutMs, detail: () => `last state: ${JSON.stringify(lastSnap?.health)}` });

describe('ClusterMonitor against a real 3-member cluster', () => {
  const cluster = useCluster({ members: 3 });
  const events: ClusterEvent[] = [];
  const samples: SampleInput[] = [];
  let snap: ClusterSnapshot | undefined;
  let mon: ClusterMonitor;

  test('sees a healthy cluster with its leader and every member', async () => {
    const c = cluster.get();
    const cfg = readClusterConfig({ name: 'demo', endpoints: [c.endpoints[0]!], status_interval: '500ms', probe_interval: '500ms', timeout: '1s' }, 'test', [])!;
    mon = new ClusterMonitor(cfg, { collectors, onSamples: (s) => samples.push(...s), onEvent: (e) => events.push(e), onUpdate: (s) => (snap = lastSnap = s) });
    mon.start();
    // One seed endpoint: the others come from the member list.
    await until('healthy with 3 members', () => snap?.health.status === 'healthy' && snap.members.length === 3);
    assert.equal(snap!.health.verdict, 'healthy');
    assert.ok(snap!.leader);
    assert.deepEqual(snap!.health.findings, []);
    assert.ok(samples.some((s) => s.series === 'raft_index' && s.v > 0));
    assert.ok(samples.some((s) => s.series === 'probe_read_linearizable_ms'));
  });

  test('a killed leader is recorded as leader_lost, then leader_changed to the new one', async () => {
    const c = cluster.get();
    const leader = await c.waitForLeader();
    const before = events.length;
    await leader.kill();
    const lost = await until('leader_lost', () => events.slice(before).find((e) => e.type === 'leader_lost'));
    assert.equal(lost.cluster, 'demo');
    assert.ok(events.slice(before).some((e) => e.type === 'member_down' && e.member === leader.name));
    const changed = await until('leader_changed', () => events.slice(before).find((e) => e.type === 'leader_changed'));
    assert.notEqual(changed.details?.to, changed.details?.from);
    assert.equal(snap!.health.status, 'degraded', JSON.stringify(snap!.health));
    assert.ok(snap!.health.findings.some((f) => f.code === 'member_down' && f.member === leader.name && f.hint));
    await leader.start();
    await until('member_up', () => events.slice(before).find((e) => e.type === 'member_up'));
    await until('healthy again', () => snap?.health.status === 'healthy');
  });

  test('a paused member does not delay the others, and shows as down', async () => {
    const c = cluster.get();
    const victim = c.members[1]!;
    const before = events.length;
    await victim.pause();
    try {
      await until('member_down', () => events.slice(before).find((e) => e.type === 'member_down' && e.member === victim.name));
      const others = snap!.members.filter((m) => m.name !== victim.name);
      const now = Date.now();
      // The others keep being read on their own loops while the paused member's calls hang until the timeout.
      for (const m of others) assert.ok(now - m.statusAt! < 3000, `${m.name} last read ${now - m.statusAt!} ms ago`);
    } finally {
      await victim.resume();
    }
    await until('healthy again', () => snap?.health.status === 'healthy');
  });

  test('losing quorum is an event and a critical finding; regaining it too', async () => {
    const c = cluster.get();
    const before = events.length;
    await c.members[0]!.kill();
    await c.members[1]!.kill();
    await until('quorum_lost', () => events.slice(before).find((e) => e.type === 'quorum_lost'));
    assert.equal(snap!.health.status, 'critical');
    assert.ok(snap!.health.findings.some((f) => f.code === 'quorum_lost'));
    await c.members[0]!.start();
    await c.members[1]!.start();
    await until('quorum_regained', () => events.slice(before).find((e) => e.type === 'quorum_regained'));
    await mon.stop();
  });
});

describe('ClusterMonitor: alarms and membership changes', () => {
  const cluster = useCluster({ members: 1, quotaBackendBytes: 2 * 1024 * 1024, extraArgs: ['--strict-reconfig-check=false'] });
  const events: ClusterEvent[] = [];
  let snap: ClusterSnapshot | undefined;
  let mon: ClusterMonitor;

  test('filling the quota raises NOSPACE: an alarm_raised event and a critical finding; disarming clears it', async () => {
    const c = cluster.get();
    const cfg = readClusterConfig({ name: 'small', endpoints: c.endpoints, status_interval: '300ms', probe_interval: '500ms', timeout: '1s' }, 'test', [])!;
    mon = new ClusterMonitor(cfg, { collectors, onSamples: () => {}, onEvent: (e) => events.push(e), onUpdate: (s) => (snap = lastSnap = s) });
    mon.start();
    await until('healthy', () => snap?.health.status === 'healthy');
    const value = 'x'.repeat(64 * 1024);
    for (let i = 0; i < 200; i++) {
      const r = await c.etcdctl(['put', `/fill/${i}`, value]);
      if (r.code !== 0) {
        assert.match(r.stderr, /database space exceeded/);
        break;
      }
    }
    const raised = await until('alarm_raised', () => events.find((e) => e.type === 'alarm_raised'));
    assert.equal(raised.details?.alarm, 'NOSPACE');
    assert.equal(snap!.health.status, 'critical');
    const f = snap!.health.findings.find((x) => x.code === 'alarm_nospace')!;
    assert.match(f.hint!, /compact, defragment, then `etcdctl alarm disarm`/);
    const rev = JSON.parse((await c.etcdctl(['get', '/fill/0', '-w', 'json'])).stdout).header.revision;
    await c.etcdctl(['compact', String(rev)]);
    await c.etcdctl(['defrag']);
    assert.equal((await c.etcdctl(['alarm', 'disarm'])).code, 0);
    await until('alarm_cleared', () => events.find((e) => e.type === 'alarm_cleared'));
  });

  test('a member added and removed is recorded, and the new member is watched', async () => {
    const c = cluster.get();
    const m = await c.addMember();
    const added = await until('member_added', () => events.find((e) => e.type === 'member_added'), 30_000);
    assert.ok(added.member);
    await until('new member watched', () => snap?.members.some((x) => x.endpoint === m.clientUrl && x.status));
    await c.removeMember(m);
    await until('member_removed', () => events.find((e) => e.type === 'member_removed'), 30_000);
    await mon.stop();
  });
});
