import { test } from 'node:test';
import assert from 'node:assert/strict';
import { headBegin, headEnd, headPut, headPutBytes } from './head-buffer.ts';

test('heads written into the slab keep their bytes after later heads fill it and a new slab replaces it', () => {
  const heads: [Buffer, string][] = [];
  // ~300 KB of heads: several slabs, some heads larger than a slab.
  for (let i = 0; i < 300; i++) {
    const value = 'v'.repeat(i % 7 === 0 ? 70_000 : 900);
    const text = `GET /${i} HTTP/1.1\r\nx-n: ${i}\r\nx-big: ${value}\r\n\r\nbody-${i}`;
    headBegin(text.length);
    headPut(`GET /${i} HTTP/1.1\r\n`);
    headPut(`x-n: ${i}\r\n`);
    headPut(`x-big: ${value}\r\n\r\n`);
    headPutBytes(Buffer.from(`body-${i}`));
    heads.push([headEnd(), text]);
  }
  for (const [b, text] of heads) assert.equal(b.toString('latin1'), text);
});

test('a head is written as latin1, as a socket write with latin1 sends it', () => {
  headBegin(4);
  headPut('é\u00ff');
  assert.deepEqual([...headEnd()], [0xe9, 0xff]);
});

test('short pieces (copied by a loop) and long ones (Buffer#write) give the bytes latin1 gives, code units above 255 included', () => {
  for (const s of ['', 'a', ': ', '\r\n', 'x-\u0141\u20ac-\uffff', 'ä'.repeat(64), 'ő'.repeat(65), 'Content-Length', 'v'.repeat(200)]) {
    headBegin(s.length + 2);
    headPut('<');
    headPut(s);
    headPut('>');
    assert.deepEqual(headEnd(), Buffer.from(`<${s}>`, 'latin1'), JSON.stringify(s));
  }
});
