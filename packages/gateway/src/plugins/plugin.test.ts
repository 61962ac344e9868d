// The plugin contract, exercised with test-only plugin types: order by priority then list order, 'stop', answers, async hooks, all steps.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { captureText, echo, request, startGateway, startUpstream, waitFor, useGateway } from '../test-helpers.ts';
import { builtinPlugins } from './index.ts';
import type { PluginDefinition } from './plugin.ts';
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
  const gw = await useGateway(t, [up],
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
  const boom: PluginDefinition = { category: 'boom', description: 'boom throws.', fields: {}, create: () => ({ request: () => { throw new Error('kaput'); } }) };
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
  assert.doesNotMatch(r.body, /kaput/, 'the plugin\'s error stays out of the page');
  await waitFor(() => log.text().includes('plugin failed: kaput'), 5000, 'the error in the process log');
  assert.equal((await request(gw.port('main'))).status, 500, 'the gateway still answers');
});
