import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createTokenBucket } from './token-bucket.ts';

test('token bucket allows a burst, then refills at the configured rate', () => {
  const b = createTokenBucket({ perMinute: 60, burst: 3, now: 0 });
  assert.deepEqual([b.take(0), b.take(0), b.take(0), b.take(0)], [true, true, true, false]);
  assert.equal(b.readyAt(0), 1_000);
  assert.equal(b.take(999), false);
  assert.equal(b.take(1_000), true);
  // A long pause refills to the burst, not beyond.
  assert.deepEqual([b.take(60_000), b.take(60_000), b.take(60_000), b.take(60_000)], [true, true, true, false]);
  b.refund();
  assert.equal(b.take(60_000), true);
});

test('token bucket ignores a clock that steps back', () => {
  const b = createTokenBucket({ perMinute: 6, burst: 1, now: 10_000 });
  assert.equal(b.take(10_000), true);
  assert.equal(b.take(5_000), false);
  assert.equal(b.readyAt(10_000), 20_000);
});
