import { test } from 'node:test';
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import net from 'node:net';
import { readFileSync } from 'node:fs';
import { connect as tlsConnect } from 'node:tls';
import type http from 'node:http';
import { tempDir } from '@etcd-monitor/core/testing';
import { parseConfigText } from '../config/load.ts';
import { captureText, rawRequest, selfSigned, startUpstream, useGateway, waitFor, type TestUpstream } from '../test-helpers.ts';

/** H2Reply is one HTTP/2 response read fully. */
interface H2Reply {
  status: number;
  headers: http2.IncomingHttpHeaders;
  body: string;
}

/** h2request sends one request on `session` and reads the whole response. */
function h2request(session: http2.ClientHttp2Session, headers: http2.OutgoingHttpHeaders, body?: string[]): Promise<H2Reply> {
  return new Promise((resolve, reject) => {
    const req = session.request(headers, { endStream: body === undefined });
    let text = '';
    let head: http2.IncomingHttpHeaders = {};
    req.on('response', (h) => (head = h));
    req.on('data', (c: Buffer) => (text += c.toString()));
    req.on('end', () => resolve({ status: Number(head[':status']), headers: head, body: text }));
    req.on('error', reject);
    if (body) {
      for (const part of body) req.write(part);
      req.end();
    }
  });
}

/** connect opens an HTTP/2 session and closes it when the test ends. */
function connect(t: { after(fn: () => unknown): void }, url: string, opts: http2.SecureClientSessionOptions = {}): http2.ClientHttp2Session {
  const session = http2.connect(url, opts);
  session.on('error', () => {});
  t.after(() => session.destroy());
  return session;
}

function tlsDir(): { cert: string; key: string } {
  return selfSigned(tempDir('gw-h2'));
}

test('the access log of an HTTP/2 request has its remote address, TLS version and cipher, and the size of a body sent without Content-Length', async (t) => {
  const up = await startUpstream('up');
  const { cert, key } = tlsDir();
  const log = captureText();
  const gw = await useGateway(
    t,
    [up],
    `
[upstreams.up]
addrs = ["${up.addr}"]
[locations.l]
upstream = "up"
[servers.tls]
addr = "127.0.0.1:0"
locations = ["l"]
tls_cert = "${cert}"
tls_key = "${key}"
access_log = "{remote}|{client_ip}|{tls_version}|{tls_cipher}|{proto}|{host}|{method} {uri}|{payload_size}|{status}|{size}|{connection_reused}"
`,
    { accessLogStream: log.stream },
  );
  const session = connect(t, `https://localhost:${gw.port('tls')}`, { ca: readFileSync(cert) });
  const r = await h2request(session, { ':method': 'POST', ':path': '/up?x=1' }, ['12345', '67890']);
  assert.equal(r.status, 200);
  await h2request(session, { ':path': '/second' });
  session.close();
  await waitFor(() => log.text().split('\n').length > 2, 5000, 'two access log lines');
  const [first, second] = log.text().trim().split('\n');
  const f = first!.split('|');
  // Before, {remote} was empty and the TLS fields '-': the stream's socket proxy reads nothing once the stream closed.
  assert.equal(f[0], '127.0.0.1');
  assert.equal(f[1], '127.0.0.1');
  assert.match(f[2]!, /^TLSv1\.[23]$/);
  assert.match(f[3]!, /^TLS_|^ECDHE/);
  assert.equal(f[4], 'HTTP/2.0');
  assert.equal(f[5], 'localhost');
  assert.equal(f[6], 'POST /up?x=1');
  // A body without Content-Length was logged as 0 bytes.
  assert.equal(f[7], '10');
  assert.equal(f[8], '200');
  assert.equal(Number(f[9]), r.body.length);
  assert.equal(f[10], 'false');
  assert.equal(second!.split('|')[10], 'true');
  assert.equal(second!.split('|')[0], '127.0.0.1');
});

test('an HTTP/2 request is routed and forwarded by one authority, and a Host naming another is refused with 400', async (t) => {
  const a = await startUpstream('a');
  const b = await startUpstream('b');
  const gw = await useGateway(
    t,
    [a, b],
    `
[upstreams.a]
addrs = ["${a.addr}"]
[upstreams.b]
addrs = ["${b.addr}"]
[locations.a]
upstream = "a"
host = "a.test"
[locations.b]
upstream = "b"
host = "b.test"
[servers.main]
addr = "127.0.0.1:0"
locations = ["a", "b"]
enabled_h2 = true
`,
  );
  const session = connect(t, `http://127.0.0.1:${gw.port('main')}`);
  // Before, this went to a's upstream with Host: b.test and X-Forwarded-Host: b.test.
  const conflict = await h2request(session, { ':path': '/x', ':authority': 'a.test', host: 'b.test' });
  assert.equal(conflict.status, 400);
  assert.match(conflict.body, /Host header \("b\.test"\) names another authority than :authority \("a\.test"\)/);
  assert.equal((await h2request(session, { ':path': '/x', ':authority': 'a.test', host: 'a.test:81' })).status, 400, 'another port is another authority');
  const invalid = await h2request(session, { ':path': '/x', ':authority': 'a.test', host: 'a..test' });
  assert.equal(invalid.status, 400);
  assert.match(invalid.body, /Host header is not a valid host\[:port\]/);
  assert.equal(a.hits + b.hits, 0, 'no upstream saw a conflicting request');
  for (const host of [undefined, 'A.test', 'a.test:80', 'a.test.']) {
    const r = await h2request(session, { ':path': '/y', ':authority': 'a.test', ...(host === undefined ? {} : { host }) });
    assert.equal(r.status, 200, `host ${host}`);
    const e = JSON.parse(r.body) as { name: string; headers: Record<string, string>; rawHeaders: string[] };
    assert.equal(e.name, 'a');
    assert.equal(e.headers.host, 'a.test');
    assert.equal(e.headers['x-forwarded-host'], 'a.test');
    assert.equal(e.rawHeaders.filter((n, i) => i % 2 === 0 && n.toLowerCase() === 'host').length, 1, 'one Host header upstream');
  }
});

/** holdingUpstream answers nothing until `release()`, and counts the connections it accepted and the most requests it held at once. */
async function holdingUpstream(): Promise<TestUpstream & { held: http.ServerResponse[]; connections: number; peak: number; aborted: number; release(): void }> {
  const held: http.ServerResponse[] = [];
  let holding = true;
  const up = Object.assign(
    await startUpstream('hold', (_req, res) => {
      if (!holding) return void res.end('ok');
      held.push(res);
      res.on('close', () => !res.writableEnded && u.aborted++);
      u.peak = Math.max(u.peak, held.filter((r) => !r.destroyed && !r.writableEnded).length);
    }),
    { held, connections: 0, peak: 0, aborted: 0, release: () => {} },
  );
  const u = up;
  up.server.on('connection', () => u.connections++);
  up.release = () => {
    holding = false;
    for (const r of held.splice(0)) if (!r.destroyed) r.end('ok');
  };
  return up;
}

function conf(up: TestUpstream, server: string): string {
  return `
[upstreams.up]
addrs = ["${up.addr}"]
read_timeout = "60s"
[locations.l]
upstream = "up"
[servers.main]
addr = "127.0.0.1:0"
locations = ["l"]
${server}
`;
}

test('h2c is offered on a plain listener only with enabled_h2 = true; over TLS h2 is offered by ALPN unless enabled_h2 = false', async (t) => {
  const up = await startUpstream('up');
  const { cert, key } = tlsDir();
  const gw = await useGateway(
    t,
    [up],
    `
[upstreams.up]
addrs = ["${up.addr}"]
[locations.l]
upstream = "up"
[servers.plain]
addr = "127.0.0.1:0"
locations = ["l"]
[servers.h2c]
addr = "127.0.0.1:0"
locations = ["l"]
enabled_h2 = true
[servers.tls]
addr = "127.0.0.1:0"
locations = ["l"]
tls_cert = "${cert}"
tls_key = "${key}"
[servers.tls_h1]
addr = "127.0.0.1:0"
locations = ["l"]
tls_cert = "${cert}"
tls_key = "${key}"
enabled_h2 = false
`,
  );
  const preface = 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n';
  // Before, h2c was on by default: the preface was answered with HTTP/2 SETTINGS.
  assert.match(await rawRequest(gw.port('plain'), preface), /^HTTP\/1\.1 400/);
  const h2c = connect(t, `http://127.0.0.1:${gw.port('h2c')}`);
  assert.equal((await h2request(h2c, { ':path': '/a' })).status, 200);
  const ca = readFileSync(cert);
  const alpn = (port: number) =>
    new Promise<string | false>((resolve, reject) => {
      const s = tlsConnect({ host: '127.0.0.1', port, servername: 'localhost', ca, ALPNProtocols: ['h2', 'http/1.1'] }, () => {
        resolve(s.alpnProtocol ?? false);
        s.destroy();
      });
      s.on('error', reject);
    });
  assert.equal(await alpn(gw.port('tls')), 'h2');
  assert.equal(await alpn(gw.port('tls_h1')), 'http/1.1');
});

test('the stream limit is advertised (default 100, h2_max_concurrent_streams) and a reload changes it for new connections', async (t) => {
  const up = await startUpstream('up');
  const gw = await useGateway(t, [up], conf(up, 'enabled_h2 = true'));
  const settings = async () => {
    const s = connect(t, `http://127.0.0.1:${gw.port('main')}`);
    const got = await new Promise<http2.Settings>((resolve) => s.once('remoteSettings', resolve));
    s.close();
    return got.maxConcurrentStreams;
  };
  // Before, no SETTINGS_MAX_CONCURRENT_STREAMS was sent (unlimited).
  assert.equal(await settings(), 100);
  const next = parseConfigText(`[basic]\nadmin_addr = ""\n${conf(up, 'enabled_h2 = true\nh2_max_concurrent_streams = 7')}`);
  assert.deepEqual(next.issues, []);
  assert.equal((await gw.reload(next.config)).ok, true);
  assert.equal(await settings(), 7);
});

test('one HTTP/2 connection with 300 streams holds at most h2_max_concurrent_streams upstream requests and connections, and every stream is answered', async (t) => {
  const up = await holdingUpstream();
  const gw = await useGateway(t, [up], conf(up, 'enabled_h2 = true\nh2_max_concurrent_streams = 10'));
  const session = connect(t, `http://127.0.0.1:${gw.port('main')}`);
  await new Promise((resolve) => session.once('remoteSettings', resolve));
  const replies = Array.from({ length: 300 }, (_, i) => h2request(session, { ':path': `/s${i}` }));
  await waitFor(
    () => up.held.length >= 10,
    10_000,
    () => `10 held requests (${up.held.length})`,
  );
  // Before, every stream got its own upstream request and connection at once (300).
  await new Promise((r) => setTimeout(r, 200));
  assert.equal(up.held.length, 10);
  up.release();
  const done = await Promise.all(replies);
  assert.ok(done.every((r) => r.status === 200));
  assert.ok(up.peak <= 10, `peak ${up.peak}`);
  assert.ok(up.connections <= 10, `${up.connections} upstream connections`);
});

test('a client that resets streams faster than it can be served (rapid reset) gets GOAWAY ENHANCE_YOUR_CALM, and its resets open no more upstream connections than the limit', async (t) => {
  const up = await holdingUpstream();
  const gw = await useGateway(t, [up], conf(up, 'enabled_h2 = true\nh2_max_concurrent_streams = 10'));
  const session = connect(t, `http://127.0.0.1:${gw.port('main')}`);
  await new Promise((resolve) => session.once('remoteSettings', resolve));
  let goaway: number | undefined;
  session.on('goaway', (code: number) => (goaway = code));
  for (let i = 0; i < 200 && !session.destroyed && !session.closed; i++) {
    const req = session.request({ ':path': `/r${i}` });
    req.on('error', () => {});
    req.close(http2.constants.NGHTTP2_CANCEL);
    if (i % 10 === 9) await new Promise((r) => setTimeout(r, 5));
  }
  // Before, nghttp2 alone let 200 resets through (its own limit is about 1,000) and each started an upstream connection.
  await waitFor(() => goaway !== undefined, 10_000, 'a GOAWAY');
  assert.equal(goaway, http2.constants.NGHTTP2_ENHANCE_YOUR_CALM);
  // At most the resets before the cut (21) and the streams open then (10) reached the upstream.
  assert.ok(up.connections <= 31, `${up.connections} upstream connections`);
  up.release();
});

test('an idle HTTP/2 connection is closed after keepalive_timeout, a silent one after headers_timeout, and one with an open stream is kept', async (t) => {
  const up = await holdingUpstream();
  const gw = await useGateway(t, [up], conf(up, 'enabled_h2 = true\nkeepalive_timeout = "300ms"\nheaders_timeout = "300ms"'));
  const url = `http://127.0.0.1:${gw.port('main')}`;
  const watch = (s: http2.ClientHttp2Session) => {
    const st = { closed: false, code: undefined as number | undefined };
    s.on('goaway', (c: number) => (st.code = c));
    s.on('close', () => (st.closed = true));
    return st;
  };
  // Silent: no request at all. Before, it stayed open for good.
  const silent = watch(connect(t, url));
  await waitFor(() => silent.closed, 10_000, 'the silent connection to close');
  assert.equal(silent.code, http2.constants.NGHTTP2_NO_ERROR);
  // A stream held open past keepalive_timeout keeps its connection; once it ends the connection goes after one period.
  const busySession = connect(t, url);
  const busy = watch(busySession);
  const reply = h2request(busySession, { ':path': '/slow' });
  await waitFor(() => up.held.length === 1, 5000, 'the held request');
  await new Promise((r) => setTimeout(r, 900));
  assert.equal(busy.closed, false, 'a connection with an open stream was closed');
  up.release();
  assert.equal((await reply).status, 200);
  await waitFor(() => busy.closed, 10_000, 'the connection to close once idle');
  assert.equal(busy.code, http2.constants.NGHTTP2_NO_ERROR);
});

/** frame encodes one HTTP/2 frame. */
function frame(type: number, flags: number, stream: number, payload: Buffer): Buffer {
  const head = Buffer.alloc(9);
  head.writeUIntBE(payload.length, 0, 3);
  head[3] = type;
  head[4] = flags;
  head.writeUInt32BE(stream, 5);
  return Buffer.concat([head, payload]);
}

const PREFACE = Buffer.concat([Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'), frame(4, 0, 0, Buffer.alloc(0))]);

/** headersFrame opens stream `id` with GET / (HPACK: static :method GET, :scheme http, :path /, and a literal :authority). */
function headersFrame(id: number): Buffer {
  return frame(1, 0x5, id, Buffer.concat([Buffer.from([0x82, 0x86, 0x84, 0x01, 9]), Buffer.from('127.0.0.1')]));
}

/** rstFrame resets stream `id` with CANCEL. */
function rstFrame(id: number): Buffer {
  const code = Buffer.alloc(4);
  code.writeUInt32BE(http2.constants.NGHTTP2_CANCEL);
  return frame(3, 0, id, code);
}

test('streams reset while their upstream request waits for a connection hold no more upstream requests than h2_max_concurrent_streams', async (t) => {
  const up = await holdingUpstream();
  const gw = await useGateway(
    t,
    [up],
    conf(up, 'enabled_h2 = true\nh2_max_concurrent_streams = 10').replace('read_timeout = "60s"', 'read_timeout = "60s"\nmax_connections = 1\nconnection_timeout = "60s"'),
  );
  const server = gw.runtime.upstreams.get('up')!.servers[0]!;
  // One live request holds the only upstream connection.
  const live = connect(t, `http://127.0.0.1:${gw.port('main')}`);
  const held = h2request(live, { ':path': '/live' });
  await waitFor(() => up.held.length === 1, 5000, 'the live request upstream');
  // Another connection opens 19 streams and resets each after it reached the gateway (below the rapid-reset cut of 20):
  // nghttp2 frees their slots, while their upstream requests wait in the pool's queue.
  const sock = net.connect(gw.port('main'), '127.0.0.1');
  sock.on('error', () => {});
  sock.resume();
  t.after(() => sock.destroy());
  sock.write(PREFACE);
  const pause = () => new Promise((r) => setTimeout(r, 10));
  for (let i = 0; i < 19; i++) {
    sock.write(headersFrame(1 + 2 * i));
    await pause();
    sock.write(rstFrame(1 + 2 * i));
    await pause();
  }
  await pause();
  // Each upstream request ends with its stream at any stage (queued, connecting, sent): the stream limit bounds them.
  assert.ok(server.active <= 11, `${server.active} upstream requests in flight`);
  up.release();
  assert.equal((await held).status, 200);
  await waitFor(
    () => server.active === 0,
    10_000,
    () => `the upstream requests to end (${server.active})`,
  );
  assert.ok(up.connections <= 12, `${up.connections} upstream connections`);
  assert.equal(sock.destroyed, false, 'below the rapid-reset cut the connection stays');
});

test('a stream reset in the same read as its HEADERS is not sent upstream', async (t) => {
  const up = await holdingUpstream();
  const gw = await useGateway(t, [up], conf(up, 'enabled_h2 = true\nh2_max_concurrent_streams = 10'));
  const sock = net.connect(gw.port('main'), '127.0.0.1');
  sock.on('error', () => {});
  sock.resume();
  t.after(() => sock.destroy());
  const frames: Buffer[] = [PREFACE];
  for (let i = 0; i < 15; i++) frames.push(headersFrame(1 + 2 * i), rstFrame(1 + 2 * i));
  // A last stream left open shows when the gateway has read everything before it.
  frames.push(headersFrame(31));
  sock.write(Buffer.concat(frames));
  await waitFor(() => up.hits >= 1, 5000, 'the open stream upstream');
  await new Promise((r) => setTimeout(r, 200));
  // Before, the 15 reset streams were sent upstream too, and ran to the end with nobody to answer.
  assert.equal(up.hits, 1);
  assert.equal(sock.destroyed, false, '15 resets are below the rapid-reset cut of 20');
  // They count as resets: 10 more in one write pass the cut.
  const more: Buffer[] = [];
  for (let i = 0; i < 10; i++) more.push(headersFrame(33 + 2 * i), rstFrame(33 + 2 * i));
  sock.write(Buffer.concat(more));
  await waitFor(() => sock.destroyed || sock.readableEnded, 5000, 'the connection to be cut');
  up.release();
});

test('a client that resets an HTTP/2 stream aborts its upstream request, and the access log says 499', async (t) => {
  const up = await holdingUpstream();
  const log = captureText();
  const gw = await useGateway(t, [up], conf(up, 'enabled_h2 = true\naccess_log = "{uri} {status}"'), { accessLogStream: log.stream });
  const session = connect(t, `http://127.0.0.1:${gw.port('main')}`);
  const req = session.request({ ':path': '/cancelled' });
  req.on('error', () => {});
  await waitFor(() => up.held.length === 1, 5000, 'the request upstream');
  req.close(http2.constants.NGHTTP2_CANCEL);
  // Before, node:http2's response called itself finished on the reset: the upstream request ran on, logged as 499 only
  // because no head had been sent.
  await waitFor(() => up.aborted === 1, 5000, 'the upstream request to be aborted');
  await waitFor(() => log.text().includes('/cancelled'), 5000, 'the access log line');
  assert.equal(log.text().trim(), '/cancelled 499');
  const server = gw.runtime.upstreams.get('up')!.servers[0]!;
  assert.equal(server.active, 0);
});

test('an HTTP/2 stream whose client reads none of its response for keepalive_timeout is reset, and its upstream request aborted', async (t) => {
  let upstreamClosed = false;
  const up = await startUpstream('big', (_req, res) => {
    res.on('close', () => (upstreamClosed = !res.writableFinished));
    res.end(Buffer.alloc(16 << 20, 'x'));
  });
  const gw = await useGateway(t, [up], conf(up, 'enabled_h2 = true\nkeepalive_timeout = "300ms"'));
  const session = connect(t, `http://127.0.0.1:${gw.port('main')}`);
  const req = session.request({ ':path': '/big' });
  let rst: number | undefined;
  req.on('error', () => {});
  req.on('close', () => (rst = req.rstCode));
  req.pause();
  // Before, the stream waited for the client forever, and with it the upstream connection (nginx's send_timeout).
  await waitFor(() => upstreamClosed, 10_000, 'the upstream request to be aborted');
  await waitFor(() => rst !== undefined, 10_000, 'the stream to be reset');
  assert.equal(rst, http2.constants.NGHTTP2_CANCEL);
  assert.equal(gw.runtime.upstreams.get('up')!.servers[0]!.active, 0);
});
