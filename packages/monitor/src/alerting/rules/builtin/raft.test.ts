import assert from 'node:assert/strict';
import { test } from 'node:test';
import { testRule } from '../test-rule.ts';
import { builtin, MINUTE, replay, setValue, START, timeline } from './fixture.ts';

test('etcdHighNumberOfFailedProposals counts failures over the 30 minutes its wording names', () => {
  const r = builtin('etcdHighNumberOfFailedProposals');
  // The mixin's defect was a per-second rate under a "last 30 minutes" wording: the window and the words must agree.
  assert.match(r.expr, /^increase\(proposals_failed_total\[30m\]\) > 5$/);
  assert.match(r.summary, /within the last 30 minutes/);
  // One failed proposal a minute (from the dump's 28): more than 5 in the window from minute 6, firing 15 minutes later.
  const src = replay({ m1: timeline(25, MINUTE, (i, t1) => setValue(t1, 'etcd_server_proposals_failed_total', 28 + i)) });
  const res = testRule(r, src, START, START + 24 * MINUTE, MINUTE);
  assert.equal(res.transitions[0]!.t, START + 6 * MINUTE);
  assert.equal(res.firstFiringAt, START + 21 * MINUTE);
});

test('etcdProposalsPendingHigh fires when more than 100 proposals stay pending for 5 minutes', () => {
  const src = replay({ m1: timeline(8, MINUTE, (_i, t1) => setValue(t1, 'etcd_server_proposals_pending', 150)) });
  assert.equal(testRule(builtin('etcdProposalsPendingHigh'), src, START, START + 7 * MINUTE, MINUTE).firstFiringAt, START + 5 * MINUTE);
});

test('etcdCommitApplyGapHigh fires when committed runs 1500 entries ahead of applied', () => {
  const src = replay({ m1: timeline(5, MINUTE, (_i, t1) => setValue(t1, 'etcd_server_proposals_committed_total', 1812 + 1500)) });
  const res = testRule(builtin('etcdCommitApplyGapHigh'), src, START, START + 4 * MINUTE, MINUTE);
  assert.equal(res.firstFiringAt, START + 2 * MINUTE);
  assert.equal(res.transitions[0]!.value, 1500);
});

test('the raft rules stay silent on the unedited fixture', () => {
  const src = replay({ m1: timeline(25, MINUTE) });
  for (const name of ['etcdHighNumberOfFailedProposals', 'etcdProposalsPendingHigh', 'etcdCommitApplyGapHigh']) {
    assert.deepEqual(testRule(builtin(name), src, START, START + 24 * MINUTE, MINUTE).transitions, [], name);
  }
});
