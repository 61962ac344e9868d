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
    const ours = services[svc]!;
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
  const range = services.KV!.Range!;
  const resp = { header: { cluster_id: '18446744073709551615', revision: '3' }, kvs: [{ key: Buffer.from('k'), value: Buffer.from('v'), version: '1' }], more: true, count: '1' };
  const wire = range.responseSerialize(resp);
  assert.deepEqual(wire, (def['etcdserverpb.KV'] as unknown as Record<string, grpc.MethodDefinition<unknown, unknown>>).Range!.responseSerialize(resp));
  assert.deepEqual(
    range.responseDeserialize(wire),
    (def['etcdserverpb.KV'] as unknown as Record<string, grpc.MethodDefinition<unknown, unknown>>).Range!.responseDeserialize(wire),
  );
});

test('encodeRangeRequest writes the bytes protobufjs writes, for every field, zero, negative and 64-bit values', async () => {
  const { encodeRangeRequest } = await import('./fast-encode.ts');
  const { protoJson } = await import('./proto.ts');
  const protobuf = (await import('protobufjs/light.js')).default;
  const type = protobuf.Root.fromJSON(protoJson().root).lookupType('etcdserverpb.RangeRequest');
  const samples = [
    {},
    { key: Buffer.alloc(0) },
    { key: Buffer.from('a'), range_end: Buffer.from([0]), limit: '0', revision: '0', sort_order: 0, sort_target: 0, serializable: false, keys_only: false, count_only: false },
    {
      key: Buffer.alloc(300, 7),
      range_end: Buffer.alloc(128, 0xff),
      limit: '127',
      revision: '128',
      sort_order: 2,
      sort_target: 4,
      serializable: true,
      keys_only: true,
      count_only: true,
    },
    { key: Buffer.from('k'), limit: '-1', revision: '9223372036854775807', min_mod_revision: '-9223372036854775808', max_mod_revision: '9007199254740993' },
    { key: Buffer.from('k'), min_create_revision: '16384', max_create_revision: 2097152, limit: 5, revision: -3 },
  ];
  for (const s of samples) assert.deepEqual(encodeRangeRequest(s), Buffer.from(type.encode(type.fromObject(s)).finish()), JSON.stringify(s));
});

test('each message type is built from the part of etcd.json it uses, and that part holds every type it names', async () => {
  const { subset } = await import('./services.ts');
  const { protoJson } = await import('./proto.ts');
  const protobuf = (await import('protobufjs/light.js')).default;
  const root = protoJson().root;
  const names: string[] = [];
  const walk = (ns: protobuf.INamespace, path: string[]) => {
    for (const [k, v] of Object.entries(ns.nested ?? {})) {
      if ('fields' in v) names.push([...path, k].join('.'));
      if ('nested' in v) walk(v as protobuf.INamespace, [...path, k]);
    }
  };
  walk(root, []);
  assert.ok(names.length > 100 && names.includes('etcdserverpb.RangeRequest') && names.includes('authpb.User'), names.join());
  for (const name of names) {
    const part = protobuf.Root.fromJSON(subset(root, name));
    assert.doesNotThrow(() => part.resolveAll(), name);
    assert.ok(part.lookupType(name), name);
  }
  // A get needs only RangeRequest (hand-encoded) and RangeResponse: RangeResponse's part is three messages, not the API.
  const part = subset(root, 'etcdserverpb.RangeResponse') as { nested: Record<string, protobuf.INamespace> };
  assert.deepEqual(Object.keys(part.nested.etcdserverpb!.nested!).sort(), ['RangeResponse', 'ResponseHeader']);
  assert.deepEqual(Object.keys(part.nested.mvccpb!.nested!), ['KeyValue']);
});
