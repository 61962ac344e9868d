import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { until } from '@etcd-monitor/core/testing';
import { parseConfig } from '../config.ts';
import { buildMonitor } from '../service.ts';

interface Hit {
  path: string;
  alertnames: string[];
}

/** receiver is a real webhook endpoint recording the path and alert names of every POST. */
async function receiver() {
  const hits: Hit[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const alerts = (JSON.parse(body || '{}') as { alerts?: Array<{ status: string; labels: Record<string, string> }> }).alerts ?? [];
      hits.push({ path: req.url!, alertnames: alerts.filter((a) => a.status === 'firing').map((a) => a.labels.alertname!) });
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    hits,
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise((r) => {
        server.closeAllConnections();
        server.close(r);
      }),
  };
}

const UNREACHABLE = 'etcdClusterUnreachable';

// The cluster is unreachable (nothing listens on port 1), so etcdClusterUnreachable, set to `for: 0s`, fires at once:
// the whole pipeline (engine, dispatcher, outbox, webhook) runs for real.
test('routes are managed through the API: checked like [[routes]], applied at once, persisted, and they decide where notifications go', { timeout: 90_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'routes-'));
  const rx = await receiver();
  t.after(async () => {
    await rx.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const cfg = () => parseConfig({ server: { data_dir: dir }, clusters: [{ name: 'c', endpoints: ['127.0.0.1:1'], timeout: '200ms', status_interval: '300ms' }] });
  const env = { ETCD_MONITOR_SECRET_KEY: 'k' };
  let svc = await buildMonitor(cfg(), { env });
  const req = (method: 'GET' | 'PUT' | 'DELETE', url: string, payload?: object) => svc.app.inject({ method, url: `/api/v1${url}`, ...(payload ? { payload } : {}) });
  try {
    for (const name of ['team-a', 'team-b']) assert.equal((await req('PUT', `/channels/${name}`, { type: 'webhook', url: `${rx.url}/${name}` })).statusCode, 200);
    const def = (await req('GET', '/routes')).json();
    assert.equal(def.source, 'default');
    assert.equal(def.editable, true);
    assert.deepEqual(
      def.routes.map((r: { channels: string[]; severity: string[]; group_wait: string }) => [r.channels, r.severity, r.group_wait]),
      [
        [['team-a', 'team-b'], ['critical'], '0s'],
        [['team-a', 'team-b'], [], '30s'],
      ],
    );

    // Refused with the config parser's own messages, naming the field.
    const typo = await req('PUT', '/routes', { routes: [{ channels: ['team-bb'] }] });
    assert.equal(typo.statusCode, 400, typo.body);
    assert.equal(typo.json().error.code, 'MON_ROUTE_INVALID');
    assert.equal(typo.json().error.field, 'routes[0].channels[0]');
    assert.match(typo.json().error.message, /unknown channel "team-bb"/);
    assert.equal(typo.json().error.hint, 'did you mean "team-b"?');
    const badWait = await req('PUT', '/routes', { routes: [{ channels: ['team-a'] }, { channels: ['team-a'], group_wait: 'soon' }] });
    assert.equal(badWait.statusCode, 400);
    assert.equal(badWait.json().error.field, 'routes[1].group_wait');
    assert.match(
      (await req('PUT', '/routes', { routes: [{ channels: ['team-a'], matchers: ['alertname=~"("'] }] })).json().error.message,
      /routes\[0\]\.matchers\[0\]: bad regular expression/,
    );
    assert.equal((await req('PUT', '/routes', { routes: [{ channel: ['team-a'], sevrity: ['critical'] }] })).json().error.hint, 'did you mean "severity"?');
    assert.equal((await req('PUT', '/routes', { routes: [] })).statusCode, 400);

    await req('PUT', `/rules/${UNREACHABLE}`, { for: '0s' });
    const put = await req('PUT', '/routes', {
      routes: [{ channels: ['team-a'], matchers: [`alertname="${UNREACHABLE}"`], group_wait: '0s', group_interval: '1s' }, { channels: ['team-b'] }],
    });
    assert.equal(put.statusCode, 200, put.body);
    const v1 = put.json();
    assert.equal(v1.source, 'api');
    assert.deepEqual(v1.routes[0], {
      channels: ['team-a'],
      severity: [],
      matchers: [`alertname="${UNREACHABLE}"`],
      continue: false,
      group_by: ['cluster', 'alertname'],
      group_wait: '0s',
      group_interval: '1s',
      repeat_interval: '4h',
    });
    await until(`${UNREACHABLE} at team-a`, () => rx.hits.some((h) => h.path === '/team-a' && h.alertnames.includes(UNREACHABLE)), {
      timeoutMs: 15_000,
      detail: () => JSON.stringify(rx.hits),
    });
    assert.ok(!rx.hits.some((h) => h.path === '/team-b'), JSON.stringify(rx.hits));

    // A stale version is refused; a channel a route uses cannot be removed.
    const stale = await req('PUT', '/routes', { version: 'old', routes: [{ channels: ['team-b'] }] });
    assert.equal(stale.statusCode, 409);
    assert.equal(stale.json().error.code, 'MON_ROUTES_CONFLICT');
    const inUse = await req('DELETE', '/channels/team-a');
    assert.equal(inUse.statusCode, 409);
    assert.equal(inUse.json().error.code, 'MON_CHANNEL_IN_USE');

    // Moving the alert to team-b sends the still-firing alert there.
    const moved = await req('PUT', '/routes', {
      version: v1.version,
      routes: [{ channels: ['team-b'], matchers: [`alertname="${UNREACHABLE}"`], group_wait: '0s' }, { channels: ['team-a'] }],
    });
    assert.equal(moved.statusCode, 200, moved.body);
    await until(`${UNREACHABLE} at team-b`, () => rx.hits.some((h) => h.path === '/team-b' && h.alertnames.includes(UNREACHABLE)), {
      timeoutMs: 15_000,
      detail: () => JSON.stringify(rx.hits),
    });
    assert.equal(svc.store.queryAudit({ action: 'routes.put' }).length, 2, 'every change is audited');
  } finally {
    await svc.stop();
  }

  svc = await buildMonitor(cfg(), { env });
  try {
    const back = (await req('GET', '/routes')).json();
    assert.equal(back.source, 'api');
    assert.deepEqual(
      back.routes.map((r: { channels: string[] }) => r.channels),
      [['team-b'], ['team-a']],
    );
    assert.equal((await req('DELETE', '/routes')).statusCode, 204);
    assert.equal((await req('GET', '/routes')).json().source, 'default');
    assert.equal((await req('DELETE', '/channels/team-a')).statusCode, 204, 'no route names it any more');
  } finally {
    await svc.stop();
  }
});

test('with [[routes]] in the config file, the routes are read-only through the API', { timeout: 30_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'routes-ro-'));
  const svc = await buildMonitor(
    parseConfig({
      server: { data_dir: dir },
      clusters: [{ name: 'c', endpoints: ['127.0.0.1:1'], timeout: '200ms' }],
      channels: [{ name: 'ops', type: 'webhook', url: 'http://127.0.0.1:9/hook' }],
      routes: [{ channels: ['ops'], severity: ['critical'], group_wait: '5s' }],
    }),
    { env: { ETCD_MONITOR_SECRET_KEY: 'k' } },
  );
  try {
    const view = (await svc.app.inject({ method: 'GET', url: '/api/v1/routes' })).json();
    assert.deepEqual([view.source, view.editable, view.routes[0].group_wait, view.routes[0].severity], ['config', false, '5s', ['critical']]);
    const put = await svc.app.inject({ method: 'PUT', url: '/api/v1/routes', payload: { routes: [{ channels: ['ops'] }] } });
    assert.equal(put.statusCode, 409);
    assert.equal(put.json().error.code, 'MON_ROUTES_READONLY');
    assert.equal((await svc.app.inject({ method: 'DELETE', url: '/api/v1/routes' })).json().error.code, 'MON_ROUTES_READONLY');
    const doc = (await svc.app.inject({ method: 'GET', url: '/api/docs/openapi.json' })).json() as { paths: Record<string, Record<string, unknown>> };
    assert.deepEqual(Object.keys(doc.paths['/api/v1/routes'] ?? {}).sort(), ['delete', 'get', 'put'], 'the routes API is in the OpenAPI document');
  } finally {
    await svc.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('editing a channel keeps the secrets left out, blank or [redacted]; null clears one', { timeout: 30_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'chan-edit-'));
  const rx = await receiver();
  const svc = await buildMonitor(parseConfig({ server: { data_dir: dir }, clusters: [{ name: 'c', endpoints: ['127.0.0.1:1'], timeout: '200ms' }] }), {
    env: { ETCD_MONITOR_SECRET_KEY: 'k' },
  });
  const req = (method: 'GET' | 'PUT' | 'POST', url: string, payload?: object) => svc.app.inject({ method, url: `/api/v1${url}`, ...(payload ? { payload } : {}) });
  try {
    assert.equal((await req('PUT', '/channels/hook', { type: 'webhook', url: `${rx.url}/hook`, bearer_token: 'tok1' })).statusCode, 200);
    const edited = await req('PUT', '/channels/hook', { type: 'webhook', url: '', bearer_token: '[redacted]', max_alerts: 5 });
    assert.equal(edited.statusCode, 200, edited.body);
    assert.deepEqual([edited.json().config.max_alerts, edited.json().secrets], [5, { url: '[redacted]', bearer_token: '[redacted]' }]);
    assert.equal((await req('POST', '/channels/hook/test')).json().outcome, 'delivered', 'the stored URL was kept');
    assert.equal(rx.hits.at(-1)!.path, '/hook');
    const cleared = await req('PUT', '/channels/hook', { type: 'webhook', bearer_token: null });
    assert.deepEqual(cleared.json().secrets, { url: '[redacted]' });
    // A new channel (or a type change) has nothing to keep: the URL is required.
    const noUrl = await req('PUT', '/channels/hook', { type: 'slack' });
    assert.equal(noUrl.statusCode, 400);
    assert.match(noUrl.json().error.message, /url: is required/);
  } finally {
    await svc.stop();
    await rx.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
