// batchWrites on real loopback sockets: writes wait for the end of the event loop turn, leave in order, and an end() in
// between neither loses nor reorders anything.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { batchWrites } from './llhttp.ts';

/** pair returns a connected client socket and a promise of everything its peer reads until the client ends; the server closes when the test ends. */
async function pair(t: TestContext): Promise<{ client: net.Socket; received: Promise<string> }> {
  let resolveRead!: (s: string) => void;
  const received = new Promise<string>((r) => (resolveRead = r));
  const server = net.createServer((s) => {
    let got = '';
    s.on('data', (d: Buffer) => (got += d.toString('latin1')));
    s.on('end', () => resolveRead(got));
    s.on('error', () => resolveRead(got));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const client = net.connect((server.address() as net.AddressInfo).port, '127.0.0.1');
  await new Promise<void>((r) => client.once('connect', r));
  t.after(() => server.close());
  return { client, received };
}

test('batched writes wait for the end of the turn, then leave in order across sockets', async (t) => {
  const a = await pair(t);
  const b = await pair(t);
  batchWrites(a.client);
  a.client.write('a1;', 'latin1');
  batchWrites(b.client);
  b.client.write('b1;');
  batchWrites(a.client);
  a.client.write(Buffer.from('a2;'));
  // Still held: nothing has been handed to the kernel within this turn.
  assert.equal(a.client.writableLength, 6);
  assert.equal(b.client.writableLength, 3);
  await new Promise((r) => setImmediate(r));
  assert.equal(a.client.writableLength, 0, 'flushed at the end of the turn');
  assert.equal(b.client.writableLength, 0);
  a.client.end('a3');
  b.client.end();
  assert.equal(await a.received, 'a1;a2;a3');
  assert.equal(await b.received, 'b1;');
});

test('an end() or a destroy() within the batched turn keeps what was written and does not throw at the flush', async (t) => {
  const a = await pair(t);
  const b = await pair(t);
  batchWrites(a.client);
  a.client.write('head;');
  a.client.end('tail');
  batchWrites(b.client);
  b.client.write('gone');
  b.client.destroy();
  await new Promise((r) => setImmediate(r));
  assert.equal(await a.received, 'head;tail');
  assert.equal(b.client.destroyed, true);
});
