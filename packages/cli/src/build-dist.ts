// build-dist writes each runtime package's TypeScript sources as plain JavaScript under packages/NAME/dist, so that
// `etcd-monitor` (the bin) runs without Node's TypeScript stripper: the stripper and the per-file stripping cost every
// process 17–35 MB of RSS (the monitor, each gateway worker). Types are replaced by whitespace (Node's own `strip` mode),
// so every line and column stays where it is in src/ and stack traces point at the right place without source maps.
// Run by the root `build` script (part of `prepare`, that is of `npm ci`); the bin falls back to src/ when dist/ is
// older than src/.
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { stripTypeScriptTypes } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../../', import.meta.url));
/** PACKAGES are the workspaces the bin loads at run time (the web UI has its own Vite build). */
const PACKAGES = ['core', 'etcd', 'monitor', 'gateway', 'cli'];

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return e.name === 'testdata' ? [] : sources(p);
    return e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') && !e.name.endsWith('.d.ts') ? [p] : [];
  });
}

/** exportTargets maps every workspace specifier (`@etcd-monitor/etcd/testing`) to the dist file it becomes. */
function exportTargets(outRoot: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const name of PACKAGES) {
    const pkg = JSON.parse(readFileSync(join(root, 'packages', name, 'package.json'), 'utf8')) as { name: string; exports: Record<string, string> };
    for (const [sub, target] of Object.entries(pkg.exports)) {
      const spec = sub === '.' ? pkg.name : `${pkg.name}/${sub.slice(2)}`;
      out.set(spec, join(outRoot, 'packages', name, target.replace(/^\.\/src\//, 'dist/').replace(/\.ts$/, '.js')));
    }
  }
  return out;
}

/** rewrite turns `./x.ts` into `./x.js` and workspace imports into relative paths to their dist files. */
export function rewrite(code: string, file: string, targets: Map<string, string>): string {
  return code
    .replace(/(['"])((?:\.\.?\/)[^'"\n]*?)\.ts\1/g, '$1$2.js$1')
    .replace(/(from\s+|import\s*\(\s*|import\s+)(['"])(@etcd-monitor\/[^'"\n]+)\2/g, (m, pre: string, q: string, spec: string) => {
      const target = targets.get(spec);
      if (!target) throw new Error(`${file}: ${spec} is not an export of a runtime package`);
      let rel = relative(dirname(file), target);
      if (!rel.startsWith('.')) rel = `./${rel}`;
      return `${pre}${q}${rel}${q}`;
    });
}

/**
 * buildDist writes every package's dist/ afresh under `outRoot` (the repository itself by default; tests use a scratch
 * copy) and returns the number of files written. The stamp `packages/cli/dist/.built` is written last: the bin trusts
 * dist/ only when the stamp is newer than every source file.
 */
export function buildDist(outRoot: string = root): number {
  const targets = exportTargets(outRoot);
  let n = 0;
  for (const name of PACKAGES) {
    const srcDir = join(root, 'packages', name, 'src');
    const distDir = join(outRoot, 'packages', name, 'dist');
    rmSync(distDir, { recursive: true, force: true });
    for (const src of sources(srcDir)) {
      const outFile = join(distDir, relative(srcDir, src)).replace(/\.ts$/, '.js');
      const js = rewrite(stripTypeScriptTypes(readFileSync(src, 'utf8'), { mode: 'strip' }), outFile, targets);
      mkdirSync(dirname(outFile), { recursive: true });
      writeFileSync(outFile, js);
      n++;
    }
  }
  writeFileSync(join(outRoot, 'packages/cli/dist/.built'), `${new Date().toISOString()}\n`);
  return n;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const t0 = performance.now();
  const n = buildDist();
  process.stdout.write(`build-dist: ${n} files in ${Math.round(performance.now() - t0)} ms (packages/*/dist)\n`);
}
