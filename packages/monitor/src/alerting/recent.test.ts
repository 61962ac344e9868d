import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RecentSeries } from './recent.ts';
import type { Window } from './rules/evaluate.ts';

const points = (w: Window) => Array.from({ length: w.end - w.start }, (_, i) => ({ t: w.t[w.start + i]!, v: w.v[w.start + i]! }));

test('recent windows are read from memory, in order, within [from, to], and age out', () => {
  const r0 = new RecentSeries(60_000, 0);
  const r = { add: r0.add.bind(r0), only: r0.only.bind(r0), forget: r0.forget.bind(r0), read: (...a: Parameters<RecentSeries['read']>) => points(r0.read(...a)) };
  const s = (t: number, v: number, member = 'm1') => ({ series: 'x', cluster: 'c', member, t, v });
  r.add([s(1000, 1), s(2000, 2), s(3000, 3), s(2500, 99), s(3000, 4, 'm2')]);
  assert.deepEqual(
    r.read('c', 'm1', 'x', 1500, 3000),
    [
      { t: 2000, v: 2 },
      { t: 3000, v: 3 },
    ],
    'late samples are dropped',
  );
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
  const view = r0.read('c', 'm1', 'x', 350_000, 352_000);
  r0.add([s(401_000, 1)]);
  assert.deepEqual(
    points(view),
    [
      { t: 350_000, v: 350_000 },
      { t: 351_000, v: 351_000 },
      { t: 352_000, v: 352_000 },
    ],
    'a window read earlier keeps its points while samples arrive',
  );
  r.forget('c');
  assert.deepEqual(r.read('c', 'm1', 'x', 0, 1e9), []);
});

test('each series is kept for its own window, and read from memory only within it', () => {
  const r = new RecentSeries(35 * 60_000, 0);
  r.only(
    new Map([
      ['short', 60_000],
      ['long', 10 * 60_000],
      ['huge', 3_600_000],
    ]),
  );
  for (let t = 0; t <= 1_200_000; t += 1000) r.add(['short', 'long', 'huge'].map((series) => ({ series, cluster: 'c', member: 'm', t, v: t })));
  const first = (series: string) => {
    const w = r.read('c', 'm', series, 0, 2e6);
    return w.t[w.start];
  };
  assert.equal(first('short'), 1_140_000);
  assert.equal(first('long'), 600_000);
  assert.equal(first('huge'), 0, 'capped at the buffer span, which 20 minutes have not reached');
  assert.equal(r.spanOf('short'), 60_000);
  assert.equal(r.spanOf('huge'), 35 * 60_000);
  assert.equal(r.spanOf('other'), 0, 'a series no rule reads over a window is not in memory at all');
});
