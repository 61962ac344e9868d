import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../config.ts';
import { buildMonitor } from '../service.ts';

test('every route that takes a cluster name answers 404 for one that is neither configured nor in the history', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mon-cluster-param-'));
  const svc = await buildMonitor(parseConfig({ server: { listen: '127.0.0.1:0', data_dir: dir }, clusters: [{ name: 'c1', endpoints: ['127.0.0.1:1'], timeout: '200ms' }] }), {
    env: { ETCD_MONITOR_SECRET_KEY: 'k' },
  });
  try {
    const urls = [
      '/api/v1/stream?cluster=nope',
      '/api/v1/events?cluster=nope',
      '/api/v1/events?cluster=nope&format=csv',
      '/api/v1/series?cluster=nope',
      '/api/v1/series/query?series=db_size_bytes&cluster=nope',
      '/api/v1/alerts?cluster=nope',
      '/api/v1/alerts/history?cluster=nope',
      '/api/v1/clusters/nope',
      '/api/v1/clusters/nope/config',
      '/api/v1/clusters/nope/members/m1',
    ];
    for (const url of urls) {
      // Bounded: a stream that starts anyway never ends.
      const r = await Promise.race([
        svc.app.inject({ method: 'GET', url }),
        new Promise<never>((_, reject) => {
          setTimeout(() => reject(new Error(`${url}: no answer in 15 s (a stream started?)`)), 15_000).unref();
        }),
      ]);
      assert.equal(r.statusCode, 404, `${url}: ${r.body}`);
      assert.equal(r.json().error.code, 'MON_NOT_FOUND', url);
      assert.match(r.json().error.message, /no cluster named "nope"/, url);
    }
    for (const url of urls.slice(1, 7)) assert.equal((await svc.app.inject({ method: 'GET', url: url.replace('=nope', '=c1').replace('/nope', '/c1') })).statusCode, 200, url);

    // A removed cluster keeps its history, and its history stays readable under its name.
    assert.equal((await svc.app.inject({ method: 'POST', url: '/api/v1/clusters', payload: { name: 'gone', endpoints: ['127.0.0.1:2'] } })).statusCode, 201);
    svc.store.appendEvent({ time: Date.now(), cluster: 'gone', type: 'member_down', member: 'm1', message: 'member m1 is down' });
    assert.equal((await svc.app.inject({ method: 'DELETE', url: '/api/v1/clusters/gone' })).statusCode, 204);
    const events = await svc.app.inject({ method: 'GET', url: '/api/v1/events?cluster=gone' });
    assert.equal(events.statusCode, 200);
    assert.equal(events.json().length, 1);
    assert.equal((await svc.app.inject({ method: 'GET', url: '/api/v1/stream?cluster=gone' })).statusCode, 404, 'nothing live to stream');

    // The stream of a configured cluster over a real socket: 200 and its state first.
    const url = await svc.listen();
    const ac = new AbortController();
    const res = await fetch(`${url}/api/v1/stream?cluster=c1`, { signal: ac.signal });
    assert.equal(res.status, 200);
    const reader = res.body!.getReader();
    let text = '';
    while (!text.includes('event: cluster')) text += new TextDecoder().decode((await reader.read()).value);
    ac.abort();
    await reader.cancel().catch(() => {});
  } finally {
    await svc.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
