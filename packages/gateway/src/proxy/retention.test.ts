// Nothing of a request outlives its connection: the exchanges a keep-alive connection reuses (Exchange.take), its socket
// and what lives beside the socket in WeakMaps (the write batch, the request count) are all collected once the client
// has gone. Old-generation growth per request is what brings mark-compacts (docs/gateway-latency.md); a connection that
// stayed reachable after closing would add to it with every connection.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import v8 from 'node:v8';
import vm from 'node:vm';
import { setImmediate as turn } from 'node:timers/promises';
import { Exchange } from './exchange.ts';
import { startUpstream, useGateway, waitFor } from '../test-helpers.ts';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

/** keepAlive sends `n` requests one after another on one connection and resolves with the socket once all are answered. */
function keepAlive(port: number, n: number, path: string): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1');
    let answered = 0;
    let seen = '';
    const send = () => s.write(`GET ${path} HTTP/1.1\r\nHost: retention.test\r\nx-n: ${answered}\r\n\r\n`);
    s.on('connect', send);
    s.on('error', reject);
    s.on('data', (d: Buffer) => {
      seen += d.toString('latin1');
      // The upstream answers "ok" with a Content-Length: a response ends with its body.
      while (seen.includes('\r\n\r\nok')) {
        if (!seen.startsWith('HTTP/1.1 200')) return reject(new Error(`unexpected answer: ${seen.slice(0, 80)}`));
        seen = seen.slice(seen.indexOf('\r\n\r\nok') + 6);
        if (++answered === n) return resolve(s);
        send();
      }
    });
  });
}

test('exchanges and client sockets of closed keep-alive connections are collected', async (t) => {
  const up = await startUpstream('a', (_req, res) => res.end('ok'));
  const gw = await useGateway(t, [up], `[upstreams.a]\naddrs = ["${up.addr}"]\n[locations.plain]\nupstream = "a"\n[servers.s]\naddr = "127.0.0.1:0"\nlocations = ["plain"]\n`);
  const port = gw.port('s');
  // Every exchange handed out, and the gateway's side of every client connection, watched without being held.
  const exchanges: WeakRef<Exchange>[] = [];
  const sockets: WeakRef<object>[] = [];
  const take = Exchange.take;
  Exchange.take = (...args: Parameters<typeof take>) => {
    const ex = take(...args);
    if (!exchanges.some((r) => r.deref() === ex)) exchanges.push(new WeakRef(ex));
    const sock = args[3].socket;
    if (!sockets.some((r) => r.deref() === sock)) sockets.push(new WeakRef(sock));
    return ex;
  };
  t.after(() => (Exchange.take = take));
  const clients = await Promise.all([1, 2, 3, 4].map(() => keepAlive(port, 50, '/')));
  // Reused: one exchange per connection served its 50 requests.
  assert.equal(exchanges.length, 4);
  assert.equal(sockets.length, 4);
  for (const c of clients) c.destroy();
  await waitFor(() => sockets.every((r) => (r.deref() as net.Socket | undefined)?.destroyed ?? true), 5000, 'the gateway to see the clients go');
  // A WeakRef's target stays alive until the job that read it ends: collect between turns.
  for (let i = 0; i < 3; i++) {
    await turn();
    gc();
  }
  await turn();
  assert.equal(exchanges.filter((r) => r.deref() !== undefined).length, 0, 'exchanges still reachable after their connections closed');
  assert.equal(sockets.filter((r) => r.deref() !== undefined).length, 0, 'client sockets still reachable after they closed');
});
