import assert from 'node:assert/strict';
import { test } from 'node:test';
import { testRule } from '../test-rule.ts';
import { attributed, builtin, MINUTE, replay, scrapes, setValue, START, timeline } from './fixture.ts';

const RTT = 'etcd_network_peer_round_trip_time_seconds';
const PEER = 'To="d403d15a2c04e767"';
const OTHER = 'To="104a589dee2f6c05"';
// The leader of the dumps times about 8 round trips per peer in 30 s; a busy link a few per scrape, all under 2 ms.
const fast = (labels: string) => ({ family: RTT, le: 0.0016, n: 4, labels });

test("etcdMemberCommunicationSlow: one slow round trip is no alert, although the dumps' own 2 pings give a 0.2 s p99 for that scrape", () => {
  const src = replay(attributed({ m1: scrapes(13 * 12 + 1, 5000, (i) => [fast(PEER), fast(OTHER), ...(i === 30 ? [{ family: RTT, le: 0.4096, n: 1, labels: PEER }] : [])]) }));
  assert.deepEqual(testRule(builtin('etcdMemberCommunicationSlow'), src, START, START + 13 * MINUTE, MINUTE).transitions, []);
});

test('etcdMemberCommunicationSlow fires after 10m for the member round trips to stay slow to (To="d403d15a2c04e767", m3), not for the one measuring', () => {
  const src = replay(attributed({ m1: scrapes(13 * 12 + 1, 5000, () => [fast(PEER), fast(OTHER), { family: RTT, le: 0.4096, n: 1, labels: PEER }]) }));
  const r = testRule(builtin('etcdMemberCommunicationSlow'), src, START, START + 13 * MINUTE, MINUTE);
  assert.equal(r.firstFiringAt, START + 11 * MINUTE);
  assert.deepEqual([...new Set(r.transitions.map((x) => x.member))], ['m3']);
  assert.ok(r.transitions[0]!.value! > 0.2 && r.transitions[0]!.value! <= 0.4096, `p99 ${r.transitions[0]!.value}`);
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
