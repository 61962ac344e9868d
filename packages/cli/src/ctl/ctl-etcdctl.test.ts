// `etcd-monitor ctl` beside the real etcdctl 3.4 on the same cluster: the same command line must print the same bytes
// (-w json, and the other formats where they are deterministic) and exit with the same code.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { useCluster, type TestCluster } from '@etcd-monitor/etcd/testing';
import { ctl } from './testing.ts';

/** both runs the same command line through etcdctl and ctl against one endpoint. */
async function both(c: TestCluster, args: string[], ep = c.endpoints[0]!) {
  const real = await c.etcdctl(args, { endpoints: [ep] });
  const ours = await ctl(args, { endpoints: [ep] });
  return { real, ours };
}

const revs = (json: string) => [...json.matchAll(/"revision":(\d+)/g)].map((m) => Number(m[1]));

describe('ctl prints what etcdctl prints, on the same cluster at the same revision', () => {
  const cluster = useCluster({ members: 3 });

  test('get: -w json, fields and simple with prefix, from-key, range end, limit, sort, keys-only, rev, print-value-only, consistency', async () => {
    const c = cluster.get();
    for (const [k, v] of [
      ['/g/a', '1'],
      ['/g/b', 'two words'],
      ['/g/c', '{"json":true,"html":"<a&b>"}'],
      ['/g/d', 'line\nbreak\ttab'],
      ['/h', 'outside'],
    ]) {
      assert.equal((await c.etcdctl(['put', k!, v!])).code, 0);
    }
    const cases = [
      ['get', '/g/', '--prefix', '-w', 'json'],
      ['get', '/g/', '--prefix', '-w', 'fields'],
      ['get', '/g/', '--prefix'],
      ['get', '/g/b', '-w', 'json'],
      ['get', '/nope', '-w', 'json'],
      ['get', '/g/b', '--from-key', '-w', 'json', '--keys-only'],
      ['get', '/g/a', '/g/c', '-w', 'json'],
      ['get', '/g/', '--prefix', '--limit', '2', '-w', 'json'],
      ['get', '/g/', '--prefix', '--sort-by', 'VALUE', '--order', 'DESCEND', '-w', 'json'],
      ['get', '/g/', '--prefix', '--sort-by=MODIFY'],
      ['get', '/g/', '--prefix', '--print-value-only'],
      ['get', '/g/', '--prefix', '--consistency=s', '-w', 'json'],
      ['get', '/g/a', '--rev', '2', '-w', 'json'],
      ['get', '', '--prefix', '--keys-only'],
      ['get', '/g/a', '--hex'],
    ];
    for (const args of cases) {
      const { real, ours } = await both(c, args);
      assert.equal(ours.stdout, real.stdout, `stdout of ${args.join(' ')}`);
      assert.equal(ours.code, real.code, `exit code of ${args.join(' ')}: ${ours.stderr}`);
    }
  });

  test('put and del: -w json as etcdctl prints it for the same operation, revisions shifted by the operations between', async () => {
    const c = cluster.get();
    const a = await ctl(['put', '/p/a', 'v', '-w', 'json'], { endpoints: [c.endpoints[0]!] });
    const b = await c.etcdctl(['put', '/p/a', 'v', '-w', 'json'], { endpoints: [c.endpoints[0]!] });
    const [ra] = revs(a.stdout);
    assert.equal(a.stdout, b.stdout.replace(`"revision":${ra! + 1}`, `"revision":${ra}`));

    // The same history for two keys, one deleted by ctl and one by etcdctl: the documents differ only by the offset.
    await c.etcdctl(['put', '/d/x', '1']);
    await c.etcdctl(['put', '/d/x', '2']);
    const ours = await ctl(['del', '/d/x', '--prev-kv', '-w', 'json'], { endpoints: [c.endpoints[0]!] });
    await c.etcdctl(['put', '/d/x', '1']);
    await c.etcdctl(['put', '/d/x', '2']);
    const real = await c.etcdctl(['del', '/d/x', '--prev-kv', '-w', 'json'], { endpoints: [c.endpoints[0]!] });
    const shift = (s: string) => s.replace(/"(revision|create_revision|mod_revision)":(\d+)/g, (_m, k: string, n: string) => `"${k}":${Number(n) - 3}`);
    assert.equal(ours.stdout, shift(real.stdout));
    assert.match(ours.stdout, /"deleted":1,"prev_kvs":\[\{"key":"L2QveA==".*"version":2,"value":"Mg=="\}\]/);

    for (const args of [
      ['del', '/none', '-w', 'json'],
      ['del', '/none'],
      ['del', '/none', '-w', 'fields'],
      ['put', '/p/a', '-w', 'table', 'x'],
    ]) {
      const r = await both(c, args);
      assert.equal(r.ours.stdout, r.real.stdout, args.join(' '));
      assert.equal(r.ours.code, r.real.code, `${args.join(' ')}: ${r.ours.stderr}`);
    }
  });

  test('member list, endpoint status/health/hashkv, alarm list, lease list: every format', async () => {
    const c = cluster.get();
    await c.etcdctl(['lease', 'grant', '300']);
    const cases = [
      ['member', 'list', '-w', 'json'],
      ['member', 'list', '-w', 'table'],
      ['member', 'list', '-w', 'fields'],
      ['member', 'list'],
      ['endpoint', 'status', '-w', 'json'],
      ['endpoint', 'status', '-w', 'table'],
      ['endpoint', 'status', '-w', 'fields'],
      ['endpoint', 'status'],
      ['endpoint', 'hashkv', '-w', 'json'],
      ['endpoint', 'hashkv', '-w', 'table'],
      ['endpoint', 'hashkv'],
      ['alarm', 'list', '-w', 'json'],
      ['alarm', 'list'],
      ['lease', 'list', '-w', 'json'],
      ['lease', 'list'],
      ['lease', 'list', '-w', 'fields'],
    ];
    for (const args of cases) {
      const { real, ours } = await both(c, args);
      assert.equal(ours.stdout, real.stdout, args.join(' '));
      assert.equal(ours.code, real.code, `${args.join(' ')}: ${ours.stderr}`);
    }
    // --cluster: every member, as the member list names them.
    for (const args of [
      ['endpoint', 'status', '--cluster', '-w', 'json'],
      ['endpoint', 'hashkv', '--cluster', '-w', 'json'],
    ]) {
      const { real, ours } = await both(c, args);
      assert.equal(ours.stdout, real.stdout, args.join(' '));
    }
    // Health measures a time, which differs between runs: everything else is the same.
    // etcdctl checks the endpoints in parallel and lists them as they answer: compare them in one order.
    const took = (s: string) =>
      s
        .replace(/"took":"[^"]+"/g, '"took":"T"')
        .replace(/took = \S+/g, 'took = T')
        .replace(/^\[|\]\n?$/g, '')
        .split(/(?<=\}),(?=\{)|\n/)
        .sort()
        .join('\n');
    for (const args of [
      ['endpoint', 'health', '-w', 'json'],
      ['endpoint', 'health', '--cluster', '-w', 'json'],
    ]) {
      const { real, ours } = await both(c, args);
      assert.equal(took(ours.stdout), took(real.stdout), args.join(' '));
      assert.match(ours.stdout, /"took":"\d+(\.\d+)?(µs|ms|s)"/);
    }
    const h = await both(c, ['endpoint', 'health']);
    assert.equal(took(h.ours.stderr), took(h.real.stderr));
  });

  test('wrong input: the same exit codes as etcdctl, one Error line, no stack trace', async () => {
    const c = cluster.get();
    const cases = [
      ['get'],
      ['get', '--bogus', 'x'],
      ['get', 'a', '--prefix', '--from-key'],
      ['get', 'a', 'b', '--prefix'],
      ['get', 'a', '--rev', 'abc'],
      ['get', 'a', '--order', 'UP'],
      ['get', 'a', '-w', 'json', '--print-value-only'],
      ['put'],
      ['put', 'a', 'b', '--lease', 'xyz'],
      ['del'],
      ['lease', 'grant'],
      ['lease', 'revoke', '1234'],
      ['lease', 'timetolive', '1234'],
      ['member', 'remove', 'zz'],
      ['member', 'add', 'x'],
      ['compaction'],
      ['get', 'a', '-w', 'table'],
      ['nosuchcommand'],
    ];
    for (const args of cases) {
      const { real, ours } = await both(c, args);
      assert.equal(ours.code, real.code, `${args.join(' ')}: etcdctl ${real.code} (${real.stderr.trim()}), ctl ${ours.code} (${ours.stderr.trim()})`);
      assert.doesNotMatch(ours.stderr, /\n\s+at /, 'no stack trace');
      if (ours.code !== 0) assert.match(ours.stderr, /^Error: .+\n$/m);
      // etcdctl prints the command's usage on stdout with a flag error; the USAGE line is the same.
      const usage = /USAGE:\n\t.*\n/.exec(real.stdout)?.[0];
      if (usage) assert.ok(ours.stdout.includes(usage.replace('etcdctl', 'etcd-monitor ctl')), `${args.join(' ')}: ${ours.stdout}`);
      else if (real.code !== 0) assert.equal(ours.stdout, '', args.join(' '));
    }
  });
});
