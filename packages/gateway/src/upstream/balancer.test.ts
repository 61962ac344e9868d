import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConsistentHash, LeastConnections, SmoothRoundRobin, WeightedRandom, type Balanced } from './balancer.ts';
import { CircuitBreaker, REFUSED } from './breaker.ts';

const servers = (...weights: number[]): Balanced[] => weights.map((weight, i) => ({ key: `10.0.0.${i + 1}:80`, weight, active: 0, currentWeight: 0 }));
const all = () => true;

test('smooth weighted round robin interleaves by weight (nginx order)', () => {
  const s = servers(5, 1, 1);
  const b = new SmoothRoundRobin<Balanced>();
  const order = Array.from({ length: 7 }, () => b.pick(s, all)!.key.slice(-4, -3));
  assert.deepEqual(order, ['1', '1', '2', '1', '3', '1', '1']);
});

test('round robin skips unavailable servers', () => {
  const s = servers(1, 1, 1);
  const b = new SmoothRoundRobin<Balanced>();
  const picks = Array.from({ length: 6 }, () => b.pick(s, (x) => x !== s[1])!.key);
  assert.ok(!picks.includes(s[1]!.key));
  assert.equal(picks.filter((k) => k === s[0]!.key).length, 3);
});

test('least connections prefers the least loaded relative to weight', () => {
  const s = servers(1, 1, 2);
  s[0]!.active = 2;
  s[1]!.active = 1;
  s[2]!.active = 3; // 1.5 per weight
  assert.equal(new LeastConnections<Balanced>().pick(s, all)!.key, s[1]!.key);
});

test('weighted random follows weights', () => {
  const s = servers(9, 1);
  const b = new WeightedRandom<Balanced>();
  let first = 0;
  for (let i = 0; i < 2000; i++) if (b.pick(s, all) === s[0]) first++;
  assert.ok(first > 1600 && first < 1950, `got ${first}`);
});

test("consistent hash is stable, spreads keys, and moves only the removed server's keys", () => {
  const s = servers(1, 1, 1, 1);
  const b = new ConsistentHash<Balanced>();
  const keys = Array.from({ length: 2000 }, (_, i) => `user-${i}`);
  const before = new Map(keys.map((k) => [k, b.pick(s, all, k)!.key]));
  const counts = new Map<string, number>();
  for (const v of before.values()) counts.set(v, (counts.get(v) ?? 0) + 1);
  for (const c of counts.values()) assert.ok(c > 300 && c < 700, `uneven spread ${[...counts.values()]}`);
  const removed = s[2]!;
  let moved = 0;
  for (const k of keys) {
    const now = b.pick(s, (x) => x !== removed, k)!.key;
    if (now !== before.get(k)) {
      moved++;
      assert.equal(before.get(k), removed.key, 'only keys of the removed server move');
    }
  }
  assert.equal(moved, counts.get(removed.key));
});

test('breaker: consecutive failures open it; half-open probes close or reopen it', () => {
  const b = new CircuitBreaker({ failures: 3, ratio: 0, window: 10, openDuration: 1000, halfOpenRequests: 2 });
  b.record(false, 0);
  b.record(false, 0);
  b.record(true, 0);
  b.record(false, 0);
  b.record(false, 0);
  assert.equal(b.state, 'closed', 'a success resets the streak');
  b.record(false, 0);
  assert.equal(b.state, 'open');
  assert.equal(b.acquire(500), REFUSED);
  const p1 = b.acquire(1000);
  assert.ok(p1 > 0, 'a probe ticket');
  assert.equal(b.state, 'half_open');
  const p2 = b.acquire(1000);
  assert.equal(b.acquire(1000), REFUSED, 'only halfOpenRequests probes');
  b.record(true, 1001, p1);
  b.record(false, 1002, p2);
  assert.equal(b.state, 'open', 'a failed probe reopens');
  const p3 = b.acquire(2002);
  const p4 = b.acquire(2002);
  b.record(true, 2003, p3);
  b.record(true, 2003, p4);
  assert.equal(b.state, 'closed');
});

test('breaker: a probe released without an outcome frees its slot; outcomes of other periods do not decide a half-open breaker', () => {
  const b = new CircuitBreaker({ failures: 1, ratio: 0, window: 10, openDuration: 1000, halfOpenRequests: 1 });
  const before = b.acquire(0);
  assert.equal(before, 0, 'closed: no slot held');
  b.record(false, 0, before);
  assert.equal(b.state, 'open');
  const p1 = b.acquire(1000);
  assert.ok(p1 > 0);
  assert.equal(b.acquire(1000), REFUSED);
  b.release(p1);
  assert.equal(b.state, 'half_open');
  assert.equal(b.available(1000), true, 'the released slot takes the next probe');
  const p2 = b.acquire(1000);
  assert.ok(p2 > 0);
  b.record(true, 1001, 0);
  assert.equal(b.state, 'half_open', 'a request sent while closed does not count as a probe');
  b.record(false, 1002, p2);
  assert.equal(b.state, 'open');
  const p3 = b.acquire(2002);
  b.release(p1);
  b.record(true, 2003, p2);
  assert.equal(b.acquire(2002), REFUSED, 'a stale ticket frees nothing');
  b.record(true, 2004, p3);
  assert.equal(b.state, 'closed');
});

test('breaker: failure ratio over a full window opens it', () => {
  const b = new CircuitBreaker({ failures: 0, ratio: 0.5, window: 4, openDuration: 1000, halfOpenRequests: 1 });
  b.record(false, 0);
  b.record(false, 0);
  assert.equal(b.state, 'closed', 'the window is not full yet');
  b.record(true, 0);
  b.record(true, 0);
  assert.equal(b.state, 'open');
});
