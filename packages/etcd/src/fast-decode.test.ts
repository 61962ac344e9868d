import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeRangeKeys, decodeRangeResponse } from './fast-decode.ts';

// A RangeResponse by hand: header {revision: 5}, a field this decoder does not know (number 9, bytes), two
// key-values, more: true, count: 7.
const kv = (key: string, value: string) => {
  const k = Buffer.from(key);
  const v = Buffer.from(value);
  return Buffer.concat([Buffer.from([0x0a, k.length]), k, Buffer.from([0x10, 2, 0x18, 3, 0x20, 1, 0x2a, v.length]), v]);
};
const field = (tag: number, body: Buffer) => Buffer.concat([Buffer.from([tag, body.length]), body]);
const msg = Buffer.concat([
  field(0x0a, Buffer.from([0x18, 5])),
  field(0x4a, Buffer.from('unknown')),
  field(0x12, kv('ab', 'xyz')),
  field(0x12, kv('abc', '')),
  Buffer.from([0x18, 1, 0x20, 7]),
]);

test('a field the decoder does not know is skipped whole, length included', () => {
  const r = decodeRangeResponse(msg);
  assert.equal(r.header.revision, '5');
  assert.deepEqual(
    r.kvs.map((x) => [x.key.toString(), x.value.toString(), x.mod_revision]),
    [
      ['ab', 'xyz', '3'],
      ['abc', '', '3'],
    ],
  );
  assert.equal(r.more, true);
  assert.equal(r.count, '7');
});

test('decodeRangeKeys locates the same keys and value sizes without an object per key', () => {
  const r = decodeRangeKeys(msg);
  assert.equal(r.n, 2);
  assert.equal(r.header.revision, '5');
  assert.deepEqual(
    Array.from({ length: r.n }, (_v, i) => [r.buf.subarray(r.keyStart[i]!, r.keyStart[i]! + r.keyLength[i]!).toString(), r.valueLength[i]]),
    [
      ['ab', 3],
      ['abc', 0],
    ],
  );
  assert.equal(r.more, true);
  assert.equal(r.count, '7');
});
