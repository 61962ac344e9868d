import assert from 'node:assert/strict';
import { test } from 'node:test';
import { testRule } from '../test-rule.ts';
import { builtin, MINUTE, replay, setValue, START, timeline } from './fixture.ts';

test('etcdFileDescriptorsNearLimit fires at 85% of the fd limit and renders the ratio as a percentage', () => {
  const src = replay({ m1: timeline(12, MINUTE, (_i, t1) => setValue(t1, 'process_open_fds', 17000)) });
  const r = testRule(builtin('etcdFileDescriptorsNearLimit'), src, START, START + 11 * MINUTE, MINUTE);
  assert.equal(r.firstFiringAt, START + 10 * MINUTE);
  assert.equal(r.transitions[0]!.value, 0.85);
});

test('etcdFileDescriptorsNearLimit stays silent on the fixture (34 of 20000)', () => {
  assert.deepEqual(testRule(builtin('etcdFileDescriptorsNearLimit'), replay({ m1: timeline(12, MINUTE) }), START, START + 11 * MINUTE, MINUTE).transitions, []);
});
