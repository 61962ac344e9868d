import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { MemberClient } from '@etcd-monitor/etcd';
import { useCluster } from '@etcd-monitor/etcd/testing';
import { readClusterConfig } from '../config.ts';
import { connectionFor } from '../cluster-monitor.ts';
import type { MemberFacts } from '../model/member.ts';
import { collectors } from './index.ts';
import type { Collector, CollectorResult } from './collector.ts';

const blank = (endpoint: string): MemberFacts => ({
  endpoint,
  id: null,
  name: null,
  status: null,
  statusAt: null,
  statusLatencyMs: null,
  error: null,
  downSince: null,
  memberIds: null,
  probe: null,
  metrics: null,
  metricsError: null,
});

// The facts a collector reads are frozen: a collector that wrote to them instead of returning its slice throws.
async function runOnce(c: Collector, endpoint: string, facts: MemberFacts): Promise<CollectorResult> {
  const cluster = readClusterConfig({ name: 'c', endpoints: [endpoint], timeout: '2s' }, 'test', [])!;
  const client = new MemberClient(endpoint, connectionFor(cluster));
  const inst = c.create({ cluster, connection: connectionFor(cluster), client, facts: Object.freeze({ ...facts }), metricsUrl: `${endpoint}/metrics` });
  try {
    return await inst.run();
  } finally {
    await inst.stop?.();
    client.close();
  }
}

describe('collectors return their slice of the member facts instead of writing shared state', () => {
  const cluster = useCluster({ members: 1 });

  test('status, probe and metrics against a real member', async () => {
    const ep = cluster.get().endpoints[0]!;
    const byName = new Map(collectors.map((c) => [c.name, c]));
    const status = await runOnce(byName.get('status')!, ep, blank(ep));
    assert.ok(status.facts.status && status.facts.id, 'status and id');
    assert.equal(status.facts.error, null);
    assert.equal(status.series?.up, 1);
    assert.equal(status.changed, true);
    const known = { ...blank(ep), ...status.facts };
    const probe = await runOnce(byName.get('probe')!, ep, known);
    assert.equal(probe.facts.probe?.linearizableOk, true);
    assert.equal(probe.changed, true, 'the first probe result changes linearizableOk');
    assert.equal((await runOnce(byName.get('probe')!, ep, { ...known, ...probe.facts })).changed, false, 'an unchanged probe asks for no evaluation');
    const metrics = await runOnce(byName.get('metrics')!, ep, known);
    assert.ok(metrics.facts.metrics && metrics.facts.metricsError === null);
    assert.equal(metrics.series?.scrape_up, 1);
  });

  test('an unreachable member: status reports the error and keeps the first downSince', async () => {
    const ep = 'http://127.0.0.1:1';
    const down = await runOnce(
      collectors.find((c) => c.name === 'status')!,
      ep,
      { ...blank(ep), downSince: 1000 },
    );
    assert.equal(down.facts.status, null);
    assert.equal(down.facts.downSince, 1000);
    assert.ok(down.facts.error?.code.startsWith('ETCD_'));
    assert.deepEqual(down.series, { up: 0 });
    const metrics = await runOnce(
      collectors.find((c) => c.name === 'metrics')!,
      ep,
      blank(ep),
    );
    assert.ok(metrics.facts.metricsError);
    assert.deepEqual(metrics.series, { scrape_up: 0 });
  });
});
