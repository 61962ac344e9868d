import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KeyView } from '@etcd-monitor/monitor/contract';
import { planCommand, splitWords } from './command.ts';
import { readTxn, redactPassword } from './ops.ts';
import { delJson, getJson, getSimple, putJson } from './output.ts';

test('splitWords splits as a shell does: quotes, escapes, and an unterminated quote is an error', () => {
  assert.deepEqual(splitWords(`put /a 'hello world' "say \\"hi\\"" c\\ d`).words, ['put', '/a', 'hello world', 'say "hi"', 'c d']);
  assert.deepEqual(splitWords(`put /a ''`).words, ['put', '/a', '']);
  assert.equal(splitWords(`put /a "open`).error, 'unterminated double quote');
});

test('planCommand maps get, put, del and watch to API calls with their flags', () => {
  assert.deepEqual(planCommand('get --prefix /app -w json --limit 5', 'main', 'simple'), {
    kind: 'get',
    key: '/app',
    prefix: true,
    limit: 5,
    keysOnly: false,
    countOnly: false,
    valueOnly: false,
    output: 'json',
  });
  assert.deepEqual(planCommand('etcdctl put k "a b" --lease=1f', 'main', 'table'), { kind: 'put', key: 'k', value: 'a b', lease: '31', output: 'table' });
  assert.deepEqual(planCommand('del --prefix /x/', 'main', 'simple'), { kind: 'del', key: '/x/', prefix: true, fromKey: false, dryRun: false, confirmed: false, output: 'simple' });
  assert.deepEqual(planCommand('watch --prefix /w --rev 7', 'main', 'simple'), { kind: 'watch', key: '/w', prefix: true, prevKv: false, revision: '7' });
  assert.deepEqual(planCommand('compaction --physical 42', 'main', 'simple'), { kind: 'compaction', revision: '42', physical: true });
  assert.deepEqual(planCommand('alarm list', 'main', 'simple'), { kind: 'alarm list', output: 'simple' });
  assert.equal((planCommand('compaction x', 'main', 'simple') as { text: string }).text, 'Error: strconv.ParseInt: parsing "x": invalid syntax');
});

test('planCommand refuses what etcdctl refuses, with its message, and names the CLI command for what the API lacks', () => {
  const bad = planCommand('get --bogus k', 'main', 'simple');
  assert.equal(bad.kind, 'print');
  assert.match((bad as { text: string }).text, /^Error: unknown flag: --bogus\nNAME:\n\tget - Gets the key/);
  const fields = planCommand('member list -w fields', 'main', 'simple');
  assert.deepEqual(fields, {
    kind: 'print',
    error: true,
    text: "-w fields is not offered by the monitor's API yet. Run it with the CLI:\n  etcd-monitor ctl --endpoints=<main's endpoints> member list -w fields",
  });
  assert.match((planCommand('del --prev-kv a', 'main', 'simple') as { text: string }).text, /del with --prev-kv is not offered .*\n {2}etcd-monitor ctl .* del --prev-kv a$/);
  assert.equal(planCommand('del --from-key a', 'main', 'simple').kind, 'del');
  assert.match((planCommand('del --from-key --prefix a', 'main', 'simple') as { text: string }).text, /cannot be set at the same time/);
  assert.match((planCommand('get --rev 3 k', 'main', 'simple') as { text: string }).text, /get with --rev is not offered/);
  assert.match((planCommand('get k --endpoints x:1', 'main', 'simple') as { text: string }).text, /--endpoints: the console always talks to cluster main/);
});

const kv = (key: string, value: string, rev: string): KeyView => ({
  key,
  keyBase64: Buffer.from(key).toString('base64'),
  createRevision: rev,
  modRevision: rev,
  version: '1',
  lease: '0',
  size: value.length,
  value,
});

// Ids above 2^53: JSON.stringify of a Number would print 14841639068965178000.
const H = { clusterId: '14841639068965178418', memberId: '10276657743932975437', revision: '12', raftTerm: '2' };

test('get output is etcdctl simple lines and its JSON document with numbers as numbers', () => {
  const kvs = [kv('/a', '1', '9007199254740993'), kv('/b', 'x y', '5')];
  assert.equal(getSimple(kvs, 2, { keysOnly: false, countOnly: false, valueOnly: false }), '/a\n1\n/b\nx y');
  assert.equal(getSimple(kvs, 2, { keysOnly: false, countOnly: false, valueOnly: true }), '1\nx y');
  assert.equal(
    getJson(H, kvs.slice(0, 1), 1, { keysOnly: false, countOnly: false, more: false }),
    '{"header":{"cluster_id":14841639068965178418,"member_id":10276657743932975437,"revision":12,"raft_term":2},"kvs":[{"key":"L2E=","create_revision":9007199254740993,"mod_revision":9007199254740993,"version":1,"value":"MQ=="}],"count":1}',
  );
  assert.equal(
    getJson(H, [], 0, { keysOnly: false, countOnly: false, more: false }),
    '{"header":{"cluster_id":14841639068965178418,"member_id":10276657743932975437,"revision":12,"raft_term":2}}',
  );
  assert.equal(putJson(H), '{"header":{"cluster_id":14841639068965178418,"member_id":10276657743932975437,"revision":12,"raft_term":2}}');
  assert.equal(delJson(H, 0), putJson(H), 'deleted: 0 is left out');
  assert.match(delJson(H, 3), /"raft_term":2},"deleted":3}$/);
});

test("planCommand maps the member, endpoint and maintenance commands with etcdctl's argument rules", () => {
  assert.deepEqual(planCommand('member list -w table', 'main', 'simple'), { kind: 'member list', output: 'table' });
  assert.deepEqual(planCommand('member add m4 --peer-urls=http://10.0.0.4:2380 --learner', 'main', 'json'), {
    kind: 'member add',
    name: 'm4',
    peerURLs: ['http://10.0.0.4:2380'],
    learner: true,
    output: 'json',
  });
  assert.deepEqual(planCommand('member remove xyz', 'main', 'simple'), {
    kind: 'print',
    error: true,
    text: 'Error: bad member ID arg (strconv.ParseUint: parsing "xyz": invalid syntax), expecting ID in Hex',
  });
  assert.deepEqual(planCommand('member remove 8E9E05C52164694D', 'main', 'simple'), { kind: 'member remove', id: '8e9e05c52164694d', force: false, output: 'simple' });
  assert.deepEqual(planCommand('member update 1f --peer-urls=http://a:2380,http://b:2380', 'main', 'simple'), {
    kind: 'member update',
    id: '1f',
    peerURLs: ['http://a:2380', 'http://b:2380'],
    output: 'simple',
  });
  assert.equal((planCommand('member update 1f', 'main', 'simple') as { text: string }).text, 'Error: member peer urls not provided');
  assert.deepEqual(planCommand('endpoint status --cluster -w json', 'main', 'simple'), { kind: 'endpoint status', cluster: true, output: 'json' });
  assert.deepEqual(planCommand('endpoint hashkv --rev 9', 'main', 'simple'), { kind: 'endpoint hashkv', cluster: false, revision: '9', output: 'simple' });
  assert.deepEqual(planCommand('defrag --cluster', 'main', 'simple'), { kind: 'defrag', cluster: true, force: false });
  assert.deepEqual(planCommand('snapshot save /tmp/s.db', 'main', 'simple'), { kind: 'snapshot save', file: '/tmp/s.db' });
  assert.deepEqual(planCommand('move-leader 0A', 'main', 'simple'), { kind: 'move-leader', id: 'a', output: 'simple' });
  assert.match((planCommand('move-leader', 'main', 'simple') as { text: string }).text, /^Error: move-leader command needs 1 argument/);
  assert.deepEqual(planCommand('alarm disarm', 'main', 'json'), { kind: 'alarm disarm', output: 'json' });
  assert.deepEqual(planCommand('version', 'main', 'simple'), { kind: 'version' });
});

test('planCommand reads lease, txn, user, role and auth commands as etcdctl does; passwords are hidden from the line', () => {
  assert.deepEqual(planCommand('lease grant 60', 'main', 'simple'), { kind: 'ops', op: { cmd: 'lease grant', ttl: 60 }, output: 'simple' });
  assert.deepEqual(planCommand('lease timetolive --keys 1f -w json', 'main', 'simple'), { kind: 'ops', op: { cmd: 'lease timetolive', id: '31', keys: true }, output: 'json' });
  assert.match((planCommand('lease keep-alive 1f', 'main', 'simple') as { text: string }).text, /add --once/);
  assert.equal(
    (planCommand('lease revoke zz', 'main', 'simple') as { text: string }).text,
    'Error: bad lease ID arg (strconv.ParseInt: parsing "zz": invalid syntax), expecting ID in Hex',
  );
  assert.deepEqual(planCommand('user add bob:pw', 'main', 'simple'), { kind: 'ops', op: { cmd: 'user add', name: 'bob', noPassword: false, password: 'pw' }, output: 'simple' });
  assert.deepEqual(planCommand('role grant-permission app readwrite --prefix /app/', 'main', 'simple'), {
    kind: 'ops',
    op: { cmd: 'role grant-permission', name: 'app', type: 'READWRITE', range: { key: '/app/', prefix: true }, words: ['/app/', undefined] },
    output: 'simple',
  });
  assert.equal((planCommand('role grant-permission app all /x', 'main', 'simple') as { text: string }).text, 'Error: invalid permission type all');
  assert.deepEqual(planCommand('txn', 'main', 'simple'), { kind: 'ops', op: { cmd: 'txn' }, output: 'simple' });
  assert.equal(redactPassword('user add bob:s3cret'), 'user add bob:***');
  assert.equal(redactPassword('user add bob --new-user-password=s3cret'), 'user add bob --new-user-password=***');
  assert.equal(redactPassword('user add bob --new-user-password "s 3"'), 'user add bob --new-user-password ***');
  assert.equal(redactPassword('put user:x y'), 'put user:x y');
});

test('readTxn reads etcdctl txn input: three parts ended by empty lines, compares and requests as the API takes them', () => {
  assert.deepEqual(readTxn('mod("k") > "0"\nlease("k") = "1f"\n\nput k v --lease=1f\nget --prefix /a\n\ndel k\n'), {
    compare: [
      { key: 'k', target: 'MOD', result: '>', value: '0' },
      { key: 'k', target: 'LEASE', result: '=', value: '31' },
    ],
    success: [
      { op: 'put', key: 'k', value: 'v', lease: '31' },
      { op: 'get', key: '/a', prefix: true },
    ],
    failure: [{ op: 'del', key: 'k' }],
  });
  assert.match(readTxn('mod("k") > "0"\n') as string, /^EOF/);
  assert.equal(readTxn('bogus\n\n\n'), 'malformed comparison: bogus');
});
