import { test } from 'node:test';
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { captureText, selfSigned, startUpstream, useGateway, waitFor } from '../test-helpers.ts';

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
  return selfSigned(mkdtempSync(join(tmpdir(), 'gw-h2-')));
}

test('the access log of an HTTP/2 request has its remote address, TLS version and cipher, and the size of a body sent without Content-Length', async (t) => {
  const up = await startUpstream('up');
  const { cert, key } = tlsDir();
  const log = captureText();
  const gw = await useGateway(t, [up], `
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
`, { accessLogStream: log.stream });
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
  const gw = await useGateway(t, [a, b], `
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
`);
  const session = connect(t, `http://127.0.0.1:${gw.port('main')}`);
  // Before, this went to a's upstream with Host: b.test and X-Forwarded-Host: b.test.
  const conflict = await h2request(session, { ':path': '/x', ':authority': 'a.test', host: 'b.test' });
  assert.equal(conflict.status, 400);
  assert.match(conflict.body, /Host header \("b\.test"\) names another authority than :authority \("a\.test"\)/);
  assert.equal((await h2request(session, { ':path': '/x', ':authority': 'a.test', host: 'a.test:81' })).status, 400, 'another port is another authority');
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
