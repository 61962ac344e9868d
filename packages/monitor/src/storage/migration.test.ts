// A store written by the version 1 layout, where the alert history and the audit log were documents, opens as
// version 2 with both moved into their indexed tables and nothing else touched. testdata/v1-store.db was written by
// the version 1 code (openSqliteStore at commit cb205d9): four alert occurrences as StoreAlertHistory stored them
// (kind `alert`, key fingerprint:activeAt), three audit entries as the service's audit() stored them (kind `audit`,
// key `<ms>-<random>`, time as ISO text), a user document, an event and a sample.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { tempDir } from '@etcd-monitor/core/testing';
import { openSqliteStore } from './sqlite-store.ts';

const FIXTURE = new URL('./testdata/v1-store.db', import.meta.url);
const T = Date.UTC(2026, 10, 1);

function v1Copy(t: { after(fn: () => void): void }): string {
  const path = join(tempDir('store-v1', t), 'etcd-monitor.db');
  copyFileSync(FIXTURE, path);
  return path;
}

test('a version 1 store opens with its alert history and audit log moved into their tables', (t) => {
  const path = v1Copy(t);
  const store = openSqliteStore({ path, flushIntervalMs: 0 });
  try {
    const all = store.queryAlerts();
    assert.deepEqual(
      all.map((a) => `${a.fingerprint}:${a.activeAt - T}`),
      ['aaaa:86400000', 'cccc:7200000', 'bbbb:3600000', 'aaaa:0'],
    );
    assert.deepEqual(all[3], {
      fingerprint: 'aaaa',
      labels: { alertname: 'etcdNoLeader', severity: 'critical', cluster: 'prod', member: 'm1' },
      annotations: { summary: 'etcdNoLeader on prod' },
      state: 'resolved',
      value: 1,
      activeAt: T,
      startsAt: T + 60_000,
      endsAt: T + 600_000,
    });
    // The filters the history API passes, answered as the documents were filtered before.
    assert.deepEqual(
      store.queryAlerts({ cluster: 'prod' }).map((a) => a.fingerprint),
      ['aaaa', 'bbbb', 'aaaa'],
    );
    assert.deepEqual(
      store.queryAlerts({ alertname: 'etcdNoLeader', limit: 2 }).map((a) => a.labels.cluster),
      ['prod', 'staging'],
    );
    assert.deepEqual(store.queryAlerts({ fingerprint: 'aaaa' }).length, 2);
    // since keeps what was still active then: resolved after it, or not resolved at all.
    assert.deepEqual(
      store.queryAlerts({ since: T + 700_000 }).map((a) => a.fingerprint),
      ['aaaa', 'cccc', 'bbbb'],
    );
    assert.deepEqual(
      store.queryAlerts({ until: T + 3_600_000 }).map((a) => a.fingerprint),
      ['bbbb', 'aaaa'],
    );

    assert.deepEqual(store.queryAudit(), [
      { id: 3, time: T + 2000, actor: 'admin', role: 'admin', action: 'routes.put', target: '2 routes', ip: '127.0.0.1' },
      { id: 2, time: T + 1000, actor: 'admin', role: 'admin', action: 'auth.login', target: 'admin', ip: '127.0.0.1' },
      { id: 1, time: T, actor: 'admin', role: 'admin', action: 'cluster.create', target: 'prod', ip: '127.0.0.1' },
    ]);
    assert.deepEqual(store.listDocs('alert'), []);
    assert.deepEqual(store.listDocs('audit'), []);
    // Everything else is as it was.
    assert.deepEqual(store.listDocs('user'), [{ key: 'admin', doc: { name: 'admin', role: 'admin' } }]);
    assert.equal(store.queryEvents()[0]?.type, 'leader_changed');
    assert.deepEqual(store.query({ series: 'raft_term', cluster: 'prod', from: T, to: T }).points, [{ member: 'abc', points: [{ t: T, v: 7, min: 7, max: 7 }] }]);
    const s = store.stats();
    assert.equal(s.alerts, 4);
    assert.equal(s.audit, 3);
    assert.equal(s.docs, 1);
    // New records go on after the moved ones.
    assert.equal(store.appendAudit({ time: T + 3000, actor: 'op', role: 'operator', action: 'silence.create', target: 's1', ip: '::1' }).id, 4);
  } finally {
    store.close();
  }
  // Opening again migrates nothing twice.
  const again = openSqliteStore({ path, flushIntervalMs: 0 });
  try {
    assert.equal(again.queryAlerts().length, 4);
    assert.equal(again.queryAudit().length, 4);
  } finally {
    again.close();
  }
  const db = new DatabaseSync(path);
  try {
    assert.equal((db.prepare('PRAGMA user_version').get() as { user_version: number }).user_version, 2);
    // The history is read through its indexes, not by scanning every occurrence.
    const plan = (sql: string) =>
      db
        .prepare(`EXPLAIN QUERY PLAN ${sql}`)
        .all()
        .map((r) => r.detail as string)
        .join('; ');
    assert.match(plan("SELECT doc FROM alert_history WHERE cluster = 'prod' ORDER BY active_at DESC LIMIT 10"), /USING INDEX alert_history_cluster/);
    assert.match(plan('SELECT doc FROM alert_history ORDER BY active_at DESC LIMIT 10'), /USING INDEX alert_history_active/);
  } finally {
    db.close();
  }
});
