import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CATALOGUES, renderErrorsDoc } from './errors-doc.ts';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
// A literal ending in _ is a prefix (code.startsWith('GW_UPSTREAM_')), not a code. Tests, fixtures and test helpers may name codes that nothing throws (to check they are refused, or as sample data).
const NOT_CODE = /(\.test\.tsx?|\/testdata\/|\/e2e\/|\/fixture\.ts|\/testing\.ts|\/test-helpers\.ts|\/error-codes\.ts)$|\/testdata\//;

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return e.name === 'node_modules' || e.name === 'dist' ? [] : sources(p);
    return /\.tsx?$/.test(e.name) ? [p] : [];
  });
}

test('docs/errors.md is up to date with the error catalogues', () => {
  const doc = readFileSync(join(ROOT, 'docs/errors.md'), 'utf8');
  assert.ok(doc === renderErrorsDoc(), 'regenerate it: node packages/cli/src/errors-doc.ts > docs/errors.md');
});

test("every error code the code names is in its package's catalogue, and every catalogued code is still used", () => {
  const used = new Map<string, string>();
  for (const pkg of readdirSync(join(ROOT, 'packages'))) {
    for (const file of sources(join(ROOT, 'packages', pkg, 'src'))) {
      if (NOT_CODE.test(file)) continue;
      for (const m of readFileSync(file, 'utf8').matchAll(/['"`]((?:CORE|ETCD|MON|GW|CLI)_[A-Z0-9_]*[A-Z0-9])['"`]/g))
        if (!used.has(m[1]!)) used.set(m[1]!, file.slice(ROOT.length));
    }
  }
  const missing = [...used].filter(([code]) => !CATALOGUES.some((c) => code.startsWith(c.prefix) && code in c.codes));
  assert.deepEqual(
    missing.map(([code, file]) => `${code} (${file})`),
    [],
    'add each to the catalogue of its prefix with a one-line meaning (and its HTTP status, if it has one), then regenerate docs/errors.md',
  );
  const stale = CATALOGUES.flatMap((c) => Object.keys(c.codes).filter((code) => !used.has(code)));
  assert.deepEqual(stale, [], 'no code names these any more: remove them from their catalogue');
  for (const c of CATALOGUES) for (const code of Object.keys(c.codes)) assert.ok(code.startsWith(c.prefix), `${code} is in ${c.file}, which lists ${c.prefix}… codes`);
});
