// WebSocket (HTTP/1.1 Upgrade) requests run the location's plugin chain: real WebSocket clients (Node's global WebSocket and
// raw sockets) through the gateway to a real upstream that answers the handshake and echoes frames.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import type { PluginDefinition } from '../plugins/plugin.ts';
import { builtinPlugins } from '../plugins/index.ts';
import { captureText, startGateway, startUpstream, startWsUpstream, waitFor, wsEcho } from '../test-helpers.ts';

/** rawHandshake sends an upgrade request on a raw socket and resolves with everything read until the server closes or the head is complete. */
function rawHandshake(port: number, path: string, headers = ''): Promise<{ text: string; closed: boolean }> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1', () =>
      s.write(
        `GET ${path} HTTP/1.1\r\nHost: t.test\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n${headers}\r\n`,
      ),
    );
    let text = '';
    const t = setTimeout(() => s.destroy(), 3000);
    s.on('error', () => {});
    s.on('data', (c: Buffer) => {
      text += c.toString('latin1');
      if (text.startsWith('HTTP/1.1 101') && text.includes('\r\n\r\n')) {
        clearTimeout(t);
        resolve({ text, closed: false });
        s.destroy();
      }
    });
    s.on('end', () => s.destroy());
    s.on('close', () => {
      clearTimeout(t);
      resolve({ text, closed: true });
    });
  });
}

// marker adds a request header (request step), a header to the upstream request (proxyUpstream) and one to every
// response head (response), and records the status it saw in its log hook.
const logged: string[] = [];
const marker: PluginDefinition = {
  category: 'marker',
  description: 'marker tags requests and responses.',
  fields: {},
  create: () => ({
    request(ctx) {
      ctx.state.seenInRequest = ctx.requestId;
    },
    proxyUpstream(ctx, up) {
      up.headers.set('x-marker', `req-${String(ctx.state.seenInRequest)}`);
    },
    upstreamResponse(_ctx, head) {
      head.headers['x-upstream-hook'] = String(head.status);
    },
    response(_ctx, head) {
      head.headers['x-response-hook'] = String(head.status);
    },
    log(ctx) {
      logged.push(`${ctx.location}:${ctx.status}:${ctx.requestId}`);
    },
  }),
};

// auth answers 401 (after an await, like a plugin that asks an auth service) unless the client sends the right token.
const auth: PluginDefinition = {
  category: 'auth',
  description: 'auth checks a bearer token.',
  fields: {},
  create: () => ({
    async request(ctx) {
      await new Promise((r) => setTimeout(r, 5));
      if (ctx.req.headers.authorization !== 'Bearer ok') return { status: 401, headers: { 'www-authenticate': 'Bearer' }, body: 'no token' };
    },
  }),
};

test('plugins run on WebSocket upgrades: request headers reach the upstream, request_id is logged, response hooks see the 101', async (t) => {
  const up = await startWsUpstream();
  t.after(() => up.close());
  const access = captureText();
  const gw = await startGateway(
    `
[upstreams.ws]
addrs = ["${up.addr}"]
[plugins.rid]
category = "request_id"
[plugins.marker]
category = "marker"
[locations.ws]
upstream = "ws"
path = "/ws"
plugins = ["marker", "rid"]
[servers.main]
addr = "127.0.0.1:0"
locations = ["ws"]
access_log = "{method} {path} {status} id={request_id} up={upstream_addr}/{upstream_status} in={payload_size} out={size}"
`,
    { plugins: new Map([...builtinPlugins, ['marker', marker]]), accessLogStream: access.stream },
  );
  t.after(() => gw.stop(0));
  const port = gw.port('main');
  assert.equal(await wsEcho(`ws://127.0.0.1:${port}/ws/chat`, 'hello'), 'echo:hello');
  assert.equal(up.upgrades.length, 1);
  const seen = up.upgrades[0]!.headers;
  const id = String(seen['x-request-id']);
  assert.match(id, /^[0-9a-f-]{36}$/, 'request_id ran (earlyRequest) and its proxyUpstream hook set the header');
  assert.equal(seen['x-marker'], `req-${id}`, 'the request hook ran after earlyRequest and the proxyUpstream header reached the upstream');
  assert.equal(seen.upgrade, 'websocket');
  assert.match(String(seen['sec-websocket-key']), /=$/);
  // The access log line and the log hooks come when the tunnel closes.
  const log = () => access.text();
  await waitFor(
    () => log().includes('\n') && logged.length === 1,
    5000,
    () => `the access log line (${JSON.stringify(log())}, ${JSON.stringify(logged)})`,
  );
  assert.match(log(), new RegExp(`^GET /ws/chat 101 id=${id} up=${up.addr.replace(/\./g, '\\.')}/101 in=\\d+ out=\\d+\\n$`));
  assert.deepEqual(logged.splice(0), [`ws:101:${id}`]);
  const [, inBytes, outBytes] = /in=(\d+) out=(\d+)/.exec(log())!;
  assert.ok(Number(inBytes) > 0 && Number(outBytes) > 0, 'tunnel bytes are counted both ways');

  // The 101 head went through the location's response hooks; the handshake's own headers stay intact.
  const hs = await rawHandshake(port, '/ws/raw', 'X-Request-Id: client-id-1\r\n');
  assert.equal(hs.closed, false);
  const head = hs.text.toLowerCase();
  assert.match(head, /^http\/1\.1 101 switching protocols\r\n/);
  assert.match(head, /\r\nupgrade: websocket\r\n/);
  assert.match(head, /\r\nconnection: upgrade\r\n/);
  assert.match(head, /\r\nsec-websocket-accept: s3pplmbitxaq9kygzzhzrbk\+xoo=\r\n/);
  assert.match(head, /\r\nx-upstream-head: yes\r\n/);
  assert.match(head, /\r\nx-upstream-hook: 101\r\n/);
  assert.match(head, /\r\nx-response-hook: 101\r\n/);
  assert.match(head, /\r\nx-request-id: client-id-1\r\n/);
  assert.equal(up.upgrades[1]!.headers['x-request-id'], 'client-id-1');
});

test('a plugin answering an upgrade request closes the connection and never reaches the upstream', async (t) => {
  const up = await startWsUpstream();
  t.after(() => up.close());
  const gw = await startGateway(
    `
[upstreams.ws]
addrs = ["${up.addr}"]
[plugins.deny]
category = "mock"
path = "/ws/admin"
status = 403
headers = ["X-Denied:yes"]
data = "forbidden"
[plugins.auth]
category = "auth"
[plugins.rid]
category = "request_id"
[locations.ws]
upstream = "ws"
path = "/ws"
plugins = ["rid", "deny"]
[locations.private]
upstream = "ws"
path = "/private"
plugins = ["auth"]
[servers.main]
addr = "127.0.0.1:0"
locations = ["ws", "private"]
`,
    { plugins: new Map([...builtinPlugins, ['auth', auth]]) },
  );
  t.after(() => gw.stop(0));
  const port = gw.port('main');
  // Node's WebSocket client fails the handshake on the 403.
  await assert.rejects(wsEcho(`ws://127.0.0.1:${port}/ws/admin`, 'hi'), /websocket error/);
  const denied = await rawHandshake(port, '/ws/admin');
  assert.equal(denied.closed, true, 'the gateway closed the connection after the answer');
  const [head, body] = denied.text.split('\r\n\r\n');
  assert.match(head!, /^HTTP\/1\.1 403 Forbidden\r\n/);
  assert.match(head!, /\r\nx-denied: yes\r\n/i);
  assert.match(head!, /\r\nconnection: close(\r\n|$)/i);
  assert.match(head!, /\r\ncontent-length: 9\r\n/i);
  assert.match(head!, /\r\nx-request-id: [0-9a-f-]{36}\r\n/i, 'response hooks run on plugin answers to upgrades too');
  assert.doesNotMatch(head!, /\r\nupgrade:/i);
  assert.equal(body, 'forbidden');
  // An async plugin that refuses: 401 without the token, the tunnel with it.
  const refused = await rawHandshake(port, '/private/x');
  assert.match(refused.text, /^HTTP\/1\.1 401 Unauthorized\r\n/);
  assert.match(refused.text, /\r\nwww-authenticate: Bearer\r\n/i);
  assert.ok(refused.text.endsWith('\r\n\r\nno token'));
  assert.equal(refused.closed, true);
  assert.equal(up.connections, 0, 'the upstream never saw a connection for the refused upgrades');
  assert.equal(up.upgrades.length, 0);
  const allowed = await rawHandshake(port, '/private/x', 'Authorization: Bearer ok\r\n');
  assert.match(allowed.text, /^HTTP\/1\.1 101 /);
  // Another path of the mocked location is proxied.
  assert.equal(await wsEcho(`ws://127.0.0.1:${port}/ws/chat`, 'hello'), 'echo:hello');
  assert.equal(up.upgrades.length, 2);
});

test('an upgrade with no route, no reachable upstream or an upstream that does not switch gets an answer on a closed connection', async (t) => {
  const dead = await startUpstream('dead');
  const addr = dead.addr;
  await dead.close();
  // An HTTP server without an upgrade handler answers the request as a plain one (200 with the echo body).
  const plain = await startUpstream('plain');
  t.after(() => plain.close());
  const gw = await startGateway(`
[upstreams.gone]
addrs = ["${addr}"]
retries = 0
[upstreams.plain]
addrs = ["${plain.addr}"]
[locations.ws]
upstream = "gone"
path = "/ws"
[locations.plain]
upstream = "plain"
path = "/plain"
[servers.main]
addr = "127.0.0.1:0"
locations = ["ws", "plain"]
`);
  t.after(() => gw.stop(0));
  const port = gw.port('main');
  const miss = await rawHandshake(port, '/nope');
  assert.match(miss.text, /^HTTP\/1\.1 404 Not Found\r\n/);
  assert.equal(miss.closed, true);
  const bad = await rawHandshake(port, '/ws/x');
  assert.match(bad.text, /^HTTP\/1\.1 502 Bad Gateway\r\n/);
  assert.match(bad.text, /<h1>502<\/h1>|502/);
  assert.equal(bad.closed, true);
  const refused = await rawHandshake(port, '/plain/x');
  const [head, body] = refused.text.split('\r\n\r\n');
  assert.match(head!, /^HTTP\/1\.1 200 OK\r\n/);
  assert.match(head!, /\r\nx-upstream: plain\r\n/i);
  assert.match(head!, /\r\nconnection: close(\r\n|$)/i);
  assert.doesNotMatch(head!, /\r\nupgrade:/i);
  assert.equal(JSON.parse(body!).url, '/plain/x');
  assert.equal(refused.closed, true);
});

test('an upstream that never answers the handshake gets 504 after read_timeout, as any request', async (t) => {
  const silent = net.createServer((s) => {
    s.on('error', () => {});
    s.resume();
  });
  await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
  const gw = await startGateway(`
[upstreams.silent]
addrs = ["127.0.0.1:${(silent.address() as net.AddressInfo).port}"]
read_timeout = "500ms"
[locations.ws]
upstream = "silent"
[servers.main]
addr = "127.0.0.1:0"
locations = ["ws"]
`);
  t.after(async () => {
    await gw.stop(0);
    silent.close();
  });
  // rawHandshake gives up after 3 s; before, no deadline covered the handshake and nothing came back.
  const { text } = await rawHandshake(gw.port('main'), '/ws');
  assert.match(text, /^HTTP\/1\.1 504 /);
});
