import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const BIN = fileURLToPath(new URL('../bin/etcd-monitor.js', import.meta.url));

async function bin(args: string[], env: NodeJS.ProcessEnv): Promise<{ stdout: string; stderr: string }> {
  const { NODE_COMPILE_CACHE: _a, NODE_DISABLE_COMPILE_CACHE: _b, XDG_CACHE_HOME: _c, HOME: _d, ...rest } = process.env;
  return promisify(execFile)(process.execPath, [BIN, ...args], { env: { ...rest, ...env }, encoding: 'utf8' });
}

test("the bin keeps compiled code in the user's cache directory (XDG_CACHE_HOME, else ~/.cache), and runs the same without one it can write", async () => {
  const dir = mkdtempSync(join(tmpdir(), 'bin-cache-'));
  try {
    const expected = { stdout: 'etcd-monitor ctl version: 0.1.0\nAPI version: 3.4\n', stderr: '' };
    assert.deepEqual(await bin(['ctl', 'version'], { XDG_CACHE_HOME: join(dir, 'xdg') }), expected);
    assert.ok(readdirSync(join(dir, 'xdg/etcd-monitor/compile-cache'), { recursive: true }).length > 10, 'compiled modules are cached');
    assert.deepEqual(await bin(['ctl', 'version'], { HOME: join(dir, 'home') }), expected);
    assert.ok(readdirSync(join(dir, 'home/.cache/etcd-monitor/compile-cache')).length > 0);
    // A cache directory that cannot be created (under a regular file: refused even to root) changes nothing.
    writeFileSync(join(dir, 'file'), '');
    assert.deepEqual(await bin(['ctl', 'version'], { XDG_CACHE_HOME: join(dir, 'file') }), expected);
    assert.deepEqual(await bin(['ctl', 'version'], {}), expected);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
