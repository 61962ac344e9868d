import assert from 'node:assert/strict';
import { test } from 'node:test';
import { testRule } from '../test-rule.ts';
import { addObservations, builtin, MINUTE, replay, setValue, START, timeline } from './fixture.ts';

const FSYNC = 'etcd_disk_wal_fsync_duration_seconds';

test('etcdHighFsyncDurations warning and critical fire after 10m when 50 of 350 fsyncs take 1–2 s', () => {
  const src = replay({ m1: timeline(16, MINUTE, (_i, t1) => addObservations(t1, FSYNC, 2.048, 50)) });
  for (const sev of ['warning', 'critical']) {
    const r = testRule(builtin('etcdHighFsyncDurations', sev), src, START, START + 15 * MINUTE, MINUTE);
    assert.deepEqual(r.transitions.map((x) => [x.state, x.t - START, x.member]), [['pending', 0, 'm1'], ['firing', 10 * MINUTE, 'm1']], sev);
    assert.ok(r.transitions[1]!.value! > 1 && r.transitions[1]!.value! <= 2.048, `p99 ${r.transitions[1]!.value}`);
  }
});

test('etcdHighFsyncDurations: p99 between 0.5 and 1 s fires the warning only', () => {
  const src = replay({ m1: timeline(16, MINUTE, (_i, t1) => addObservations(t1, FSYNC, 1.024, 10)) });
  assert.equal(testRule(builtin('etcdHighFsyncDurations', 'warning'), src, START, START + 15 * MINUTE, MINUTE).firstFiringAt, START + 10 * MINUTE);
  assert.equal(testRule(builtin('etcdHighFsyncDurations', 'critical'), src, START, START + 15 * MINUTE, MINUTE).firstFiringAt, undefined);
});

test('etcdHighCommitDurations fires when backend commits take 0.25–0.5 s', () => {
  const src = replay({ m1: timeline(16, MINUTE, (_i, t1) => addObservations(t1, 'etcd_disk_backend_commit_duration_seconds', 0.512, 20)) });
  const r = testRule(builtin('etcdHighCommitDurations'), src, START, START + 15 * MINUTE, MINUTE);
  assert.equal(r.firstFiringAt, START + 10 * MINUTE);
  assert.deepEqual(r.firingAtEnd, ['m1']);
});

test('etcdSlowApplies fires once more than 10 slow applies happened within 10 minutes', () => {
  // 3 slow applies a minute: the 10-minute increase passes 10 at minute 4, and the rule fires 5 minutes later.
  const src = replay({ m1: timeline(16, MINUTE, (i, t1) => setValue(t1, 'etcd_server_slow_apply_total', 3 * i)) });
  const r = testRule(builtin('etcdSlowApplies'), src, START, START + 15 * MINUTE, MINUTE);
  assert.equal(r.transitions[0]!.t, START + 4 * MINUTE);
  assert.equal(r.firstFiringAt, START + 9 * MINUTE);
});

test('the disk rules stay silent on the unedited fixture', () => {
  const src = replay({ m1: timeline(16, MINUTE) });
  for (const r of [builtin('etcdHighFsyncDurations', 'warning'), builtin('etcdHighCommitDurations'), builtin('etcdSlowApplies')]) {
    assert.deepEqual(testRule(r, src, START, START + 15 * MINUTE, MINUTE).transitions, [], r.name);
  }
});
