import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isAppError } from '@etcd-monitor/core';
import { parseRule } from './rule.ts';
import { testRule } from './test-rule.ts';
import { MINUTE, points, replay, START } from './builtin/fixture.ts';

const rule = parseRule({ name: 'Lag', expr: 'commit_apply_gap > 100', for: '2m' });

test('testRule replays history: pending, firing after `for`, resolved, and a pending that never fired is dropped', () => {
  // Gap high from minute 1 to 5, a 1-minute blip at 8, high again from 10.
  const gap = (i: number) => ({ commit_apply_gap: (i >= 1 && i < 5) || i === 8 || i >= 10 ? 500 : 0 });
  const r = testRule(rule, replay({ m1: points(14, MINUTE, gap) }), START, START + 13 * MINUTE, MINUTE);
  assert.deepEqual(
    r.transitions.map((x) => [x.state, (x.t - START) / MINUTE]),
    [
      ['pending', 1],
      ['firing', 3],
      ['resolved', 5],
      ['pending', 8],
      ['pending', 10],
      ['firing', 12],
    ],
  );
  assert.equal(r.firstFiringAt, START + 3 * MINUTE);
  assert.deepEqual(r.firingAtEnd, ['m1']);
  assert.equal(r.evaluations, 14);
});

test('testRule rejects a bad step or range', () => {
  const src = replay({ m1: [] });
  assert.throws(
    () => testRule(rule, src, START, START + MINUTE, 0),
    (e: unknown) => isAppError(e, 'MON_RULE_TEST_STEP'),
  );
  assert.throws(
    () => testRule(rule, src, START, START - 1, 1000),
    (e: unknown) => isAppError(e, 'MON_RULE_TEST_RANGE'),
  );
  assert.throws(
    () => testRule(rule, src, START, START + 30 * 86_400_000, 1000),
    (e: unknown) => isAppError(e, 'MON_RULE_TEST_RANGE') && e.field === 'step',
  );
});
