import { test } from 'node:test';
import assert from 'node:assert/strict';
import { quickIPv6Check } from './etcd.ts';

test('quickIPv6Check leaves net.isIPv6 answering as Node does (isIP, which it does not replace, is the reference)', () => {
  // The CommonJS exports object, the one grpc-js calls through (an ESM namespace import would keep the original).
  const net = process.getBuiltinModule('node:net');
  const samples = ['127.0.0.1', 'localhost', '', '::1', '::', 'fe80::1%eth0', '::ffff:127.0.0.1', '1:2', '2001:db8::8a2e:370:7334', '[::1]', 'a:b:c:d:e:f:0:1', '1::2::3'];
  const original = net.isIPv6;
  quickIPv6Check();
  quickIPv6Check();
  assert.notEqual(net.isIPv6, original, 'replaced');
  const replaced = net.isIPv6;
  quickIPv6Check();
  assert.equal(net.isIPv6, replaced, 'replaced once');
  assert.deepEqual(
    samples.map((s) => net.isIPv6(s)),
    samples.map((s) => net.isIP(s) === 6),
  );
  assert.deepEqual(
    samples.map((s) => net.isIPv6(s)),
    [false, false, false, true, true, true, true, false, true, false, true, false],
  );
});
