import { test } from 'node:test';
import assert from 'node:assert/strict';
import { alignSeries, mergePoints } from './align.ts';

test('alignSeries puts members on one time axis with nulls where a member has no point', () => {
  const a = alignSeries([
    { member: 'm2', points: [{ t: 2000, v: 5 }] },
    { member: 'm1', points: [{ t: 1000, v: 1 }, { t: 3000, v: 3 }] },
  ]);
  assert.deepEqual(a.members, ['m1', 'm2']);
  assert.deepEqual(a.data, [[1, 2, 3], [1, null, 3], [null, 5, null]]);
});

test('mergePoints appends only newer points and trims the window', () => {
  const m = mergePoints(
    [{ member: 'a', points: [{ t: 1, v: 1 }, { t: 2, v: 2 }] }],
    [{ member: 'a', points: [{ t: 2, v: 9 }, { t: 3, v: 3 }] }, { member: 'b', points: [{ t: 3, v: 7 }] }],
    2,
  );
  assert.deepEqual(m, [
    { member: 'a', points: [{ t: 2, v: 2 }, { t: 3, v: 3 }] },
    { member: 'b', points: [{ t: 3, v: 7 }] },
  ]);
});
