import assert from 'node:assert/strict';
import { test } from 'node:test';
import { testRule } from '../test-rule.ts';
import { builtin, MINUTE, replay, scrapes, setValue, START, timeline } from './fixture.ts';

const FSYNC = 'etcd_disk_wal_fsync_duration_seconds';

const COMMIT = 'etcd_disk_backend_commit_duration_seconds';
const SECOND = 1000;
// A busy member, as the dumps show it: 10 fsyncs and 10 backend commits a second, all under 2 ms (50 per 5 s scrape).
const busy = (family: string) => ({ family, le: 0.002, n: 50 });

test("etcdHighFsyncDurations: one slow fsync among 3,000 in 5 minutes is no alert, warning or critical (the mixin's p99 over the window)", () => {
  // One 2 s fsync at minute 3, in a scrape of 51: that scrape's own p99 is above 1 s.
  const src = replay({ m1: scrapes(16 * 12 + 1, 5 * SECOND, (i) => [busy(FSYNC), ...(i === 36 ? [{ family: FSYNC, le: 2.048, n: 1 }] : [])]) });
  for (const sev of ['warning', 'critical']) assert.deepEqual(testRule(builtin('etcdHighFsyncDurations', sev), src, START, START + 16 * MINUTE, MINUTE).transitions, [], sev);
});

test('etcdHighFsyncDurations warning and critical fire after 10m when 2% of fsyncs take 1–2 s for good', () => {
  const src = replay({ m1: scrapes(16 * 12 + 1, 5 * SECOND, () => [busy(FSYNC), { family: FSYNC, le: 2.048, n: 1 }]) });
  for (const sev of ['warning', 'critical']) {
    const r = testRule(builtin('etcdHighFsyncDurations', sev), src, START, START + 16 * MINUTE, MINUTE);
    // The window holds two scrapes from 5 s on; the first evaluation with one is at minute 1.
    assert.deepEqual(
      r.transitions.map((x) => [x.state, x.t - START, x.member]),
      [
        ['pending', MINUTE, 'm1'],
        ['firing', 11 * MINUTE, 'm1'],
      ],
      sev,
    );
    assert.ok(r.transitions[1]!.value! > 1 && r.transitions[1]!.value! <= 2.048, `p99 ${r.transitions[1]!.value}`);
  }
});

test('etcdHighFsyncDurations: a p99 between 0.5 and 1 s fires the warning only', () => {
  const src = replay({ m1: scrapes(16 * 12 + 1, 5 * SECOND, () => [busy(FSYNC), { family: FSYNC, le: 1.024, n: 1 }]) });
  assert.equal(testRule(builtin('etcdHighFsyncDurations', 'warning'), src, START, START + 16 * MINUTE, MINUTE).firstFiringAt, START + 11 * MINUTE);
  assert.equal(testRule(builtin('etcdHighFsyncDurations', 'critical'), src, START, START + 16 * MINUTE, MINUTE).firstFiringAt, undefined);
});

test('etcdHighCommitDurations: one slow backend commit is no alert; 2% of commits at 0.25–0.5 s fire after 10m', () => {
  const once = replay({ m1: scrapes(16 * 12 + 1, 5 * SECOND, (i) => [busy(COMMIT), ...(i === 36 ? [{ family: COMMIT, le: 0.512, n: 1 }] : [])]) });
  assert.deepEqual(testRule(builtin('etcdHighCommitDurations'), once, START, START + 16 * MINUTE, MINUTE).transitions, []);
  const slow = replay({ m1: scrapes(16 * 12 + 1, 5 * SECOND, () => [busy(COMMIT), { family: COMMIT, le: 0.512, n: 1 }]) });
  const r = testRule(builtin('etcdHighCommitDurations'), slow, START, START + 16 * MINUTE, MINUTE);
  assert.equal(r.firstFiringAt, START + 11 * MINUTE);
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
  const src = replay({ m1: scrapes(16 * 12 + 1, 5 * SECOND, () => [busy(FSYNC), busy(COMMIT)]) });
  for (const r of [builtin('etcdHighFsyncDurations', 'warning'), builtin('etcdHighFsyncDurations', 'critical'), builtin('etcdHighCommitDurations'), builtin('etcdSlowApplies')]) {
    assert.deepEqual(testRule(r, src, START, START + 15 * MINUTE, MINUTE).transitions, [], r.name);
  }
});
