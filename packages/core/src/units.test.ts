import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSize, formatBytes, formatDuration } from './units.ts';

test('parseSize reads SI and IEC units', () => {
  assert.equal(parseSize('512'), 512);
  assert.equal(parseSize('64KiB'), 65536);
  assert.equal(parseSize('8MB'), 8_000_000);
  assert.equal(parseSize('2gib'), 2 * 1024 ** 3);
  assert.throws(() => parseSize('8 furlongs'), /not a size/);
});

test('formatBytes and formatDuration render compact units', () => {
  assert.equal(formatBytes(999), '999 B');
  assert.equal(formatBytes(20480), '20 kB');
  assert.equal(formatBytes(2_100_000), '2.1 MB');
  assert.equal(formatDuration(0.5), '500µs');
  assert.equal(formatDuration(12.4), '12ms');
  assert.equal(formatDuration(1500), '1.50s');
  assert.equal(formatDuration(185_000), '3m5s');
});
