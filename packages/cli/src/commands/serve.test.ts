import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCli } from '../testing.ts';

const BIN = fileURLToPath(new URL('../../bin/etcd-monitor.js', import.meta.url));

test('an invalid config refuses to start, naming every bad key and the fix (exit 2)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'serve-cfg-'));
  try {
    const file = join(dir, 'bad.toml');
    writeFileSync(
      file,
      [
        '[server]',
        'listn = "127.0.0.1:1"',
        '[[clusters]]',
        'name = "prod"',
        'endpoints = ["127.0.0.1:2379"]',
        'status_interval = "fast"',
        `cacert = "${join(dir, 'missing-ca.pem')}"`,
      ].join('\n'),
    );
    const r = await runCli(['serve', '--config', file, '--data-dir', join(dir, 'data')]);
    assert.equal(r.code, 2, r.stderr);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /server\.listn: unknown key \(did you mean "listen"\?\)/);
    assert.match(r.stderr, /clusters\[0\]\.status_interval: "fast" is not a duration \(use a number with a unit/);
    assert.match(r.stderr, /clusters\[0\]\.cacert: cannot read .*missing-ca\.pem: ENOENT/);
    assert.doesNotMatch(r.stderr, /\n\s+at /);

    writeFileSync(file, 'this is = = not toml');
    const t = await runCli(['serve', '--config', file]);
    assert.equal(t.code, 2);
    assert.match(t.stderr, /invalid TOML at line 1/);
    const missing = await runCli(['serve', '--config', join(dir, 'nope.toml')]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /--config: cannot read .*nope\.toml: ENOENT/);
    const listen = await runCli(['serve', '--listen', 'localhost']);
    assert.equal(listen.code, 2);
    assert.match(listen.stderr, /server\.listen: "localhost" has no port/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('serve starts with zero config, answers the API, and stops cleanly on SIGTERM', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'serve-run-'));
  const keyFile = join(dir, 'keys', 'secret.key');
  const child = spawn(process.execPath, [BIN, 'serve', '--listen', '127.0.0.1:0', '--data-dir', join(dir, 'data'), '--secret-key-file', keyFile], {
    cwd: dir,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ETCD_MONITOR_SECRET_KEY: '' },
  });
  try {
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    let err = '';
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    const url = await new Promise<string>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`no URL printed: ${out}${err}`)), 20_000);
      child.stdout.on('data', () => {
        const m = /listening on (http:\/\/[^\s]+)/.exec(out);
        if (m) {
          clearTimeout(t);
          resolve(m[1]!);
        }
      });
    });
    const clusters = (await (await fetch(`${url}/api/v1/clusters`)).json()) as Array<{ name: string; endpoints: string[] }>;
    // Nothing configured: the etcd default endpoint is watched as "local".
    assert.deepEqual(
      clusters.map((c) => [c.name, c.endpoints]),
      [['local', ['http://127.0.0.1:2379']]],
    );
    // --secret-key-file puts the key outside the data directory, readable by the owner only.
    assert.equal(statSync(keyFile).mode & 0o777, 0o600);
    assert.ok(!existsSync(join(dir, 'data', 'secret.key')));
    assert.equal(statSync(join(dir, 'data')).mode & 0o777, 0o700);
    const code = await new Promise<number | null>((resolve) => {
      child.on('exit', resolve);
      child.kill('SIGTERM');
    });
    assert.equal(code, 0, err);
    assert.doesNotMatch(err, /"level":50/);
  } finally {
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
});
