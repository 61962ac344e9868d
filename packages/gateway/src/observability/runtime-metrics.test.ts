import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { readFileSync } from 'node:fs';
import { childrenOf, freePort, request, spawnGateway, startUpstream, waitFor } from '../test-helpers.ts';
import { Histogram } from './metrics.ts';
import { IDLE_SAMPLE_MS, RuntimeMetrics, SAMPLE_MS } from './runtime-metrics.ts';

/** sample reads the value of one sample line of a Prometheus text, 0 when it is missing. */
function sample(text: string, name: string, labels = ''): number {
  const line = text.split('\n').find((l) => (labels ? l.startsWith(`${name}{`) && l.includes(labels) : l.startsWith(`${name} `)));
  return line === undefined ? 0 : Number(line.slice(line.lastIndexOf(' ') + 1));
}

test('the event loop delay and GC pause histograms are on the supervisor admin /metrics and move under load', async (t: TestContext) => {
  const up = await startUpstream('u');
  t.after(() => up.close());
  const admin = await freePort();
  const port = await freePort();
  const proc = spawnGateway(
    t,
    `[basic]\nthreads = 1\nwatch = false\nadmin_addr = "127.0.0.1:${admin}"\n[upstreams.u]\naddrs = ["${up.addr}"]\n[locations.l]\nupstream = "u"\n[servers.main]\naddr = "127.0.0.1:${port}"\nlocations = ["l"]\n`,
  );
  const metrics = async () => (await request(admin, { path: '/metrics' })).body;
  await waitFor(
    async () => (await request(port).catch(() => undefined))?.status === 200,
    60_000,
    () => `the gateway (stderr: ${proc.stderr()})`,
  );
  // The worker's V8 flags: a small young generation (docs/gateway-latency.md).
  const worker = childrenOf(proc.pid).find((pid) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('worker'));
  assert.ok(worker, 'a worker process');
  const argv = readFileSync(`/proc/${worker}/cmdline`, 'utf8').split('\0');
  assert.ok(argv.includes('--max-semi-space-size=4'), argv.join(' '));
  const before = await metrics();
  assert.match(before, /^# TYPE gateway_event_loop_delay_seconds histogram$/m);
  assert.match(before, /^# TYPE gateway_gc_pause_seconds histogram$/m);
  assert.match(before, /^gateway_event_loop_delay_seconds_bucket\{le="0\.001"\} \d+$/m);
  assert.match(before, /^gateway_gc_pause_seconds_count\{kind="minor"\} \d+$/m);
  assert.match(before, /^gateway_gc_pause_seconds_count\{kind="major"\} \d+$/m);

  // Proxied requests on keep-alive connections, in rounds, until the worker (which does nothing else) has collected
  // garbage again and the delay sampler has run again.
  const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
  t.after(() => agent.destroy());
  const minor = (text: string) => sample(text, 'gateway_gc_pause_seconds_count', 'kind="minor"');
  const delays = (text: string) => sample(text, 'gateway_event_loop_delay_seconds_count');
  let after = before;
  let sent = 0;
  await waitFor(
    async () => {
      await Promise.all(
        Array.from({ length: 8 }, async () => {
          for (let i = 0; i < 50; i++) assert.equal((await request(port, { agent, path: `/x?i=${i}` })).status, 200);
        }),
      );
      sent += 400;
      after = await metrics();
      return minor(after) > minor(before) && delays(after) > delays(before);
    },
    120_000,
    () => `the GC and delay counts to move (${sent} requests sent)\nbefore:\n${before}\nafter:\n${after}`,
  );
  assert.ok(sample(after, 'gateway_gc_pause_seconds_sum', 'kind="minor"') > sample(before, 'gateway_gc_pause_seconds_sum', 'kind="minor"'), 'scavenges take time');
  // Cumulative buckets: +Inf holds every sample.
  assert.equal(sample(after, 'gateway_event_loop_delay_seconds_bucket', 'le="+Inf"'), delays(after));
  proc.child.kill('SIGTERM');
  assert.equal(await proc.exited, 0, proc.stderr());
});

test('RuntimeMetrics stops sampling when stopped (no timer or observer is left behind)', async () => {
  const delay = new Histogram('d', 'd', [], [0.001]);
  const gc = new Histogram('g', 'g', ['kind'], [0.001]);
  const rm = new RuntimeMetrics(delay, gc);
  rm.start();
  await waitFor(() => delay.child().count > 2, 10_000, 'delay samples');
  rm.stop();
  const n = delay.child().count;
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(delay.child().count, n);
  assert.match(gc.render(), /^g_count\{kind="minor"\} 0$/m);
});

test('an idle process samples the event loop delay once a second, and every 10 ms again once its loop works', async () => {
  const delay = new Histogram('d', 'd', [], [0.001]);
  const gc = new Histogram('g', 'g', ['kind'], [0.001]);
  const rm = new RuntimeMetrics(delay, gc);
  rm.start();
  try {
    assert.equal(rm.period, SAMPLE_MS);
    // Nothing else runs in this test process: after a second of its own samples the sampler slows down.
    await waitFor(() => rm.period === IDLE_SAMPLE_MS, 10_000, 'the idle period');
    const n = delay.child().count;
    await waitFor(() => delay.child().count > n, 10_000, 'an idle sample');
    // The loop busy (synchronous work in every turn) for longer than a decision period: back to SAMPLE_MS.
    let busy = true;
    const spin = () => {
      const end = performance.now() + 5;
      while (performance.now() < end);
      if (busy) setImmediate(spin);
    };
    spin();
    try {
      await waitFor(() => rm.period === SAMPLE_MS, 10_000, 'the busy period');
    } finally {
      busy = false;
    }
    // Samples come at the busy period again: more than one per decision period.
    const m = delay.child().count;
    await waitFor(() => delay.child().count > m + 5, 10_000, 'busy samples');
  } finally {
    rm.stop();
  }
});
