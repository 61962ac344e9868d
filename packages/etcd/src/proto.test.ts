import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type * as grpc from '@grpc/grpc-js';

// node --test runs each file in a process of its own, and this file imports proto-loader only in its last test: what
// the first test sees loaded, opening a client loaded.
test('opening a client loads neither @grpc/proto-loader nor protobufjs’ .proto parser', async () => {
  const { MemberClient, resolveConnectionOptions } = await import('./index.ts');
  new MemberClient('http://127.0.0.1:2379', resolveConnectionOptions({ endpoints: '127.0.0.1:2379' })).close();
  const loaded = Object.keys((createRequire(import.meta.url)('node:module') as { _cache: Record<string, unknown> })._cache);
  assert.ok(
    loaded.some((f) => f.includes('/@grpc/grpc-js/')),
    'the check sees CommonJS modules',
  );
  assert.deepEqual(
    loaded.filter((f) => f.includes('/@grpc/proto-loader/') || /\/protobufjs\/src\/(parse|tokenize)\.js$/.test(f)),
    [],
  );
});

test('proto/etcd.json is generated from proto/*.proto (run `node packages/etcd/src/proto-json.ts` after editing them)', async () => {
  const { buildProtoJson, PROTO_JSON } = await import('./proto-json.ts');
  assert.equal(readFileSync(PROTO_JSON, 'utf8'), buildProtoJson(), 'proto/etcd.json is stale: run `node packages/etcd/src/proto-json.ts`');
});

test('every etcd method is called and its messages encoded and decoded as @grpc/proto-loader did', async () => {
  const { etcdServices } = await import('./services.ts');
  const protoLoader = await import('@grpc/proto-loader');
  const dir = fileURLToPath(new URL('../proto/', import.meta.url));
  const def = protoLoader.loadSync(`${dir}rpc.proto`, { keepCase: true, longs: String, enums: String, defaults: true, oneofs: true, includeDirs: [dir] });
  const services = etcdServices();
  const names = Object.keys(def).filter((k) => !('format' in (def[k] as object)));
  assert.deepEqual(Object.keys(services).sort(), names.map((n) => n.replace('etcdserverpb.', '')).sort());
  const samples: Record<string, unknown> = {
    'KV/Range': {
      key: Buffer.from('a'),
      range_end: Buffer.from([0]),
      limit: '10',
      revision: '-1',
      sort_order: 2,
      sort_target: 3,
      serializable: true,
      keys_only: true,
      min_mod_revision: '9007199254740993',
    },
    'KV/Txn': {
      compare: [{ result: 3, target: 2, key: Buffer.from('k'), mod_revision: '5' }],
      success: [{ request_put: { key: Buffer.from('k'), value: Buffer.from('v'), lease: '18446744073709551615' } }],
      failure: [{ request_delete_range: { key: Buffer.from('k'), prev_kv: true } }],
    },
    'Watch/Watch': { create_request: { key: Buffer.from('w'), start_revision: '7', filters: [0, 1], prev_kv: true } },
    'Maintenance/Alarm': { action: 2, memberID: '12854834203457812721', alarm: 1 },
    'Auth/UserAdd': { name: 'u', password: 'p', options: { no_password: true } },
    'Cluster/MemberAdd': { peerURLs: ['http://a:2380', 'http://b:2380'], isLearner: true },
  };
  for (const full of names) {
    const svc = full.replace('etcdserverpb.', '');
    const theirs = def[full] as unknown as Record<string, grpc.MethodDefinition<unknown, unknown>>;
    const ours = services[svc]!.service;
    assert.deepEqual(Object.keys(ours).sort(), Object.keys(theirs).sort(), svc);
    for (const [name, m] of Object.entries(theirs)) {
      const o = ours[name]!;
      assert.deepEqual([o.path, o.requestStream, o.responseStream], [m.path, m.requestStream, m.responseStream], `${svc}/${name}`);
      const req = samples[`${svc}/${name}`] ?? {};
      const wire = m.requestSerialize(req);
      assert.deepEqual(o.requestSerialize(req), wire, `${svc}/${name} request`);
      assert.deepEqual(o.requestDeserialize(wire), m.requestDeserialize(wire), `${svc}/${name} request decoded`);
      // A response with every field at its default: the shape the API's callers read (defaults filled in).
      assert.deepEqual(o.responseDeserialize(Buffer.alloc(0)), m.responseDeserialize(Buffer.alloc(0)), `${svc}/${name} response`);
    }
  }
  const range = services.KV!.service.Range!;
  const resp = { header: { cluster_id: '18446744073709551615', revision: '3' }, kvs: [{ key: Buffer.from('k'), value: Buffer.from('v'), version: '1' }], more: true, count: '1' };
  const wire = range.responseSerialize(resp);
  assert.deepEqual(wire, (def['etcdserverpb.KV'] as unknown as Record<string, grpc.MethodDefinition<unknown, unknown>>).Range!.responseSerialize(resp));
  assert.deepEqual(
    range.responseDeserialize(wire),
    (def['etcdserverpb.KV'] as unknown as Record<string, grpc.MethodDefinition<unknown, unknown>>).Range!.responseDeserialize(wire),
  );
});
