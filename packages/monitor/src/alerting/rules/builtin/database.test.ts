import assert from 'node:assert/strict';
import { test } from 'node:test';
import { testRule } from '../test-rule.ts';
import { builtin, findingsOf, MINUTE, observe, replay, setValue, START, status, timeline } from './fixture.ts';

test('etcdDatabaseQuotaLowSpace fires when the database uses 98.8% of a 170000-byte quota', () => {
  const src = replay({ m1: timeline(12, MINUTE, (_i, t1) => setValue(t1, 'etcd_server_quota_backend_bytes', 170000)) });
  const r = testRule(builtin('etcdDatabaseQuotaLowSpace'), src, START, START + 11 * MINUTE, MINUTE);
  assert.equal(r.firstFiringAt, START + 10 * MINUTE);
  assert.ok(Math.abs(r.transitions[0]!.value! - (167936 / 170000) * 100) < 1e-9);
});

test('etcdExcessiveDatabaseGrowth fires when 4 hours of growth at 100 MB per 10 minutes would pass the 2 GiB quota', () => {
  const grow = (i: number, t1: string) =>
    setValue(setValue(t1, 'etcd_mvcc_db_total_size_in_bytes', 167936 + i * 100_000_000), 'etcd_debugging_mvcc_db_total_size_in_bytes', 167936 + i * 100_000_000);
  const src = replay({ m1: timeline(6, 10 * MINUTE, grow) });
  const r = testRule(builtin('etcdExcessiveDatabaseGrowth'), src, START, START + 50 * MINUTE, 10 * MINUTE);
  // Two points are needed for a slope: active at 10 min, firing 10 minutes later.
  assert.equal(r.transitions[0]!.t, START + 10 * MINUTE);
  assert.equal(r.firstFiringAt, START + 20 * MINUTE);
});

test('etcdDatabaseHighFragmentationRatio fires on a 400 MB file with 150 MB in use, not on a small database', () => {
  const frag = (inUse: number) => (_i: number, t1: string) =>
    setValue(setValue(t1, 'etcd_mvcc_db_total_size_in_bytes', 400_000_000), 'etcd_mvcc_db_total_size_in_use_in_bytes', inUse);
  const big = testRule(builtin('etcdDatabaseHighFragmentationRatio'), replay({ m1: timeline(12, MINUTE, frag(150_000_000)) }), START, START + 11 * MINUTE, MINUTE);
  assert.equal(big.firstFiringAt, START + 10 * MINUTE);
  assert.equal(big.transitions[0]!.value, 0.625);
  const small = testRule(builtin('etcdDatabaseHighFragmentationRatio'), replay({ m1: timeline(12, MINUTE, frag(50_000_000)) }), START, START + 11 * MINUTE, MINUTE);
  assert.deepEqual(small.transitions, []);
});

test("etcdNoSpaceAlarm and etcdCorruptAlarm fire at once from the health model's alarm findings", () => {
  const members = [observe('m1', 'a', status('a', 'a')), observe('m2', 'b', status('b', 'a')), observe('m3', 'c', status('c', 'a'))];
  const steps = { m1: timeline(1, MINUTE), m2: [], m3: [] };
  for (const [name, alarm, member] of [
    ['etcdNoSpaceAlarm', 'NOSPACE', 'm2'],
    ['etcdCorruptAlarm', 'CORRUPT', 'm3'],
  ] as const) {
    const id = member === 'm2' ? 'b' : 'c';
    const findings = (t: number) => (t >= START + MINUTE ? findingsOf(members, [{ memberId: id, alarm }]) : findingsOf(members));
    const r = testRule(builtin(name), replay(steps, findings), START, START + 3 * MINUTE, MINUTE);
    assert.deepEqual(
      r.transitions.map((x) => [x.state, x.t - START, x.member]),
      [['firing', MINUTE, member]],
      name,
    );
  }
});

test('the database rules stay silent on the unedited fixture', () => {
  const src = replay({ m1: timeline(12, MINUTE) });
  for (const name of ['etcdDatabaseQuotaLowSpace', 'etcdExcessiveDatabaseGrowth', 'etcdDatabaseHighFragmentationRatio']) {
    assert.deepEqual(testRule(builtin(name), src, START, START + 11 * MINUTE, MINUTE).transitions, [], name);
  }
});
