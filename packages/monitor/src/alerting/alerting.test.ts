import { describe, test, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { useCluster } from '@etcd-monitor/etcd/testing';
import { until } from '@etcd-monitor/core/testing';
import { parseConfig } from '../config.ts';
import { buildMonitor, type MonitorService } from '../service.ts';

type Payload = { version: string; status: string; groupKey: string; alerts: Array<{ status: string; labels: Record<string, string>; fingerprint: string }> };

describe('alerting end to end: a real cluster, the monitor, and a real webhook receiver', () => {
  const cluster = useCluster({ members: 3 });
  const received: Payload[] = [];
  const receiver = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      received.push(JSON.parse(body) as Payload);
      res.writeHead(200).end();
    });
  });
  const dir = mkdtempSync(join(tmpdir(), 'alerting-e2e-'));
  let svc: MonitorService;
  after(async () => {
    await svc?.stop();
    receiver.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('the built-in rules are listed and the config contract holds', async () => {
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
    svc = await buildMonitor(
      parseConfig({
        server: { listen: '127.0.0.1:0', data_dir: dir },
        clusters: [{ name: 'prod', endpoints: cluster.get().endpoints, timeout: '1s' }],
        channels: [{ name: 'hook', type: 'webhook', url }],
      }),
      { env: { ETCD_MONITOR_SECRET_KEY: 'k' } },
    );
    const rules = (await svc.app.inject({ method: 'GET', url: '/api/v1/rules' })).json() as Array<{ name: string; severity: string; for: string; expr: string }>;
    for (const name of ['etcdMembersDown', 'etcdInsufficientMembers', 'etcdNoLeader', 'etcdLeaderLost', 'etcdHighFsyncDurations', 'etcdDatabaseQuotaLowSpace']) {
      assert.ok(
        rules.some((r) => r.name === name),
        name,
      );
    }
    assert.ok(rules.every((r) => r.severity && r.for && r.expr));
    const chans = await svc.app.inject({ method: 'GET', url: '/api/v1/channels' });
    assert.equal(chans.statusCode, 200);
    assert.ok(!chans.body.includes('/hook'), 'webhook URLs are secrets and never shown');
  });

  test('a killed leader: a firing etcdLeaderLost notification reaches the webhook, then a resolved one', async () => {
    const c = cluster.get();
    await until(
      'healthy',
      async () => ((await svc.app.inject({ method: 'GET', url: '/api/v1/clusters/prod' })).json() as { health: { status: string } }).health.status === 'healthy',
      { timeoutMs: 30_000 },
    );
    // A cluster's rules are first evaluated once every member that answers has been scraped too (FIRST_EVAL_WAIT_MS, so
    // that a half-collected snapshot does not resolve a restored alert); a leader lost before that is not judged. On a
    // loaded machine "healthy" (status polls) comes well before the first scrape, and the kill fell in between.
    await until(
      'the first evaluation',
      async () =>
        ((await svc.app.inject({ method: 'GET', url: '/api/v1/rules' })).json() as Array<{ name: string; status: { lastEvaluation?: number } }>).some(
          (r) => r.name === 'etcdLeaderLost' && r.status.lastEvaluation !== undefined,
        ),
      { timeoutMs: 60_000 },
    );
    const leader = await c.waitForLeader();
    await leader.kill();
    const firing = await until('firing notification', () => received.find((p) => p.status === 'firing' && p.alerts.some((a) => a.labels.alertname === 'etcdLeaderLost')), {
      timeoutMs: 30_000,
    });
    assert.equal(firing.version, '4');
    const alert = firing.alerts.find((a) => a.labels.alertname === 'etcdLeaderLost')!;
    assert.equal(alert.labels.cluster, 'prod');
    assert.equal(alert.labels.severity, 'critical');
    await until('resolved notification', () => received.find((p) => p.groupKey === firing.groupKey && p.status === 'resolved'), { timeoutMs: 30_000 });
    await leader.start();
    const log = (await svc.app.inject({ method: 'GET', url: '/api/v1/notifications?channel=hook' })).json() as { attempts: Array<{ outcome: string }> };
    assert.ok(log.attempts.some((a) => a.outcome === 'delivered'));
  });

  test('silences are created, listed and expired through the API; bad ones are refused naming the field', async () => {
    const endsAt = new Date(Date.now() + 3_600_000).toISOString();
    const r = await svc.app.inject({
      method: 'POST',
      url: '/api/v1/silences',
      payload: { matchers: ['cluster="prod"', 'alertname=~"etcd.*"'], endsAt, createdBy: 'sre@example.com', comment: 'maintenance' },
    });
    assert.equal(r.statusCode, 201, r.body);
    const s = r.json() as { id: string; state: string; matchers: string[] };
    assert.equal(s.state, 'active');
    assert.ok(((await svc.app.inject({ method: 'GET', url: '/api/v1/silences' })).json() as Array<{ id: string }>).some((x) => x.id === s.id));
    const bad = await svc.app.inject({ method: 'POST', url: '/api/v1/silences', payload: { matchers: ['cluster~"x'], endsAt, createdBy: 'a', comment: 'b' } });
    assert.equal(bad.statusCode, 400, bad.body);
    assert.match(bad.json().error.message, /matchers/);
    const expired = await svc.app.inject({ method: 'DELETE', url: `/api/v1/silences/${s.id}` });
    assert.equal(expired.statusCode, 200);
    assert.equal(expired.json().state, 'expired');
  });
});
