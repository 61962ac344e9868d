// The HTTP/1.1 data path (http1/ + upstream/pool.ts) against real upstream servers and real clients: framing, smuggling
// shapes, pipelining, streaming both ways, upstream failures and connection reuse.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { createHash } from 'node:crypto';
import { rawRequest, request, startGateway, startUpstream, waitFor, type TestUpstream } from '../test-helpers.ts';
import type { Gateway } from '../gateway.ts';
import { H1Server } from './server.ts';
import { answeringNow } from './write-batch.ts';
import { H1Request } from './request.ts';
import { H1Response } from './response.ts';

let up: TestUpstream;
let gw: Gateway;
let port: number;
/** bodies records, per request id, whether the upstream saw the whole request body. */
const bodies = new Map<string, { ended: boolean; bytes: number }>();
const ports: number[] = [];

before(async () => {
  up = await startUpstream('h1', (req, res) => {
    ports.push(req.socket.remotePort!);
    const id = String(req.headers['x-id'] ?? '');
    const seen = { ended: false, bytes: 0 };
    if (id) bodies.set(id, seen);
    const url = req.url ?? '/';
    if (url === '/chunked') {
      // No Content-Length: the upstream answers chunked.
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('part1;');
      setTimeout(() => res.end('part2'), 10);
      return;
    }
    if (url === '/chunked-big') {
      // 100 KiB without Content-Length, in 10 writes.
      res.writeHead(200, { 'content-type': 'text/plain' });
      for (let i = 0; i < 10; i++) res.write(Buffer.alloc(10 * 1024, 48 + i));
      res.end();
      return;
    }
    if (url === '/big-download') {
      const size = 5 * 1024 * 1024;
      res.writeHead(200, { 'content-length': size });
      let sent = 0;
      const chunk = Buffer.alloc(64 * 1024, 'd');
      const pump = () => {
        while (sent < size) {
          sent += chunk.length;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
        res.end();
      };
      pump();
      return;
    }
    if (url === '/cut') {
      // Promises 1000 bytes, sends 10 and closes.
      res.writeHead(200, { 'content-length': 1000 });
      res.write('0123456789');
      setTimeout(() => req.socket.destroy(), 20);
      return;
    }
    if (url === '/hint') {
      res.writeEarlyHints({ link: '</style.css>; rel=preload' });
      res.end('after-hint');
      return;
    }
    if (url === '/head') {
      res.writeHead(200, { 'content-length': 42, 'x-head': 'yes' });
      res.end(req.method === 'HEAD' ? undefined : 'x'.repeat(42));
      return;
    }
    const hash = createHash('sha256');
    req.on('data', (c: Buffer) => {
      seen.bytes += c.length;
      hash.update(c);
    });
    req.on('end', () => {
      seen.ended = true;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          url,
          method: req.method,
          bytes: seen.bytes,
          sha: hash.digest('hex'),
          te: req.headers['transfer-encoding'] ?? null,
          cl: req.headers['content-length'] ?? null,
        }),
      );
    });
  });
  gw = await startGateway(`
[upstreams.up]
addrs = ["${up.addr}"]
[locations.all]
upstream = "up"
[servers.main]
addr = "127.0.0.1:0"
locations = ["all"]
enabled_h2 = false
`);
  port = gw.port('main');
});

after(async () => {
  await gw?.stop(0);
  await up?.close();
});

/** exchange writes raw bytes and collects what comes back until `done` says the reply is complete (or 3 s pass). */
function exchange(data: string | Buffer[], done: (text: string) => boolean): Promise<string> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1', () => {
      if (typeof data === 'string') s.write(data);
      else for (const d of data) s.write(d);
    });
    let out = '';
    const t = setTimeout(() => s.destroy(), 3000);
    s.on('data', (c) => {
      out += c.toString('latin1');
      if (done(out)) s.destroy();
    });
    s.on('close', () => {
      clearTimeout(t);
      resolve(out);
    });
    s.on('error', () => {});
  });
}

test('smuggling shapes and malformed heads get 400 (431 for a head too large) and a closed connection; the upstream sees nothing', async () => {
  const before = up.hits;
  const shapes = [
    'POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
    'POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\nContent-Length: 4\r\n\r\n0\r\n\r\n',
    'POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 4\r\nContent-Length: 5\r\n\r\nabcde',
    'POST / HTTP/1.1\r\nHost: t\r\nContent-Length: -1\r\n\r\n',
    'POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: gzip\r\n\r\nabc',
    'POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: identity\r\n\r\n0\r\n\r\n',
    'POST / HTTP/1.1\r\nHost: t\r\n Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
    'GET / HTTP/1.1\r\nHost: t\r\nX-Folded: a\r\n b\r\n\r\n',
    'GET / HTTP/1.1\nHost: t\n\n',
    'GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n',
    'GET / HTTP/1.1\r\n\r\n',
    'GET http://user@evil/ HTTP/1.1\r\nHost: t\r\n\r\n',
    'GET evil:80 HTTP/1.1\r\nHost: t\r\n\r\n',
    'CONNECT evil:443 HTTP/1.1\r\nHost: evil:443\r\n\r\n',
    'GET / HTTP/9.9\r\nHost: t\r\n\r\n',
    `GET / HTTP/1.1\r\nHost: t\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`,
  ];
  for (const s of shapes) {
    const out = await rawRequest(port, s);
    assert.match(out, /^HTTP\/1\.1 (400|405|431) /, `expected a refusal for ${JSON.stringify(s.slice(0, 90))}, got ${JSON.stringify(out.slice(0, 80))}`);
    assert.match(out, /connection: close/i);
  }
  assert.equal(up.hits, before);
});

test('a malformed chunked body aborts the upstream request before it completes and answers 400', async () => {
  const out = await exchange('POST / HTTP/1.1\r\nHost: t\r\nX-Id: badchunk\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\nzz\r\n', () => false);
  assert.match(out, /^HTTP\/1\.1 400 /);
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(bodies.get('badchunk')?.ended ?? false, false, 'the upstream never saw a complete request');
});

test('chunked request bodies are re-framed upstream; chunked responses reach HTTP/1.1 and HTTP/1.0 clients', async () => {
  const body = await new Promise<string>((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method: 'POST', path: '/echo', agent: false, headers: { 'transfer-encoding': 'chunked' } }, (res) => {
      let b = '';
      res.on('data', (c: Buffer) => (b += c.toString()));
      res.on('end', () => resolve(b));
    });
    req.on('error', reject);
    req.write('abc');
    setTimeout(() => req.end('def'), 10);
  });
  const e = JSON.parse(body);
  assert.equal(e.bytes, 6);
  assert.equal(e.te, 'chunked');
  const r11 = await request(port, { path: '/chunked' });
  assert.equal(r11.body, 'part1;part2');
  assert.equal(r11.headers['transfer-encoding'], 'chunked');
  const r10 = await exchange('GET /chunked HTTP/1.0\r\nHost: t\r\n\r\n', () => false);
  assert.match(r10, /^HTTP\/1\.1 200 /);
  assert.match(r10, /connection: close/i);
  assert.doesNotMatch(r10, /transfer-encoding/i);
  assert.match(r10, /\r\n\r\npart1;part2$/);
});

test('pipelined requests are answered in order on one connection', async () => {
  const reqs = ['/p1', '/p2', '/p3'].map((p) => `GET ${p} HTTP/1.1\r\nHost: t\r\n\r\n`).join('');
  const out = await exchange(reqs, (t) => (t.match(/HTTP\/1\.1 200/g) ?? []).length === 3 && t.endsWith('}\r\n0\r\n\r\n'));
  const urls = [...out.matchAll(/"url":"(\/p\d)"/g)].map((m) => m[1]);
  assert.deepEqual(urls, ['/p1', '/p2', '/p3']);
});

test('pipelined requests before one with Connection: close, or HTTP/1.0 ones, are all answered in order, then the connection closes', async () => {
  // rawRequest reads until the gateway closes: every answer must come before that close.
  const cases: [string, string[]][] = [
    [['/c1', '/c2'].map((p) => `GET ${p} HTTP/1.1\r\nHost: t\r\n\r\n`).join('') + 'GET /c3 HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n', ['/c1', '/c2', '/c3']],
    ['GET /k1 HTTP/1.0\r\nConnection: keep-alive\r\n\r\nGET /k2 HTTP/1.0\r\nConnection: keep-alive\r\n\r\nGET /k3 HTTP/1.0\r\n\r\n', ['/k1', '/k2', '/k3']],
    // Nothing after the request that closes the connection is processed (RFC 9112 §9.6).
    ['GET /a1 HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\nGET /a2 HTTP/1.1\r\nHost: t\r\n\r\n', ['/a1']],
    ['GET /h1 HTTP/1.0\r\n\r\nGET /h2 HTTP/1.0\r\n\r\n', ['/h1']],
  ];
  for (const [raw, want] of cases) {
    const out = await rawRequest(port, raw);
    assert.deepEqual(
      [...out.matchAll(/"url":"(\/\w+)"/g)].map((m) => m[1]),
      want,
      out,
    );
    const heads = [...out.matchAll(/HTTP\/1\.1 \d{3}[^]*?\r\n\r\n/g)].map((m) => m[0]);
    assert.equal(heads.length, want.length);
    assert.match(heads.at(-1)!, /\r\nconnection: close/i, 'the last answer says the connection closes');
    for (const h of heads.slice(0, -1)) assert.doesNotMatch(h, /\r\nconnection: close/i, 'earlier answers keep it open');
    // The upstream answers chunked; HTTP/1.0 cannot chunk, so a keep-alive answer is sent with its length instead.
    if (raw.includes('keep-alive')) for (const h of heads.slice(0, -1)) assert.match(h, /\r\ncontent-length: \d+\r\nconnection: keep-alive/i);
  }
  // Past 64 KiB an HTTP/1.0 answer of unknown length is not held: it streams and the close delimits it.
  const big = await rawRequest(port, 'GET /chunked-big HTTP/1.0\r\nConnection: keep-alive\r\n\r\nGET /p1 HTTP/1.0\r\n\r\n');
  const head = big.slice(0, big.indexOf('\r\n\r\n'));
  assert.match(head, /\r\nconnection: close/i);
  assert.doesNotMatch(head, /content-length/i);
  assert.equal(big.length - head.length - 4, 100 * 1024, 'the whole body, and nothing after it');
});

test('a head over max_header_size gets 414 when the request line is too long and 431 when the headers are; nothing reaches the upstream', async () => {
  const hits = up.hits;
  const longUri = await rawRequest(port, `GET /${'a'.repeat(20_000)} HTTP/1.1\r\nHost: t\r\n\r\n`);
  assert.match(longUri, /^HTTP\/1\.1 414 URI Too Long\r\n/);
  const bigHeader = await rawRequest(port, `GET / HTTP/1.1\r\nHost: t\r\nX-Big: ${'b'.repeat(20_000)}\r\n\r\n`);
  assert.match(bigHeader, /^HTTP\/1\.1 431 Request Header Fields Too Large\r\n/);
  const manyHeaders = await rawRequest(
    port,
    `GET /?${'q'.repeat(100)} HTTP/1.1\r\nHost: t\r\n${Array.from({ length: 600 }, (_, i) => `X-H${i}: ${'v'.repeat(30)}\r\n`).join('')}\r\n`,
  );
  assert.match(manyHeaders, /^HTTP\/1\.1 431 /);
  // Sent in pieces: the line that overflows is judged by what was read of it.
  const pieces = await exchange([Buffer.from('GET /'), Buffer.from('c'.repeat(20_000)), Buffer.from(' HTTP/1.1\r\nHost: t\r\n\r\n')], (t) => t.includes('\r\n\r\n'));
  assert.match(pieces, /^HTTP\/1\.1 (414|431) /);
  assert.equal(up.hits, hits);
});

test('large bodies stream both ways intact', async () => {
  const size = 8 * 1024 * 1024;
  const data = Buffer.alloc(size);
  for (let i = 0; i < size; i += 4) data.writeUInt32LE(i, i);
  const sha = createHash('sha256').update(data).digest('hex');
  for (const framing of ['content-length', 'chunked'] as const) {
    const r = await request(port, { method: 'PUT', path: '/upload', body: data, headers: framing === 'chunked' ? { 'transfer-encoding': 'chunked' } : { 'content-length': size } });
    const e = JSON.parse(r.body);
    assert.equal(e.bytes, size, framing);
    assert.equal(e.sha, sha, framing);
  }
  const got = await new Promise<number>((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path: '/big-download', agent: false }, (res) => {
        let n = 0;
        // A slow reader: the gateway must apply backpressure rather than buffer 5 MiB.
        res.on('data', (c: Buffer) => {
          n += c.length;
          res.pause();
          setImmediate(() => res.resume());
        });
        res.on('end', () => resolve(n));
      })
      .on('error', reject);
  });
  assert.equal(got, 5 * 1024 * 1024);
});

test('an upstream closing mid-response cuts the client connection; closing before answering gives 502', async () => {
  const out = await exchange('GET /cut HTTP/1.1\r\nHost: t\r\n\r\n', () => false);
  assert.match(out, /^HTTP\/1\.1 200 /);
  assert.match(out, /content-length: 1000/i);
  assert.ok(out.endsWith('0123456789'), 'the client sees the bytes sent, then the connection closes');
  const dead = await startUpstream('dead', (req) => req.socket.destroy());
  const g = await startGateway(`
[upstreams.d]
addrs = ["${dead.addr}"]
retries = 0
[locations.all]
upstream = "d"
[servers.main]
addr = "127.0.0.1:0"
locations = ["all"]
`);
  try {
    const r = await request(g.port('main'), { method: 'POST', path: '/x', body: 'x' });
    assert.equal(r.status, 502);
  } finally {
    await g.stop(0);
    await dead.close();
  }
});

test('keep-alive: client and upstream connections are reused', async () => {
  ports.length = 0;
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const seenClient = new Set<number>();
  for (let i = 0; i < 5; i++) {
    await new Promise<void>((resolve, reject) => {
      const req = http.get({ host: '127.0.0.1', port, path: `/ka${i}`, agent }, (res) => {
        seenClient.add(req.socket!.localPort!);
        res.resume();
        res.on('end', () => resolve());
      });
      req.on('error', reject);
    });
  }
  agent.destroy();
  assert.equal(seenClient.size, 1, 'one client connection');
  assert.equal(new Set(ports).size, 1, 'one upstream connection');
});

test('Expect: 100-continue, HEAD and interim 1xx responses', async () => {
  // The 100 comes before any body byte was sent.
  const out = await exchange('POST /e HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\nExpect: 100-continue\r\n\r\n', (t) => t.startsWith('HTTP/1.1 100 Continue\r\n\r\n'));
  assert.equal(out, 'HTTP/1.1 100 Continue\r\n\r\n');
  const full = await exchange([Buffer.from('POST /e HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\nExpect: 100-continue\r\n\r\n'), Buffer.from('abc')], (t) =>
    t.endsWith('}\r\n0\r\n\r\n'),
  );
  assert.match(full, /^HTTP\/1\.1 100 Continue\r\n\r\nHTTP\/1\.1 200 /);
  assert.match(full, /"bytes":3/);
  const head = await exchange('HEAD /head HTTP/1.1\r\nHost: t\r\n\r\nGET /head HTTP/1.1\r\nHost: t\r\n\r\n', (t) => t.endsWith('x'.repeat(42)));
  const [first, second] = head.split(/(?=HTTP\/1\.1 200)/);
  assert.match(first!, /content-length: 42/i);
  assert.match(first!, /\r\n\r\n$/, 'no body after the HEAD response head');
  assert.match(second!, /x{42}$/);
  const hint = await request(port, { path: '/hint' });
  assert.equal(hint.status, 200);
  assert.equal(hint.body, 'after-hint');
});

test('a request with an unread body still lets the connection serve the next one', async () => {
  const g = await startGateway(`
[plugins.m]
category = "mock"
data = "mocked"
[locations.all]
plugins = ["m"]
[servers.main]
addr = "127.0.0.1:0"
locations = ["all"]
`);
  try {
    const p = g.port('main');
    const out = await new Promise<string>((resolve) => {
      const s = net.connect(p, '127.0.0.1', () => s.write('POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n\r\nhelloGET / HTTP/1.1\r\nHost: t\r\n\r\n'));
      let t = '';
      s.on('data', (c) => {
        t += c.toString();
        if ((t.match(/mocked/g) ?? []).length === 2) s.destroy();
      });
      s.on('close', () => resolve(t));
    });
    assert.equal((out.match(/HTTP\/1\.1 200/g) ?? []).length, 2);
  } finally {
    await g.stop(0);
  }
});

test('closing idle connections right after a response (a reload or stop in the same turn) still delivers that response', async (t) => {
  // The response is batched until the end of the event loop turn; the connection is idle as soon as it ends, and a drain
  // arriving in that same turn must not discard it.
  const server: H1Server = new H1Server(
    { maxHeaderSize: 16384, keepAliveTimeout: 5000, headersTimeout: 5000, requestTimeout: 0 },
    {
      // Answered a turn later (as an upstream response would be), when the request is no longer being read.
      request: (_req, res) =>
        setImmediate(() => {
          res.writeHead(200, { 'content-length': '5' });
          res.end(Buffer.from('hello'));
          server.closeIdle();
        }),
      upgrade: (_req, sock) => sock.destroy(),
    },
  );
  const listener = net.createServer((s) => server.handle(s));
  await new Promise<void>((r) => listener.listen(0, '127.0.0.1', r));
  t.after(() => listener.close());
  const out = await rawRequest((listener.address() as net.AddressInfo).port, 'GET / HTTP/1.1\r\nHost: t\r\n\r\n');
  assert.match(out, /^HTTP\/1\.1 200 OK\r\n/);
  assert.ok(out.endsWith('\r\n\r\nhello'), `the whole response arrived: ${JSON.stringify(out)}`);
});

test('a client that pipelines requests and never reads gets no more answers made than its socket can hold, and is closed', async (t) => {
  // Before, every pipelined request was answered into memory (59 MB for 2,000 × 32 KiB) and the keep-alive close waited
  // for a client that never read.
  const body = 'x'.repeat(64 * 1024);
  const upstream = await startUpstream('big', (_req, res) => res.writeHead(200, { 'content-length': String(body.length) }).end(body));
  const g = await startGateway(`
[upstreams.big]
addrs = ["${upstream.addr}"]
[locations.all]
upstream = "big"
[servers.main]
addr = "127.0.0.1:0"
locations = ["all"]
keepalive_timeout = "500ms"
`);
  t.after(async () => {
    await g.stop(0);
    await upstream.close();
  });
  const N = 600;
  const c = net.connect(g.port('main'), '127.0.0.1');
  c.on('error', () => {});
  c.on('connect', () => c.pause());
  let closed = false;
  c.on('close', () => (closed = true));
  c.write('GET / HTTP/1.1\r\nHost: t\r\n\r\n'.repeat(N));
  // The kernel's socket buffers take some answers (a few MB); then the gateway stops answering until the client reads.
  let last = -1;
  await waitFor(
    async () => {
      const now = upstream.hits;
      const settled = now === last && now > 0;
      last = now;
      await new Promise((r) => setTimeout(r, 300));
      return settled;
    },
    10_000,
    'the upstream request count to settle',
  );
  assert.ok(upstream.hits < N / 2, `${upstream.hits} of ${N} pipelined requests were answered into a socket nobody reads`);
  // The gateway cuts a client that reads nothing for keepalive_timeout (a paused socket sees that only once it reads):
  // reading now gets what was sent before the cut, then the close — not the remaining answers.
  await new Promise((r) => setTimeout(r, 2500));
  let received = 0;
  c.on('data', (d: Buffer) => (received += d.length));
  c.resume();
  await waitFor(() => closed, 10_000, 'the connection to be closed');
  assert.ok(received < N * body.length, `the client got ${received} bytes, all ${N} answers: it was never cut`);
});

test("an answer waiting in the turn's write batch goes out before a rejection or an upgrade written in the same turn", async (t) => {
  // Answers wait for the end of the event loop turn (write-batch.ts); what the connection writes itself in that turn (a
  // 400 for the next, malformed, request, or the bytes of an upgrade taking the socket over) must not overtake them.
  const server: H1Server = new H1Server(
    { maxHeaderSize: 16384, keepAliveTimeout: 5000, headersTimeout: 5000, requestTimeout: 0 },
    {
      request: (req, res) => {
        res.writeHead(200, { 'content-length': String(req.url.length) });
        res.end(Buffer.from(req.url));
      },
      upgrade: (_req, sock) => sock.end('HTTP/1.1 101 Switching Protocols\r\nupgrade: x\r\nconnection: upgrade\r\n\r\ntunnel'),
    },
  );
  const listener = net.createServer((s) => server.handle(s));
  await new Promise<void>((r) => listener.listen(0, '127.0.0.1', r));
  t.after(() => listener.close());
  const port = (listener.address() as net.AddressInfo).port;
  const rejected = await rawRequest(port, 'GET /first HTTP/1.1\r\nHost: t\r\n\r\nGET / HTTP/1.1\r\nHost: t\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n');
  assert.match(rejected, /^HTTP\/1\.1 200 OK\r\n[^]*\r\n\r\n\/firstHTTP\/1\.1 400 Bad Request\r\n/, JSON.stringify(rejected));
  const upgraded = await rawRequest(port, 'GET /first HTTP/1.1\r\nHost: t\r\n\r\nGET /ws HTTP/1.1\r\nHost: t\r\nConnection: upgrade\r\nUpgrade: x\r\n\r\n');
  assert.match(upgraded, /^HTTP\/1\.1 200 OK\r\n[^]*\r\n\r\n\/firstHTTP\/1\.1 101 Switching Protocols\r\n[^]*tunnel$/, JSON.stringify(upgraded));
});

test('a connection reuses a finished request and response for its next request only once let go of, and they carry nothing of the last one', async (t) => {
  // The proxy lets go of a plain request's pair as it keeps its exchange (H1Response.recycle); the connection then serves
  // its next request with them. A request whose body became a stream, or a response with a flush still pending, is not
  // reused; pipelined requests each keep their own until answered.
  const seen: { req: H1Request; res: H1Response }[] = [];
  const server: H1Server = new H1Server(
    { maxHeaderSize: 16384, keepAliveTimeout: 5000, headersTimeout: 5000, requestTimeout: 0 },
    {
      request: (req, res) => {
        seen.push({ req, res });
        const answer = () => {
          const body = Buffer.from(
            JSON.stringify({ m: req.method, u: req.url, v: req.httpVersion, host: req.hostHeader ?? null, secret: req.headers['x-secret'] ?? null, body: req.hasBody }),
          );
          // As the proxy does for a passed-through head: the writer flushes, no nextTick is left pending.
          res.flushByCaller = req.url !== '/tick';
          res.writeHead(200, { 'content-length': String(body.length) });
          res.end(body);
          res.recycle();
        };
        // Answered later, as an upstream answer comes: by then the request was read whole.
        if (req.hasBody) {
          req.stream().resume();
          req.stream().on('end', () => setImmediate(answer));
        } else setImmediate(answer);
      },
      upgrade: (_req, sock) => sock.destroy(),
    },
  );
  const listener = net.createServer((s) => server.handle(s));
  await new Promise<void>((r) => listener.listen(0, '127.0.0.1', r));
  t.after(() => listener.close());
  const c = net.connect((listener.address() as net.AddressInfo).port, '127.0.0.1');
  t.after(() => c.destroy());
  let buf = '';
  c.on('data', (d: Buffer) => (buf += d.toString('latin1')));
  /** ask sends raw requests and resolves with the JSON bodies of the `n` answers they get. */
  const ask = async (raw: string, n = 1): Promise<Record<string, unknown>[]> => {
    buf = '';
    c.write(raw);
    await waitFor(() => (buf.match(/\}/g) ?? []).length >= n || (n === 0 && buf.includes('\r\n\r\n')), 5000, 'the answers');
    return [...buf.matchAll(/\{[^}]*\}/g)].map((m) => JSON.parse(m[0]) as Record<string, unknown>);
  };
  assert.deepEqual(await ask('GET /a HTTP/1.1\r\nHost: one\r\nX-Secret: s1\r\n\r\n'), [{ m: 'GET', u: '/a', v: '1.1', host: 'one', secret: 's1', body: false }]);
  assert.deepEqual(await ask('DELETE /b HTTP/1.1\r\nHost: two\r\n\r\n'), [{ m: 'DELETE', u: '/b', v: '1.1', host: 'two', secret: null, body: false }]);
  assert.equal(seen[1]!.req, seen[0]!.req, 'the second request is the first one, reused');
  assert.equal(seen[1]!.res, seen[0]!.res);
  assert.deepEqual(await ask('POST /c HTTP/1.1\r\nHost: three\r\nContent-Length: 3\r\n\r\nxyz'), [{ m: 'POST', u: '/c', v: '1.1', host: 'three', secret: null, body: true }]);
  assert.equal(seen[2]!.req, seen[0]!.req, 'reused once more');
  assert.deepEqual(await ask('GET /d HTTP/1.0\r\nConnection: keep-alive\r\n\r\n'), [{ m: 'GET', u: '/d', v: '1.0', host: null, secret: null, body: false }]);
  assert.notEqual(seen[3]!.req, seen[2]!.req, 'a request whose body became a stream is not reused');
  assert.deepEqual(await ask('GET /tick HTTP/1.1\r\nHost: five\r\n\r\n'), [{ m: 'GET', u: '/tick', v: '1.1', host: 'five', secret: null, body: false }]);
  assert.equal(seen[4]!.req, seen[3]!.req);
  assert.deepEqual(await ask('GET /f HTTP/1.1\r\nHost: six\r\n\r\n'), [{ m: 'GET', u: '/f', v: '1.1', host: 'six', secret: null, body: false }]);
  assert.notEqual(seen[5]!.res, seen[4]!.res, 'a response with a nextTick flush pending is not reused');
  // Pipelined: three requests in one write, each answered with its own fields, in order.
  const piped = await ask('GET /p1 HTTP/1.1\r\nHost: p\r\nX-Secret: s2\r\n\r\nHEAD /p2 HTTP/1.1\r\nHost: q\r\n\r\nGET /p3 HTTP/1.1\r\nHost: r\r\n\r\n', 2);
  await new Promise((r) => setTimeout(r, 50));
  assert.deepEqual(
    [...buf.matchAll(/\{[^}]*\}/g)].map((m) => JSON.parse(m[0]) as Record<string, unknown>),
    [
      { m: 'GET', u: '/p1', v: '1.1', host: 'p', secret: 's2', body: false },
      { m: 'GET', u: '/p3', v: '1.1', host: 'r', secret: null, body: false },
    ],
    JSON.stringify(piped),
  );
  assert.equal((buf.match(/HTTP\/1\.1 200 OK/g) ?? []).length, 3, 'the HEAD answered between them, without a body');
  const last3 = seen.slice(-3).map((x) => x.req);
  assert.equal(new Set(last3).size, 3, 'pipelined requests read ahead each have their own');
});

test('a request or response set up again has every field as a new one has (none left from the last request)', () => {
  // init() must set each field: one added to H1Request or H1Response and forgotten there would carry a request's value
  // into the connection's next one.
  const sock = new net.Socket();
  const owner = { draining: false, answersLast: false, finished() {}, recycle() {} };
  const left = Symbol('left from the last request');
  const reqArgs: ConstructorParameters<typeof H1Request> = [sock, 'GET', '/x', '1.1', ['Host', 'h'], true, false];
  const used = new H1Request(...reqArgs) as unknown as Record<string, unknown>;
  for (const k of Object.keys(used)) used[k] = left;
  (used as unknown as H1Request).init(...reqArgs);
  const fresh = new H1Request(...reqArgs) as unknown as Record<string, unknown>;
  assert.deepEqual(Object.keys(used), Object.keys(fresh));
  for (const k of Object.keys(fresh)) assert.equal(used[k], fresh[k], `H1Request.${k}`);
  const req = new H1Request(...reqArgs);
  const usedRes = new H1Response(owner, req, true) as unknown as Record<string, unknown>;
  for (const k of Object.keys(usedRes)) usedRes[k] = left;
  (usedRes as unknown as H1Response).init(owner, req, true);
  const freshRes = new H1Response(owner, req, true) as unknown as Record<string, unknown>;
  assert.deepEqual(Object.keys(usedRes), Object.keys(freshRes));
  for (const k of Object.keys(freshRes)) assert.equal(usedRes[k], freshRes[k], `H1Response.${k}`);
});

test('the count of requests being answered, which decides whether a batch waits for the end of the turn, returns to 0 after keep-alive, pipelined, cut and abandoned connections', async () => {
  // Too high, a lone request would pay for an Immediate; too low (below 2 with several in flight), writes of a busy turn
  // would leave one by one instead of together (write-batch.ts). Every answer must end or be abandoned exactly once.
  const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
  await Promise.all(Array.from({ length: 12 }, (_, i) => request(port, { path: `/n${i}`, agent })));
  agent.destroy();
  await rawRequest(port, ['/q1', '/q2', '/q3'].map((p) => `GET ${p} HTTP/1.1\r\nHost: t\r\n\r\n`).join('') + 'GET /q4 HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n');
  // A client that leaves while its answer streams, and one that leaves with requests still queued behind it.
  for (const raw of ['GET /big-download HTTP/1.1\r\nHost: t\r\n\r\n', 'GET /chunked HTTP/1.1\r\nHost: t\r\n\r\nGET /p HTTP/1.1\r\nHost: t\r\n\r\n']) {
    const c = net.connect(port, '127.0.0.1');
    c.on('error', () => {});
    c.write(raw);
    await new Promise<void>((r) => c.once('data', () => r()));
    c.destroy();
  }
  await waitFor(
    () => answeringNow() === 0,
    5000,
    () => `requests being answered: ${answeringNow()}`,
  );
});
