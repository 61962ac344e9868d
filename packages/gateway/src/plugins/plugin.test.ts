// The plugin contract, exercised with test-only plugin types: order by priority then list order, 'stop', answers, async hooks, all steps.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import net from 'node:net';
import http from 'node:http';
import { Readable, Transform } from 'node:stream';
import type { AddressInfo } from 'node:net';
import { parseConfigText } from '../config/load.ts';
import { bareCreateContext, captureText, echo, request, startGateway, startUpstream, waitFor, useGateway } from '../test-helpers.ts';
import { builtinPlugins } from './index.ts';
import { definePlugin, type PluginDefinition } from './plugin.ts';
import { createLogger } from '../observability/log.ts';

const logged: string[] = [];

const tag: PluginDefinition = {
  category: 'tag',
  description: 'tag records its name in each step.',
  fields: { stop_request: { kind: 'boolean', default: false, doc: 'stop_request returns stop from the request hook.' } },
  create(options, name) {
    return {
      earlyRequest(ctx) {
        ctx.state.chain = `${(ctx.state.chain as string | undefined) ?? ''}${name},`;
      },
      request(ctx) {
        ctx.state.requestChain = `${(ctx.state.requestChain as string | undefined) ?? ''}${name},`;
        if (options.stop_request) return 'stop';
      },
      proxyUpstream(ctx, up) {
        up.headers.set('x-chain', String(ctx.state.chain));
        up.headers.set('x-request-chain', String(ctx.state.requestChain));
        up.path = `${up.path}${up.path.includes('?') ? '&' : '?'}via=${name}`;
      },
      upstreamResponse(_ctx, head) {
        head.headers['x-upstream-seen'] = `${head.headers['x-upstream-seen'] ?? ''}${name},`;
      },
      response(_ctx, head) {
        head.headers['x-response-chain'] = `${head.headers['x-response-chain'] ?? ''}${name},`;
      },
      log(ctx) {
        logged.push(`${name}:${ctx.status}`);
      },
    };
  },
};

const slowAnswer: PluginDefinition = {
  category: 'slow_answer',
  description: 'slow_answer answers after an await.',
  fields: {},
  create() {
    return {
      async request(ctx) {
        await sleep(5);
        if (ctx.path === '/answer') return { status: 418, headers: { 'content-type': 'text/plain' }, body: 'teapot' };
      },
    };
  },
};

const plugins = new Map([...builtinPlugins, ['tag', tag], ['slow_answer', slowAnswer]]);

test('plugins run by priority then list order; stop, async answers and every step work', async (t) => {
  const up = await startUpstream('up');
  const gw = await useGateway(
    t,
    [up],
    `
[upstreams.up]
addrs = ["${up.addr}"]
[plugins.a]
category = "tag"
[plugins.b]
category = "tag"
priority = 10
[plugins.c]
category = "tag"
stop_request = true
[plugins.d]
category = "tag"
[plugins.slow]
category = "slow_answer"
[locations.l]
upstream = "up"
plugins = ["a", "b", "slow", "c", "d"]
[servers.main]
addr = "127.0.0.1:0"
locations = ["l"]
`,
    { plugins },
  );
  const port = gw.port('main');
  const r = await request(port, { path: '/x' });
  const e = echo(r);
  assert.equal(e.headers['x-chain'], 'b,a,c,d,', 'b has the higher priority; the rest keep list order');
  assert.equal(e.headers['x-request-chain'], 'b,a,c,', 'c stopped the request step, so d did not run it');
  assert.equal(e.url, '/x?via=b&via=a&via=c&via=d');
  assert.equal(r.headers['x-upstream-seen'], 'b,a,c,d,');
  assert.equal(r.headers['x-response-chain'], 'b,a,c,d,');
  await waitFor(() => logged.length >= 4, 5000, 'log hooks');
  assert.deepEqual(logged.splice(0), ['b:200', 'a:200', 'c:200', 'd:200']);
  const answered = await request(port, { path: '/answer' });
  assert.equal(answered.status, 418);
  assert.equal(answered.body, 'teapot');
  assert.equal(answered.headers['x-response-chain'], 'b,a,c,d,', 'response hooks run on plugin answers too');
  assert.equal(answered.headers['x-upstream-seen'], undefined, 'no upstream response');
  assert.equal(up.hits, 1);
});

test('a plugin that throws answers 500 without taking the gateway down; its error goes to the log, not the page', async (t) => {
  const log = captureText();
  const boom: PluginDefinition = {
    category: 'boom',
    description: 'boom throws.',
    fields: {},
    create: () => ({
      request: () => {
        throw new Error('kaput');
      },
    }),
  };
  const gw = await startGateway(
    `
[plugins.boom]
[locations.l]
plugins = ["boom"]
[servers.main]
addr = "127.0.0.1:0"
locations = ["l"]
`,
    { plugins: new Map([['boom', boom]]), log: createLogger('info', log.stream) },
  );
  t.after(() => gw.stop(0));
  const r = await request(gw.port('main'));
  assert.equal(r.status, 500);
  assert.doesNotMatch(r.body, /kaput/, "the plugin's error stays out of the page");
  await waitFor(() => log.text().includes('plugins.boom (boom) failed in request: kaput'), 5000, 'the error in the process log');
  assert.equal((await request(gw.port('main'))).status, 500, 'the gateway still answers');
});

test('a reload closes every plugin instance of the old config: timers and sockets of dropped plugins do not leak', async (t) => {
  // A plugin holding what real ones hold beyond a request: a timer and an open socket (a log shipper, a rate-limit sync).
  const peers = new Set<net.Socket>();
  const server = net.createServer((s) => {
    peers.add(s);
    s.on('close', () => peers.delete(s));
    s.on('error', () => {});
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => new Promise<void>((r) => server.close(() => r())));
  const live = new Map<string, { ticks: number; closed: boolean }>();
  let made = 0;
  const holder = definePlugin({
    category: 'holder',
    description: 'holder keeps a timer and a socket open until closed.',
    fields: { every: { kind: 'duration', default: '10ms', doc: 'every is the tick interval.' } },
    create(options, name) {
      const id = `${name}#${++made}`;
      const state = { ticks: 0, closed: false };
      live.set(id, state);
      const timer = setInterval(() => state.ticks++, options.every);
      const socket = net.connect((server.address() as AddressInfo).port, '127.0.0.1');
      socket.on('error', () => {});
      return {
        response(_ctx, head) {
          head.headers['x-holder'] = id;
        },
        close() {
          state.closed = true;
          clearInterval(timer);
          socket.destroy();
        },
      };
    },
  });
  const plugins = new Map([...builtinPlugins, ['holder', holder]]);
  const conf = (withHolder: boolean) => `
[basic]
admin_addr = ""
${withHolder ? '[plugins.h]\ncategory = "holder"\n' : ''}[plugins.m]
category = "mock"
[locations.l]
plugins = [${withHolder ? '"h", ' : ''}"m"]
[servers.main]
addr = "127.0.0.1:0"
locations = ["l"]
`;
  const gw = await startGateway(conf(true), { plugins });
  t.after(() => gw.stop(0));
  const port = gw.port('main');
  assert.equal((await request(port)).headers['x-holder'], 'h#1');
  await waitFor(() => peers.size === 1, 5000, 'the plugin connected');

  // Kept across a reload: the old instance is closed, the new one serves.
  const same = parseConfigText(conf(true), { plugins });
  assert.deepEqual(same.issues, []);
  assert.equal((await gw.reload(same.config)).ok, true);
  assert.equal((await request(port)).headers['x-holder'], 'h#2');
  await waitFor(() => live.get('h#1')!.closed && peers.size === 1, 5000, 'h#1 closed, only h#2 connected');

  // Dropped by a reload: closed, its timer stopped and its socket gone.
  const without = parseConfigText(conf(false), { plugins });
  assert.equal((await gw.reload(without.config)).ok, true);
  assert.equal((await request(port)).headers['x-holder'], undefined);
  await waitFor(() => live.get('h#2')!.closed && peers.size === 0, 5000, 'h#2 closed and its socket gone');
  const ticks = live.get('h#2')!.ticks;
  await sleep(50);
  assert.equal(live.get('h#2')!.ticks, ticks, 'the timer no longer runs');
  assert.equal(made, 2);
});

test('stop closes the live plugin instances', async () => {
  let closed = 0;
  const counted = definePlugin({ category: 'counted', description: 'counted counts closes.', fields: {}, create: () => ({ close: () => void closed++ }) });
  const gw = await startGateway(
    `
[plugins.c]
category = "counted"
[locations.l]
plugins = ["c"]
[servers.main]
addr = "127.0.0.1:0"
locations = ["l"]
`,
    { plugins: new Map([['counted', counted]]) },
  );
  await gw.stop(0);
  assert.equal(closed, 1);
});

test('definePlugin hands create the options typed and with defaults applied', () => {
  const seen: unknown[] = [];
  const typed = definePlugin({
    category: 'typed',
    description: 'typed records its options.',
    fields: {
      mode: { kind: 'string', default: 'a', oneOf: ['a', 'b'], doc: 'mode is a or b.' },
      wait: { kind: 'duration', default: '2s', doc: 'wait is a duration.' },
      names: { kind: 'strings', default: ['x'], doc: 'names are strings.' },
    },
    create(options) {
      // These assignments type-check only because the option types are inferred from the fields.
      const mode: 'a' | 'b' = options.mode;
      const wait: number = options.wait;
      const names: string[] = options.names;
      seen.push({ mode, wait, names });
      return {};
    },
  });
  const { config, issues } = parseConfigText('[plugins.t]\ncategory = "typed"\nmode = "b"\n[servers.s]\naddr = "127.0.0.1:0"\n', { plugins: new Map([['typed', typed]]) });
  assert.deepEqual(issues, []);
  typed.create(config.plugins.t!.options, 't', bareCreateContext);
  assert.deepEqual(seen, [{ mode: 'b', wait: 2000, names: ['x'] }]);
});

test('responseBody stages transform proxied and answered bodies as they stream, and see a cut body as an error', async (t) => {
  const seen: string[] = [];
  // upper upper-cases the body and records whether the whole body went through it.
  const upper = definePlugin({
    category: 'upper',
    description: 'upper upper-cases response bodies.',
    fields: {},
    create: () => ({
      request(ctx) {
        if (ctx.path === '/stream') return { status: 200, headers: { 'content-type': 'text/plain' }, body: Readable.from([Buffer.from('a'), Buffer.from('b')]) };
      },
      responseBody(ctx, head) {
        delete head.headers['content-length'];
        head.headers['x-upper'] = '1';
        return new Transform({
          transform: (c: Buffer, _e, cb) => cb(null, Buffer.from(c.toString().toUpperCase())),
          flush: (cb) => (seen.push(`${ctx.path}:whole`), cb()),
          destroy: (err, cb) => (err && seen.push(`${ctx.path}:cut`), cb(err)),
        });
      },
    }),
  });
  let release: () => void = () => {};
  const up = await startUpstream('up', (req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.write('first-');
    // The rest follows only once the client saw the first part: the body is transformed as it flows, not buffered.
    release = () => (req.url === '/cut' ? res.destroy() : res.end('second'));
  });
  const gw = await useGateway(
    t,
    [up],
    `
[upstreams.up]
addrs = ["${up.addr}"]
[plugins.u]
category = "upper"
[locations.l]
upstream = "up"
plugins = ["u"]
[servers.main]
addr = "127.0.0.1:0"
locations = ["l"]
`,
    { plugins: new Map([['upper', upper]]) },
  );
  const port = gw.port('main');
  const body = await new Promise<string>((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path: '/flow' }, (res) => {
        assert.equal(res.headers['x-upper'], '1');
        let text = '';
        res.on('data', (c: Buffer) => {
          text += c.toString();
          if (text === 'FIRST-') release();
        });
        res.on('end', () => resolve(text));
      })
      .on('error', reject);
  });
  assert.equal(body, 'FIRST-SECOND');
  const streamed = await request(port, { path: '/stream' });
  assert.equal(streamed.body, 'AB', 'a streamed plugin answer goes through the stages too');
  await assert.rejects(
    new Promise<void>((resolve, reject) => {
      http
        .get({ host: '127.0.0.1', port, path: '/cut' }, (res) => {
          res.on('data', () => release());
          res.on('end', resolve);
          res.on('error', reject);
        })
        .on('error', reject);
    }),
    'a body the upstream cut reaches the client cut',
  );
  await waitFor(
    () => seen.includes('/cut:cut'),
    5000,
    () => `the stage saw the cut (${seen.join(' ')})`,
  );
  assert.deepEqual(
    seen.filter((s) => s !== '/cut:cut'),
    ['/flow:whole', '/stream:whole'],
  );
});

test('a hook that throws or rejects, in any step, answers 500 with the request id and one log line; the gateway goes on', async (t) => {
  const STEPS = ['earlyRequest', 'request', 'proxyUpstream', 'upstreamResponse', 'response', 'responseBody', 'log'] as const;
  const failing = definePlugin({
    category: 'failing',
    description: 'failing throws (or rejects) in the step its request names.',
    fields: {},
    create() {
      const fail = (ctx: { req: { headers: Record<string, unknown> } }, step: string) => {
        const want = ctx.req.headers['x-fail'];
        if (want === step) throw new Error(`broke in ${step}`);
        if (want === `${step}-async`) return Promise.reject(new Error(`broke in ${step}`));
      };
      return {
        earlyRequest: (ctx) => fail(ctx, 'earlyRequest'),
        request: (ctx) => fail(ctx, 'request'),
        proxyUpstream: (ctx) => fail(ctx, 'proxyUpstream'),
        upstreamResponse: (ctx) => void fail(ctx, 'upstreamResponse'),
        response: (ctx) => void fail(ctx, 'response'),
        responseBody: (ctx) => void fail(ctx, 'responseBody'),
        log: (ctx) => void fail(ctx, 'log'),
      };
    },
  });
  const answers = definePlugin({
    category: 'answers',
    description: 'answers gives what its request asks for, valid or not.',
    fields: {},
    create: () => ({
      request(ctx) {
        const a = ctx.req.headers['x-answer'];
        if (a === 'bad-status') return { status: 42 };
        if (a === 'bad-header') return { status: 200, headers: { 'x-bad': 'a\r\nb' } };
        if (a === 'not-an-answer') return 42 as never;
      },
    }),
  });
  const log = captureText();
  const up = await startUpstream('up');
  const plugins = new Map([...builtinPlugins, ['failing', failing], ['answers', answers]]);
  const gw = await useGateway(
    t,
    [up],
    `
[upstreams.up]
addrs = ["${up.addr}"]
[plugins.request_id]
priority = 100
[plugins.f]
category = "failing"
[plugins.a]
category = "answers"
[locations.l]
upstream = "up"
plugins = ["request_id", "f", "a"]
[locations.buffered]
upstream = "up"
path = "/buffered"
buffer_response = true
plugins = ["request_id", "f"]
[servers.main]
addr = "127.0.0.1:0"
locations = ["l", "buffered"]
`,
    { plugins, log: createLogger('info', log.stream) },
  );
  const port = gw.port('main');
  const lines = (needle: string) =>
    log
      .text()
      .split('\n')
      .filter((l) => l.includes(needle)).length;
  for (const path of ['/', '/buffered']) {
    for (const step of STEPS.filter((s) => s !== 'log')) {
      for (const how of ['', '-async']) {
        if (how && (step === 'upstreamResponse' || step === 'response' || step === 'responseBody')) continue;
        const id = `id-${path.length}-${step}${how}`;
        const r = await request(port, { path, headers: { 'x-fail': `${step}${how}`, 'x-request-id': id } });
        assert.equal(r.status, 500, `${path} ${step}${how}`);
        assert.equal(r.headers['x-request-id'], id, `the request id reaches the client (${step}${how})`);
        assert.match(r.body, new RegExp(`request id: ${id}`));
        assert.doesNotMatch(r.body, /broke in/);
        await waitFor(() => lines(id) === 1, 5000, `one log line for ${id}`);
        assert.equal(lines(`plugins.f (failing) failed in ${step}: broke in ${step}`) > 0, true);
      }
    }
  }
  // A log hook has no answer to change: the response went out, the failure is logged, the next request is served.
  const logged = await request(port, { headers: { 'x-fail': 'log', 'x-request-id': 'id-log' } });
  assert.equal(logged.status, 200);
  await waitFor(() => log.text().includes('plugins.f (failing) failed in log: broke in log'), 5000, 'the log hook failure');
  for (const bad of ['bad-status', 'bad-header', 'not-an-answer']) {
    const r = await request(port, { headers: { 'x-answer': bad, 'x-request-id': `id-${bad}` } });
    assert.equal(r.status, 500, bad);
    assert.equal(r.headers['x-request-id'], `id-${bad}`);
  }
  assert.equal((await request(port)).status, 200, 'the gateway still proxies');
});
