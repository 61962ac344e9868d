import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { renderConfigReference } from './reference.ts';
import { renderPingapCompatibility } from './pingap.ts';

test('docs/gateway-config.md is up to date with the field specs', () => {
  const doc = readFileSync(fileURLToPath(new URL('../../../../docs/gateway-config.md', import.meta.url)), 'utf8');
  assert.ok(doc === renderConfigReference(), 'regenerate it: node packages/gateway/src/config/reference.ts > docs/gateway-config.md');
});

test('docs/pingap-compatibility.md is up to date with the pingap key table', () => {
  const doc = readFileSync(fileURLToPath(new URL('../../../../docs/pingap-compatibility.md', import.meta.url)), 'utf8');
  assert.ok(doc === renderPingapCompatibility(), 'regenerate it: node packages/gateway/src/config/pingap.ts > docs/pingap-compatibility.md');
});
