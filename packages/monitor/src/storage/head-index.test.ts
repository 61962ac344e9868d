import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { openSqliteStore } from './sqlite-store.ts';

// Regression: alert rules read the last minutes of many series every few seconds, and each read scanned the whole
// head table; at 45 clusters the monitor stopped answering HTTP for seconds. Reads of the head must use an index.
test('reads of recent samples in the head use the (sid, t) index, not a scan', () => {
  const dir = mkdtempSync(join(tmpdir(), 'head-index-'));
  const path = join(dir, 's.db');
  try {
    const store = openSqliteStore({ path, flushIntervalMs: 0 });
    const now = Date.now();
    store.append(Array.from({ length: 200 }, (_, i) => ({ series: `s${i % 20}`, cluster: 'c', member: `m${i % 3}`, t: now - i * 1000, v: i })));
    store.flush();
    assert.ok(store.query({ series: 's1', cluster: 'c', from: now - 300_000, to: now }).points.length > 0);
    store.close();
    const db = new DatabaseSync(path);
    const plan = (db.prepare(`EXPLAIN QUERY PLAN SELECT sid, t, v FROM samples_head WHERE t >= ?1 AND t <= ?2 AND sid IN (SELECT value FROM json_each(?3)) ORDER BY rowid`).all(0, now, '[1,2]') as Array<{ detail: string }>).map((r) => r.detail).join('\n');
    db.close();
    assert.match(plan, /USING (COVERING )?INDEX samples_head_sid_t/, plan);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
