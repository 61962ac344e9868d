import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isAppError } from '../errors.ts';
import { parseEndpoints } from './endpoints.ts';

test('endpoints are normalised like etcdctl: scheme-less is http unless TLS is configured', () => {
  assert.deepEqual(parseEndpoints('127.0.0.1:2379, localhost:22379'), ['http://127.0.0.1:2379', 'http://localhost:22379']);
  assert.deepEqual(parseEndpoints('127.0.0.1:2379', true), ['https://127.0.0.1:2379']);
  assert.deepEqual(parseEndpoints('https://[::1]:2379'), ['https://[::1]:2379']);
  assert.deepEqual(parseEndpoints('etcd_1.internal:2379/'), ['http://etcd_1.internal:2379']);
});

test('malformed endpoints name the flag and the fix', () => {
  for (const bad of ['', 'unix:///tmp/x', 'http://host', 'host:port', 'http://h:1/path', ',,', 'h:70000']) {
    assert.throws(
      () => parseEndpoints(bad),
      (err: unknown) => {
        assert.ok(isAppError(err, 'ETCD_BAD_ENDPOINT'), String(err));
        assert.equal(err.field, '--endpoints');
        assert.ok(err.hint);
        return true;
      },
    );
  }
});
