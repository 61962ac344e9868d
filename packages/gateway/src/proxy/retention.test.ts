// Nothing of a request outlives it but what the worker's bounded free lists keep: the exchanges, requests and responses
// that ended requests give back (Exchange.keep, PipelinedConn.recycle) wait there for the next request of any connection,
// holding no socket; a connection, open and idle or closed, holds nothing of its last request, and its socket and what
// lives beside it in WeakMaps (the write batch, the request count) are collected once the client has gone.
// Old-generation growth per request is what brings mark-compacts (docs/gateway-latency.md), and memory held per idle
// connection is what 10,000 keep-alive connections multiply (docs/gateway.md, Memory).
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import v8 from 'node:v8';
import vm from 'node:vm';
import { setImmediate as turn } from 'node:timers/promises';
import { Exchange, freeExchanges } from './exchange.ts';
import { FREE_LIST_CAP } from '../http1/free-list.ts';
import { freeRequests, freeResponses } from '../http1/pipeline.ts';
import { holdsWrites } from '../http1/write-batch.ts';
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

/** Watched are WeakRefs to every exchange, request, response and client socket the proxy was handed, held by nothing else. */
interface Watched {
  exchanges: WeakRef<object>[];
  requests: WeakRef<object>[];
  responses: WeakRef<object>[];
  sockets: WeakRef<object>[];
}

/** watch records, without holding them, the objects of every request Exchange.take sees until the test ends. */
function watch(t: TestContext): Watched {
  const w: Watched = { exchanges: [], requests: [], responses: [], sockets: [] };
  const seen = new WeakSet<object>();
  const add = (list: WeakRef<object>[], x: object) => {
    if (seen.has(x)) return;
    seen.add(x);
    list.push(new WeakRef(x));
  };
  const take = Exchange.take;
  Exchange.take = (...args: Parameters<typeof take>) => {
    const ex = take(...args);
    add(w.exchanges, ex);
    add(w.requests, args[3]);
    add(w.responses, args[4]);
    add(w.sockets, args[3].socket);
    return ex;
  };
  t.after(() => (Exchange.take = take));
  return w;
}

/** alive counts the watched objects still reachable. */
function alive(list: WeakRef<object>[]): number {
  return list.filter((r) => r.deref() !== undefined).length;
}

/** collect runs full collections between turns: a WeakRef's target stays alive until the job that read it ends. */
async function collect(): Promise<void> {
  for (let i = 0; i < 3; i++) {
    await turn();
    gc();
  }
  await turn();
}

/** emptyFreeLists drops what the free lists hold, so that what stays reachable is held by something else. */
function emptyFreeLists(): void {
  freeExchanges.clear();
  freeRequests.clear();
  freeResponses.clear();
}

async function plainGateway(t: TestContext) {
  const up = await startUpstream('a', (_req, res) => res.end('ok'));
  return useGateway(t, [up], `[upstreams.a]\naddrs = ["${up.addr}"]\n[locations.plain]\nupstream = "a"\n[servers.s]\naddr = "127.0.0.1:0"\nlocations = ["plain"]\n`);
}

test('closed keep-alive connections leave nothing reachable but what the bounded free lists hold, and no socket', async (t) => {
  const gw = await plainGateway(t);
  const w = watch(t);
  const clients = await Promise.all([1, 2, 3, 4].map(() => keepAlive(gw.port('s'), 50, '/')));
  // Reused: 200 requests on 4 connections took no more exchanges, requests and responses than were in flight at once.
  assert.ok(w.exchanges.length <= 4, `${w.exchanges.length} exchanges for 4 connections`);
  assert.ok(w.requests.length <= 4, `${w.requests.length} requests for 4 connections`);
  assert.equal(w.sockets.length, 4);
  for (const c of clients) c.destroy();
  await waitFor(() => w.sockets.every((r) => (r.deref() as net.Socket | undefined)?.destroyed ?? true), 5000, 'the gateway to see the clients go');
  await collect();
  assert.equal(alive(w.sockets), 0, 'client sockets still reachable after they closed (a free list must hold none)');
  assert.ok(alive(w.exchanges) <= freeExchanges.size, 'an exchange reachable from elsewhere than the free list');
  emptyFreeLists();
  await collect();
  assert.equal(alive(w.exchanges), 0, 'exchanges still reachable after their connections closed');
  assert.equal(alive(w.requests), 0, 'requests still reachable after their connections closed');
  assert.equal(alive(w.responses), 0, 'responses still reachable after their connections closed');
});

test('idle keep-alive connections hold nothing of their last request: more of them than the free lists keep leave at most FREE_LIST_CAP of each kind', async (t) => {
  // Failed before the free lists, when each connection kept its last request's exchange, request and response for its
  // next request: all n stayed reachable while the connections were open.
  const gw = await plainGateway(t);
  const w = watch(t);
  const n = FREE_LIST_CAP + 64;
  // All at once, so that many are in flight together and as many exchanges are made.
  const clients = await Promise.all(Array.from({ length: n }, () => keepAlive(gw.port('s'), 1, '/')));
  t.after(() => clients.forEach((c) => c.destroy()));
  assert.equal(w.sockets.length, n);
  await collect();
  assert.equal(alive(w.sockets), n, 'the connections are open');
  assert.ok(alive(w.exchanges) <= FREE_LIST_CAP, `${alive(w.exchanges)} exchanges reachable for ${n} idle connections`);
  assert.ok(alive(w.requests) <= FREE_LIST_CAP, `${alive(w.requests)} requests reachable for ${n} idle connections`);
  assert.ok(alive(w.responses) <= FREE_LIST_CAP, `${alive(w.responses)} responses reachable for ${n} idle connections`);
  // What the free lists hold is all there is.
  emptyFreeLists();
  await collect();
  assert.equal(alive(w.exchanges), 0, 'an idle connection holds its last exchange');
  assert.equal(alive(w.requests), 0, 'an idle connection holds its last request');
  assert.equal(alive(w.responses), 0, 'an idle connection holds its last response');
});

test('idle keep-alive connections give their write batch back at the next sweep; a connection written to again takes one', async (t) => {
  // Failed before releaseWrites: each socket kept its Out (and its list) beside it for its whole life.
  const gw = await plainGateway(t);
  const w = watch(t);
  const clients = await Promise.all(Array.from({ length: 20 }, () => keepAlive(gw.port('s'), 1, '/')));
  t.after(() => clients.forEach((c) => c.destroy()));
  const socks = () => w.sockets.map((r) => r.deref() as net.Socket);
  assert.equal(w.sockets.length, 20);
  // The server's sweep runs once a second.
  await waitFor(() => socks().every((s) => !holdsWrites(s)), 5000, 'the idle connections to give their write batch back');
  // And a connection answers again after it: a second request on each, all answered whole.
  await Promise.all(
    clients.map(
      (c) =>
        new Promise<void>((resolve, reject) => {
          let seen = '';
          // keepAlive's listener would send more requests after each answer.
          c.removeAllListeners('data');
          c.on('data', (d: Buffer) => {
            seen += d.toString('latin1');
            if (seen.endsWith('\r\n\r\nok')) resolve();
            else if (seen.length > 1000) reject(new Error(seen));
          });
          c.write('GET /again HTTP/1.1\r\nHost: retention.test\r\n\r\n');
        }),
    ),
  );
});
