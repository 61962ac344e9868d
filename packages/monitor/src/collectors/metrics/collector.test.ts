import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import type { AppError } from '@etcd-monitor/core';
import { until } from '@etcd-monitor/core/testing';
import { metricsDump } from '@etcd-monitor/etcd/testing';
import type { CollectorContext, CollectorResult, MemberFacts } from '../collector.ts';
import { createMetricsCollector, type MetricsSample } from './collector.ts';
import { metricsCollector } from './metrics.ts';

const T0 = Buffer.from(metricsDump('t0'));
const T1 = Buffer.from(metricsDump('t1'));

/** serve starts a /metrics server whose answer to the n-th request (from 0) comes from `answer`. */
async function serve(answer: (n: number) => { status?: number; body: Buffer | string; delayMs?: number }) {
  let n = 0;
  let inFlight = 0;
  let maxInFlight = 0;
  const server = http.createServer((_req, res) => {
    const a = answer(n++);
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    const t = setTimeout(() => res.writeHead(a.status ?? 200).end(a.body), a.delayMs ?? 0);
    res.on('close', () => {
      clearTimeout(t);
      inFlight--;
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/metrics`,
    requests: () => n,
    maxInFlight: () => maxInFlight,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

test('the collector scrapes on its interval and derives rates from the second scrape on', async () => {
  const srv = await serve((n) => ({ body: n === 0 ? T0 : T1 }));
  const samples: MetricsSample[] = [];
  const errors: AppError[] = [];
  const c = createMetricsCollector({ url: srv.url, intervalMs: 20, timeoutMs: 2_000, onSample: (s) => samples.push(s), onError: (e) => errors.push(e) });
  try {
    c.start();
    c.start(); // a second start is ignored
    await until('three samples', () => samples.length >= 3);
  } finally {
    await c.stop();
    await srv.close();
  }
  assert.deepEqual(errors, []);
  const [first, second] = samples;
  assert.equal(first!.series.has_leader, 1);
  assert.equal(first!.series.proposals_committed_rate, undefined);
  assert.equal(first!.peers.length, 2);
  assert.equal(first!.bytes, T0.length);
  assert.ok(first!.scrapeMs > 0);
  // 300 proposals between the t0 and t1 answers, over the real time between the two scrapes.
  const window = (second!.at - first!.at) / 1000;
  assert.ok(Math.abs(second!.series.proposals_committed_rate! - 300 / window) < 1e-9);
  // From the third scrape on both answers are t1: nothing moved.
  assert.equal(samples[2]!.series.proposals_committed_rate, 0);
});

test('scrapes never overlap when the server is slower than the interval, scrapeNow included', async () => {
  const srv = await serve(() => ({ body: T1, delayMs: 150 }));
  let samples = 0;
  const c = createMetricsCollector({ url: srv.url, intervalMs: 1, timeoutMs: 2_000, onSample: () => samples++, onError: (e) => assert.fail(e.message) });
  try {
    c.start();
    await Promise.all([c.scrapeNow(), c.scrapeNow()]);
    await until('four samples', () => samples >= 4);
  } finally {
    await c.stop();
    await srv.close();
  }
  assert.equal(srv.maxInFlight(), 1);
});

test('errors are reported, not thrown, and the collector carries on', async () => {
  const answers = [{ body: T1 }, { status: 500, body: 'broken' }, { body: '<html>not metrics</html>' }, { body: 'etcd_server_has_leader{ 1' }];
  const srv = await serve((n) => answers[n] ?? { body: T1 });
  const errors: AppError[] = [];
  let samples = 0;
  let throwOnce = true;
  const c = createMetricsCollector({
    url: srv.url,
    intervalMs: 10,
    timeoutMs: 2_000,
    onSample: () => {
      samples++;
      if (throwOnce) {
        throwOnce = false;
        throw new Error('handler bug');
      }
    },
    onError: (e) => errors.push(e),
  });
  try {
    c.start();
    await until('two samples after the failures', () => samples >= 2);
  } finally {
    await c.stop();
    await srv.close();
  }
  assert.deepEqual(
    errors.map((e) => e.code),
    ['MON_METRICS_HANDLER', 'MON_SCRAPE_HTTP_STATUS', 'MON_SCRAPE_NOT_ETCD', 'MON_SCRAPE_PARSE'],
  );
  assert.match(errors[3]!.message, /did not serve Prometheus text: line 1/);
});

test('stop aborts an in-flight scrape, waits for it and reports nothing afterwards', async () => {
  const srv = await serve(() => ({ body: T1, delayMs: 3_000 }));
  const events: string[] = [];
  const c = createMetricsCollector({ url: srv.url, intervalMs: 10, timeoutMs: 10_000, onSample: () => events.push('sample'), onError: (e) => events.push(e.code) });
  try {
    c.start();
    await until('the request to arrive', () => srv.requests() === 1);
    const t0 = performance.now();
    await c.stop();
    assert.ok(performance.now() - t0 < 1_000, 'stop waited for the slow server instead of aborting');
    await c.scrapeNow(); // after stop: a no-op
    await new Promise((r) => setTimeout(r, 50));
  } finally {
    await srv.close();
  }
  assert.deepEqual(events, []);
  assert.equal(srv.requests(), 1);
});

test('stop works before start and twice; start after stop does nothing', async () => {
  const c = createMetricsCollector({
    url: 'http://127.0.0.1:9/metrics',
    intervalMs: 10,
    timeoutMs: 100,
    onSample: () => assert.fail('sample'),
    onError: () => assert.fail('error'),
  });
  await c.stop();
  await c.stop();
  c.start();
  await c.scrapeNow();
});

test('metricsCollector reports its slice of the member facts and its samples for the cluster monitor', async () => {
  const srv = await serve((n) => (n === 1 ? { status: 503, body: 'down' } : { body: T1 }));
  const facts = { metrics: null, metricsError: null } as unknown as MemberFacts;
  const ctx = {
    cluster: { metricsIntervalMs: 5_000, timeoutMs: 2_000 },
    connection: { endpoints: [], dialTimeoutMs: 2_000, commandTimeoutMs: 2_000 },
    metricsUrl: srv.url,
    facts,
  } as unknown as CollectorContext;
  assert.equal(metricsCollector.intervalMs(ctx.cluster), 5_000);
  const inst = metricsCollector.create(ctx);
  const results: CollectorResult[] = [];
  try {
    // The cluster monitor merges each run's slice into the member's facts, as here.
    results.push(await inst.run());
    Object.assign(facts, results[0]!.facts);
    assert.equal(facts.metrics!.series.has_leader, 1);
    assert.equal((facts.metrics as unknown as { peers: unknown[] }).peers.length, 2);
    assert.equal(facts.metricsError, null);
    // A failed scrape is the member's state: reported in the slice, not thrown at the loop.
    results.push(await inst.run());
    Object.assign(facts, results[1]!.facts);
    assert.match(facts.metricsError!, /HTTP 503/);
    assert.equal(facts.metrics!.series.has_leader, 1, 'the last good series stay for the UI');
  } finally {
    await inst.stop!();
    await srv.close();
  }
  assert.deepEqual(
    results.map((r) => r.series?.scrape_up),
    [1, 0],
  );
  assert.deepEqual(
    results.map((r) => r.changed),
    [true, true],
  );
});
