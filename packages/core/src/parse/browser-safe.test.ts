import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const IMPORT = /(?:import|export)\s+(?:type\s+)?(?:[^'"]*?\sfrom\s+)?['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;

// The web UI bundles this module: a `node:` import (or pino, through the logger) would break the build or pull
// polyfills into the page.
test('the parse module and everything it imports are browser-safe: relative imports only, nothing from Node', () => {
  const entry = fileURLToPath(new URL('./index.ts', import.meta.url));
  const seen = new Set<string>();
  const bad: string[] = [];
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const m of readFileSync(file, 'utf8').matchAll(IMPORT)) {
      const spec = (m[1] ?? m[2])!;
      if (spec.startsWith('.')) visit(resolve(dirname(file), spec));
      else bad.push(`${relative(dirname(entry), file)} imports ${spec}`);
    }
  };
  visit(entry);
  assert.deepEqual(bad, []);
  assert.ok(seen.size >= 4, 'the walk reached the parsers');
});
