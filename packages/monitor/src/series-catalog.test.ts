import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { prom } from '@etcd-monitor/etcd';
import { metricsDump } from '@etcd-monitor/etcd/testing';
import { deriveSeries } from './collectors/metrics/derive.ts';
import { DERIVED_SERIES, PEER_EVIDENCE_SERIES, STATUS_SERIES } from './alerting/rules/series.ts';
import { SERIES_CATALOG, SERIES_PATTERNS } from './series-catalog.ts';
import { parseConfig } from './config.ts';
import { buildMonitor } from './service.ts';

const dump = (t: 't0' | 't1') => prom.parsePrometheusText(metricsDump(t));

/** catalogued tells whether a stored series name is in the catalogue or one of its families. */
function catalogued(name: string): boolean {
  return SERIES_CATALOG.some((s) => s.name === name) || SERIES_PATTERNS.some((p) => new RegExp(p.regex).test(name));
}

test('the catalogue names every series derived from a real etcd dump, and every series rules may read', () => {
  const derived = Object.keys(deriveSeries({ at: 0, set: dump('t0') }, { at: 30_000, set: dump('t1') }));
  assert.ok(derived.length > 50);
  const missing = [...derived, ...DERIVED_SERIES, ...STATUS_SERIES, ...PEER_EVIDENCE_SERIES].filter((n) => !catalogued(n));
  assert.deepEqual(missing, [], 'series without a catalogue entry');
  const names = SERIES_CATALOG.map((s) => s.name);
  assert.equal(new Set(names).size, names.length, 'names are unique');
  for (const s of SERIES_CATALOG) assert.ok(s.title && s.unit && s.group && s.source, JSON.stringify(s));
  // The Grafana-parity series and their family.
  for (const n of [
    'watch_streams',
    'lease_keepalive_streams',
    'watchers',
    'keys_total',
    'lease_granted_rate',
    'lease_revoked_rate',
    'client_received_bytes_rate',
    'client_sent_bytes_rate',
    'grpc_Range_OK_rate',
  ]) {
    assert.ok(catalogued(n), n);
  }
});

test('GET /api/v1/series/catalog serves the catalogue', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'catalog-'));
  const svc = await buildMonitor(parseConfig({ server: { listen: '127.0.0.1:0', data_dir: dir }, clusters: [{ name: 'c1', endpoints: ['127.0.0.1:1'], timeout: '200ms' }] }), {
    env: { ETCD_MONITOR_SECRET_KEY: 'k' },
  });
  try {
    const r = await svc.app.inject({ method: 'GET', url: '/api/v1/series/catalog' });
    assert.equal(r.statusCode, 200, r.body);
    const body = r.json() as { series: Array<{ name: string; unit: string }>; patterns: Array<{ pattern: string; regex: string; labels: string[] }> };
    assert.deepEqual(
      body.series.map((s) => s.name),
      SERIES_CATALOG.map((s) => s.name),
    );
    assert.equal(body.series.find((s) => s.name === 'client_sent_bytes_rate')?.unit, 'bytesPerSec');
    const grpc = body.patterns.find((p) => p.pattern === 'grpc_<method>_<code>_rate')!;
    assert.deepEqual(new RegExp(grpc.regex).exec('grpc_LeaseGrant_Unavailable_rate')?.slice(1), ['LeaseGrant', 'Unavailable']);
    assert.deepEqual(grpc.labels, ['method', 'code']);
  } finally {
    await svc.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
