import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HOP_BY_HOP, hopByHopName, sameName } from './headers.ts';

test('hopByHopName finds a hop-by-hop header in any case, and nothing else of the same length', () => {
  for (const h of HOP_BY_HOP) {
    assert.equal(hopByHopName(h), h);
    assert.equal(hopByHopName(h.toUpperCase()), h);
    assert.equal(hopByHopName(h[0]!.toUpperCase() + h.slice(1)), h);
  }
  // Same lengths as connection, keep-alive, te and http2-settings.
  for (const n of ['Content-Length', 'content-type', 'Connectiom', 'x-forwarded', 'TF', 'http2_settings', 'Upgrade-', '']) assert.equal(hopByHopName(n), undefined, n);
});

test('sameName compares ASCII letters without case and everything else exactly', () => {
  assert.ok(sameName('Content-Length', 'content-length'));
  assert.ok(sameName('CONTENT-LENGTH', 'content-length'));
  assert.ok(!sameName('Content_Length', 'content-length'));
  assert.ok(!sameName('content-lengt', 'content-length'));
  // Only A–Z fold: '@' (64) and '[' (91) are not letters.
  assert.ok(!sameName('@', '`'));
  assert.ok(!sameName('[', '{'));
});
