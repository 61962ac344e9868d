import assert from 'node:assert/strict';
import { test } from 'node:test';
import { testRule } from '../test-rule.ts';
import { builtin, MINUTE, points, replay, setValue, START, timeline } from './fixture.ts';

const UNAVAILABLE = 'grpc_server_handled_total{grpc_code="Unavailable",grpc_method="Put",grpc_service="etcdserverpb.KV",grpc_type="unary"}';

test('etcdHighNumberOfFailedGRPCRequests: 10 Unavailable of 117 requests (8.5%) fires critical after 5m and warning after 10m', () => {
  const src = replay({ m1: timeline(12, MINUTE, (_i, t1) => setValue(t1, UNAVAILABLE, 11)) });
  const crit = testRule(builtin('etcdHighNumberOfFailedGRPCRequests', 'critical'), src, START, START + 11 * MINUTE, MINUTE);
  const warn = testRule(builtin('etcdHighNumberOfFailedGRPCRequests', 'warning'), src, START, START + 11 * MINUTE, MINUTE);
  assert.equal(crit.firstFiringAt, START + 5 * MINUTE);
  assert.equal(warn.firstFiringAt, START + 10 * MINUTE);
  assert.ok(Math.abs(crit.transitions[0]!.value! - (100 * 10) / 117) < 1e-9);
});

test('etcdHighNumberOfFailedGRPCRequests: 2 failures of 109 (1.8%) fires the warning only', () => {
  const src = replay({ m1: timeline(12, MINUTE, (_i, t1) => setValue(t1, UNAVAILABLE, 3)) });
  assert.equal(testRule(builtin('etcdHighNumberOfFailedGRPCRequests', 'warning'), src, START, START + 11 * MINUTE, MINUTE).firstFiringAt, START + 10 * MINUTE);
  assert.equal(testRule(builtin('etcdHighNumberOfFailedGRPCRequests', 'critical'), src, START, START + 11 * MINUTE, MINUTE).firstFiringAt, undefined);
});

test('etcdHighNumberOfFailedGRPCRequests stays silent on the fixture (no new failures between t0 and t1)', () => {
  const src = replay({ m1: timeline(12, MINUTE) });
  for (const sev of ['warning', 'critical'])
    assert.deepEqual(testRule(builtin('etcdHighNumberOfFailedGRPCRequests', sev), src, START, START + 11 * MINUTE, MINUTE).transitions, []);
});

// The probe collector's series (probe_*_ms) are not in /metrics, so these replay probe samples as the store holds them.
test('etcdGRPCRequestsSlow fires when serializable reads have a p99 above 150 ms for 10 minutes', () => {
  const src = replay({ m1: points(12, MINUTE, (i) => ({ probe_read_serializable_ms: i % 2 ? 180 : 170 })), m2: points(12, MINUTE, { probe_read_serializable_ms: 3 }) });
  const r = testRule(builtin('etcdGRPCRequestsSlow'), src, START, START + 11 * MINUTE, MINUTE);
  assert.equal(r.firstFiringAt, START + 10 * MINUTE);
  assert.deepEqual(r.firingAtEnd, ['m1']);
});

test('etcdProbeReadLatencyHigh and etcdProbeWriteLatencyHigh fire above the 100 ms read and 250 ms write SLOs, and resolve', () => {
  const slow = (i: number) => (i < 8 ? { probe_read_linearizable_ms: 120, probe_write_ms: 300 } : { probe_read_linearizable_ms: 4, probe_write_ms: 9 });
  const src = replay({ m1: points(20, MINUTE, slow) });
  for (const name of ['etcdProbeReadLatencyHigh', 'etcdProbeWriteLatencyHigh']) {
    const r = testRule(builtin(name), src, START, START + 19 * MINUTE, MINUTE);
    // The 5-minute p99 still sees the slow samples until minute 13.
    assert.deepEqual(
      r.transitions.map((x) => [x.state, (x.t - START) / MINUTE]),
      [
        ['pending', 0],
        ['firing', 5],
        ['resolved', 13],
      ],
      name,
    );
  }
});
