import assert from 'node:assert/strict';
import { test } from 'node:test';
import { testRule } from '../test-rule.ts';
import { addObservations, builtin, MINUTE, replay, setValue, START, timeline } from './fixture.ts';

test('etcdMemberCommunicationSlow fires on the real dumps: the round trips to d403d15a2c04e767 have a 0.2 s p99', () => {
  // Between t0 and t1 the leader timed 2 round trips to that peer, one in (0.1, 0.2] s and one in (0.4, 0.8] s.
  const r = testRule(builtin('etcdMemberCommunicationSlow'), replay({ m1: timeline(12, MINUTE) }), START, START + 11 * MINUTE, MINUTE);
  assert.equal(r.firstFiringAt, START + 10 * MINUTE);
  assert.equal(r.transitions[0]!.value, 0.202752);
});

test('etcdMemberCommunicationSlow stays silent once 1000 fast round trips dilute the slow ones', () => {
  const fast = (_i: number, t1: string) => addObservations(t1, 'etcd_network_peer_round_trip_time_seconds', 0.0016, 1000, 'To="d403d15a2c04e767"');
  const r = testRule(builtin('etcdMemberCommunicationSlow'), replay({ m1: timeline(12, MINUTE, fast) }), START, START + 11 * MINUTE, MINUTE);
  assert.deepEqual(r.transitions, []);
});

test('etcdHeartbeatSendFailures fires when the leader fails more than 5 heartbeats in 10 minutes', () => {
  const src = replay({ m1: timeline(12, MINUTE, (i, t1) => setValue(t1, 'etcd_server_heartbeat_send_failures_total', 2 * i)) });
  const r = testRule(builtin('etcdHeartbeatSendFailures'), src, START, START + 11 * MINUTE, MINUTE);
  assert.equal(r.transitions[0]!.t, START + 3 * MINUTE);
  assert.equal(r.firstFiringAt, START + 8 * MINUTE);
});

test('the network rules stay silent on the unedited fixture', () => {
  const src = replay({ m1: timeline(12, MINUTE) });
  for (const name of ['etcdHeartbeatSendFailures']) assert.deepEqual(testRule(builtin(name), src, START, START + 11 * MINUTE, MINUTE).transitions, [], name);
});
