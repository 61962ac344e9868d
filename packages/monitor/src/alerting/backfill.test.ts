import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ClusterSnapshot } from '../cluster-monitor.ts';
import { openSqliteStore } from '../storage/sqlite-store.ts';
import { readAlertingConfig } from './config.ts';
import { AlertingService } from './service.ts';

test('after a restart, rule windows reaching back before the start are read from the store, not only from the seconds since', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'alert-backfill-'));
  const store = openSqliteStore({ path: join(dir, 'etcd-monitor.db') });
  t.after(() => {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  // What the previous run stored: four minutes of a slow WAL fsync on m1, up to a minute ago.
  const now = Date.now();
  store.append(Array.from({ length: 48 }, (_, i) => ({ series: 'wal_fsync_p99_seconds', cluster: 'prod', member: 'm1', t: now - 300_000 + i * 5000, v: 2 })));
  store.flush();
  const issues: never[] = [];
  const config = readAlertingConfig({ rules: [{ name: 'SlowFsync', expr: 'max_over_time(wal_fsync_p99_seconds[5m]) > 1', for: '10m' }] }, issues);
  const svc = new AlertingService({ store, dataDir: dir, config, externalUrl: '' });
  t.after(() => svc.stop());
  const m1 = {
    endpoint: 'http://m1:2379',
    id: 'a',
    name: 'm1',
    status: null,
    statusAt: now,
    statusLatencyMs: null,
    error: null,
    downSince: null,
    memberIds: null,
    probe: null,
    metrics: null,
    metricsError: null,
  };
  const snap: ClusterSnapshot = {
    name: 'prod',
    group: '',
    labels: {},
    endpoints: [],
    at: now,
    health: { status: 'healthy', verdict: 'healthy', leader: null, findings: [] },
    leader: null,
    members: [m1],
    memberList: null,
    alarms: null,
  };
  const alerts = svc.engine.evaluate(snap);
  assert.deepEqual(
    alerts.filter((a) => a.labels.alertname === 'SlowFsync').map((a) => [a.labels.alertname, a.labels.member, a.state, a.value]),
    [['SlowFsync', 'm1', 'pending', 2]],
  );
});
