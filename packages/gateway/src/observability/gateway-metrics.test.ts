import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GatewayMetrics } from './gateway-metrics.ts';

test('every metric has the type its meaning calls for: running totals are counters named _total, levels are gauges', () => {
  const server = { upstream: 'u', server: '127.0.0.1:1', healthy: true, breaker: 'closed', active: 2, requests: 7, failures: 3 };
  const m = new GatewayMetrics({ upstreamServers: () => [server], openConnections: () => [['main', 4]] });
  m.requests.child('main', 'l', 'u', '2xx').value++;
  m.latency.child('main', 'l').observe(0.01);
  const text = m.registry.render();
  const types = new Map([...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((x) => [x[1]!, x[2]!]));
  for (const [name, type] of types) {
    if (type === 'counter') assert.match(name, /_total$/, `${name} is a counter: its name ends in _total`);
    else assert.doesNotMatch(name, /_total$/, `${name} is a ${type}: only counters end in _total`);
  }
  assert.equal(types.get('gateway_upstream_requests_total'), 'counter');
  assert.equal(types.get('gateway_upstream_failures_total'), 'counter');
  assert.equal(types.get('gateway_requests_total'), 'counter');
  assert.equal(types.get('gateway_config_reloads_total'), 'counter');
  for (const g of [
    'gateway_upstream_server_up',
    'gateway_upstream_breaker_state',
    'gateway_upstream_active_requests',
    'gateway_open_connections',
    'gateway_config_last_reload_success_timestamp_seconds',
  ])
    assert.equal(types.get(g), 'gauge', g);
  for (const h of ['gateway_request_duration_seconds', 'gateway_upstream_response_seconds', 'gateway_upstream_connect_seconds']) assert.equal(types.get(h), 'histogram', h);
  assert.match(text, /^gateway_upstream_requests_total\{upstream="u",server="127\.0\.0\.1:1"\} 7$/m);
  assert.match(text, /^gateway_upstream_failures_total\{upstream="u",server="127\.0\.0\.1:1"\} 3$/m);
});
