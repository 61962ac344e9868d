import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fromRouteTable, insertAt, newRoute, routeErrorAt, toRouteTable, unreachable, validateRoute } from './route.ts';

test('validateRoute names the field and the reason', () => {
  const ok = { ...newRoute(), channels: ['ops'], matchers: 'cluster=~"prod-.*"\n\nalertname="etcdNoLeader"' };
  assert.deepEqual(validateRoute(ok, ['ops']), {});
  assert.match(validateRoute(newRoute(), ['ops']).channels!, /at least one channel/);
  assert.match(validateRoute({ ...ok, channels: ['opz'] }, ['ops']).channels!, /no channel "opz"/);
  assert.match(validateRoute({ ...ok, matchers: 'cluster~prod' }, ['ops']).matchers!, /"cluster~prod" is not a matcher/);
  assert.match(validateRoute({ ...ok, groupWait: '30 s' }, ['ops']).groupWait!, /duration/);
  // What the routes API accepts, the form accepts: unquoted values, bare seconds, µs and compound durations.
  assert.deepEqual(validateRoute({ ...ok, matchers: 'cluster=prod', groupWait: '0', groupInterval: '1m30s', repeatInterval: '1w' }, ['ops']), {});
  assert.match(validateRoute({ ...ok, groupBy: 'cluster, my-label' }, ['ops']).groupBy!, /"my-label" is not a label name/);
});

test('a route round-trips through the form; API fields point at a route and a form field', () => {
  const r = {
    channels: ['a', 'b'],
    severity: ['critical'],
    matchers: ['cluster="x"', 'alertname!~"y.*"'],
    continue: true,
    group_by: ['cluster'],
    group_wait: '0s',
    group_interval: '10s',
    repeat_interval: '4h',
  };
  assert.deepEqual(toRouteTable(fromRouteTable(r)), r);
  assert.deepEqual(routeErrorAt('routes[2].group_wait'), { index: 2, key: 'groupWait' });
  assert.deepEqual(routeErrorAt('routes[0].channels[1]'), { index: 0, key: 'channels' });
  assert.deepEqual(routeErrorAt('routes'), undefined);
  assert.deepEqual(routeErrorAt('version'), undefined);
});

test('routes after a catch-all are flagged; a new route goes before a final catch-all', () => {
  const all = toRouteTable({ ...newRoute(), channels: ['a'] });
  const crit = { ...all, severity: ['critical'] };
  assert.deepEqual(unreachable([crit, all, crit]), [2]);
  assert.deepEqual(unreachable([crit, { ...all, continue: true }, crit]), []);
  assert.equal(insertAt([crit, all]), 1);
  assert.equal(insertAt([crit]), 1);
  assert.equal(insertAt([]), 0);
});
