import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tempDir } from '@etcd-monitor/core/testing';
import { runCli } from '../testing.ts';

const oneClearLine = (stderr: string, pattern: RegExp) => {
  const lines = stderr.trim().split('\n');
  assert.ok(lines.length <= 2, `expected one message (and a usage pointer), got:\n${stderr}`);
  assert.match(lines[0]!, pattern);
  assert.doesNotMatch(stderr, /\n\s+at /, 'no stack trace');
};

test('usage errors exit 2 with one line naming the flag and the fix', async () => {
  const dir = tempDir('cli-usage');
  writeFileSync(join(dir, 'junk.pem'), 'junk');
  const cases: Array<[string[], NodeJS.ProcessEnv, RegExp]> = [
    [['status', '--bogus'], {}, /unknown option '--bogus'/],
    [['status', '--endpoints', 'host:port'], {}, /--endpoints: "host:port" is not a valid address \(write each endpoint as host:port/],
    [['status', '--endpoints', 'ftp://127.0.0.1:1'], {}, /unsupported scheme "ftp"/],
    [['status', '--cacert', join(dir, 'nope.pem')], {}, /--cacert: cannot read .*nope\.pem: no such file/],
    [['status', '--cert', join(dir, 'junk.pem'), '--key', join(dir, 'junk.pem')], {}, /--cert: .*junk\.pem is not a PEM file/],
    [
      ['status', '--endpoints', '127.0.0.1:1'],
      { ETCDCTL_ENDPOINTS: '127.0.0.1:2' },
      /conflicting environment variable ETCDCTL_ENDPOINTS .* \(unset ETCDCTL_ENDPOINTS or drop --endpoints\)/,
    ],
    [['status', '-w', 'yaml'], {}, /--write-out: "yaml" is not a format \(use table or json\)/],
    [['status', '--dial-timeout', 'fast'], {}, /--dial-timeout: "fast" is not a duration/],
    [['status', '--user', 'root'], {}, /--user "root" has no password/],
  ];
  for (const [args, env, pattern] of cases) {
    const r = await runCli(args, env);
    assert.equal(r.code, 2, `${args.join(' ')} → ${r.stderr}`);
    oneClearLine(r.stderr, pattern);
    assert.equal(r.stdout, '');
  }
});

test('an unreachable endpoint is a row with its error, not a crash: exit 1', async () => {
  const r = await runCli(['status', '--endpoints', '127.0.0.1:1', '-w', 'json']);
  assert.equal(r.code, 1);
  const doc = JSON.parse(r.stdout);
  assert.equal(doc.verdict, 'no quorum');
  assert.equal(doc.members[0].endpoint, 'http://127.0.0.1:1');
  assert.equal(doc.members[0].error, 'connection refused');
  assert.equal(doc.members[0].errorCode, 'ETCD_UNREACHABLE');
});

test('the installed binary runs on Node 24 and reports usage errors without a stack trace', () => {
  const bin = fileURLToPath(new URL('../../bin/etcd-monitor.js', import.meta.url));
  const r = spawnSync(process.execPath, [bin, 'status', '--endpoints', 'http://:2379'], { encoding: 'utf8', timeout: 30_000 });
  assert.equal(r.status, 2, r.stderr);
  oneClearLine(r.stderr, /^etcd-monitor: error: --endpoints: "http:\/\/:2379"/);
});
