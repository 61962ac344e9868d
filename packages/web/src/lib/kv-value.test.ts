import { test } from 'node:test';
import assert from 'node:assert/strict';
import { detectFormat, hexDump, textBase64, viewValue } from './kv-value.ts';
import { lineDiff } from './line-diff.ts';

test('detectFormat names JSON, YAML, TOML, plain text and text with control bytes', () => {
  assert.equal(detectFormat('{"a":1,"b":[1,2]}'), 'json');
  assert.equal(detectFormat('[1, 2]'), 'json');
  assert.equal(detectFormat('apiVersion: v1\nkind: Pod\nmetadata:\n  name: x\n'), 'yaml');
  assert.equal(detectFormat('---\n- a\n- b'), 'yaml');
  assert.equal(detectFormat('[server]\nport = 8080\nhost = "a"\n'), 'toml');
  assert.equal(detectFormat('title = "x"'), 'toml');
  assert.equal(detectFormat('hello world'), 'text');
  assert.equal(detectFormat('http://10.0.0.1:2379'), 'text');
  assert.equal(detectFormat('{not json'), 'text');
  assert.equal(detectFormat('k8s\u0000\n\u0002v1'), 'binary');
});

test('viewValue pretty-prints JSON, keeps other text as stored and shows bytes that are not UTF-8 as a hex dump', () => {
  assert.deepEqual(viewValue({ value: '{"a":{"b":1}}' }), { format: 'json', text: '{\n  "a": {\n    "b": 1\n  }\n}', editable: true });
  assert.deepEqual(viewValue({ value: 'a: 1' }), { format: 'yaml', text: 'a: 1', editable: true });
  const bin = viewValue({ valueBase64: Buffer.from([0x6b, 0x38, 0x73, 0x00, 0xff, 0x10]).toString('base64') });
  assert.equal(bin.format, 'binary');
  assert.equal(bin.editable, false);
  assert.equal(bin.text, '00000000  6b 38 73 00 ff 10                                 |k8s...|');
});

test('hexDump writes 16 bytes a line with offsets and an ASCII column', () => {
  const lines = hexDump(new Uint8Array(20).map((_, i) => 0x41 + i)).split('\n');
  assert.equal(lines.length, 2);
  assert.equal(lines[0], '00000000  41 42 43 44 45 46 47 48  49 4a 4b 4c 4d 4e 4f 50  |ABCDEFGHIJKLMNOP|');
  assert.equal(lines[1], `00000010  51 52 53 54${' '.repeat(39)}|QRST|`);
});

test('textBase64 encodes UTF-8 as etcdctl -w json does', () => {
  assert.equal(textBase64('héllo'), Buffer.from('héllo').toString('base64'));
});

test('lineDiff keeps common lines and marks removed and added ones', () => {
  assert.deepEqual(lineDiff('a\nb\nc', 'a\nx\nc\nd'), [
    { op: ' ', text: 'a' },
    { op: '-', text: 'b' },
    { op: '+', text: 'x' },
    { op: ' ', text: 'c' },
    { op: '+', text: 'd' },
  ]);
  assert.deepEqual(lineDiff('same', 'same'), [{ op: ' ', text: 'same' }]);
});
