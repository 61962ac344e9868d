import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '@etcd-monitor/core/testing';
import { isAppError } from '@etcd-monitor/core';
import { openSecretBox } from './secrets.ts';

test('credentials are sealed with a generated key file and open again after a restart', () => {
  const dir = tempDir('sec');
  const keyFile = join(dir, 'secret.key');
  const sealed = openSecretBox({ keyFile }).seal('hunter2');
  assert.match(sealed, /^enc:v1:/);
  assert.ok(!sealed.includes('hunter2'));
  assert.equal(statSync(keyFile).mode & 0o777, 0o600);
  assert.equal(readFileSync(keyFile).length, 32);
  assert.equal(openSecretBox({ keyFile }).open(sealed), 'hunter2');
});

test('the wrong key is a clear error, not garbage', () => {
  const dir = tempDir('sec');
  const sealed = openSecretBox({ keyFile: join(dir, 'a.key') }).seal('hunter2');
  assert.throws(
    () => openSecretBox({ keyFile: join(dir, 'b.key') }).open(sealed),
    (e: unknown) => isAppError(e, 'MON_SECRET_KEY'),
  );
  const viaEnv = openSecretBox({ keyFile: join(dir, 'unused.key'), env: { ETCD_MONITOR_SECRET_KEY: 'correct horse' } });
  assert.equal(viaEnv.open(viaEnv.seal('x')), 'x');
});
