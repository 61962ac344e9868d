import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RecentSeries } from './recent.ts';

test('recent windows are read from memory, in order, within [from, to], and age out', () => {
  const r = new RecentSeries(60_000, 0);
  const s = (t: number, v: number, member = 'm1') => ({ series: 'x', cluster: 'c', member, t, v });
  r.add([s(1000, 1), s(2000, 2), s(3000, 3), s(2500, 99), s(3000, 4, 'm2')]);
  assert.deepEqual(r.read('c', 'm1', 'x', 1500, 3000), [{ t: 2000, v: 2 }, { t: 3000, v: 3 }], 'late samples are dropped');
  assert.deepEqual(r.read('c', 'm2', 'x', 0, 10_000), [{ t: 3000, v: 4 }]);
  assert.deepEqual(r.read('c', 'nobody', 'x', 0, 10_000), []);
  for (let t = 4000; t <= 400_000; t += 1000) r.add([s(t, t)]);
  const all = r.read('c', 'm1', 'x', 0, 1e9);
  assert.equal(all[0]!.t, 340_000, 'only the last minute is kept');
  assert.equal(all.at(-1)!.t, 400_000);
  r.only(['x']);
  r.add([{ series: 'y', cluster: 'c', member: 'm1', t: 500_000, v: 1 }]);
  assert.deepEqual(r.read('c', 'm1', 'y', 0, 1e9), [], 'series no rule reads over a window are not kept');
  assert.equal(r.read('c', 'm1', 'x', 0, 1e9).length, all.length);
  r.forget('c');
  assert.deepEqual(r.read('c', 'm1', 'x', 0, 1e9), []);
});
