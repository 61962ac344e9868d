import { test } from 'node:test';
import assert from 'node:assert/strict';
import { alignBands, alignSeries, appendAligned, lastTime, lastValues } from './align.ts';

test('alignSeries puts members on one time axis with nulls where a member has no point', () => {
  const a = alignSeries([
    { member: 'm2', points: [{ t: 2000, v: 5 }] },
    {
      member: 'm1',
      points: [
        { t: 1000, v: 1 },
        { t: 3000, v: 3 },
      ],
    },
  ]);
  assert.deepEqual(a.members, ['m1', 'm2']);
  assert.deepEqual(a.data, [
    [1, 2, 3],
    [1, null, 3],
    [null, 5, null],
  ]);
});

test('alignSeries sorts unsorted input and keeps the later of two samples at one instant', () => {
  const a = alignSeries([
    {
      member: 'a',
      points: [
        { t: 3000, v: 3 },
        { t: 1000, v: 1 },
        { t: 1000, v: 2 },
      ],
    },
  ]);
  assert.deepEqual(a.data, [
    [1, 3],
    [2, 3],
  ]);
});

test('appendAligned appends newer points in place, fills existing instants and trims the window', () => {
  const a = alignSeries([
    {
      member: 'a',
      points: [
        { t: 1000, v: 1 },
        { t: 2000, v: 2 },
      ],
    },
  ]);
  const xs = a.data[0];
  const changed = appendAligned(
    a,
    [
      { member: 'a', points: [{ t: 3000, v: 3 }] },
      {
        member: 'b',
        points: [
          { t: 2000, v: 7 },
          { t: 3000, v: 8 },
          { t: 4000, v: 9 },
        ],
      },
    ],
    2000,
  );
  assert.equal(changed, true, 'a new member');
  assert.equal(a.data[0], xs, 'the same arrays, not copies');
  assert.deepEqual(a.members, ['a', 'b']);
  assert.deepEqual(a.data, [
    [2, 3, 4],
    [2, 3, null],
    [7, 8, 9],
  ]);
  assert.equal(appendAligned(a, [{ member: 'a', points: [{ t: 2500, v: 5 }] }], 0), false);
  assert.deepEqual(
    a.data,
    [
      [2, 2.5, 3, 4],
      [2, 5, 3, null],
      [7, null, 8, 9],
    ],
    'a late point is inserted at its time',
  );
  assert.deepEqual(lastValues(a), [3, 9]);
  assert.equal(lastTime(a), 4000);
});

test('appendAligned keeps a 24 h window of 1 s data for 3 members sliding', () => {
  const day = 86_400;
  const a = alignSeries(['m1', 'm2', 'm3'].map((member, j) => ({ member, points: Array.from({ length: day }, (_, i) => ({ t: i * 1000 + j * 10, v: i })) })));
  assert.equal(a.data[0].length, 3 * day);
  for (let s = 1; s <= 15; s++) {
    const t = (day + s) * 1000;
    appendAligned(
      a,
      ['m1', 'm2', 'm3'].map((member, j) => ({ member, points: [{ t: t + j * 10, v: s }] })),
      t - day * 1000,
    );
  }
  assert.equal(a.data[0].length, 3 * day, 'one new instant per member per second in, as many out');
  assert.equal(a.data[0][0], 15);
  assert.deepEqual(lastValues(a), [15, 15, 15]);
});

test("alignBands puts each member's bucket min and max on the same axis as its averages; raw points have none", () => {
  const input = [
    {
      member: 'b',
      points: [
        { t: 1000, v: 2, min: 1, max: 9 },
        { t: 2000, v: 3, min: 3, max: 3 },
      ],
    },
    { member: 'a', points: [{ t: 2000, v: 5, min: 4, max: 40 }] },
  ];
  const a = alignSeries(input);
  const b = alignBands(input);
  assert.deepEqual(a.data, [
    [1, 2],
    [null, 5],
    [2, 3],
  ]);
  // A 2 s spike to 40 inside a bucket averaging 5 stays visible as the band's top.
  assert.deepEqual(b, {
    lo: [
      [null, 4],
      [1, 3],
    ],
    hi: [
      [null, 40],
      [9, 3],
    ],
  });
  assert.equal(alignBands([{ member: 'a', points: [{ t: 1, v: 1 }] }]), null);
});
