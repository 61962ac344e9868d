import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ConfigIssue } from '@etcd-monitor/core';
import { parseConfig } from './config.ts';
import { buildMonitor } from './service.ts';

// The degenerate settings a user tried (each was accepted before): 1 ms status polls and timeouts made 1,771 flapping
// events in 6 s, a bare string passed as the endpoint list, bare numbers as durations, a 900 KB group.
const degenerate = {
  name: 'x',
  endpoints: ['127.0.0.1:2379', 'nohost', 'ftp://h:1', '10.0.0.1'],
  status_interval: '1ms',
  probe_interval: '0s',
  metrics_interval: 5,
  timeout: '1ms',
  group: 'g'.repeat(900_000),
  labels: { 'bad-name': 'v', ok: 'x'.repeat(300) },
};

const EXPECTED: Array<[string, RegExp]> = [
  ['endpoints[1]', /"nohost" has no port/],
  ['endpoints[2]', /unsupported scheme "ftp"/],
  ['endpoints[3]', /"10.0.0.1" has no port/],
  ['status_interval', /"1ms" is below the minimum of 100ms/],
  ['probe_interval', /"0s" is below the minimum of 100ms/],
  ['metrics_interval', /5 has no unit/],
  ['timeout', /"1ms" is below the minimum of 100ms/],
  ['group', /is 900000 characters long, above the maximum of 64/],
  ['labels.bad-name', /is not a valid label name/],
  ['labels.ok', /above the maximum of 256/],
];

function issuesOf(fn: () => unknown): ConfigIssue[] {
  try {
    fn();
  } catch (err) {
    return (err as { issues: ConfigIssue[] }).issues;
  }
  assert.fail('expected the config to be refused');
}

test('the config file refuses degenerate intervals, timeouts, bare values and huge strings, every problem at once', () => {
  const issues = issuesOf(() => parseConfig({ clusters: [degenerate] }, 'etcd-monitor.toml'));
  for (const [field, message] of EXPECTED) {
    const i = issues.find((x) => x.path === `clusters[0].${field}`);
    assert.ok(i, `an issue for ${field} in ${JSON.stringify(issues.map((x) => x.path))}`);
    assert.match(i.message, message);
    assert.ok(i.message.length < 200, 'the message does not echo a huge value');
  }
  assert.equal(issues.length, EXPECTED.length);
  assert.match(issues.find((x) => x.path === 'clusters[0].metrics_interval')!.hint!, /"5s" or "5ms"/);
  assert.match(issues.find((x) => x.path === 'clusters[0].timeout')!.hint!, /use a value from 100ms to 1m/);

  const bare = issuesOf(() => parseConfig({ clusters: [{ name: 'y', endpoints: '127.0.0.1:2379', timeout: '2' }] }));
  assert.deepEqual(
    bare.map((i) => i.path),
    ['clusters[0].endpoints', 'clusters[0].timeout'],
  );
  assert.match(bare[0]!.hint!, /endpoints = \["127.0.0.1:2379"\]/);
  assert.match(bare[1]!.message, /"2" has no unit/);

  const tooLong = issuesOf(() => parseConfig({ clusters: [{ name: 'z', endpoints: ['127.0.0.1:2379'], status_interval: '11m', timeout: '2m', metrics_interval: '500ms' }] }));
  assert.deepEqual(
    tooLong.map((i) => `${i.path}: ${i.message}`),
    [
      'clusters[0].status_interval: "11m" is above the maximum of 10m',
      'clusters[0].timeout: "2m" is above the maximum of 1m',
      'clusters[0].metrics_interval: "500ms" is below the minimum of 1s',
    ],
  );
  const many = issuesOf(() => parseConfig({ clusters: [{ name: 'm', endpoints: Array.from({ length: 40 }, (_, i) => `10.0.0.${i}:2379`) }] }));
  assert.match(many[0]!.message, /has 40 entries, above the maximum of 32/);
});

test('the API refuses the same settings with the same rules, every problem in one 400', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mon-config-'));
  const svc = await buildMonitor(parseConfig({ server: { data_dir: dir }, clusters: [{ name: 'c1', endpoints: ['127.0.0.1:1'], timeout: '200ms' }] }), {
    env: { ETCD_MONITOR_SECRET_KEY: 'k' },
  });
  try {
    for (const url of ['/api/v1/clusters', '/api/v1/clusters/test']) {
      const r = await svc.app.inject({ method: 'POST', url, payload: degenerate });
      assert.equal(r.statusCode, 400, url);
      const e = r.json().error;
      assert.equal(e.code, 'MON_BAD_REQUEST');
      assert.equal(e.issues.length, EXPECTED.length, JSON.stringify(e.issues.map((i: ConfigIssue) => i.path)));
      for (const [field, message] of EXPECTED) assert.match(e.issues.find((i: ConfigIssue) => i.path === field)?.message ?? '', message, field);
      assert.match(e.message, /^10 problems: status_interval: "1ms" is below the minimum of 100ms; /);
      assert.match(e.message, /endpoints\[1\]: "nohost" has no port/);
      assert.equal(e.field, 'status_interval');
      assert.ok(r.body.length < 5000, 'the answer does not echo the 900 KB value');
    }
    // A bare string is not turned into a list on the way in, nor a number into a duration.
    const bare = await svc.app.inject({ method: 'POST', url: '/api/v1/clusters', payload: { name: 'b', endpoints: '127.0.0.1:2379', probe_interval: 2 } });
    assert.equal(bare.statusCode, 400);
    assert.deepEqual(
      bare.json().error.issues.map((i: ConfigIssue) => i.path),
      ['endpoints', 'probe_interval'],
    );
    const put = await svc.app.inject({ method: 'PUT', url: '/api/v1/clusters/api1', payload: { endpoints: ['127.0.0.1:2'] } });
    assert.equal(put.statusCode, 404);
    const ok = await svc.app.inject({ method: 'POST', url: '/api/v1/clusters', payload: { name: 'api1', endpoints: ['127.0.0.1:2'], status_interval: '100ms', timeout: '100ms' } });
    assert.equal(ok.statusCode, 201);
    const bad = await svc.app.inject({ method: 'PUT', url: '/api/v1/clusters/api1', payload: { endpoints: ['127.0.0.1:2'], timeout: '0s' } });
    assert.equal(bad.statusCode, 400);
    assert.equal(bad.json().error.field, 'timeout');
    assert.equal(svc.registry.config('api1').timeoutMs, 100, 'a refused change leaves the cluster as it was');
  } finally {
    await svc.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('[storage] retention is read with bounds, reaches the store, and raw may not outlive 1 m nor 1 m outlive 1 h', async () => {
  // The store answers from raw samples only within the raw retention: a 2 h query at a 1 s step is raw by default, 1 m with retention_raw = "1h".
  const q = { series: 'db_size_bytes', cluster: 'c1', from: Date.now() - 2 * 3600_000, to: Date.now(), step: 1000 };
  for (const [storage, resolution] of [
    [{}, 'raw'],
    [{ retention_raw: '1h' }, '1m'],
  ] as const) {
    const dir = mkdtempSync(join(tmpdir(), 'mon-retention-'));
    const svc = await buildMonitor(parseConfig({ server: { data_dir: dir }, storage, clusters: [{ name: 'c1', endpoints: ['127.0.0.1:1'], timeout: '200ms' }] }), {
      env: { ETCD_MONITOR_SECRET_KEY: 'k' },
    });
    try {
      assert.equal(svc.store.query(q).resolution, resolution, JSON.stringify(storage));
    } finally {
      await svc.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  }
  assert.deepEqual(parseConfig({}).storage.retention, { raw: 48 * 3600_000, m1: 90 * 86_400_000, h1: 730 * 86_400_000, events: 730 * 86_400_000 });
  assert.deepEqual(parseConfig({ storage: { retention_raw: '6h', retention_1m: '7d', retention_1h: '30d', retention_events: '30d' } }).storage.retention, {
    raw: 6 * 3600_000,
    m1: 7 * 86_400_000,
    h1: 30 * 86_400_000,
    events: 30 * 86_400_000,
  });
  const issues = issuesOf(() => parseConfig({ storage: { retention_raw: '10m', retention_1m: '400d', retention_1h: '100d', retention_events: 30 } }));
  assert.deepEqual(
    issues.map((i) => `${i.path}: ${i.message}`),
    ['storage.retention_raw: "10m" is below the minimum of 1h', 'storage.retention_events: 30 has no unit', 'storage.retention_1m: keeps data longer than storage.retention_1h'],
  );
});

test('the alerting tables of the file get bounds and size caps too: every problem at once, by key', () => {
  const issues = issuesOf(() =>
    parseConfig({
      channels: [
        { name: 'hook', type: 'webhook', url: `http://hooks.example/${'a'.repeat(5000)}` },
        { name: 'am', type: 'alertmanager', url: 'http://am:9093', firing_ttl: 300 },
      ],
      routes: [{ channels: ['hook'], group_wait: '2h', group_interval: '0s', repeat_interval: 60 }],
      rules: [{ name: 'Big', expr: 'has_leader == 0', for: '31d', summary: 's'.repeat(5000) }],
      inhibit_rules: [{ source_matchers: ['alertname="A"'], target_matchers: ['alertname="B"'], equal: Array.from({ length: 300 }, (_, i) => `l${i}`) }],
    }),
  );
  const got = issues.map((i) => `${i.path}: ${i.message}`);
  for (const want of [
    /^channels\[0\]\.url: is 5021 characters long, above the maximum of 4096$/,
    /^channels\[1\]\.firing_ttl: 300 has no unit$/,
    /^routes\[0\]\.group_wait: "2h" is above the maximum of 1h$/,
    /^routes\[0\]\.group_interval: "0s" is below the minimum of 1s$/,
    /^routes\[0\]\.repeat_interval: 60 has no unit$/,
    /^rules\[0\]\.for: "31d" is above the maximum of 30d$/,
    /^rules\[0\]\.summary: is 5000 characters long, above the maximum of 4096$/,
    /^inhibit_rules\[0\]\.equal: has 300 entries, above the maximum of 256$/,
  ])
    assert.ok(
      got.some((g) => want.test(g)),
      `${want} in ${JSON.stringify(got, null, 1)}`,
    );
});

test('server.listen is read by the one host:port parser: a port out of range, a bare IPv6 or a missing host is refused at load', () => {
  for (const [listen, why] of [
    ['localhost:99999', /port 99999 .* out of range/],
    ['::1:8390', /IPv6 address without brackets/],
    [':8390', /has no host/],
    ['127.0.0.1', /has no port/],
  ] as const) {
    const issues = issuesOf(() => parseConfig({ server: { listen } }));
    assert.equal(issues.length, 1, listen);
    assert.equal(issues[0]!.path, 'server.listen');
    assert.match(issues[0]!.message, why, listen);
  }
  assert.equal(parseConfig({ server: { listen: '[::1]:0' } }).server.listen, '[::1]:0');
});
