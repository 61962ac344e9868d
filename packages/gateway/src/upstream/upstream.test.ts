import { test } from 'node:test';
import assert from 'node:assert/strict';
import type http from 'node:http';
import { request as httpRequest } from 'node:http';
import net from 'node:net';
import { freePort, request, startUpstream, waitFor, type TestUpstream, useGateway } from '../test-helpers.ts';
import { parseConfigText } from '../config/load.ts';
import { Upstream } from './upstream.ts';

async function upstreams(n: number, handler?: (name: string) => http.RequestListener): Promise<TestUpstream[]> {
  return Promise.all(Array.from({ length: n }, (_, i) => startUpstream(`s${i}`, handler?.(`s${i}`))));
}

const named =
  (name: string): http.RequestListener =>
  (_req, res) =>
    res.end(name);

async function distribution(port: number, n: number, headers: (i: number) => Record<string, string> = () => ({})): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (let i = 0; i < n; i++) {
    const r = await request(port, { path: '/', headers: headers(i) });
    out[r.body] = (out[r.body] ?? 0) + 1;
  }
  return out;
}

test('round robin spreads evenly; weights are honoured smoothly', async (t) => {
  const ups = await upstreams(3, named);
  const gw = await useGateway(
    t,
    [...ups],
    `
[upstreams.rr]
addrs = ["${ups[0]!.addr}", "${ups[1]!.addr}", "${ups[2]!.addr}"]
[upstreams.w]
algorithm = "weighted"
addrs = ["${ups[0]!.addr} 3", "${ups[1]!.addr} 1"]
[locations.rr]
upstream = "rr"
[locations.w]
upstream = "w"
host = "w.test"
[servers.main]
addr = "127.0.0.1:0"
locations = ["rr", "w"]
`,
  );
  const port = gw.port('main');
  assert.deepEqual(await distribution(port, 30), { s0: 10, s1: 10, s2: 10 });
  assert.deepEqual(await distribution(port, 40, () => ({ host: 'w.test' })), { s0: 30, s1: 10 });
});

test('least connections sends new requests away from a server with requests in flight', async (t) => {
  const held: http.ServerResponse[] = [];
  const ups = await upstreams(2, (name) => (req, res) => {
    if (req.url === '/hold') held.push(res);
    else res.end(name);
  });
  const gw = await useGateway(
    t,
    [...ups],
    `
[upstreams.lc]
algorithm = "least_conn"
addrs = ["${ups[0]!.addr}", "${ups[1]!.addr}"]
[locations.lc]
upstream = "lc"
[servers.main]
addr = "127.0.0.1:0"
locations = ["lc"]
`,
  );
  const port = gw.port('main');
  const pending = request(port, { path: '/hold' });
  await waitFor(() => held.length === 1, 5000, 'the held request');
  const busy = ups[0]!.hits === 1 ? 's0' : 's1';
  const d = await distribution(port, 6);
  assert.equal(d[busy], undefined, `all requests avoid the busy server: ${JSON.stringify(d)}`);
  held[0]!.end('held');
  assert.equal((await pending).body, 'held');
});

test('consistent hash keeps a key on one server and spreads keys', async (t) => {
  const ups = await upstreams(3, named);
  const gw = await useGateway(
    t,
    [...ups],
    `
[upstreams.h]
algorithm = "hash:header:X-User"
addrs = ["${ups[0]!.addr}", "${ups[1]!.addr}", "${ups[2]!.addr}"]
[upstreams.c]
algorithm = "hash:cookie:sid"
addrs = ["${ups[0]!.addr}", "${ups[1]!.addr}", "${ups[2]!.addr}"]
[locations.h]
upstream = "h"
[locations.c]
upstream = "c"
host = "c.test"
[servers.main]
addr = "127.0.0.1:0"
locations = ["h", "c"]
`,
  );
  const port = gw.port('main');
  const same = await distribution(port, 10, () => ({ 'x-user': 'alice' }));
  assert.equal(Object.keys(same).length, 1);
  const spread = await distribution(port, 60, (i) => ({ 'x-user': `user-${i}` }));
  assert.equal(Object.keys(spread).length, 3, JSON.stringify(spread));
  const cookie = await distribution(port, 10, () => ({ host: 'c.test', cookie: 'a=1; sid=xyz' }));
  assert.equal(Object.keys(cookie).length, 1);
});

test('active health checks take a failing server out and bring it back', async (t) => {
  let bHealthy = true;
  const ups = await upstreams(2, (name) => (req, res) => {
    if (req.url === '/health') {
      res.statusCode = name === 's1' && !bHealthy ? 500 : 200;
      return res.end();
    }
    res.end(name);
  });
  const gw = await useGateway(
    t,
    [...ups],
    `
[upstreams.hc]
addrs = ["${ups[0]!.addr}", "${ups[1]!.addr}"]
health_check = "http://hc.internal/health?interval=50ms&timeout=1s&success=2&failure=2"
[locations.hc]
upstream = "hc"
[servers.main]
addr = "127.0.0.1:0"
locations = ["hc"]
`,
  );
  const port = gw.port('main');
  const b = gw.runtime.upstreams.get('hc')!.servers[1]!;
  assert.deepEqual(await distribution(port, 4), { s0: 2, s1: 2 });
  bHealthy = false;
  await waitFor(() => !b.healthy, 5000, 'the check to mark s1 down');
  assert.deepEqual(await distribution(port, 4), { s0: 4 });
  bHealthy = true;
  await waitFor(() => b.healthy, 5000, 'the check to bring s1 back');
  assert.deepEqual(await distribution(port, 4), { s0: 2, s1: 2 });
});

test('tcp health checks and passive health take a dead server out', async (t) => {
  const ups = await upstreams(1, named);
  const dead = await freePort();
  const gw = await useGateway(
    t,
    [...ups],
    `
[upstreams.tcp]
addrs = ["${ups[0]!.addr}", "127.0.0.1:${dead}"]
health_check = "tcp://x?interval=50ms&failure=1"
[upstreams.passive]
addrs = ["${ups[0]!.addr}", "127.0.0.1:${dead}"]
max_fails = 1
fail_timeout = "1m"
retries = 0
[locations.tcp]
upstream = "tcp"
[locations.passive]
upstream = "passive"
host = "p.test"
[servers.main]
addr = "127.0.0.1:0"
locations = ["tcp", "passive"]
`,
  );
  const port = gw.port('main');
  await waitFor(() => !gw.runtime.upstreams.get('tcp')!.servers[1]!.healthy, 5000, 'the tcp check');
  assert.deepEqual(await distribution(port, 4), { s0: 4 });
  // Passive: the first request to the dead server fails (no retry configured) and takes it out.
  const statuses = [];
  for (let i = 0; i < 6; i++) statuses.push((await request(port, { headers: { host: 'p.test' } })).status);
  assert.equal(statuses.filter((s) => s === 502).length, 1, JSON.stringify(statuses));
  assert.equal(gw.runtime.upstreams.get('passive')!.servers[1]!.downUntil > Date.now(), true);
});

test('a connect failure is retried on another server for requests without a body', async (t) => {
  const ups = await upstreams(1, named);
  const dead = await freePort();
  const gw = await useGateway(
    t,
    [...ups],
    `
[upstreams.r]
addrs = ["127.0.0.1:${dead}", "${ups[0]!.addr}"]
max_fails = 0
[locations.r]
upstream = "r"
[servers.main]
addr = "127.0.0.1:0"
locations = ["r"]
`,
  );
  assert.deepEqual(await distribution(gw.port('main'), 6), { s0: 6 });
});

test('a request with a streamed body is retried on another server when nothing was sent: connect refused, or no connection free within connection_timeout', async (t) => {
  const held: http.ServerResponse[] = [];
  const ups = await upstreams(2, (name) => (req, res) => {
    if (req.url === '/slow') return void held.push(res);
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => res.end(`${name} ${req.method} ${Buffer.concat(chunks).toString()}`));
  });
  t.after(() => {
    for (const r of held) r.destroy();
  });
  const dead = await freePort();
  const gw = await useGateway(
    t,
    [...ups],
    `
[upstreams.refused]
addrs = ["127.0.0.1:${dead}", "${ups[0]!.addr}"]
max_fails = 0
[upstreams.queued]
addrs = ["${ups[0]!.addr}", "${ups[1]!.addr}"]
max_connections = 1
connection_timeout = "300ms"
max_fails = 0
[locations.refused]
upstream = "refused"
host = "refused.test"
[locations.queued]
upstream = "queued"
host = "queued.test"
[servers.main]
addr = "127.0.0.1:0"
locations = ["refused", "queued"]
`,
  );
  const port = gw.port('main');
  // Content-Length and chunked bodies (a streamed body of unknown length), POST and PATCH: none had a byte sent.
  for (let i = 0; i < 6; i++) {
    const method = i % 2 ? 'PATCH' : 'POST';
    const body = `body-${i}-${'x'.repeat(i * 1000)}`;
    const r = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = httpRequest({ host: '127.0.0.1', port, method, path: '/up', headers: { host: 'refused.test' }, agent: false }, (res) => {
        let b = '';
        res.on('data', (c: Buffer) => (b += c));
        res.on('end', () => resolve({ status: res.statusCode!, body: b }));
      });
      req.on('error', reject);
      if (i >= 3) req.write(body.slice(0, 5));
      req.end(i >= 3 ? body.slice(5) : body);
    });
    assert.equal(r.status, 200, `attempt ${i}: ${r.body}`);
    assert.equal(r.body, `s0 ${method} ${body}`);
  }
  // One server's only connection is busy: a POST waiting for it past connection_timeout goes to the other server.
  const busy = net.connect(port, '127.0.0.1');
  busy.on('error', () => {});
  t.after(() => busy.destroy());
  const servers = gw.runtime.upstreams.get('queued')!.servers;
  busy.write('GET /slow HTTP/1.1\r\nHost: queued.test\r\n\r\n');
  await waitFor(() => held.length === 1, 5000, 'the slow request to hold one server');
  const heldBy = servers.findIndex((s) => s.active === 1);
  for (let i = 0; i < 4; i++) {
    const r = await request(port, { method: 'POST', path: '/q', headers: { host: 'queued.test', 'transfer-encoding': 'chunked' }, body: `q${i}` });
    assert.equal(r.status, 200, `attempt ${i}: ${r.body}`);
    assert.equal(r.body, `s${1 - heldBy} POST q${i}`);
  }
});

test('the circuit breaker opens on failures, refuses without calling the server, then half-opens', async (t) => {
  let failing = true;
  const ups = await upstreams(1, () => (_req, res) => {
    res.statusCode = failing ? 503 : 200;
    res.end(failing ? 'down' : 'up');
  });
  const gw = await useGateway(
    t,
    [...ups],
    `
[upstreams.cb]
addrs = ["${ups[0]!.addr}"]
breaker_failures = 2
breaker_open_duration = "300ms"
breaker_half_open_requests = 1
max_fails = 0
[locations.cb]
upstream = "cb"
[servers.main]
addr = "127.0.0.1:0"
locations = ["cb"]
`,
  );
  const port = gw.port('main');
  const s = gw.runtime.upstreams.get('cb')!.servers[0]!;
  assert.equal((await request(port)).body, 'down');
  assert.equal((await request(port)).body, 'down');
  assert.equal(s.breaker.state, 'open');
  const hits = ups[0]!.hits;
  const refused = await request(port);
  assert.equal(refused.status, 503);
  assert.match(refused.body, /No upstream server is available/);
  assert.equal(ups[0]!.hits, hits, 'an open breaker does not call the server');
  // Half-open: one probe goes through; it fails, so the breaker opens again.
  await waitFor(() => s.breaker.available(Date.now()), 5000, 'half-open');
  assert.equal((await request(port)).body, 'down');
  assert.equal(s.breaker.state, 'open');
  failing = false;
  await waitFor(() => s.breaker.available(Date.now()), 5000, 'half-open again');
  assert.equal((await request(port)).body, 'up');
  assert.equal(s.breaker.state, 'closed');
  assert.equal((await request(port)).body, 'up');
});

test('a reset connection is retried for idempotent requests only', async (t) => {
  let resets = 0;
  const ups = await upstreams(1, () => (req, res) => {
    // Every other request is cut without an answer, as a server closing a reused keep-alive connection would.
    if (req.url === '/flaky' && resets++ % 2 === 0) {
      req.socket.destroy();
      return;
    }
    res.end(`ok ${req.method}`);
  });
  const gw = await useGateway(
    t,
    [...ups],
    `
[upstreams.r]
addrs = ["${ups[0]!.addr}"]
max_fails = 0
retries = 1
[locations.r]
upstream = "r"
[servers.main]
addr = "127.0.0.1:0"
locations = ["r"]
`,
  );
  const port = gw.port('main');
  const get = await request(port, { path: '/flaky' });
  assert.equal(get.body, 'ok GET');
  assert.equal(resets, 2, 'the first attempt was reset, the retry answered');
  const post = await request(port, { path: '/flaky', method: 'POST' });
  assert.equal(post.status, 502, 'a POST may have been processed: it is not replayed');
});

/** abandon sends a request on its own connection, waits until the upstream has it, and hangs up without reading the answer. */
async function abandon(port: number, data: string, arrived: () => boolean): Promise<void> {
  const c = net.connect(port, '127.0.0.1');
  c.on('error', () => {});
  c.write(data);
  await waitFor(arrived, 5000, 'the request to reach the upstream');
  c.destroy();
}

test('a half-open probe that ends without an outcome (client gone, request body failed) frees its slot: the breaker recovers', async (t) => {
  const held: http.ServerResponse[] = [];
  let slowSeen = 0;
  let uploadSeen = 0;
  const ups = await upstreams(2, (name) => (req, res) => {
    if (req.url === '/fail') return void res.writeHead(502).end('bad');
    if (req.url === '/slow') {
      slowSeen++;
      held.push(res);
      return;
    }
    if (req.url === '/upload') {
      uploadSeen++;
      req.on('error', () => {});
      req.resume();
      return;
    }
    res.end(name);
  });
  t.after(() => {
    for (const r of held) r.destroy();
  });
  const gw = await useGateway(
    t,
    [...ups],
    `
[upstreams.cb]
addrs = ["${ups[0]!.addr}", "${ups[1]!.addr}"]
breaker_failures = 1
breaker_open_duration = "200ms"
breaker_half_open_requests = 1
max_fails = 0
retries = 0
[locations.cb]
upstream = "cb"
[servers.main]
addr = "127.0.0.1:0"
locations = ["cb"]
`,
  );
  const port = gw.port('main');
  const servers = gw.runtime.upstreams.get('cb')!.servers;
  const openBoth = async () => {
    while (servers.some((s) => s.breaker.state === 'closed')) assert.equal((await request(port, { path: '/fail' })).status, 502);
    assert.deepEqual(
      servers.map((s) => s.breaker.state),
      ['open', 'open'],
    );
    await waitFor(() => servers.every((s) => s.breaker.available(Date.now())), 5000, 'both breakers to half-open');
  };
  // The probes' clients hang up while the upstream works on them.
  await openBoth();
  await abandon(port, 'GET /slow HTTP/1.1\r\nHost: t\r\n\r\n', () => slowSeen === 1);
  await abandon(port, 'GET /slow HTTP/1.1\r\nHost: t\r\n\r\n', () => slowSeen === 2);
  await waitFor(() => servers.every((s) => s.active === 0), 5000, 'the abandoned requests to end');
  const names = new Set<string>();
  for (let i = 0; i < 4; i++) {
    const r = await request(port, { path: '/ok' });
    assert.equal(r.status, 200, `request ${i}: ${r.status} ${r.body}`);
    names.add(r.body);
  }
  assert.deepEqual([...names].sort(), ['s0', 's1'], 'both breakers closed again');
  // The probes' request bodies turn out malformed midway (the client's fault, not the server's).
  await openBoth();
  for (let i = 1; i <= 2; i++) {
    const s = net.connect(port, '127.0.0.1');
    s.on('error', () => {});
    s.write('POST /upload HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n');
    await waitFor(() => uploadSeen === i, 5000, 'the upload to reach the upstream');
    s.write('zz\r\n');
    s.resume();
    await new Promise((r) => s.on('close', r));
  }
  await waitFor(() => servers.every((s) => s.active === 0), 5000, 'the failed uploads to end');
  assert.deepEqual(
    servers.map((s) => s.breaker.state),
    ['half_open', 'half_open'],
    "a failed request body is not the server's failure",
  );
  for (let i = 0; i < 2; i++) assert.equal((await request(port, { path: '/ok' })).status, 200);
  assert.deepEqual(
    servers.map((s) => s.breaker.state),
    ['closed', 'closed'],
  );
});

test('a request waiting for a connection at max_connections leaves the queue as soon as its client hangs up', async (t) => {
  const held: http.ServerResponse[] = [];
  const ups = await upstreams(1, () => (req, res) => {
    if (req.url === '/slow') return void held.push(res);
    res.end('ok');
  });
  t.after(() => {
    for (const r of held) r.destroy();
  });
  const gw = await useGateway(
    t,
    [...ups],
    `
[upstreams.q]
addrs = ["${ups[0]!.addr}"]
max_connections = 1
connection_timeout = "60s"
[locations.q]
upstream = "q"
[servers.main]
addr = "127.0.0.1:0"
locations = ["q"]
`,
  );
  const port = gw.port('main');
  const s = gw.runtime.upstreams.get('q')!.servers[0]!;
  const busy = net.connect(port, '127.0.0.1');
  busy.on('error', () => {});
  busy.write('GET /slow HTTP/1.1\r\nHost: t\r\n\r\n');
  t.after(() => busy.destroy());
  await waitFor(() => held.length === 1, 5000, 'the slow request to hold the only connection');
  await abandon(port, 'GET /queued HTTP/1.1\r\nHost: t\r\n\r\n', () => s.pool.queue.length === 1);
  await waitFor(
    () => s.pool.queue.length === 0 && s.active === 1,
    5000,
    () => `the queue to empty (queued ${s.pool.queue.length}, active ${s.active})`,
  );
});

test('balanceOffset starts round robin and least_conn further along, so the workers of a gateway do not all begin with the first server', async () => {
  const src = { clientIp: '', url: '/', path: '/', header: () => undefined, cookie: () => undefined, queryParam: () => undefined };
  for (const algorithm of ['round_robin', 'least_conn']) {
    const { config, issues } = parseConfigText(
      `[upstreams.u]\naddrs = ["127.0.0.1:1", "127.0.0.1:2", "127.0.0.1:3"]\nalgorithm = "${algorithm}"\n[locations.l]\nupstream = "u"\n[servers.m]\naddr = "127.0.0.1:0"\nlocations = ["l"]\n`,
    );
    assert.deepEqual(issues, []);
    const firsts: string[] = [];
    for (const balanceOffset of [0, 1, 2, 3]) {
      const u = new Upstream('u', config.upstreams.u!, { balanceOffset });
      firsts.push(u.pick(src)!.key);
      await u.destroy();
    }
    assert.deepEqual(firsts, ['127.0.0.1:1', '127.0.0.1:2', '127.0.0.1:3', '127.0.0.1:1'], algorithm);
  }
});

const hcConfig = (hc: string) =>
  parseConfigText(
    `[upstreams.u]\naddrs = ["127.0.0.1:1", "[::1]:2 3"]\nalgorithm = "hash:header:X-User"\nhealth_check = "${hc}"\n[locations.l]\nupstream = "u"\n[servers.m]\naddr = "127.0.0.1:0"\nlocations = ["l"]\n`,
  );

test('the validated config carries typed addresses, algorithm and health check, and the upstream runs exactly those', async () => {
  const { config, issues } = hcConfig('http://api.local/healthz?interval=1m30s&timeout=1.5&success=1&x=1');
  assert.deepEqual(issues, []);
  const uc = config.upstreams.u!;
  assert.deepEqual(uc.addrs, [
    { host: '127.0.0.1', port: 1, weight: 1 },
    { host: '::1', port: 2, weight: 3 },
  ]);
  assert.deepEqual(uc.algorithm, { kind: 'hash', on: 'header', key: 'X-User' });
  assert.deepEqual(uc.health_check, { protocol: 'http', hostHeader: 'api.local', path: '/healthz?x=1', interval: 90_000, timeout: 1500, success: 1, failure: 3 });
  const u = new Upstream('u', uc, { activeHealth: true });
  try {
    assert.ok(u.checksHealth);
    assert.deepEqual(
      u.servers.map((s) => [s.host, s.port, s.weight, s.key]),
      [
        ['127.0.0.1', 1, 1, '127.0.0.1:1'],
        ['::1', 2, 3, '[::1]:2'],
      ],
    );
    const by = (user: string) =>
      u.pick({ clientIp: '', url: '/', path: '/', header: (n) => (n === 'X-User' ? user : undefined), cookie: () => undefined, queryParam: () => undefined })!.key;
    assert.equal(by('alice'), by('alice'), 'the header hash, not round robin, picks');
  } finally {
    await u.destroy();
  }
});

// These health checks passed validation (and `-t`) and then ran no check at all: the validator read durations with its
// own parser (1e3, 0x10 and "" are numbers to Number()), the upstream re-parsed with core's and silently dropped the check;
// interval=0s probed in a tight loop. One parser now reads them, and what it cannot read is a config error.
test('a health check the runtime could not run is a config error naming the parameter, never a silently missing check', () => {
  for (const [hc, why] of [
    ['http://h/?interval=1e3', /interval=1e3 is not a duration/],
    ['http://h/?timeout=0x10', /timeout=0x10 is not a duration/],
    ['http://h/?check_frequency=', /check_frequency= is not a duration/],
    ['tcp://h?interval=0s', /interval=0s must be above zero/],
    ['http://h/?failure=0', /failure=0 must be a positive integer/],
  ] as const) {
    const { issues } = hcConfig(hc);
    assert.equal(issues.length, 1, hc);
    assert.equal(issues[0]!.path, 'upstreams.u.health_check');
    assert.match(issues[0]!.message, why, hc);
  }
  // What the runtime always accepted, validation now accepts too (it refused hours and compound durations).
  assert.deepEqual(hcConfig('tcp://h?interval=1h&timeout=2m30s').issues, []);
});
