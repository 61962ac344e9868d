import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import http2 from 'node:http2';
import https from 'node:https';
import net, { type AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { execFile, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync, copyFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tempDir } from '@etcd-monitor/core/testing';
import { parseConfigText } from './config/load.ts';
import { Gateway } from './gateway.ts';
import { createLogger, silentLogger } from './observability/log.ts';
import { watchFile } from './run.ts';
import { captureText, echo, freePort, rawRequest, request, selfSigned, startGateway, startUpstream, startWsUpstream, waitFor, useGateway, wsEcho } from './test-helpers.ts';

const exampleFile = fileURLToPath(new URL('./testdata/pingap-example.toml', import.meta.url));

test('the issue example runs with loopback addresses', async (t) => {
  const ups = await Promise.all([startUpstream('u1'), startUpstream('u2'), startUpstream('u3')]);
  const dir = tempDir('gw-example');
  copyFileSync(fileURLToPath(new URL('./testdata/error.html', import.meta.url)), join(dir, 'error.html'));
  const text = readFileSync(exampleFile, 'utf8')
    .replace('"127.0.0.1:8001", "127.0.0.1:8002", "127.0.0.1:8003"', ups.map((u) => `"${u.addr}"`).join(', '))
    .replace('http://127.0.0.1:8001/health', `http://${ups[0]!.addr}/health`)
    .replace('addr = "127.0.0.1:8080"', 'addr = "127.0.0.1:0"')
    .replace('/var/log/pingap/access.log', join(dir, 'access.log'))
    .replace('/var/run/pingap.pid', join(dir, 'pingap.pid'))
    .replace('threads = 4', 'threads = 4\nadmin_addr = "127.0.0.1:0"')
    // sni turns TLS on (as in pingap); these test upstreams speak plain HTTP.
    .replace('sni = "api.example.com"\n', '');
  const file = join(dir, 'gateway.toml');
  writeFileSync(file, text);
  const { config, issues } = parseConfigText(text, { baseDir: dir, source: file });
  assert.deepEqual(issues, []);
  const gw = await Gateway.start(config, { log: silentLogger, configFile: file });
  t.after(async () => {
    await gw.stop(0);
    await Promise.all(ups.map((u) => u.close()));
  });
  const port = gw.port('main');
  const seen = new Set<string>();
  for (let i = 0; i < 6; i++) {
    const r = await request(port, { path: '/api/v1/users/7' });
    assert.equal(r.status, 200);
    const e = echo(r);
    seen.add(e.name);
    assert.equal(e.url, '/users/7');
    assert.equal(e.headers['x-forwarded-proto'], 'https', 'the location\'s headers_add replaces the default (it was "http, https")');
    assert.match(e.headers['x-request-id'] ?? '', /^[0-9a-f-]{36}$/);
    assert.equal(r.headers.server, undefined);
    assert.equal(r.headers.via, '1.1 pingap-go');
  }
  assert.equal(seen.size, 3, 'round robin over the three addresses');
  const miss = await request(port, { path: '/other' });
  assert.equal(miss.status, 404);
  assert.match(miss.body, /<h1>404<\/h1>/, 'the error template next to the config is used');
  await waitFor(
    () => {
      try {
        return readFileSync(join(dir, 'access.log'), 'utf8').split('\n').length > 6;
      } catch {
        return false;
      }
    },
    5000,
    'the access log',
  );
  assert.match(readFileSync(join(dir, 'access.log'), 'utf8'), /^127\.0\.0\.1 "GET \/api\/v1\/users\/7 HTTP\/1\.1" 200 /m);
});

test('hot reload swaps atomically under load with zero failed requests; a bad config is kept out', async (t) => {
  const a = await startUpstream('a');
  const b = await startUpstream('b');
  const dir = tempDir('gw-reload');
  const file = join(dir, 'gw.toml');
  const conf = (up: string, extra = '') => `
[basic]
admin_addr = "127.0.0.1:0"
admin_token = "s3cret"
watch = false
[upstreams.main]
addrs = ["${up}"]
[locations.all]
upstream = "main"
${extra}
[servers.main]
addr = "127.0.0.1:0"
locations = ["all"]
`;
  writeFileSync(file, conf(a.addr));
  const { config } = parseConfigText(readFileSync(file, 'utf8'), { source: file });
  const gw = await Gateway.start(config, { log: silentLogger, configFile: file });
  t.after(async () => {
    await gw.stop(0);
    await a.close();
    await b.close();
  });
  const port = gw.port('main');
  const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
  let stop = false;
  const results: { status: number; name: string }[] = [];
  const errors: unknown[] = [];
  const load = async () => {
    while (!stop) {
      try {
        const r = await request(port, { path: '/x', agent });
        results.push({ status: r.status, name: echo(r).name });
      } catch (err) {
        errors.push(err);
      }
    }
  };
  const workers = Array.from({ length: 8 }, load);
  await waitFor(() => results.length > 50, 10_000, 'load to start');
  for (let i = 0; i < 6; i++) {
    writeFileSync(file, conf(i % 2 === 0 ? b.addr : a.addr));
    const r = await gw.reload();
    assert.equal(r.ok, true, JSON.stringify(r.issues));
    const n = results.length;
    await waitFor(() => results.length > n + 20, 10_000, 'requests after a reload');
  }
  // A bad config is rejected with its errors and counted; the old one keeps serving.
  writeFileSync(file, conf(a.addr, 'rewrite = "^/(unclosed /x"').replace('upstream = "main"', 'upstream = "mian"'));
  const bad = await gw.reload();
  assert.equal(bad.ok, false);
  assert.deepEqual(
    bad.issues.map((i) => i.path),
    ['locations.all.upstream', 'locations.all.rewrite'],
  );
  const n = results.length;
  await waitFor(() => results.length > n + 20, 10_000, 'requests after the bad reload');
  stop = true;
  await Promise.all(workers);
  agent.destroy();
  assert.deepEqual(errors, []);
  assert.deepEqual(
    results.filter((r) => r.status !== 200),
    [],
  );
  assert.equal(results.at(-1)!.name, 'a', 'the last good config (upstream a) is live');
  assert.ok(results.some((r) => r.name === 'b'));
  // Metrics count the reloads; the admin reload needs the token.
  const admin = gw.adminPort();
  const metrics = await request(admin, { path: '/metrics' });
  assert.match(metrics.body, /gateway_config_reloads_total\{result="success"\} 6/);
  assert.match(metrics.body, /gateway_config_reloads_total\{result="failure"\} 1/);
  assert.match(metrics.body, /gateway_requests_total\{server="main",location="all",upstream="main",status_class="2xx"\} \d+/);
  assert.match(metrics.body, /gateway_request_duration_seconds_bucket\{server="main",location="all",le="\+Inf"\} \d+/);
  assert.match(metrics.body, /gateway_upstream_server_up\{upstream="main",server="127\.0\.0\.1:\d+"\} 1/);
  assert.match(metrics.body, /gateway_upstream_connect_seconds_count\{server="127\.0\.0\.1:\d+"\} \d+/);
  assert.equal((await request(admin, { path: '/admin/reload', method: 'POST' })).status, 401);
  assert.equal((await request(admin, { path: '/admin/reload', method: 'POST', headers: { authorization: 'Bearer nope' } })).status, 401);
  const viaAdmin = await request(admin, { path: '/admin/reload', method: 'POST', headers: { authorization: 'Bearer s3cret' } });
  assert.equal(viaAdmin.status, 422, 'the file still holds the bad config');
  assert.match(viaAdmin.body, /unknown upstream \\"mian\\"/);
  writeFileSync(file, conf(b.addr));
  const good = await request(admin, { path: '/admin/reload', method: 'POST', headers: { authorization: 'Bearer s3cret' } });
  assert.equal(good.status, 200);
  assert.equal(echo(await request(port, { path: '/y' })).name, 'b');
  const ups = JSON.parse((await request(admin, { path: '/admin/upstreams', headers: { authorization: 'Bearer s3cret' } })).body);
  assert.equal(ups.main[0].server, b.addr);
});

test('a listener change opens the new address and closes the old one; 1000 locations reload', async (t) => {
  const a = await startUpstream('a');
  const gw = await useGateway(
    t,
    [a],
    `
[upstreams.a]
addrs = ["${a.addr}"]
[locations.l]
upstream = "a"
[servers.one]
addr = "127.0.0.1:0"
locations = ["l"]
`,
  );
  const oldPort = gw.port('one');
  const locs = Array.from({ length: 1000 }, (_, i) => `[locations.l${i}]\nupstream = "a"\npath = "/svc${i}/"\nhost = "h${i % 10}.test"\n`).join('');
  const big = parseConfigText(`
[basic]
admin_addr = ""
[upstreams.a]
addrs = ["${a.addr}"]
${locs}
[servers.two]
addr = "127.0.0.1:0,localhost:0"
locations = [${Array.from({ length: 1000 }, (_, i) => `"l${i}"`).join(', ')}]
`);
  assert.deepEqual(big.issues, []);
  const r = await gw.reload(big.config);
  assert.equal(r.ok, true);
  t.diagnostic(`reload with 1000 locations took ${r.ms.toFixed(1)} ms`);
  const newPort = gw.port('two');
  assert.notEqual(newPort, oldPort);
  assert.equal(echo(await request(newPort, { path: '/svc999/x', headers: { host: 'h9.test' } })).url, '/svc999/x');
  assert.equal((await request(newPort, { path: '/svc999/x', headers: { host: 'h8.test' } })).status, 404);
  await assert.rejects(request(oldPort, { path: '/' }), /ECONNREFUSED/);
});

test('graceful stop lets an in-flight request finish', async (t) => {
  let release: (() => void) | undefined;
  const a = await startUpstream('a', (_req, res) => {
    release = () => res.end('finished');
  });
  const gw = await startGateway(`
[upstreams.a]
addrs = ["${a.addr}"]
[locations.l]
upstream = "a"
[servers.main]
addr = "127.0.0.1:0"
locations = ["l"]
`);
  t.after(() => a.close());
  const port = gw.port('main');
  const inflight = request(port, { path: '/' });
  await waitFor(() => release !== undefined, 5000, 'the request upstream');
  const stopped = gw.stop(10_000);
  await new Promise((r) => setTimeout(r, 50));
  await assert.rejects(request(port, { path: '/' }), /ECONNREFUSED/, 'no new connections while draining');
  release!();
  assert.equal((await inflight).body, 'finished');
  await stopped;
});

test('access logs: presets, custom templates and JSON', async (t) => {
  const a = await startUpstream('a');
  const log = captureText();
  const gw = await useGateway(
    t,
    [a],
    `
[upstreams.a]
addrs = ["${a.addr}"]
[plugins.rid]
category = "request_id"
[locations.l]
upstream = "a"
plugins = ["rid"]
[servers.tiny]
addr = "127.0.0.1:0"
locations = ["l"]
access_log = "tiny"
[servers.custom]
addr = "127.0.0.1:0"
locations = ["l"]
access_log = "{method} {path} q={query} {status} {>X-Test} {<X-Upstream} {~sid} id={request_id} up={upstream_addr}/{upstream_status} loc={location} reused={connection_reused} {scheme}://{host} {client_ip} c={upstream_connect_time} r={upstream_response_time}"
[servers.json]
addr = "127.0.0.1:0"
locations = ["l"]
access_log = "json"
`,
    { accessLogStream: log.stream },
  );
  await request(gw.port('tiny'), { path: '/t?x=1' });
  await request(gw.port('custom'), { path: '/c?y=2', headers: { 'x-test': 'hdr', cookie: 'sid=abc', 'x-request-id': 'rid-1', host: 'example.test' } });
  await request(gw.port('json'), { path: '/j' });
  await waitFor(() => log.text().split('\n').length > 3, 5000, 'three log lines');
  const [tiny, custom, json] = log.text().trim().split('\n');
  assert.match(tiny!, /^GET \/t\?x=1 200 \d+ B - \d+ms$/);
  assert.equal(custom!.replace(/\d+ r=\d+$/, ''), `GET /c q=y=2 200 hdr a abc id=rid-1 up=${a.addr}/200 loc=l reused=false http://example.test 127.0.0.1 c=`);
  assert.match(custom!, / c=\d+ r=\d+$/);
  const j = JSON.parse(json!);
  assert.equal(j.method, 'GET');
  assert.equal(j.uri, '/j');
  assert.equal(j.status, 200);
  assert.equal(j.location, 'l');
  assert.match(j.request_id, /^[0-9a-f-]{36}$/);
  // A client cannot end a quoted field or start a line of its own: what llhttp lets through (", tab, bytes above 0x7F) is escaped.
  const before = log.text().length;
  const raw = await rawRequest(gw.port('custom'), 'GET /f?"q" HTTP/1.1\r\nHost: t\r\nX-Test: a" 200 0 "\t\xff\r\nConnection: close\r\n\r\n');
  assert.match(raw, /^HTTP\/1\.1 200/);
  await waitFor(() => log.text().length > before, 5000, 'the escaped line');
  const line = log.text().slice(before);
  assert.ok(line.startsWith('GET /f q=\\x22q\\x22 200 a\\x22 200 0 \\x22\\x09\\xC3\\xBF a '), line);
  assert.equal(line.split('\n').length, 2, 'one line');
});

test('a WebSocket echo works through the proxy', async (t) => {
  const up = await startWsUpstream();
  const gw = await useGateway(
    t,
    [up],
    `
[upstreams.ws]
addrs = ["${up.addr}"]
[locations.ws]
upstream = "ws"
path = "/ws"
[servers.main]
addr = "127.0.0.1:0"
locations = ["ws"]
`,
  );
  assert.equal(await wsEcho(`ws://127.0.0.1:${gw.port('main')}/ws/chat`, 'hello'), 'echo:hello');
  assert.equal(up.upgrades[0]?.url, '/ws/chat');
});

function h2get(url: string, path: string, opts: http2.SecureClientSessionOptions = {}): Promise<{ status: number; body: string; headers: http2.IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    const session = http2.connect(url, opts);
    session.on('error', reject);
    const req = session.request({ ':path': path, 'x-h2': 'yes' });
    let body = '';
    let headers: http2.IncomingHttpHeaders = {};
    req.on('response', (h) => (headers = h));
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      session.close();
      resolve({ status: Number(headers[':status']), body, headers });
    });
    req.on('error', reject);
    req.end();
  });
}

test('a reload whose TLS key cannot be read is rejected before any listener changes', async (t) => {
  const up = await startUpstream('up');
  const dir = tempDir('gw-tls-reload');
  const { cert, key } = selfSigned(dir);
  const conf = (tlsKey: string, extra = '') => `[basic]
admin_addr = ""
[upstreams.up]
addrs = ["${up.addr}"]
[locations.l]
upstream = "up"
[servers.tls]
addr = "127.0.0.1:0"
locations = ["l"]
tls_cert = "${cert}"
tls_key = "${tlsKey}"
${extra}`;
  const gw = await useGateway(t, [up], conf(key));
  const extraPort = await freePort();
  // A directory exists (so validation passes) but cannot be read as a key.
  const next = parseConfigText(conf(dir, `[servers.extra]\naddr = "127.0.0.1:${extraPort}"\nlocations = ["l"]\n`));
  assert.deepEqual(next.issues, []);
  const r = await gw.reload(next.config);
  assert.equal(r.ok, false);
  const refused = await new Promise<boolean>((resolve) => {
    const s = net.connect(extraPort, '127.0.0.1', () => {
      s.destroy();
      resolve(false);
    });
    s.on('error', () => resolve(true));
  });
  assert.equal(refused, true, "the new server's listener was left open by the rejected reload");
  const ok = await new Promise<number>((resolve, reject) => {
    https
      .get({ host: '127.0.0.1', port: gw.port('tls'), path: '/', rejectUnauthorized: false }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      })
      .on('error', reject);
  });
  assert.equal(ok, 200, 'the old TLS server keeps serving');
});

test("HTTP/2 over TLS (ALPN) and h2c with prior knowledge, with Node's client and curl", async (t) => {
  const up = await startUpstream('up');
  const dir = tempDir('gw-tls');
  const { cert, key } = selfSigned(dir);
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
[servers.plain]
addr = "127.0.0.1:0"
locations = ["l"]
enabled_h2 = true
`,
  );
  const tlsPort = gw.port('tls');
  const plainPort = gw.port('plain');
  const h2 = await h2get(`https://localhost:${tlsPort}`, '/over-tls?a=1', { ca: readFileSync(cert) });
  assert.equal(h2.status, 200);
  const e = JSON.parse(h2.body);
  assert.equal(e.url, '/over-tls?a=1');
  assert.equal(e.headers.host, `localhost:${tlsPort}`);
  assert.equal(e.headers['x-h2'], 'yes');
  assert.equal(e.headers['x-forwarded-proto'], 'https');
  assert.equal(e.headers.via, '2.0 etcd-monitor-gateway');
  const h2c = await h2get(`http://127.0.0.1:${plainPort}`, '/h2c');
  assert.equal(JSON.parse(h2c.body).url, '/h2c');
  // A request body over HTTP/2 (no Content-Length) streams upstream.
  const posted = await new Promise<string>((resolve, reject) => {
    const session = http2.connect(`http://127.0.0.1:${plainPort}`);
    session.on('error', reject);
    const req = session.request({ ':method': 'POST', ':path': '/h2-upload' });
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      session.close();
      resolve(body);
    });
    req.write('part1-');
    req.end('part2');
  });
  assert.equal(JSON.parse(posted).body, 'part1-part2');
  // HTTP/1.1 still works on both listeners.
  assert.equal(echo(await request(plainPort, { path: '/h1' })).url, '/h1');
  const curl = (args: string[]) =>
    new Promise<string>((resolve, reject) =>
      execFile('curl', ['-sS', '-o', '/dev/null', '-w', '%{http_version} %{http_code}', ...args], (err, stdout, stderr) => (err ? reject(new Error(stderr)) : resolve(stdout))),
    );
  assert.equal(await curl(['--http2-prior-knowledge', `http://127.0.0.1:${plainPort}/curl`]), '2 200');
  assert.equal(await curl(['--http2', '--cacert', cert, `https://localhost:${tlsPort}/curl`]), '2 200');
  assert.equal(await curl([`http://127.0.0.1:${plainPort}/curl`]), '1.1 200');
});

test('DNS discovery resolves hostnames into servers', async (t) => {
  const up = await startUpstream('dns');
  const gw = await useGateway(
    t,
    [up],
    `
[upstreams.d]
addrs = ["localhost:${up.port}"]
ipv4_only = true
update_frequency = "1s"
[locations.l]
upstream = "d"
[servers.main]
addr = "127.0.0.1:0"
locations = ["l"]
`,
  );
  assert.deepEqual(
    gw.runtime.upstreams.get('d')!.servers.map((s) => s.key),
    [`127.0.0.1:${up.port}`],
  );
  assert.equal(echo(await request(gw.port('main'))).name, 'dns');
});

test('watchFile reports writes and replacements of the config file, debounced', async (t) => {
  const dir = tempDir('gw-watch');
  const file = join(dir, 'gw.toml');
  writeFileSync(file, 'a');
  let calls = 0;
  const w = watchFile(file, () => calls++);
  t.after(() => w.close());
  writeFileSync(join(dir, 'other.txt'), 'ignored');
  writeFileSync(file, 'b');
  writeFileSync(file, 'c');
  await waitFor(() => calls >= 1, 5000, 'a debounced change');
  const seen = calls;
  writeFileSync(join(dir, 'gw.toml.tmp'), 'd');
  copyFileSync(join(dir, 'gw.toml.tmp'), file);
  await waitFor(() => calls > seen, 5000, 'the replacement');
});

test('TLS upstreams: SNI and certificate verification', async (t) => {
  const dir = tempDir('gw-uptls');
  const { cert, key } = selfSigned(dir);
  const up = https.createServer({ cert: readFileSync(cert), key: readFileSync(key) }, (req, res) => res.end(`tls ${(req.socket as TLSSocket).servername}`));
  await new Promise<void>((r) => up.listen(0, '127.0.0.1', r));
  const port = (up.address() as AddressInfo).port;
  const gw = await startGateway(`
[upstreams.insecure]
addrs = ["127.0.0.1:${port}"]
tls = true
sni = "localhost"
verify_cert = false
[upstreams.strict]
addrs = ["127.0.0.1:${port}"]
tls = true
sni = "localhost"
retries = 0
[upstreams.bysni]
addrs = ["127.0.0.1:${port}"]
sni = "localhost"
verify_cert = false
[locations.insecure]
upstream = "insecure"
path = "/insecure"
[locations.strict]
upstream = "strict"
path = "/strict"
[locations.bysni]
upstream = "bysni"
path = "/bysni"
[servers.main]
addr = "127.0.0.1:0"
locations = ["insecure", "strict", "bysni"]
`);
  t.after(async () => {
    await gw.stop(0);
    up.closeAllConnections();
    await new Promise<void>((r) => up.close(() => r()));
  });
  const ok = await request(gw.port('main'), { path: '/insecure' });
  assert.equal(ok.body, 'tls localhost');
  const refused = await request(gw.port('main'), { path: '/strict' });
  assert.equal(refused.status, 502, 'a self-signed certificate fails verification');
  // pingap has no `tls` key: an upstream with an sni speaks TLS (plain HTTP to this port would fail).
  const bySni = await request(gw.port('main'), { path: '/bysni' });
  assert.equal(bySni.body, 'tls localhost');
});

test('servers.backlog sets the listen queue; a reload that changes it keeps the socket and says a restart is needed', async (t) => {
  const up = await startUpstream('a');
  const conf = (backlog: number) => `
[basic]
admin_addr = ""
[upstreams.a]
addrs = ["${up.addr}"]
[locations.l]
upstream = "a"
[servers.main]
addr = "127.0.0.1:0"
locations = ["l"]
backlog = ${backlog}
`;
  const log = captureText();
  const first = parseConfigText(conf(37));
  assert.deepEqual(first.issues, []);
  const gw = await Gateway.start(first.config, { log: createLogger('warn', log.stream) });
  t.after(async () => {
    await gw.stop(0);
    await up.close();
  });
  const port = gw.port('main');
  // For a listening socket, ss shows the backlog as Send-Q.
  const sendQ = () =>
    spawnSync('ss', ['-ltnH', `sport = :${port}`], { encoding: 'utf8' })
      .stdout.trim()
      .split(/\s+/)[2];
  assert.equal(sendQ(), '37');
  const r = await gw.reload(parseConfigText(conf(38)).config);
  assert.equal(r.ok, true);
  assert.equal(sendQ(), '37', 'the listener was not reopened');
  assert.match(log.text(), /servers\.main\.backlog: the new value applies after a restart/);
  assert.equal((await request(port)).status, 200);
});

test('a connection that never sends a byte is closed after headers_timeout, with h2c sniffing on as without', async (t) => {
  const up = await startUpstream('a');
  for (const h2 of [true, false]) {
    const gw = await useGateway(
      t,
      h2 ? [] : [up],
      `
[upstreams.a]
addrs = ["${up.addr}"]
[locations.l]
upstream = "a"
[servers.main]
addr = "127.0.0.1:0"
locations = ["l"]
headers_timeout = "300ms"
keepalive_timeout = "300ms"
enabled_h2 = ${h2}
`,
    );
    const s = net.connect(gw.port('main'), '127.0.0.1');
    s.on('error', () => {});
    let closed = false;
    s.on('close', () => (closed = true));
    // Before, the h2c sniffer waited for the first byte with no timer, so this socket stayed open for good.
    await waitFor(() => closed, 5000, `the silent connection to close (enabled_h2 = ${h2})`);
  }
});

test('a realistic pingap config runs: TLS from [certificates] with tls_min_version, match_* routing, pingap header variables, trusted_proxies', async (t) => {
  const dir = tempDir('gw-pingap');
  const { cert, key } = selfSigned(dir);
  const charts = await startUpstream('charts');
  const api = https.createServer({ cert: readFileSync(cert), key: readFileSync(key) }, (req, res) => res.end(JSON.stringify({ name: 'api', url: req.url, headers: req.headers })));
  await new Promise<void>((r) => api.listen(0, '127.0.0.1', r));
  const apiPort = (api.address() as AddressInfo).port;
  const started: { gw?: Gateway } = {};
  t.after(async () => {
    await started.gw?.stop(0);
    await charts.close();
    api.closeAllConnections();
    await new Promise<void>((r) => api.close(() => r()));
  });
  const text = readFileSync(fileURLToPath(new URL('./testdata/pingap-full.toml', import.meta.url)), 'utf8')
    .replace('"127.0.0.1:5000", "127.0.0.1:5001 10"', `"${charts.addr}"`)
    .replace('addrs = ["127.0.0.1:5002"]', `addrs = ["127.0.0.1:${apiPort}"]`)
    .replace('health_check = "http://charts/ping?', `health_check = "http://${charts.addr}/?`)
    .replace('addr = "127.0.0.1:6443"', 'addr = "127.0.0.1:0"')
    .replace('tls_min_version = "tls1.2"', 'tls_min_version = "tls1.3"')
    .replace('access_log = "tiny"', 'access_log = "{client_ip} {remote} {uri}"');
  const file = join(dir, 'pingap.toml');
  writeFileSync(file, text);
  const { config, issues } = parseConfigText(`[basic]\nadmin_addr = ""\n${text.replace('[basic]\n', '')}`, { baseDir: dir, source: file });
  assert.deepEqual(issues, []);
  const log = captureText();
  const gw = (started.gw = await Gateway.start(config, { log: silentLogger, accessLogStream: log.stream }));
  const port = gw.port('secure');
  const get = (path: string, headers: http.OutgoingHttpHeaders, opts: https.RequestOptions = {}) =>
    new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = https.request({ host: '127.0.0.1', port, path, headers, rejectUnauthorized: false, agent: false, ...opts }, (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode!, body }));
      });
      req.on('error', reject);
      req.end();
    });
  // The listener speaks TLS with the [certificates] entry, and refuses TLS 1.2 (tls_min_version = "tls1.3").
  const r = await get('/charts/users?x=1', { host: 'charts.example.com', 'x-forwarded-for': '203.0.113.7' });
  assert.equal(r.status, 200, r.body);
  const e = JSON.parse(r.body) as { url: string; headers: Record<string, string> };
  assert.equal(e.url, '/users?x=1', 'the pingap rewrite with a named capture');
  assert.equal(e.headers['x-real-ip'], '127.0.0.1', '$remote_addr');
  assert.equal(e.headers['x-forwarded-for'], '203.0.113.7, 127.0.0.1', '$proxy_add_x_forwarded_for');
  assert.equal(e.headers['x-forwarded-proto'], 'https', "the location's own X-Forwarded-Proto, once");
  assert.equal(e.headers['x-server'], hostname());
  assert.match(e.headers['x-trace-id'] ?? '', /^[\w-]{12}$/, "request_id with pingap's header_name and size");
  await assert.rejects(get('/charts/x', { host: 'charts.example.com' }, { maxVersion: 'TLSv1.2' }), /version|alert/i);
  // match_headers, match_query and match_cookies all hold: the beta location (upstream api, TLS because of its sni).
  const beta = await get('/api/v?version=~2&debug', { host: 'charts.example.com', 'x-beta': '1', 'x-tenant': 't', cookie: 'a=1; beta=on; sid=s1' });
  assert.equal(JSON.parse(beta.body).name, 'api');
  for (const miss of [
    { 'x-beta': '1', 'x-tenant': 't', cookie: 'beta=off; sid=s1' },
    { 'x-beta': '2', 'x-tenant': 't', cookie: 'beta=on; sid=s1' },
    { 'x-beta': '1', cookie: 'beta=on; sid=s1' },
  ]) {
    const m = await get('/api/v?version=~2&debug', { host: 'charts.example.com', ...miss });
    assert.notEqual(m.status === 200 ? (JSON.parse(m.body) as { name?: string }).name : '', 'api', JSON.stringify(miss));
  }
  // trusted_proxies lists 127.0.0.1: the client address is the forwarded one; the connection's stays in {remote}.
  await waitFor(() => log.text().includes('/charts/users'), 5000, 'the access log');
  assert.match(log.text(), /^203\.0\.113\.7 127\.0\.0\.1 \/charts\/users\?x=1$/m);
});
