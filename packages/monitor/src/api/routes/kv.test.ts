import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { until, tempDir } from '@etcd-monitor/core/testing';
import { EtcdRpc, MemberClient } from '@etcd-monitor/etcd';
import { useCluster } from '@etcd-monitor/etcd/testing';
import { parseConfig } from '../../config.ts';
import { buildMonitor, type MonitorService } from '../../service.ts';

// A real etcd (one member is enough: the routes speak to one endpoint) and the monitor's HTTP API in front of it.
describe('key browser API', () => {
  const cluster = useCluster({ members: 1 });
  let svc: MonitorService;
  let rpc: EtcdRpc;
  let dir: string;
  const inject = (method: 'GET' | 'PUT' | 'DELETE', url: string, payload?: object) => svc.app.inject({ method, url: `/api/v1/clusters/c1${url}`, ...(payload ? { payload } : {}) });

  before(async () => {
    dir = tempDir('mon-kv');
    const endpoints = cluster.get().endpoints;
    rpc = new EtcdRpc(new MemberClient(endpoints[0]!, { endpoints, dialTimeoutMs: 2000, commandTimeoutMs: 5000 }));
    for (let i = 0; i < 25; i++) await rpc.put(`/app/users/u${String(i).padStart(2, '0')}`, JSON.stringify({ i }));
    for (let i = 0; i < 3; i++) await rpc.put(`/app/config/k${i}`, 'x'.repeat(1000));
    await rpc.put('/app/top', 'plain');
    await rpc.put('/other', Buffer.from([0xff, 0x00, 0xfe]));
    svc = await buildMonitor(parseConfig({ server: { listen: '127.0.0.1:0', data_dir: dir }, clusters: [{ name: 'c1', endpoints, timeout: '5s' }] }), {
      env: { ETCD_MONITOR_SECRET_KEY: 'k' },
    });
  });
  after(async () => {
    await svc?.stop();
    rpc?.client.close();
  });

  test('keys page by cursor at one revision; binary values come as base64', async () => {
    const seen: string[] = [];
    let cursor: string | undefined;
    let revision: string | undefined;
    do {
      const r = await inject('GET', `/kv?prefix=/app/users/&limit=10&values=true${cursor ? `&cursor=${cursor}` : ''}`);
      assert.equal(r.statusCode, 200, r.body);
      const page = r.json() as { items: Array<{ key: string; value?: string }>; revision: string; nextCursor?: string };
      revision ??= page.revision;
      assert.equal(page.revision, revision, 'every page reads at the first page revision');
      seen.push(...page.items.map((i) => i.key));
      // A write between pages does not show up in this listing.
      if (seen.length === 10) await rpc.put('/app/users/u99', 'late');
      cursor = page.nextCursor;
    } while (cursor);
    assert.equal(seen.length, 25);
    assert.deepEqual(seen, [...seen].sort());
    // etcd's response header rides along, ids as exact decimal strings (they exceed 2^53).
    const status = await rpc.status();
    const page = (await inject('GET', '/kv?prefix=/app/users/&limit=1')).json() as { header: Record<string, string> };
    assert.deepEqual(Object.keys(page.header), ['clusterId', 'memberId', 'revision', 'raftTerm']);
    assert.equal(page.header.clusterId, status.header.cluster_id);
    const put = (await inject('PUT', '/kv', { key: '/hdr', value: 'x' })).json() as { revision: string; header: Record<string, string> };
    assert.equal(put.header.revision, put.revision);
    assert.equal(put.header.clusterId, status.header.cluster_id);
    const del = (await inject('DELETE', '/kv?key=/hdr')).json() as { header: Record<string, string> };
    assert.equal(del.header.clusterId, status.header.cluster_id);
    assert.equal(((await inject('GET', '/kv/key?key=/other')).json() as { header: Record<string, string> }).header.clusterId, status.header.cluster_id);
    const other = (await inject('GET', '/kv/key?key=/other')).json() as { kv: { value?: string; valueBase64?: string } };
    assert.equal(other.kv.value, undefined);
    assert.equal(other.kv.valueBase64, Buffer.from([0xff, 0x00, 0xfe]).toString('base64'));
    assert.equal((await inject('GET', '/kv?cursor=garbage')).statusCode, 400);
  });

  test('a folder level lists each folder once (with counts) and the keys at that level, paged', async () => {
    const top = (await inject('GET', '/kv/level?prefix=/app/&counts=true')).json() as { items: Array<{ name: string; kind: string; count?: number }>; nextCursor?: string };
    assert.deepEqual(
      top.items.map((i) => [i.name, i.kind, i.count]),
      [
        ['config/', 'folder', 3],
        ['top', 'key', undefined],
        ['users/', 'folder', 26],
      ],
    );
    assert.equal(top.nextCursor, undefined);
    const root = (await inject('GET', '/kv/level')).json() as { items: Array<{ name: string }> };
    assert.deepEqual(
      root.items.map((i) => i.name),
      ['/'],
      'every key starts with the separator: one folder at the root',
    );
    const first = (await inject('GET', '/kv/level?prefix=/app/users/&limit=20')).json() as { items: unknown[]; nextCursor?: string };
    assert.equal(first.items.length, 20);
    const rest = (await inject('GET', `/kv/level?prefix=/app/users/&limit=20&cursor=${first.nextCursor}`)).json() as { items: unknown[]; nextCursor?: string };
    assert.equal(rest.items.length, 6);
    assert.equal(rest.nextCursor, undefined);
  });

  test("folder counts come apart from the level page, at the page's revision", async () => {
    const page = (await inject('GET', '/kv/level?prefix=/app/')).json() as { revision: string; items: Array<{ kind: string; prefixBase64?: string; count?: number }> };
    const folders = page.items.filter((i) => i.kind === 'folder');
    assert.ok(folders.every((f) => f.count === undefined));
    await rpc.put('/app/config/late', 'x');
    const q = folders.map((f) => `prefixBase64=${encodeURIComponent(f.prefixBase64!)}`).join('&');
    const r = await inject('GET', `/kv/counts?${q}&revision=${page.revision}`);
    assert.equal(r.statusCode, 200, r.body);
    assert.deepEqual(
      r.json(),
      { revision: page.revision, counts: folders.map((f, i) => ({ prefixBase64: f.prefixBase64, count: [3, 26][i] })) },
      'the write after the page is not counted',
    );
    const latest = (await inject('GET', `/kv/counts?prefixBase64=${encodeURIComponent(folders[0]!.prefixBase64!)}`)).json() as { counts: Array<{ count: number }> };
    assert.equal(latest.counts[0]!.count, 4);
    await rpc.deleteRange('/app/config/late');
    const bad = await inject('GET', '/kv/counts?prefixBase64=not*base64');
    assert.equal(bad.statusCode, 400, bad.body);
    assert.match(bad.body, /prefixBase64/);
    const many = Array.from({ length: 101 }, () => 'YQ==').join('&prefixBase64=');
    assert.equal((await inject('GET', `/kv/counts?prefixBase64=${many}`)).statusCode, 400);
  });

  test('prefix statistics sum keys and bytes per child prefix, largest first', async () => {
    const s = (await inject('GET', '/kv/stats?prefix=/app/')).json() as { keys: number; prefixes: Array<{ prefix: string; keys: number; valueBytes: number }> };
    assert.equal(s.keys, 30);
    assert.deepEqual(s.prefixes[0], { prefix: '/app/config/', keys: 3, keyBytes: 3 * '/app/config/k0'.length, valueBytes: 3000 });
    assert.equal(s.prefixes.find((p) => p.prefix === '/app/users/')?.keys, 26);
  });

  test('edit with compare-and-swap: a stale mod revision is refused with the current key, never overwritten; history lists the versions', async () => {
    const put = await inject('PUT', '/kv', { key: '/app/flag', value: 'v1' });
    assert.equal(put.statusCode, 200, put.body);
    const v1 = (put.json() as { kv: { modRevision: string } }).kv.modRevision;
    const ok = await inject('PUT', '/kv', { key: '/app/flag', value: 'v2', expectModRevision: v1 });
    assert.equal(ok.statusCode, 200, ok.body);
    // The key moved on to v2: an edit still based on v1 conflicts.
    const stale = await inject('PUT', '/kv', { key: '/app/flag', value: 'mine', expectModRevision: v1 });
    assert.equal(stale.statusCode, 409);
    const err = stale.json() as { error: { code: string; current: { value: string } } };
    assert.equal(err.error.code, 'MON_KV_CONFLICT');
    assert.equal(err.error.current.value, 'v2');
    assert.equal((await rpc.range('/app/flag')).kvs[0]!.value.toString(), 'v2');
    assert.equal((await inject('PUT', '/kv', { key: '/app/new', value: 'x', expectModRevision: '0' })).statusCode, 200, 'create only if absent');
    assert.equal((await inject('PUT', '/kv', { key: '/app/new', value: 'y', expectModRevision: '0' })).statusCode, 409);
    const h = (await inject('GET', '/kv/history?key=/app/flag')).json() as { versions: Array<{ value: string }>; compacted: boolean; truncated: boolean };
    assert.deepEqual(
      h.versions.map((v) => v.value),
      ['v2', 'v1'],
    );
    assert.equal(h.compacted, false);
    assert.equal((await inject('GET', '/kv/history?key=/nope')).statusCode, 404);
    assert.equal((await inject('GET', '/kv/key?key=/nope')).json().error.code, 'MON_KV_NOT_FOUND');
  });

  test('a prefix delete needs the count a dry run showed; a changed count is refused', async () => {
    for (let i = 0; i < 5; i++) await rpc.put(`/tmp/k${i}`, 'x');
    const dry = (await inject('DELETE', '/kv?key=/tmp/&prefix=true&dryRun=true')).json() as { deleted: number; dryRun: boolean };
    assert.deepEqual([dry.deleted, dry.dryRun], [5, true]);
    assert.equal((await rpc.range('/tmp/', { rangeEnd: '/tmp0', countOnly: true })).count, '5', 'a dry run deletes nothing');
    const unconfirmed = await inject('DELETE', '/kv?key=/tmp/&prefix=true');
    assert.equal(unconfirmed.statusCode, 400);
    assert.equal(unconfirmed.json().error.field, 'expectCount');
    await rpc.put('/tmp/k9', 'late');
    assert.equal((await inject('DELETE', '/kv?key=/tmp/&prefix=true&expectCount=5')).statusCode, 409);
    const done = (await inject('DELETE', '/kv?key=/tmp/&prefix=true&expectCount=6')).json() as { deleted: number };
    assert.equal(done.deleted, 6);
  });

  test('a from-key delete (etcdctl del --from-key) counts by dry run and needs that count too', async () => {
    for (const k of ['~fk/a', '~fk/b', '~fk/c']) await rpc.put(k, 'x');
    const dry = (await inject('DELETE', `/kv?key=${encodeURIComponent('~fk/b')}&fromKey=true&dryRun=true`)).json() as { deleted: number };
    assert.equal(dry.deleted, 2, '~fk/b and ~fk/c, the keys from ~fk/b on');
    assert.equal((await inject('DELETE', `/kv?key=${encodeURIComponent('~fk/b')}&fromKey=true`)).json().error.field, 'expectCount');
    assert.equal((await inject('DELETE', `/kv?key=${encodeURIComponent('~fk/b')}&fromKey=true&prefix=true&expectCount=2`)).json().error.field, 'fromKey');
    const done = (await inject('DELETE', `/kv?key=${encodeURIComponent('~fk/b')}&fromKey=true&expectCount=2`)).json() as { deleted: number };
    assert.equal(done.deleted, 2);
    assert.equal((await rpc.range('~fk/a')).kvs.length, 1, 'the key before stays');
  });

  test('a watch streams a put made by another client as Server-Sent Events', async () => {
    await svc.app.listen({ host: '127.0.0.1', port: 0 });
    const port = (svc.app.server.address() as AddressInfo).port;
    const frames: string[] = [];
    const req = http.get(`http://127.0.0.1:${port}/api/v1/clusters/c1/watch?key=/watched/&prefix=true`);
    const res = await new Promise<http.IncomingMessage>((r) => req.once('response', r));
    assert.equal(res.headers['content-type'], 'text/event-stream');
    res.on('data', (d: Buffer) => frames.push(d.toString()));
    await until('created', () => frames.join('').includes('event: created'));
    await rpc.put('/watched/a', 'hello');
    await until('the put arrives', () => frames.join('').includes('event: put'));
    assert.match(frames.join(''), /"key":"\/watched\/a".*"value":"hello"/);
    req.destroy();
  });

  test('the audit log lists every change with its cluster, etcdctl command and result', async () => {
    const entries = (await svc.app.inject({ method: 'GET', url: '/api/v1/audit?action=kv.put' })).json() as Array<{ cluster: string; command: string; result: string }>;
    assert.ok(entries.some((e) => e.cluster === 'c1' && e.command === 'etcdctl put /app/flag' && e.result === 'ok'));
    assert.ok(
      entries.some((e) => e.result.startsWith('MON_KV_CONFLICT')),
      'a refused change is audited too',
    );
    const del = (await svc.app.inject({ method: 'GET', url: '/api/v1/audit?action=kv.delete-prefix' })).json() as Array<{ command: string }>;
    assert.ok(del.some((e) => e.command === 'etcdctl del --prefix /tmp/'));
  });
});

test('a viewer can read keys but no mutating key route lets it change anything', async (t) => {
  const dir = tempDir('mon-kv-viewer', t);
  const svc = await buildMonitor(
    parseConfig({ server: { listen: '127.0.0.1:0', data_dir: dir }, auth: { anonymous_role: 'viewer' }, clusters: [{ name: 'c1', endpoints: ['127.0.0.1:1'], timeout: '200ms' }] }),
    { env: { ETCD_MONITOR_SECRET_KEY: 'k' } },
  );
  t.after(() => svc.stop());
  const doc = (await svc.app.inject({ method: 'GET', url: '/api/docs/openapi.json' })).json() as { paths: Record<string, Record<string, unknown>> };
  const mutating = Object.entries(doc.paths)
    .filter(([p]) => p.includes('/kv') || p.includes('/watch'))
    .flatMap(([p, ops]) =>
      Object.keys(ops)
        .filter((m) => m !== 'get')
        .map((m) => [m.toUpperCase(), p.replace('{name}', 'c1')] as const),
    );
  assert.deepEqual(mutating.map(([m]) => m).sort(), ['DELETE', 'PUT']);
  for (const [method, path] of mutating) {
    const r = await svc.app.inject({ method: method as 'PUT', url: `${path}?key=/a&dryRun=false`, payload: { key: '/a', value: 'x' } });
    assert.equal(r.statusCode, 403, `${method} ${path}: ${r.body}`);
  }
  assert.equal((await svc.app.inject({ method: 'GET', url: '/api/v1/audit' })).statusCode, 403, 'the audit log is for admins');
});
