#!/usr/bin/env -S MALLOC_ARENA_MAX=1 node --max-semi-space-size=4
// Memory flags, measured with bench/monitor-scale.ts (102 members; RSS from 220–330 MB down to 188–195 MB, CPU +3 %):
// --max-semi-space-size=4: V8 grows the young generation to 128 MB under the monitor's steady allocation (gRPC replies,
//   scrapes); capped at 4 MB per semi-space it stays ~100 MB smaller for a few % more CPU.
// --heap-growing-percent=50: after a full GC the old generation may grow by half its live size before the next one,
//   instead of V8's adaptive factor (up to 4×), which let garbage pile up to 150 MB when the machine was busy. The
//   monitor sets it when it has started (serve.ts, runUntilSignal), not here: as a start-up flag it changes V8's flag
//   hash, and Node.js then rejects its embedded code cache for every built-in module it loads, in every command
//   (`ctl get`: 79 modules compiled afresh, ~40 ms of CPU; `ctl version` ~13 ms). --max-semi-space-size does not.
// MALLOC_ARENA_MAX=1: glibc gives each thread (V8's GC and compiler helpers) its own malloc arena; their fragments
//   held 40–50 MB. One arena is enough for a process whose JavaScript runs on one thread.
// The entry point stays plain JavaScript so that an old Node.js can still print why it cannot run the TypeScript sources.
const major = Number(process.versions.node.split('.')[0]);
if (major < 24) {
  console.error(
    `etcd-monitor needs Node.js 24 or newer, and this is ${process.version}. ` +
      'Run it from the repository after `npm ci` as `npx etcd-monitor …` (which uses the Node.js 24 in node_modules/.bin).',
  );
  process.exit(2);
}
// grpc-js sets the TLS server name to the host even when it is an IP address, which makes Node.js print a deprecation
// warning (DEP0123) on every run against https://127.0.0.1:…; users cannot act on it.
process.noDeprecation = true;
compileCache();
// ctl is a short-lived command that scripts run in loops: load only what it needs, not every command of the program.
// It loads nothing of the monitor or the gateway (bin.test), so only its own packages' sources decide whether dist/ is
// current for it: 78 files to stat instead of 338 (~4 ms).
const ctl = process.argv[2] === 'ctl';
const [dir, ext] = fresh(ctl ? ['core', 'etcd', 'cli'] : ['core', 'etcd', 'monitor', 'gateway', 'cli']) ? ['../dist/', '.js'] : ['../src/', '.ts'];
const { main, ctlMain } = await import(ctl ? `${dir}ctl/main${ext}` : `${dir}main${ext}`);

// compileCache keeps V8's compiled code of every module (grpc-js, protobufjs, ours) in the user's cache directory, so
// each run after the first skips compiling them (~0.01–0.02 s of each start). Entries are checked
// against the source, so an edit or an upgrade only costs one compile. A directory that cannot be written (read-only
// home, no HOME) leaves it off: Node.js reports that as a status, without a warning or an error.
// NODE_COMPILE_CACHE=DIR chooses another directory, NODE_DISABLE_COMPILE_CACHE=1 turns it off.
function compileCache() {
  const { env } = process;
  if (env.NODE_DISABLE_COMPILE_CACHE || env.NODE_COMPILE_CACHE) return;
  const base = env.XDG_CACHE_HOME || (env.HOME ? `${env.HOME}/.cache` : '');
  if (!base.startsWith('/')) return;
  process.getBuiltinModule('node:module').enableCompileCache?.(`${base}/etcd-monitor/compile-cache`);
}

// fresh tells whether the JavaScript build under packages/*/dist (scripts/build-dist.ts, run by `npm ci`) is newer than
// every source file that build-dist compiles in the given packages; it runs without Node's TypeScript stripper, ~17 MB less per process.
// Stale or missing: run src/. A plain walk (not readdirSync's recursive mode, which cost ~10 ms more per start).
function fresh(packageNames) {
  const { readdirSync, statSync } = process.getBuiltinModule('node:fs');
  const packages = process.getBuiltinModule('node:url').fileURLToPath(new URL('../../', import.meta.url));
  let built;
  try {
    built = statSync(`${packages}cli/dist/.built`).mtimeMs;
  } catch {
    return false;
  }
  const newer = (dir) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const name = e.name;
      if (e.isDirectory()) {
        if (name !== 'testdata' && newer(`${dir}${name}/`)) return true;
      } else if (name.endsWith('.ts') && !name.endsWith('.test.ts') && statSync(`${dir}${name}`).mtimeMs > built) return true;
    }
    return false;
  };
  return !packageNames.some((name) => newer(`${packages}${name}/src/`));
}
process.exitCode = ctl ? await ctlMain(process.argv.slice(3)) : await main(process.argv.slice(2));
