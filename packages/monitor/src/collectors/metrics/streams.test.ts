import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { describe, test } from 'node:test';
import { until } from '@etcd-monitor/core/testing';
import { prom } from '@etcd-monitor/etcd';
import { useCluster } from '@etcd-monitor/etcd/testing';
import { deriveSeries, type Scrape } from './derive.ts';
import { scrapeMetrics } from './scrape.ts';

describe('stream and lease series against a real etcd member', () => {
  const cluster = useCluster({ members: 1 });

  test('two watches and a lease keep-alive show as open streams and watchers; closing them brings the counts back', async (t) => {
    const c = cluster.get();
    const scrape = async (): Promise<Scrape> => ({ at: Date.now(), set: prom.parsePrometheusText((await scrapeMetrics(c.members[0]!.metricsUrl, { timeoutMs: 5_000 })).text) });
    const clients: ChildProcess[] = [];
    const stopAll = () => {
      for (const p of clients) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
    };
    t.after(stopAll);
    const etcdctl = (...args: string[]) => {
      const p = spawn('etcdctl', [`--endpoints=${c.endpoints[0]}`, ...args], { env: { ETCDCTL_API: '3', PATH: process.env.PATH }, stdio: 'ignore' });
      clients.push(p);
      return p;
    };
    const before = await scrape();
    const granted = await c.etcdctl(['lease', 'grant', '60']);
    assert.equal(granted.code, 0, granted.stderr);
    const leaseId = /lease ([0-9a-f]+) granted/.exec(granted.stdout)![1]!;
    etcdctl('watch', '/streams-test/a');
    etcdctl('watch', '/streams-test/b');
    const keepAlive = etcdctl('lease', 'keep-alive', leaseId);
    const open = await until(
      '2 watch streams and 1 keep-alive stream',
      async () => {
        const s = deriveSeries(before, await scrape());
        return s.watch_streams === 2 && s.lease_keepalive_streams === 1 ? s : undefined;
      },
      { timeoutMs: 20_000 },
    );
    assert.equal(open.watchers, 2);
    assert.ok(open.lease_granted_rate! > 0, 'the grant is in the window');
    assert.ok(open.client_received_bytes_rate! > 0 && open.client_sent_bytes_rate! > 0);
    assert.ok(open.keys_total! >= 0);
    assert.ok(open.grpc_LeaseGrant_OK_rate! > 0, JSON.stringify(Object.keys(open).filter((k) => k.startsWith('grpc_'))));

    assert.equal(keepAlive.exitCode, null, 'the keep-alive is still running');
    stopAll();
    await until(
      'streams closed',
      async () => {
        const s = deriveSeries(before, await scrape());
        return s.watch_streams === 0 && s.lease_keepalive_streams === 0 && s.watchers === 0;
      },
      { timeoutMs: 20_000 },
    );
  });
});
