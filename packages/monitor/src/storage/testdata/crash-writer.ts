// crash-writer writes batches to a store until it is killed; crash.test.ts runs it as a child process.
// Usage: node crash-writer.ts <path> <first batch> <samples per batch> <t0> <step>; batch k holds samples at t0 + k * step.
// After each batch's flush() returns it prints the batch number, so the parent knows which batches were durable.
import { writeSync } from 'node:fs';
import { openSqliteStore } from '../sqlite-store.ts';
import type { Sample } from '../types.ts';

const [path, ...nums] = process.argv.slice(2);
const [first, size, T0, STEP] = nums.map(Number);
let now = T0 + first * STEP;
// A small head and frequent maintain put compaction, rollups and retention inside the window where the kill lands.
// sliceMs 1: compactions and rollups take several calls, so kills also land between their steps.
const store = openSqliteStore({ path, flushIntervalMs: 0, batchSize: 1e9, maxHeadRows: size * 3, sliceMs: 1, now: () => now });
for (let k = first; k < first + 100_000; k++) {
  now = T0 + k * STEP;
  const batch: Sample[] = [];
  for (let i = 0; i < size; i++) batch.push({ series: `s${i % 50}`, cluster: 'crash', member: `m${Math.floor(i / 50)}`, t: now, v: k + i / 1000 });
  store.append(batch);
  store.flush();
  if (k % 7 === 0) store.maintain();
  // writeSync: the line must be out before the next batch starts, whatever stdout is.
  writeSync(1, `${k}\n`);
}
