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
