import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { startCluster } from '@etcd-monitor/etcd/testing';

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

// A loader hook in the child process lists every module it loads.
const HOOK = `data:text/javascript,${encodeURIComponent(
  "import { registerHooks } from 'node:module'; const seen = []; registerHooks({ load(url, c, next) { seen.push(url); return next(url, c); } }); process.on('exit', () => process.stderr.write(seen.join('\\n')));",
)}`;

test('`etcd-monitor --help`, `status --help` and `ctl version` load no module of the gateway, the monitor, gRPC or protobufjs', async () => {
  const cases: Array<[string[], RegExp]> = [
    [['--help'], /^Usage: etcd-monitor/],
    [['status', '--help'], /^Usage: etcd-monitor status/],
    [['ctl', 'version'], /^etcd-monitor ctl version: /],
  ];
  for (const [args, out] of cases) {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, ['--import', HOOK, BIN, ...args], { encoding: 'utf8' });
    assert.match(stdout, out);
    const loaded = stderr.split('\n');
    assert.ok(
      loaded.some((u) => /\/packages\/cli\/(dist|src)\/(ctl\/)?main\./.test(u)),
      'the hook sees the modules',
    );
    assert.deepEqual(
      loaded.filter((u) => /\/packages\/(gateway|monitor)\/|\/@grpc\/|\/protobufjs\//.test(u)),
      [],
      args.join(' '),
    );
  }
});

test('`ctl get` of a key loads no protobufjs (its request is encoded and its answer read by hand), no monitor or gateway module', async () => {
  const cluster = await startCluster({ members: 1 });
  try {
    const ep = cluster.endpoints[0]!;
    await cluster.etcdctl(['put', '/bin/one', 'value']);
    const run = (args: string[]) => promisify(execFile)(process.execPath, ['--import', HOOK, BIN, 'ctl', '--endpoints', ep, ...args], { encoding: 'utf8' });
    const get = await run(['get', '/bin/one']);
    assert.equal(get.stdout, '/bin/one\nvalue\n');
    const loaded = get.stderr.split('\n');
    assert.ok(
      loaded.some((u) => u.includes('/@grpc/grpc-js/')),
      'the hook sees CommonJS modules',
    );
    assert.deepEqual(
      loaded.filter((u) => u.includes('/protobufjs/')),
      [],
    );
    // Nor anything of the monitor or the gateway: the bin checks only core's, etcd's and the cli's sources for ctl.
    assert.deepEqual(
      loaded.filter((u) => /\/packages\/(gateway|monitor)\//.test(u)),
      [],
    );
    // A put still encodes with protobufjs, built for its own two messages.
    const put = await run(['put', '/bin/two', 'v']);
    assert.equal(put.stdout, 'OK\n');
    assert.ok(put.stderr.split('\n').some((u) => u.includes('/protobufjs/')));
  } finally {
    await cluster.stop();
  }
});

test("run through its #! line, the bin keeps Node's built-in code cache: no built-in module is compiled afresh", async () => {
  // NODE_DEBUG_NATIVE=CODE_CACHE makes Node.js say which built-in modules' embedded code cache V8 rejects: all of them
  // when a start-up flag changes V8's flag hash, as --heap-growing-percent did in the #! line.
  const env = { ...process.env, PATH: `${dirname(process.execPath)}:${process.env.PATH}`, NODE_DEBUG_NATIVE: 'CODE_CACHE' };
  const { stdout, stderr } = await promisify(execFile)(BIN, ['ctl', 'version'], { env, encoding: 'utf8' });
  assert.match(stdout, /^etcd-monitor ctl version: /);
  assert.match(stderr, /code cache/, 'Node.js reports on its code cache');
  assert.deepEqual(
    stderr.split('\n').filter((l) => /rejected/.test(l)),
    [],
  );
});
