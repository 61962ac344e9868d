import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { goJson, goString } from './go-json.ts';
import { goDuration, goQuote, humanizeBytes, rangeJson } from './print.ts';

const testdata = (name: string) => readFileSync(new URL(`../testdata/${name}`, import.meta.url), 'utf8').trimEnd();
const big = (json: string) => JSON.parse(json.replace(/([:[,])(-?\d+)(?=[,}\]])/g, '$1"$2"')) as Record<string, unknown>;

test('goJson reproduces captured etcdctl 3.4.23 documents byte for byte (ids above 2^53, enums as numbers, absent header)', () => {
  const alarms = testdata('etcdctl-alarm-list-nospace.json');
  const a = big(alarms) as { alarms: Array<{ memberID: string; alarm: string }> };
  assert.equal(goJson('etcdserverpb.AlarmResponse', { header: null, alarms: a.alarms.map((x) => ({ memberID: x.memberID, alarm: 'Nospace' })) }), alarms);
  assert.equal(goJson('etcdserverpb.AlarmResponse', { header: null, alarms: [] }), testdata('etcdctl-alarm-list.json'));

  const status = testdata('etcdctl-endpoint-status-nospace.json');
  const s = (big(status) as unknown as Array<{ Status: Record<string, unknown> }>)[0]!.Status;
  const msg = { isLearner: false, ...s };
  assert.equal(`[{"Endpoint":"http://127.0.0.1:26790","Status":${goJson('etcdserverpb.StatusResponse', msg)}}]`, status);

  const get = testdata('etcdctl-get-prefix.json');
  const g = big(get) as { header: unknown; kvs: Array<Record<string, string>>; count: string };
  const kvs = g.kvs.map((kv) => ({ ...kv, key: Buffer.from(kv.key!, 'base64'), value: Buffer.from(kv.value ?? '', 'base64'), lease: kv.lease ?? '0' }));
  const range = { header: g.header, kvs, more: false, count: g.count } as Parameters<typeof rangeJson>[0];
  assert.equal(goJson('etcdserverpb.RangeResponse', range), get);
  // The hand-written fast path agrees with the descriptor-driven encoder, empty values, leases and `more` included.
  assert.equal(rangeJson(range), get);
  const odd = { ...range, more: true, kvs: [{ ...range.kvs[0]!, value: Buffer.alloc(0), lease: '7587869411335186036' }] };
  assert.equal(rangeJson(odd), goJson('etcdserverpb.RangeResponse', odd));
  assert.equal(rangeJson({ ...range, kvs: [], count: '0' }), goJson('etcdserverpb.RangeResponse', { ...range, kvs: [], count: '0' }));
});

test("Go's string escapes, %q quoting, go-humanize sizes and durations", () => {
  assert.equal(goString('<a&b>\u2028"\\\n\x01'), '"\\u003ca\\u0026b\\u003e\\u2028\\"\\\\\\n\\u0001"');
  assert.equal(goQuote(Buffer.from('a"b\\\n\x00é')), '"a\\"b\\\\\\n\\x00é"');
  assert.equal(goQuote(Buffer.from([0xff, 0x41])), '"\\xffA"');
  assert.deepEqual([5, 20480, 25000, 1234567, 1044480, 2147483648].map(humanizeBytes), ['5 B', '20 kB', '25 kB', '1.2 MB', '1.0 MB', '2.1 GB']);
  assert.deepEqual([1.627153, 5000.544999, 0.5, 75000].map(goDuration), ['1.627153ms', '5.000544999s', '500µs', '1m15s']);
});

test('decodeRangeResponse reads varints of every length, negative int64 and ids above 2^53 exactly', async () => {
  const { decodeRangeResponse } = await import('../fast-decode.ts');
  const { etcdServices } = await import('../services.ts');
  const range = etcdServices().KV!.Range!;
  const kv = (i: string) => ({ key: Buffer.from(`k${i}`), create_revision: i, mod_revision: '128', version: '16384', value: Buffer.from('v'), lease: '9223372036854775807' });
  const msg = {
    header: { cluster_id: '18446744073709551615', member_id: '12854834203457812721', revision: '-1', raft_term: '562949953421312' },
    kvs: ['0', '1', '127', '300', '2097151', '4398046511104', '9007199254740993'].map(kv),
    more: true,
    count: '7',
  };
  const wire = range.responseSerialize(msg);
  const decoded = decodeRangeResponse(wire);
  assert.deepEqual(
    { ...decoded, kvs: decoded.kvs.map((k) => ({ ...k, key: k.key.toString(), value: k.value.toString() })) },
    { ...msg, kvs: msg.kvs.map((k) => ({ ...k, key: k.key.toString(), value: k.value.toString() })) },
  );
});

test('the browser-safe writers of @etcd-monitor/core/parse agree with the descriptor-driven encoder (member, status, hashkv, alarm answers)', async () => {
  const { memberListJson, statusJson, hashKVJson, alarmJson, headerOnlyJson } = await import('@etcd-monitor/core/parse');
  const header = { cluster_id: '18446744073709551615', member_id: '12854834203457812721', revision: '42', raft_term: '3' };
  const m = (id: string, name: string, learner: boolean) => ({
    ID: id,
    name,
    peerURLs: ['http://127.0.0.1:2380'],
    clientURLs: name ? ['http://127.0.0.1:2379'] : [],
    isLearner: learner,
  });
  const members = [m('9007199254740993', 'a', false), m('1', '', true), { ID: '2', name: 'c<&>', peerURLs: [], clientURLs: [], isLearner: false }];
  for (const r of [
    { header, members },
    { header, members: [] },
  ])
    assert.equal(memberListJson(r), goJson('etcdserverpb.MemberListResponse', r));
  const add = { header, member: members[1]!, members };
  assert.equal(memberListJson(add), goJson('etcdserverpb.MemberAddResponse', add));
  const status = {
    header,
    version: '3.4.23',
    dbSize: '20480',
    leader: '12854834203457812721',
    raftIndex: '9',
    raftTerm: '3',
    raftAppliedIndex: '9',
    errors: ['memberID:1 alarm:NOSPACE '],
    dbSizeInUse: '16384',
    isLearner: true,
  };
  assert.equal(statusJson(status), goJson('etcdserverpb.StatusResponse', status));
  const zero = { ...status, errors: [], isLearner: false, leader: '0' };
  assert.equal(statusJson(zero), goJson('etcdserverpb.StatusResponse', zero));
  for (const h of [
    { header, hash: 4082599214, compact_revision: '-1' },
    { header, hash: 0, compact_revision: '0' },
  ])
    assert.equal(hashKVJson(h), goJson('etcdserverpb.HashKVResponse', h));
  const alarms = {
    header: null,
    alarms: [
      { memberID: '12854834203457812721', alarm: 'Nospace' },
      { memberID: '2', alarm: 'CORRUPT' },
    ],
  };
  assert.equal(
    alarmJson(alarms),
    goJson('etcdserverpb.AlarmResponse', { header: null, alarms: alarms.alarms.map((a) => ({ ...a, alarm: a.alarm === 'CORRUPT' ? 'Corrupt' : a.alarm })) }),
  );
  assert.equal(headerOnlyJson(header), goJson('etcdserverpb.MoveLeaderResponse', { header }));
});

test('Printer.getWire prints the wire bytes exactly as get() prints them decoded, in every format', async () => {
  const { etcdServices } = await import('../services.ts');
  const { decodeRangeResponse } = await import('../fast-decode.ts');
  const { Printer } = await import('./print.ts');
  const serialize = etcdServices().KV!.Range!.responseSerialize;
  const all = Buffer.from(Array.from({ length: 256 }, (_v, i) => i));
  // Keys and values of every length around base64's padding and the writer's copy threshold, every byte value,
  // empty ones, and numbers from zero to above 2^53 and negative.
  const kvs = Array.from({ length: 80 }, (_v, i) => ({
    key: i === 3 ? Buffer.alloc(0) : all.subarray(i, i + (i % 70)),
    create_revision: ['0', '1', '300', '9007199254740993'][i % 4],
    mod_revision: ['0', '-1', '128', '18'][i % 4],
    version: String(i % 3),
    value: i % 5 === 0 ? Buffer.alloc(0) : all.subarray(256 - i * 3),
    lease: i % 7 === 0 ? '7587869411335186036' : '0',
  }));
  const header = { cluster_id: '18446744073709551615', member_id: '12854834203457812721', revision: '-1', raft_term: '2' };
  const messages = [
    { header, kvs, more: true, count: '80' },
    { header, kvs: kvs.slice(0, 1), more: false, count: '1' },
    { header: null, kvs: kvs.slice(5, 9), more: false, count: '0' },
    { header, kvs: [], more: false, count: '0' },
    { header, kvs: [], more: false, count: '12' },
  ];
  for (const msg of messages) {
    const wire = serialize(msg);
    for (const format of ['simple', 'json', 'fields'] as const) {
      for (const o of [{}, { hex: true }, { valueOnly: format === 'simple' }]) {
        for (const countOnly of [false, true]) {
          const [a, b] = [new Printer(format, o), new Printer(format, o)];
          a.get(decodeRangeResponse(wire), countOnly);
          b.getWire(wire, countOnly);
          assert.deepEqual(b.take().out.toString('latin1'), a.take().out.toString('latin1'), `${format} ${JSON.stringify(o)} countOnly=${countOnly} ${msg.kvs.length} keys`);
        }
      }
    }
  }
});
