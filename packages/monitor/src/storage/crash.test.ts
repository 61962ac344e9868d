import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { openSqliteStore } from './sqlite-store.ts';

const WRITER = join(import.meta.dirname, 'testdata', 'crash-writer.ts');
const SIZE = 500;
const T0 = Date.UTC(2026, 10, 20);
// Ten seconds of data time per batch, so minutes and hours roll over within a few hundred batches.
const STEP = 10_000;

/** runUntilKilled starts the writer at batch first, SIGKILLs it once it has reported `after` more batches, and returns the last reported batch. */
async function runUntilKilled(path: string, first: number, after: number): Promise<number> {
  const child = spawn(process.execPath, [WRITER, path, ...[first, SIZE, T0, STEP].map(String)], { stdio: ['ignore', 'pipe', 'inherit'] });
  let last = first - 1;
  let buf = '';
  let killing = false;
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => {
    buf += chunk;
    const lines = buf.split('\n');
    buf = lines.pop() ?? '';
    for (const l of lines) last = Number(l);
    if (!killing && last - first + 1 >= after) {
      killing = true;
      // A random delay spreads the kill over inserts, compactions, rollups and commits.
      setTimeout(() => child.kill('SIGKILL'), Math.random() * 15);
    }
  });
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) => child.on('exit', (c, s) => resolve([c, s])));
  assert.equal(signal, 'SIGKILL', `writer exited by itself with code ${code}`);
  return last;
}

test('a store killed mid-write reopens intact with every flushed batch', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'mon-crash-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'store.db');
  let next = 0;
  for (let round = 0; round < 3; round++) {
    const reported = await runUntilKilled(path, next, 20 + round * 7);

    const db = new DatabaseSync(path);
    assert.equal((db.prepare('PRAGMA integrity_check').get() as { integrity_check: string }).integrity_check, 'ok');
    const counts = new Map<number, number>();
    // Head rows a compaction in flight has already copied into samples_raw are marked by meta head_upto/head_sid
    // (sqlite-store.ts); the store skips them, so the count does too, and would see any sample held twice or lost.
    const moved = `NOT (rowid <= coalesce((SELECT value FROM meta WHERE key = 'head_upto'), 0)
                   AND sid < coalesce((SELECT value FROM meta WHERE key = 'head_sid'), 0))`;
    const rows = db.prepare(`SELECT t, count(*) AS n FROM (SELECT t FROM samples_raw UNION ALL SELECT t FROM samples_head WHERE ${moved}) GROUP BY t`).all();
    for (const r of rows) counts.set(((r.t as number) - T0) / STEP, r.n as number);
    db.close();

    for (let k = 0; k <= reported; k++) assert.equal(counts.get(k), SIZE, `round ${round}: flushed batch ${k} is complete`);
    const extra = [...counts.keys()].filter((k) => k > reported);
    // The batch in flight when the kill landed is all there (its COMMIT made it) or not there at all.
    assert.ok(extra.length <= 1 && extra.every((k) => k === reported + 1 && counts.get(k) === SIZE), `round ${round}: extra ${extra}`);
    next = reported + 1 + extra.length;
  }

  // The store opens through the normal path and keeps working on the recovered file.
  const store = openSqliteStore({ path, flushIntervalMs: 0, sliceMs: Infinity, now: () => T0 + next * STEP + 60 * 60_000 });
  store.maintain();
  const r = store.query({ series: 's7', cluster: 'crash', member: 'm3', from: T0, to: T0 + (next - 1) * STEP, step: 60_000, agg: 'last' });
  assert.equal(r.resolution, '1m');
  assert.equal(r.points[0].points.at(-1)?.v, next - 1 + 157 / 1000);
  assert.equal(store.stats().rawRows, next * SIZE);
  store.close();
});
