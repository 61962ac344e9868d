import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';

// Every worker imports the whole plugin registry, so a plugin's heavy dependency must load when a configured instance
// needs it, not at import: jose and ioredis together were ~30 MB of every worker's RSS.
test('importing the plugin registry loads neither jose nor ioredis', () => {
  const registry = fileURLToPath(new URL('./index.ts', import.meta.url));
  // module.registerHooks sees every module resolved after it, imported or required.
  const script = `const { registerHooks } = await import('node:module');
const seen = [];
registerHooks({ resolve(specifier, context, next) { const r = next(specifier, context); seen.push(r.url); return r; } });
await import(${JSON.stringify(pathToFileURL(registry).href)});
console.log(JSON.stringify(['/jose/', '/ioredis/'].filter((d) => seen.some((u) => u.includes('/node_modules' + d)))));`;
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
  assert.deepEqual(JSON.parse(out.trim()), []);
});

// An ESM import of node:http makes Node.js evaluate every export it has, undici's fetch, http2 and worker_threads among
// them (~10 MB of RSS); a require (process.getBuiltinModule) does not. The gateway itself never imports node:http, so a
// plugin that needs it takes it when an instance is built or used.
test('importing the plugin registry loads neither undici nor http2 nor worker_threads', () => {
  const registry = fileURLToPath(new URL('./index.ts', import.meta.url));
  const script = `await import(${JSON.stringify(pathToFileURL(registry).href)});
console.log(JSON.stringify(['internal/deps/undici/undici', 'http2', 'worker_threads'].filter((m) => process.moduleLoadList.includes('NativeModule ' + m))));`;
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
  assert.deepEqual(JSON.parse(out.trim()), []);
});
