import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ipListMatcher, parseCidr } from './ip-list.ts';

test('parseCidr reads addresses and ranges of both families and refuses the rest', () => {
  assert.deepEqual(parseCidr('10.0.0.0/8'), { address: '10.0.0.0', prefix: 8, family: 'ipv4' });
  assert.deepEqual(parseCidr('::1'), { address: '::1', prefix: 128, family: 'ipv6' });
  assert.deepEqual(parseCidr(' fd00::/8 '), { address: 'fd00::', prefix: 8, family: 'ipv6' });
  for (const bad of ['10.0.0.0/33', '::/129', '10.0.0/8', 'host', '10.0.0.1/8/2', '10.0.0.1/x', '']) assert.equal(parseCidr(bad), undefined, bad);
});

test('ipListMatcher matches addresses, ranges, IPv6 and IPv4-mapped peers', () => {
  const m = ipListMatcher(['127.0.0.1', '10.0.0.0/8', 'fd00::/8']);
  assert.equal(m('127.0.0.1'), true);
  assert.equal(m('127.0.0.2'), false);
  assert.equal(m('10.200.1.1'), true);
  assert.equal(m('::ffff:10.1.2.3'), true);
  assert.equal(m('fd12::1'), true);
  assert.equal(m('fe80::1'), false);
  assert.equal(m('not-an-ip'), false);
  assert.equal(ipListMatcher([])('127.0.0.1'), false);
});
