import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { startLoop } from './loop.ts';

test('a loop never overlaps itself and stop waits for the run in flight', async () => {
  let active = 0;
  let maxActive = 0;
  let runs = 0;
  let finished = false;
  const loop = startLoop(
    async () => {
      active++;
      maxActive = Math.max(maxActive, active);
      runs++;
      await sleep(30);
      active--;
      finished = true;
    },
    { intervalMs: 1 },
  );
  await sleep(120);
  loop.trigger();
  loop.trigger();
  await loop.stop();
  assert.equal(maxActive, 1);
  assert.ok(runs >= 2);
  assert.equal(active, 0, 'stop resolved only after the run settled');
  assert.ok(finished);
  const after = runs;
  await sleep(50);
  assert.equal(runs, after, 'no run after stop');
});

test('errors go to onError and the loop keeps going', async () => {
  const errors: unknown[] = [];
  let n = 0;
  const loop = startLoop(
    async () => {
      n++;
      if (n === 1) throw new Error('boom');
    },
    { intervalMs: 5, onError: (e) => errors.push(e) },
  );
  await sleep(60);
  await loop.stop();
  assert.equal(errors.length, 1);
  assert.ok(n > 2);
});
