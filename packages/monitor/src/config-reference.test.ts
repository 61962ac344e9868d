import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { DOC_PATH, withConfigKeys } from './config-reference.ts';

test('the key table of docs/monitor.md is up to date with the field specs', () => {
  const doc = readFileSync(DOC_PATH, 'utf8');
  assert.ok(doc === withConfigKeys(doc), 'regenerate it: node packages/monitor/src/config-reference.ts --write');
});
