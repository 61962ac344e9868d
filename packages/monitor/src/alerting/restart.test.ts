import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCluster } from '@etcd-monitor/etcd/testing';
import { until } from '@etcd-monitor/core/testing';
import { startReceiver, type Received } from './notify/testdata/receiver.ts';

const CHILD = join(import.meta.dirname, 'testdata', 'serve.ts');

interface ApiAlert {
  fingerprint: string;
  labels: Record<string, string>;
  state: string;
  activeAt: string;
  startsAt: string;
  endsAt?: string;
}

type Payload = { status: string; alerts: Array<{ status: string; labels: Record<string, string> }> };

/** startMonitor runs a monitor in its own process and resolves with its URL once it listens. */
async function startMonitor(config: object, children: Set<ChildProcess>): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, [CHILD, JSON.stringify(config)], { stdio: ['ignore', 'pipe', 'inherit'] });
  children.add(child);
  child.on('exit', () => children.delete(child));
  let out = '';
  child.stdout!.setEncoding('utf8');
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (c: string) => {
      out += c;
      const m = /listening (\S+)\n/.exec(out);
      if (m) resolve(m[1]!);
    });
    child.on('exit', (code, signal) => reject(new Error(`monitor exited before listening (${code ?? signal})`)));
  });
  return { url, child };
}

async function kill9(child: ChildProcess): Promise<void> {
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGKILL');
  await exited;
}

const firingOf = (received: Received[], alertname: string) =>
  received.filter((r) => (r.body as Payload).alerts.some((a) => a.status === 'firing' && a.labels.alertname === alertname));

test(
  'kill -9 of the monitor and a restart on the same data dir: a firing alert keeps firing (not pending, not notified again), a 1h rule keeps its pending time, and its history entry is closed once it resolves',
  { timeout: 180_000 },
  async (t) => {
    const cluster = await startCluster({ members: 1 });
    const dir = mkdtempSync(join(tmpdir(), 'alert-restart-'));
    const rcv = await startReceiver();
    const children = new Set<ChildProcess>();
    t.after(async () => {
      for (const c of children) await kill9(c);
      await rcv.close();
      await cluster.stop();
      rmSync(dir, { recursive: true, force: true });
    });
    const config = {
      server: { listen: '127.0.0.1:0', data_dir: dir },
      clusters: [{ name: 'prod', endpoints: cluster.endpoints, timeout: '500ms', status_interval: '300ms' }],
      rules: [
        { name: 'etcdClusterUnreachable', for: '2s' },
        { name: 'ClusterUnreachableForAnHour', expr: 'finding("cluster_unreachable")', for: '1h', severity: 'info' },
      ],
      channels: [{ name: 'hook', type: 'webhook', url: `${rcv.url}/hook` }],
    };
    const alerts = async (url: string) => (await (await fetch(`${url}/api/v1/alerts`)).json()) as ApiAlert[];
    const find = (list: ApiAlert[], name: string) => list.find((a) => a.labels.alertname === name);

    await cluster.members[0]!.kill();
    let mon = await startMonitor(config, children);
    await rcv.waitFor((r) => firingOf(r, 'etcdClusterUnreachable').length > 0, 'the first firing notification', 60_000);
    const before = await alerts(mon.url);
    const firing = find(before, 'etcdClusterUnreachable')!;
    const hour = find(before, 'ClusterUnreachableForAnHour')!;
    assert.equal(firing.state, 'firing');
    assert.equal(hour.state, 'pending');

    const killedAt = Date.now();
    await kill9(mon.child);
    mon = await startMonitor(config, children);
    const restartedAt = Date.now();

    // Every answer from the restarted monitor shows the alert firing since its first start, never pending again.
    const seen: string[] = [];
    const after = await until(
      'the restored alerts',
      async () => {
        const list = await alerts(mon.url);
        const a = find(list, 'etcdClusterUnreachable');
        if (a) seen.push(a.state);
        return a && find(list, 'ClusterUnreachableForAnHour') ? list : undefined;
      },
      { timeoutMs: 60_000 },
    );
    assert.deepEqual([...new Set(seen)], ['firing']);
    const again = find(after, 'etcdClusterUnreachable')!;
    assert.equal(again.fingerprint, firing.fingerprint);
    assert.equal(again.activeAt, firing.activeAt);
    assert.equal(again.startsAt, firing.startsAt);
    // The 1h rule keeps the time it was pending; only the downtime (at most since its last note, 10 s before the kill) is added.
    const hourAgain = find(after, 'ClusterUnreachableForAnHour')!;
    assert.equal(hourAgain.state, 'pending');
    const shift = Date.parse(hourAgain.activeAt) - Date.parse(hour.activeAt);
    assert.ok(shift >= 0 && shift <= restartedAt - killedAt + 10_000 + 2_000, `activeAt moved by ${shift} ms (restart took ${restartedAt - killedAt} ms)`);

    // The cluster comes back: the alert resolves, and receivers hear that once; they were told it fired once in all.
    await cluster.members[0]!.start();
    await rcv.waitFor(
      (r) => r.some((x) => (x.body as Payload).status === 'resolved' && (x.body as Payload).alerts.some((a) => a.labels.alertname === 'etcdClusterUnreachable')),
      'the resolved notification',
      60_000,
    );
    assert.equal(firingOf(rcv.received, 'etcdClusterUnreachable').length, 1, 'one firing notification across the restart');
    const history = (await (await fetch(`${mon.url}/api/v1/alerts/history?alertname=etcdClusterUnreachable`)).json()) as ApiAlert[];
    assert.equal(history.length, 1, JSON.stringify(history));
    assert.equal(history[0]!.state, 'resolved');
    assert.equal(history[0]!.activeAt, firing.activeAt);
    assert.ok(history[0]!.endsAt && Date.parse(history[0]!.endsAt) >= restartedAt - 1000);
  },
);
