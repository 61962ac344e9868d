import { test } from 'node:test';
import assert from 'node:assert/strict';
import type http from 'node:http';
import { parseConfigText } from '../../config/load.ts';
import { request, startUpstream, useGateway, waitFor, type TestUpstream } from '../../test-helpers.ts';
import { CounterTable, type LimitRule } from './counters.ts';
import { SupervisorCounters } from './ipc.ts';

const rate = (max: number, interval = 10_000): LimitRule => ({ type: 'rate', algorithm: 'sliding_window', max, interval, burst: max });

test('sliding window: max per window, then the previous window weighs by its overlap, so a saturated key is allowed max per interval at an even pace', () => {
  const t = new CounterTable();
  const r = rate(10, 1000);
  let allowed = 0;
  for (let i = 0; i < 20; i++) if (t.take('k', r, 5000).allowed) allowed++;
  assert.equal(allowed, 10, 'the first window allows max');
  const refused = t.take('k', r, 5999);
  assert.equal(refused.allowed, false);
  assert.ok(refused.retryMs >= 1 && refused.retryMs <= 1101, `retry ${refused.retryMs}`);
  // Saturated from t=6000 on: every 100 ms a tenth of the previous window has slid out, making room for one request.
  let later = 0;
  for (let now = 6000; now < 9000; now += 10) while (t.take('k', r, now).allowed) later++;
  assert.ok(later >= 29 && later <= 31, `about 10 per second over 3 s, got ${later}`);
});

test('sliding window: remaining and reset say what is left and when the window ends', () => {
  const t = new CounterTable();
  const d = t.take('k', rate(5, 10_000), 12_000);
  assert.deepEqual(d, { allowed: true, remaining: 4, resetMs: 8000, retryMs: 0 });
});

test('token bucket: burst at once, then refilled at max per interval', () => {
  const t = new CounterTable();
  const r: LimitRule = { type: 'rate', algorithm: 'token_bucket', max: 10, interval: 1000, burst: 3 };
  const first = [0, 0, 0, 0].map(() => t.take('k', r, 1000).allowed);
  assert.deepEqual(first, [true, true, true, false]);
  const refused = t.take('k', r, 1000);
  assert.equal(refused.retryMs, 100, 'one token comes every 100 ms');
  assert.equal(t.take('k', r, 1100).allowed, true);
  assert.equal(t.take('k', r, 1100).allowed, false);
});

test('inflight: max at once, released slots are free again; the supervisor gives back what a dead worker held', () => {
  const s = new SupervisorCounters();
  const r: LimitRule = { type: 'inflight', algorithm: 'sliding_window', max: 2, interval: 1000, burst: 2 };
  const ask = (worker: number, id: number) => s.handle(worker, { type: 'limit', takes: [[id, 'k', r]], releases: [] })!.results[0]![1];
  assert.equal(ask(1, 1), true);
  assert.equal(ask(2, 2), true);
  assert.equal(ask(2, 3), false);
  s.handle(1, { type: 'limit', takes: [], releases: ['k'] });
  assert.equal(ask(1, 4), true);
  assert.equal(s.table.inflight('k'), 2);
  s.forget(2);
  assert.equal(s.table.inflight('k'), 1, "worker 2's slot is back");
  // A release a worker never took is ignored, so a confused worker cannot free another's slot.
  s.handle(2, { type: 'limit', takes: [], releases: ['k', 'k'] });
  assert.equal(s.table.inflight('k'), 1);
});

test('idle keys are swept, so per-client keys do not pile up', () => {
  const t = new CounterTable();
  for (let i = 0; i < 100; i++) t.take(`ip${i}`, rate(5, 1000), 1000);
  assert.equal(t.size, 100);
  t.take('late', rate(5, 1000), 20_000);
  assert.equal(t.size, 1);
});

// Limits without Redis count per process, so each test names its plugin apart.
const conf =
  (plugin: string, name = 'rl') =>
  (up: TestUpstream) => `
[upstreams.up]
addrs = ["${up.addr}"]
[plugins.${name}]
category = "limit"
${plugin}
[locations.l]
upstream = "up"
plugins = ["${name}"]
[servers.main]
addr = "127.0.0.1:0"
locations = ["l"]
`;

test('limit by client address: each address has its own count; 429 carries Retry-After and the RateLimit fields (draft-ietf-httpapi-ratelimit-headers-10)', async (t) => {
  const up = await startUpstream('up');
  const gw = await useGateway(t, [up], conf('type = "rate"\ntag = "ip"\nmax = 3\ninterval = "60s"')(up));
  const port = gw.port('main');
  const from = async (ip: string, n: number) => {
    const out: number[] = [];
    for (let i = 0; i < n; i++) out.push((await request(port, { localAddress: ip })).status);
    return out;
  };
  const first = await request(port, { localAddress: '127.0.0.2' });
  assert.equal(first.status, 200);
  assert.equal(first.headers['ratelimit-policy'], '"rl";q=3;w=60');
  assert.match(String(first.headers['ratelimit']), /^"rl";r=2;t=\d+$/);
  assert.deepEqual(await from('127.0.0.2', 3), [200, 200, 429]);
  assert.deepEqual(await from('127.0.0.3', 4), [200, 200, 200, 429], 'another address counts apart');
  const refused = await request(port, { localAddress: '127.0.0.2' });
  assert.equal(refused.status, 429);
  assert.match(String(refused.headers['retry-after']), /^[1-9]\d*$/);
  assert.ok(Number(refused.headers['retry-after']) <= 60);
  assert.equal(refused.headers['ratelimit-policy'], '"rl";q=3;w=60');
  assert.match(String(refused.headers['ratelimit']), /^"rl";r=0;t=\d+$/);
  assert.match(refused.body, /limit rl allows 3 requests per 60 s/);
  assert.equal(up.hits, 6, 'refused requests never reach the upstream');
});

test('limit by header, cookie, query and route; a request without the key is not limited', async (t) => {
  const up = await startUpstream('up');
  const cases: [string, (v: string) => { headers?: http.OutgoingHttpHeaders; path?: string }][] = [
    ['tag = "header"\nkey = "X-Api-Key"', (v) => ({ headers: { 'x-api-key': v } })],
    ['tag = "cookie"\nkey = "sid"', (v) => ({ headers: { cookie: `a=1; sid=${v}; b=2` } })],
    ['tag = "query"\nkey = "user"', (v) => ({ path: `/x?user=${v}&z=1` })],
  ];
  for (const [i, [plugin, with_]] of cases.entries()) {
    const gw = await useGateway(t, [], conf(`${plugin}\nmax = 1\ninterval = "60s"`, `by${i}`)(up));
    const port = gw.port('main');
    const st = async (o: { headers?: http.OutgoingHttpHeaders; path?: string }) => (await request(port, o)).status;
    assert.equal(await st(with_('a')), 200, plugin);
    assert.equal(await st(with_('a')), 429, plugin);
    assert.equal(await st(with_('b')), 200, `${plugin}: another value counts apart`);
    assert.equal(await st({}), 200, `${plugin}: no key, no limit`);
    assert.equal(await st({}), 200, plugin);
  }
  const gw = await useGateway(t, [up], conf('tag = "route"\nmax = 2\ninterval = "60s"', 'route')(up));
  const port = gw.port('main');
  const statuses = [];
  for (const ip of ['127.0.0.2', '127.0.0.3', '127.0.0.4']) statuses.push((await request(port, { localAddress: ip })).status);
  assert.deepEqual(statuses, [200, 200, 429], 'route: one count for every client of the location');
});

test('inflight: at most max requests in progress; a finished one frees its slot', async (t) => {
  const held: http.ServerResponse[] = [];
  const up = await startUpstream('slow', (_req, res) => held.push(res));
  const gw = await useGateway(t, [up], conf('type = "inflight"\ntag = "route"\nmax = 2', 'inflight')(up));
  const port = gw.port('main');
  const a = request(port);
  const b = request(port);
  await waitFor(() => held.length === 2, 10_000, 'two requests at the upstream');
  const c = await request(port);
  assert.equal(c.status, 429);
  assert.equal(c.headers['ratelimit-policy'], '"inflight";q=2;qu="concurrent-requests"');
  assert.equal(c.headers['ratelimit'], '"inflight";r=0');
  held.shift()!.end('done');
  assert.equal((await a).status, 200);
  const d = request(port);
  await waitFor(() => held.length === 2, 10_000, 'the freed slot taken');
  for (const r of held.splice(0)) r.end('done');
  assert.deepEqual([(await b).status, (await d).status], [200, 200]);
});

test('token bucket through the gateway: burst at once, then refused with a Retry-After of the refill time', async (t) => {
  const up = await startUpstream('up');
  const gw = await useGateway(t, [up], conf('algorithm = "token_bucket"\ntag = "route"\nmax = 1\ninterval = "30s"\nburst = 2', 'bucket')(up));
  const port = gw.port('main');
  const st = [];
  for (let i = 0; i < 3; i++) st.push(await request(port));
  assert.deepEqual(
    st.map((r) => r.status),
    [200, 200, 429],
  );
  assert.ok(Number(st[2]!.headers['retry-after']) > 20 && Number(st[2]!.headers['retry-after']) <= 30, String(st[2]!.headers['retry-after']));
});

test('a reload that changes max keeps the counts and applies the new max at once', async (t) => {
  const up = await startUpstream('up');
  const make = conf('tag = "route"\nmax = 2\ninterval = "60s"', 'reloaded');
  const gw = await useGateway(t, [up], make(up));
  const port = gw.port('main');
  const st = async () => (await request(port)).status;
  assert.deepEqual([await st(), await st(), await st()], [200, 200, 429]);
  const raise = (text: string) => parseConfigText(`[basic]\nadmin_addr = ""\n${text}`).config;
  const r = await gw.reload(raise(make(up).replace('max = 2', 'max = 4')));
  assert.equal(r.ok, true, JSON.stringify(r.issues));
  assert.deepEqual([await st(), await st(), await st()], [200, 200, 429], 'the 2 already counted stay counted under max = 4');
});

test('headers = false leaves allowed responses alone; 429 still says why', async (t) => {
  const up = await startUpstream('up');
  const gw = await useGateway(t, [up], conf('tag = "route"\nmax = 1\nheaders = false', 'quiet')(up));
  const ok = await request(gw.port('main'));
  assert.equal(ok.headers['ratelimit'], undefined);
  const no = await request(gw.port('main'));
  assert.equal(no.status, 429);
  assert.ok(no.headers['ratelimit']);
});

test('bad options are reported with their key path', () => {
  const issues = (plugin: string) =>
    parseConfigText(`[plugins.rl]\ncategory = "limit"\n${plugin}\n`)
      .issues.filter((i) => i.path.startsWith('plugins'))
      .map((i) => `${i.path}: ${i.message}${i.hint ? ` (${i.hint})` : ''}`)
      .join('\n');
  assert.match(issues('type = "rates"\nmax = 1'), /plugins\.rl\.type: unknown value "rates" \(did you mean "rate"\?\)/);
  assert.match(issues('max = 1\ninterval = "10 parsecs"'), /plugins\.rl\.interval: /);
  assert.match(issues('max = 1\ninterval = "10ms"'), /plugins\.rl\.interval: "10ms" is below the minimum of 1s/);
  assert.match(issues('interval = "1s"'), /plugins\.rl\.max: /);
  assert.match(issues('max = 1\ntag = "header"'), /plugins\.rl\.key: is required with tag = "header"/);
  assert.match(issues('max = 1\nredis = "localhost:6379"'), /plugins\.rl\.redis: "localhost:6379" is not a redis:\/\/ or rediss:\/\/ URL/);
  assert.match(issues('max = 1\nredis = "http://x"'), /plugins\.rl\.redis: .* is not a redis:\/\/ or rediss:\/\/ URL/);
  assert.match(issues('max = 1\nredis = "redis://:secret@h:6379/zz"'), /plugins\.rl\.redis: "redis:\/\/:\*\*\*@h:6379\/zz" has a database "zz"/);
  assert.match(issues('max = 1\nburst = 5'), /plugins\.rl\.burst: applies only to algorithm = "token_bucket"/);
  assert.equal(issues('type = "rate"\ntag = "ip"\nmax = 100\ninterval = "1m"\nweight = 40\nredis = "redis://127.0.0.1:6379/1"'), '', "pingap's keys are accepted");
});
