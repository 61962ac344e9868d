import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isAppError } from '@etcd-monitor/core';
import { tempDir } from '@etcd-monitor/core/testing';
import { mergeFlagsWithEnv, resolveConnectionOptions } from './options.ts';

const PEM = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';

test('scheme-less endpoints use TLS when a CA is configured, as etcdctl does', () => {
  const dir = tempDir('opts');
  writeFileSync(join(dir, 'ca.pem'), PEM);
  const o = resolveConnectionOptions({ endpoints: '127.0.0.1:2379', cacert: join(dir, 'ca.pem') });
  assert.deepEqual(o.endpoints, ['https://127.0.0.1:2379']);
  assert.ok(o.tls?.ca);
});

test('defaults follow etcdctl: 127.0.0.1:2379, 2s dial, 5s command', () => {
  const o = resolveConnectionOptions({});
  assert.deepEqual(o.endpoints, ['http://127.0.0.1:2379']);
  assert.equal(o.dialTimeoutMs, 2000);
  assert.equal(o.commandTimeoutMs, 5000);
  assert.equal(o.auth, undefined);
});

test('--user takes name:password, or the name with --password', () => {
  assert.deepEqual(resolveConnectionOptions({ user: 'root:s3cr:et' }).auth, { username: 'root', password: 's3cr:et' });
  assert.deepEqual(resolveConnectionOptions({ user: 'root', password: 'pw' }).auth, { username: 'root', password: 'pw' });
  assert.throws(() => resolveConnectionOptions({ user: 'root' }), /--user "root" has no password/);
  assert.throws(() => resolveConnectionOptions({ password: 'pw' }), /--password was given without --user/);
});

test('ETCDCTL_* variables fill in flags; a variable and the same flag together is an error, as in etcdctl', () => {
  const merged = mergeFlagsWithEnv({ user: 'root:pw' }, { ETCDCTL_ENDPOINTS: '10.0.0.1:2379', ETCDCTL_COMMAND_TIMEOUT: '9s' });
  assert.equal(merged.endpoints, '10.0.0.1:2379');
  assert.equal(merged.commandTimeout, '9s');
  assert.throws(
    () => mergeFlagsWithEnv({ endpoints: 'a:1' }, { ETCDCTL_ENDPOINTS: 'b:2' }),
    (err: unknown) => {
      assert.ok(isAppError(err, 'ETCD_FLAG_CONFLICT'));
      assert.match(err.message, /ETCDCTL_ENDPOINTS is shadowed by the command-line flag --endpoints/);
      assert.match(err.hint ?? '', /unset ETCDCTL_ENDPOINTS/);
      return true;
    },
  );
});

test('unreadable or non-PEM certificate files name the flag', () => {
  const dir = tempDir('opts');
  writeFileSync(join(dir, 'junk'), 'not a certificate');
  assert.throws(() => resolveConnectionOptions({ cacert: join(dir, 'missing.pem') }), /--cacert: cannot read .*missing\.pem: no such file/);
  assert.throws(() => resolveConnectionOptions({ cacert: dir }), /--cacert: cannot read .*: is a directory/);
  assert.throws(() => resolveConnectionOptions({ cert: join(dir, 'junk'), key: join(dir, 'junk') }), /--cert: .* is not a PEM file/);
  writeFileSync(join(dir, 'c.pem'), PEM);
  assert.throws(() => resolveConnectionOptions({ cert: join(dir, 'c.pem') }), /--cert was given without --key/);
});

test('bad timeouts and booleans name the flag', () => {
  assert.throws(() => resolveConnectionOptions({ dialTimeout: 'soon' }), /--dial-timeout: "soon" is not a duration/);
  assert.throws(() => resolveConnectionOptions({ commandTimeout: '0s' }), /--command-timeout: must be greater than zero/);
  assert.throws(() => resolveConnectionOptions({ insecureTransport: 'maybe' }), /--insecure-transport: "maybe" is not true or false/);
});
