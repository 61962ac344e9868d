// Writes each built-in plugin's options table into its README from the plugin's field specs (and the keys every plugin
// has), so the README cannot drift from what the plugin accepts:
//   node packages/gateway/src/plugins/readme.ts
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { renderFieldTable, spliceFieldTable } from '@etcd-monitor/core';
import { PLUGIN_COMMON_FIELDS } from '../config/schema.ts';
import { builtinPlugins } from './index.ts';
import type { PluginDefinition } from './plugin.ts';

/** pluginReadmePath is where a built-in plugin's README is. */
export function pluginReadmePath(p: PluginDefinition): string {
  return fileURLToPath(new URL(`./${p.category}/README.md`, import.meta.url));
}

/** renderPluginReadme returns a plugin's README with its options table regenerated from the field specs. */
export function renderPluginReadme(p: PluginDefinition, readme: string): string {
  return spliceFieldTable(readme, renderFieldTable({ ...p.fields, ...PLUGIN_COMMON_FIELDS }));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  for (const p of new Set(builtinPlugins.values())) {
    const path = pluginReadmePath(p);
    writeFileSync(path, renderPluginReadme(p, readFileSync(path, 'utf8')));
  }
}
