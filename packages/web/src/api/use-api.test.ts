import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MutationObserver, QueryClient, QueryObserver } from '@tanstack/react-query';
import { ApiError } from './client.ts';
import { apiKey, apiMutationOptions, apiPath, apiQueryOptions, underPath } from './use-api.ts';
import { clusterRequest, clustersRequest, eventsRequest } from './queries.ts';

test('apiPath URL-encodes every value put into the path, and only those', () => {
  assert.equal(apiPath`/clusters/${'prod a/b'}/members/${'etcd-1'}`, '/clusters/prod%20a%2Fb/members/etcd-1');
  assert.equal(apiPath`/channels/${'x?y'}/test`, '/channels/x%3Fy/test');
});

test('apiKey is the path, then the params when there are any; the live stream writes under the keys the pages read', () => {
  assert.deepEqual(apiKey({ path: '/clusters' }), ['/clusters']);
  assert.deepEqual(apiKey({ path: '/clusters', params: {} }), ['/clusters']);
  assert.deepEqual(apiKey({ path: '/events', params: { cluster: 'a', limit: '200' } }), ['/events', { cluster: 'a', limit: '200' }]);
  assert.deepEqual(apiKey(clustersRequest), ['/clusters']);
  assert.deepEqual(apiKey(clusterRequest('a/b')), ['/clusters/a%2Fb']);
  assert.deepEqual(apiKey(eventsRequest('a')), ['/events', { cluster: 'a', limit: '200' }]);
});

test('underPath covers a path and everything below it, not paths that only start alike', () => {
  assert.ok(underPath(['/clusters'], '/clusters'));
  assert.ok(underPath(['/clusters/main'], '/clusters'));
  assert.ok(underPath(['/clusters/main/config'], '/clusters/'));
  assert.ok(underPath(['/alerts/history', { limit: '100' }], '/alerts'));
  assert.ok(!underPath(['/clusters-old'], '/clusters'));
  assert.ok(!underPath(['/cluster'], '/clusters'));
  assert.ok(!underPath([{ path: '/clusters' }], '/clusters'));
});

describe('useApiQuery and useApiMutation against a real HTTP server', () => {
  let server: Server;
  const seen: string[] = [];
  const realFetch = globalThis.fetch;
  before(async () => {
    server = createServer((req, res) => {
      seen.push(`${req.method} ${req.url}`);
      let body = '';
      req.on('data', (c: Buffer) => (body += c));
      req.on('end', () => {
        if (req.url === '/api/v1/rules/conflicting') {
          res.writeHead(409, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { code: 'MON_CONFLICT', message: 'changed meanwhile' } }));
          return;
        }
        if (req.method === 'DELETE') return void res.writeHead(204).end();
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ url: req.url, body: body ? JSON.parse(body) : null }));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    // apiFetch calls /api/v1/… relative to the page; here the page is the test server.
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    globalThis.fetch = (input, init) => realFetch(`${base}${String(input)}`, init);
  });
  after(async () => {
    globalThis.fetch = realFetch;
    await new Promise<void>((r) => server.close(() => r()));
  });

  test('a GET is fetched from its path and params and cached under apiKey', async () => {
    const qc = new QueryClient();
    const data = await qc.fetchQuery(apiQueryOptions<{ url: string }>({ ...eventsRequest('a b'), staleTime: Infinity }));
    assert.equal(data.url, '/api/v1/events?cluster=a+b&limit=200');
    assert.deepEqual(qc.getQueryData(apiKey(eventsRequest('a b'))), data);
    qc.clear();
  });

  test('a mutation sends its method, path and body, then refetches what is on screen under its prefixes before it settles', async () => {
    const qc = new QueryClient({ defaultOptions: { queries: { retry: false } } });
    for (const req of [{ path: '/silences' }, { path: '/alerts' }, { path: '/alerts/history', params: { limit: '100' } }, { path: '/clusters' }, { path: '/silences-old' }]) {
      await qc.fetchQuery(apiQueryOptions(req));
    }
    const watching = new QueryObserver(qc, apiQueryOptions({ path: '/silences', staleTime: Infinity }));
    const off = watching.subscribe(() => undefined);
    seen.length = 0;
    const m = new MutationObserver(qc, apiMutationOptions<void, string>(qc, { method: 'DELETE', path: (id) => apiPath`/silences/${id}`, invalidates: ['/silences', '/alerts'] }));
    await m.mutate('x/y');
    assert.deepEqual(seen, ['DELETE /api/v1/silences/x%2Fy', 'GET /api/v1/silences'], 'the silences on screen were re-read before the mutation settled');
    const stale = (path: string, params?: Record<string, string>) => qc.getQueryState(apiKey(params ? { path, params } : { path }))?.isInvalidated;
    assert.equal(stale('/alerts'), true);
    assert.equal(stale('/alerts/history', { limit: '100' }), true);
    assert.equal(stale('/clusters'), false);
    assert.equal(stale('/silences-old'), false);
    off();
    qc.clear();
  });

  test('without invalidates a mutation makes its resource stale; a failed one too, and it rejects with the ApiError', async () => {
    const qc = new QueryClient();
    await qc.fetchQuery(apiQueryOptions({ path: '/rules' }));
    await qc.fetchQuery(apiQueryOptions({ path: '/channels' }));
    const put = new MutationObserver(
      qc,
      apiMutationOptions<{ body: unknown }, { name: string; enabled: boolean }>(qc, {
        method: 'PUT',
        path: ({ name }) => apiPath`/rules/${name}`,
        body: ({ enabled }) => ({ enabled }),
      }),
    );
    assert.deepEqual((await put.mutate({ name: 'etcdNoLeader', enabled: false })).body, { enabled: false });
    assert.equal(qc.getQueryState(['/rules'])?.isInvalidated, true);
    assert.equal(qc.getQueryState(['/channels'])?.isInvalidated, false);

    await qc.refetchQueries({ queryKey: ['/rules'] });
    assert.equal(qc.getQueryState(['/rules'])?.isInvalidated, false);
    await assert.rejects(put.mutate({ name: 'conflicting', enabled: true }), (e) => e instanceof ApiError && e.status === 409 && e.code === 'MON_CONFLICT');
    assert.equal(qc.getQueryState(['/rules'])?.isInvalidated, true, 'a failed change still makes the cached copy stale');

    const test = new MutationObserver(qc, apiMutationOptions<unknown, void>(qc, { method: 'POST', path: '/clusters/test', invalidates: [] }));
    await qc.refetchQueries();
    await test.mutate();
    assert.equal(qc.getQueryState(['/rules'])?.isInvalidated, false);
    qc.clear();
  });
});
