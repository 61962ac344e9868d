// The repository's layering, checked over every package's sources (it lives in cli, the one package allowed to
// know all the others): dependencies point down (cli → monitor|gateway → etcd → core; web talks to the monitor over
// HTTP and imports only its type contract), no file reaches into another package's src/ by a relative path, and no
// new import cycle appears inside a package.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const PACKAGES = fileURLToPath(new URL('../../', import.meta.url));

/** ALLOWED lists the workspace packages (and subpaths) each package's non-test code may import. */
const ALLOWED: Record<string, string[]> = {
  core: [],
  etcd: ['@etcd-monitor/core'],
  monitor: ['@etcd-monitor/core', '@etcd-monitor/etcd'],
  gateway: ['@etcd-monitor/core'],
  cli: ['@etcd-monitor/core', '@etcd-monitor/etcd', '@etcd-monitor/monitor', '@etcd-monitor/gateway'],
  web: ['@etcd-monitor/monitor/contract', '@etcd-monitor/core/parse'],
};

/**
 * KNOWN_CYCLES are the import cycles that exist today, each as its files (relative to the package's src/). They are
 * to be broken (shared types moved into a module both sides import, as the monitor's model/), never grown: a cycle
 * with a file outside these sets fails the test, and a package without an entry may have none.
 */
const KNOWN_CYCLES: Record<string, string[][]> = {
  gateway: [['upstream/health.ts', 'upstream/upstream.ts']],
};

const IMPORT = /(?:import|export)\s+(?:type\s+)?(?:[^'"]*?\sfrom\s+)?['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;

function sources(dir: string, out: string[] = []): string[] {
  for (const e of readdirSync(dir)) {
    if (e === 'node_modules' || e === 'dist' || e.startsWith('.')) continue;
    const p = join(dir, e);
    if (statSync(p).isDirectory()) sources(p, out);
    else if (/\.tsx?$/.test(e)) out.push(p);
  }
  return out;
}

const isTest = (f: string) => /\.test\.tsx?$/.test(f) || f.includes(`${sep}e2e${sep}`) || f.includes(`${sep}testing${sep}`) || /testing\.ts$|test-helpers\.ts$|testdata/.test(f);

function specifiers(file: string): string[] {
  return [...readFileSync(file, 'utf8').matchAll(IMPORT)].map((m) => (m[1] ?? m[2])!);
}

/** runtimeSpecifiers are the imports that stay in the built code: `import type` and `export type` are erased. */
function runtimeSpecifiers(file: string): string[] {
  return [...readFileSync(file, 'utf8').matchAll(IMPORT)].filter((m) => !/^(?:import|export)\s+type\s/.test(m[0])).map((m) => (m[1] ?? m[2])!);
}

/** cycles returns the strongly connected components (more than one file) of the package's relative-import graph. */
function cycles(files: string[]): string[][] {
  const known = new Set(files);
  const edges = new Map(
    files.map((f) => [
      f,
      specifiers(f)
        .filter((s) => s.startsWith('.'))
        .map((s) => resolve(dirname(f), s))
        .filter((t) => known.has(t)),
    ]),
  );
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const out: string[][] = [];
  const visit = (v: string) => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of edges.get(v)!) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const c: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        c.push(w);
      } while (w !== v);
      if (c.length > 1) out.push(c);
    }
  };
  for (const f of files) if (!index.has(f)) visit(f);
  return out;
}

const packages = readdirSync(PACKAGES).filter((p) => statSync(join(PACKAGES, p, 'src'), { throwIfNoEntry: false })?.isDirectory());

test('every package is known to the layering rules', () => {
  assert.deepEqual(
    packages.filter((p) => !(p in ALLOWED)),
    [],
  );
});

test('no file imports another package by a relative path into its src/', () => {
  const bad: string[] = [];
  for (const pkg of packages) {
    for (const f of sources(join(PACKAGES, pkg, 'src'))) {
      for (const s of specifiers(f)) {
        if (!s.startsWith('.')) continue;
        const target = relative(PACKAGES, resolve(dirname(f), s)).split(sep);
        if (target[0] !== pkg && target[1] === 'src') bad.push(`${relative(PACKAGES, f)} imports ${s}`);
      }
    }
  }
  assert.deepEqual(bad, [], 'use the package name (and a subpath export) instead');
});

test('dependencies point down: each package imports only the workspace packages below it', () => {
  const bad: string[] = [];
  for (const pkg of packages) {
    for (const f of sources(join(PACKAGES, pkg, 'src'))) {
      if (isTest(f)) continue;
      for (const s of specifiers(f)) {
        if (!s.startsWith('@etcd-monitor/')) continue;
        if (!ALLOWED[pkg]!.some((a) => s === a || s.startsWith(`${a}/`))) bad.push(`${relative(PACKAGES, f)} imports ${s}`);
      }
    }
  }
  assert.deepEqual(bad, []);
});

test('no new import cycle inside a package', () => {
  const bad: string[] = [];
  for (const pkg of packages) {
    const src = join(PACKAGES, pkg, 'src');
    const files = sources(src).filter((f) => !isTest(f));
    for (const c of cycles(files)) {
      const names = c.map((f) => relative(src, f).split(sep).join('/')).sort();
      if (!(KNOWN_CYCLES[pkg] ?? []).some((k) => names.every((n) => k.includes(n)))) bad.push(`${pkg}: ${names.join(' → ')}`);
    }
  }
  assert.deepEqual(bad, [], 'break the cycle (move shared types into a module both import) rather than adding to it');
});

// The gateway's HTTP/1.1 layer (parser binding, header lists, framing rules, server) is a leaf under the proxy and the
// upstream pool: it knows nothing of routing, plugins, config or upstreams, so either side can be read and changed alone.
test("the gateway's http1/ imports nothing from outside http1/ but core", () => {
  const dir = join(PACKAGES, 'gateway', 'src', 'http1');
  const bad: string[] = [];
  for (const f of sources(dir)) {
    if (isTest(f)) continue;
    for (const s of specifiers(f)) {
      const inside = s.startsWith('.')
        ? !relative(dir, resolve(dirname(f), s)).startsWith('..')
        : s.startsWith('node:') || s === '@etcd-monitor/core' || s.startsWith('@etcd-monitor/core/');
      if (!inside) bad.push(`${relative(PACKAGES, f)} imports ${s}`);
    }
  }
  assert.deepEqual(bad, []);
  assert.ok(sources(dir).length > 5, 'the walk found http1/');
});

// The monitor's model/ is the bottom of its type graph (cluster and member facts, config shapes, findings, events,
// alerts, series points): every other folder imports it, so it may import only itself and other packages' types, and
// hold no code a cycle could run through.
test("the monitor's model/ holds types only and imports nothing of the monitor above it", () => {
  const model = join(PACKAGES, 'monitor', 'src', 'model');
  const bad: string[] = [];
  for (const f of sources(model)) {
    const text = readFileSync(f, 'utf8').replace(/\/\*[\s\S]*?\*\/|^\s*\/\/.*$/gm, '');
    for (const m of text.matchAll(IMPORT)) {
      const s = (m[1] ?? m[2])!;
      if (!/^(?:import|export)\s+type\b/.test(m[0])) bad.push(`${relative(model, f)}: ${m[0]} (use import type)`);
      else if (s.startsWith('.') && !resolve(dirname(f), s).startsWith(model + sep)) bad.push(`${relative(model, f)} imports ${s}`);
    }
    for (const m of text.matchAll(/^export\s+(?:const|let|var|function|class|enum|default)\b.*$/gm)) bad.push(`${relative(model, f)}: ${m[0]}`);
  }
  assert.ok(sources(model).length > 0);
  assert.deepEqual(bad, []);
});

/** resolveExport maps a workspace specifier (`@etcd-monitor/core/parse`) to its file through the package's exports. */
function resolveExport(spec: string): string {
  const [, name, sub] = /^@etcd-monitor\/([^/]+)(\/.*)?$/.exec(spec)!;
  const pkg = JSON.parse(readFileSync(join(PACKAGES, name!, 'package.json'), 'utf8')) as { exports: Record<string, string> };
  const target = pkg.exports[sub ? `.${sub}` : '.'];
  assert.ok(target, `${spec} is not an export of @etcd-monitor/${name}`);
  return join(PACKAGES, name!, target);
}

// The web bundle takes in whatever its workspace imports reach at run time: one `node:` import (or pino, through core's
// logger) down that graph and the UI build breaks or ships Node shims. Type-only imports are erased, so the contract's
// types may come from the monitor's TypeBox schemas while the bundle takes in no schema library.
test('the workspace modules the web imports reach nothing from Node and no third-party package', () => {
  const seen = new Set<string>();
  const bad: string[] = [];
  const visit = (file: string, via: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const s of runtimeSpecifiers(file)) {
      if (s.startsWith('.')) visit(resolve(dirname(file), s), via);
      else if (s.startsWith('@etcd-monitor/')) visit(resolveExport(s), via);
      else bad.push(`${relative(PACKAGES, file)} imports ${s} (reached from ${via})`);
    }
  };
  for (const f of sources(join(PACKAGES, 'web', 'src'))) {
    if (isTest(f)) continue;
    for (const s of runtimeSpecifiers(f)) if (s.startsWith('@etcd-monitor/')) visit(resolveExport(s), `${relative(PACKAGES, f)}`);
  }
  // Whatever the web takes from it today, the API contract stays importable by the bundle as a whole.
  visit(resolveExport('@etcd-monitor/monitor/contract'), '@etcd-monitor/monitor/contract');
  assert.deepEqual(bad, []);
  assert.ok(
    [...seen].some((f) => f.includes(`core${sep}src${sep}parse`)),
    'the walk reached core/parse',
  );
});
