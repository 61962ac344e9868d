import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isIP } from 'node:net';
import { isAppError } from '../errors.ts';
import { checkHostPort, formatHostPort, isIPv4, isIPv6, parseHostPort, type HostPortOptions } from './host-port.ts';

const good: [string, HostPortOptions, string, number][] = [
  ['127.0.0.1:8080', {}, '127.0.0.1', 8080],
  [' localhost:1 ', {}, 'localhost', 1],
  ['etcd_1.internal:2379', {}, 'etcd_1.internal', 2379],
  ['example.com.:443', {}, 'example.com.', 443],
  ['[::1]:8080', {}, '::1', 8080],
  ['[::]:0', { allowPortZero: true }, '::', 0],
  ['[fe80::1%eth0]:80', {}, 'fe80::1%eth0', 80],
  ['[::ffff:10.0.0.1]:65535', {}, '::ffff:10.0.0.1', 65535],
  ['0.0.0.0:0', { allowPortZero: true }, '0.0.0.0', 0],
  ['backend', { defaultPort: 80 }, 'backend', 80],
  ['[2001:db8::2]', { defaultPort: 443 }, '2001:db8::2', 443],
];

test('parseHostPort reads host:port, bracketed IPv6 and a default port', () => {
  for (const [text, opts, host, port] of good) assert.deepEqual(parseHostPort(text, opts), { host, port }, text);
});

const bad: [string, HostPortOptions, RegExp][] = [
  ['', {}, /is empty/],
  ['localhost', {}, /has no port/],
  ['localhost:', { defaultPort: 80 }, /has no port/],
  [':8080', {}, /has no host/],
  ['127.0.0.1:0', {}, /out of range/],
  ['127.0.0.1:65536', { allowPortZero: true }, /out of range/],
  ['127.0.0.1:http', {}, /is not a number/],
  ['127.0.0.1:-1', {}, /is not a number/],
  ['::1:8080', {}, /IPv6 address without brackets/],
  ['::1', { defaultPort: 80 }, /IPv6 address without brackets/],
  ['[::1', {}, /is not "host:port"/],
  ['[not-v6]:80', {}, /not an IPv6 address/],
  ['[1:2:3:4:5:6:7:8:9]:80', {}, /not an IPv6 address/],
  ['999.1.1.1:80', {}, /is not an IP address or hostname/],
  ['1.2.3:80', {}, /is not an IP address or hostname/],
  ['bad host:80', {}, /is not an IP address or hostname/],
  ['user@host:80', {}, /is not an IP address or hostname/],
  ['http://h:80', {}, /is not "host:port"/],
  ['-lead.example:80', {}, /is not an IP address or hostname/],
];

test('bad addresses throw an error naming the field and the fix, never a default address', () => {
  for (const [text, opts, why] of bad) {
    assert.throws(
      () => parseHostPort(text, { ...opts, field: 'basic.admin_addr', code: 'GW_CONFIG_INVALID' }),
      (err: unknown) => {
        assert.ok(isAppError(err, 'GW_CONFIG_INVALID'), `${text}: ${String(err)}`);
        assert.equal(err.field, 'basic.admin_addr');
        assert.match(err.message, /^basic\.admin_addr: /);
        assert.match(err.message, why, text);
        assert.match(err.hint ?? '', /host:port/);
        return true;
      },
      text,
    );
  }
  assert.throws(
    () => parseHostPort('x'),
    (err: unknown) => isAppError(err, 'CORE_BAD_ADDRESS') && err.field === 'address',
  );
});

test('the IP checks agree with node:net on a table of addresses', () => {
  for (const s of [
    '127.0.0.1',
    '255.255.255.255',
    '256.0.0.1',
    '01.2.3.4',
    '1.2.3',
    '::',
    '::1',
    '1::',
    'fe80::1%eth0',
    '::ffff:1.2.3.4',
    '1:2:3:4:5:6:7:8',
    '1:2:3:4:5:6:7::',
    '1:2:3:4:5:6:7:8:9',
    ':::',
    '1::2::3',
    'g::1',
    '12345::',
    '::1.2.3.4',
    '1.2.3.4::',
  ]) {
    assert.equal(isIPv4(s), isIP(s) === 4, `isIPv4(${s})`);
    assert.equal(isIPv6(s), isIP(s) === 6, `isIPv6(${s})`);
  }
});

test('formatHostPort brackets IPv6 hosts and parses back', () => {
  for (const [host, port] of [
    ['::1', 80],
    ['10.0.0.1', 8080],
    ['example.com', 443],
  ] as const) {
    const s = formatHostPort(host, port);
    assert.deepEqual(parseHostPort(s), { host, port });
  }
  assert.equal(formatHostPort('::1', 80), '[::1]:80');
});

test('checkHostPort returns the reason instead of throwing, for validators that collect every problem', () => {
  assert.equal(checkHostPort('127.0.0.1:99999'), 'port 99999 in "127.0.0.1:99999" is out of range');
  assert.equal(checkHostPort('127.0.0.1'), '"127.0.0.1" has no port');
  assert.deepEqual(checkHostPort('127.0.0.1', { defaultPort: 80 }), { host: '127.0.0.1', port: 80 });
});
