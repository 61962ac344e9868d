import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { renderConfigReference } from './reference.ts';
import { PINGAP_PLUGIN_CATEGORIES, renderPingapCompatibility } from './pingap.ts';
import { builtinPlugins } from '../plugins/index.ts';

test('docs/gateway-config.md is up to date with the field specs', () => {
  const doc = readFileSync(fileURLToPath(new URL('../../../../docs/gateway-config.md', import.meta.url)), 'utf8');
  assert.ok(doc === renderConfigReference(), 'regenerate it: node packages/gateway/src/config/reference.ts > docs/gateway-config.md');
});

test('docs/pingap-compatibility.md is up to date with the pingap key table', () => {
  const doc = readFileSync(fileURLToPath(new URL('../../../../docs/pingap-compatibility.md', import.meta.url)), 'utf8');
  assert.ok(doc === renderPingapCompatibility(), 'regenerate it: node packages/gateway/src/config/pingap.ts > docs/pingap-compatibility.md');
});

test('docs/pingap-compatibility.md names every built-in plugin category and says which of pingap’s are missing', () => {
  const doc = readFileSync(fileURLToPath(new URL('../../../../docs/pingap-compatibility.md', import.meta.url)), 'utf8');
  for (const category of builtinPlugins.keys()) assert.ok(doc.includes(`\`${category}\``), `${category} is not in docs/pingap-compatibility.md`);
  for (const [category, note] of Object.entries(PINGAP_PLUGIN_CATEGORIES)) {
    if (builtinPlugins.has(category)) continue;
    assert.ok(note, `pingap's ${category} does not exist here: its note should say what to use instead`);
    assert.ok(doc.includes(`| \`${category}\` | not supported`), `${category} is not marked as not supported`);
  }
});
