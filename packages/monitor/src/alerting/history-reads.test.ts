import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteStore } from '../storage/index.ts';
import type { ClusterSnapshot } from '../cluster-monitor.ts';
import { readAlertingConfig } from './config.ts';
import { AlertingService } from './service.ts';

// Regression: every rule evaluation read its windows (5–30 min) from the store, whose recent part is an unindexed
// append-only head; at 45 clusters the monitor spent 3/4 of its CPU there and stopped answering. Windows up to
// 35 minutes must come from memory: only the 4 h database-growth rule may touch the store, and at most once per 5 min.
// The one exception is the start: what the store holds from before it is read once per cluster and series.
test('rule evaluations read recent windows from memory, not the store', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'history-reads-'));
  const store = openSqliteStore({ path: join(dir, 's.db') });
  const queried: Array<{ series: string; span: number }> = [];
  const query = store.query.bind(store);
  store.query = (q) => {
    queried.push({ series: q.series, span: q.to - q.from });
    return query(q);
  };
  const svc = new AlertingService({ store, dataDir: dir, config: readAlertingConfig({}, []), externalUrl: 'http://127.0.0.1:1' });
  try {
    const now = Date.now();
    const series = { has_leader: 1, db_size_bytes: 1e6, quota_bytes: 2e9, leader_changes_total: 2, proposals_failed_total: 0, grpc_requests_rate: 10, grpc_errors_rate: 0 };
    for (let i = 60; i >= 0; i--) {
      svc.addSamples(Object.entries(series).map(([s, v]) => ({ series: s, cluster: 'c', member: 'm1', t: now - i * 5000, v })));
    }
    const snapshot = (at: number, findings: ClusterSnapshot['health']['findings']): ClusterSnapshot => ({
      name: 'c',
      group: '',
      labels: {},
      endpoints: [],
      at,
      health: { status: findings.length ? 'degraded' : 'healthy', verdict: 'healthy', leader: '1', findings },
      leader: '1',
      memberList: null,
      alarms: [],
      members: [
        {
          endpoint: 'http://127.0.0.1:1',
          id: '1',
          name: 'm1',
          status: null,
          statusAt: at,
          statusLatencyMs: 1,
          error: null,
          downSince: null,
          memberIds: null,
          probe: null,
          metrics: { at, series, scrapeMs: 1, peers: [] },
          metricsError: null,
        },
      ],
    });
    // A change of findings is evaluated at once; three of them, so the rules run three times.
    svc.observe(snapshot(now, [{ code: 'version_skew', severity: 'warning', message: 'x' }]));
    const atStart = queried.splice(0).filter((q) => q.span <= 35 * 60_000);
    assert.equal(new Set(atStart.map((q) => q.series)).size, atStart.length, `the start reads each series once: ${JSON.stringify(atStart)}`);
    svc.observe(snapshot(now + 1000, []));
    svc.observe(snapshot(now + 2000, [{ code: 'version_skew', severity: 'warning', message: 'x' }]));
    assert.ok(svc.engine.ruleStatus().size > 0, 'the rules were evaluated');
    const short = queried.filter((q) => q.span <= 35 * 60_000);
    assert.deepEqual(short, [], 'no window of up to 35 minutes was read from the store');
    assert.ok(queried.length <= 1, `at most the one long window, once: ${JSON.stringify(queried)}`);
  } finally {
    await svc.stop();
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
