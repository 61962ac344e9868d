import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatBytes, formatDuration, formatMs, formatUtc, formatValue } from './format.ts';

test('formatBytes uses binary units with up to three significant digits', () => {
  assert.equal(formatBytes(0), '0 B');
  assert.equal(formatBytes(1536), '1.50 KiB');
  assert.equal(formatBytes(25 * 1024 * 1024), '25.0 MiB');
  assert.equal(formatBytes(2 * 1024 ** 3), '2.00 GiB');
  assert.equal(formatBytes(null), '—');
});

test('formatMs and formatValue pick units an operator reads at a glance', () => {
  assert.equal(formatMs(0.25), '250 µs');
  assert.equal(formatMs(3.456), '3.46 ms');
  assert.equal(formatMs(12_500), '12.5 s');
  assert.equal(formatValue(0.0042, 'seconds'), '4.20 ms');
  assert.equal(formatValue(1234.5, 'opsPerSec'), '1235 ops/s');
  assert.equal(formatValue(0.83, 'ratio'), '83 %');
  assert.equal(formatValue(Number.NaN, 'bytes'), '—');
  assert.equal(formatDuration(90_000), '1d 1h');
});

test('formatUtc is ISO-like and zone independent', () => {
  assert.equal(formatUtc(Date.UTC(2026, 0, 2, 3, 4, 5)), '2026-01-02 03:04:05 UTC');
});
