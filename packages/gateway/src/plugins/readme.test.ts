import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { builtinPlugins } from './index.ts';
import { pluginReadmePath, renderPluginReadme } from './readme.ts';

test('every built-in plugin README has the options table its field specs give', () => {
  for (const p of builtinPlugins.values()) {
    const readme = readFileSync(pluginReadmePath(p), 'utf8');
    assert.ok(readme === renderPluginReadme(p, readme), `plugins/${p.category}/README.md is stale: regenerate it with  node packages/gateway/src/plugins/readme.ts`);
  }
});
