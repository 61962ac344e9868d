// The streaming, transactional and maintenance commands of `etcd-monitor ctl` and its guard rails, on a real cluster.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { until } from '@etcd-monitor/core/testing';
import { useCluster } from '@etcd-monitor/etcd/testing';
import { runCtl } from './run.ts';
import { ctl } from './testing.ts';

describe('ctl commands on a real 3-member cluster', () => {
  const cluster = useCluster({ members: 3 });
  const ep = () => [cluster.get().endpoints[0]!];

  test('txn from stdin and interactive, as etcdctl: same bytes for the same transaction', async () => {
    const c = cluster.get();
    await c.etcdctl(['put', '/txn/a', 'blue']);
    const input = 'val("/txn/a") = "blue"\nmod("/txn/a") > "0"\n\nget /txn/a\nget /txn/ --prefix --keys-only\n\nput /txn/a red\n\n';
    const ours = await ctl(['txn', '-w', 'json'], { endpoints: ep(), input });
    const real = await runEtcdctlWithInput(c.endpoints[0]!, ['txn', '-w', 'json'], input);
    assert.equal(ours.stdout, real.stdout, real.stderr);
    assert.match(ours.stdout, /"succeeded":true/);
    const simple = await ctl(['txn'], { endpoints: ep(), input: 'val("/txn/a") = "green"\n\n\nput /txn/a red\n\n' });
    assert.equal(simple.stdout, 'FAILURE\n\nOK\n');
    const interactive = await ctl(['txn', '-i'], { endpoints: ep(), input: 'ver("/txn/a") = "2"\n\nget /txn/a\n\n\n' });
    assert.equal(interactive.stdout, 'compares:\nsuccess requests (get, put, del):\nfailure requests (get, put, del):\nSUCCESS\n\n/txn/a\nred\n');
    // Input that ends before the failure part's empty line: etcdctl's "EOF", exit 3.
    const cut = await ctl(['txn'], { endpoints: ep(), input: 'val("/txn/a") = "red"\n\nget /txn/a\n' });
    const cutReal = await runEtcdctlWithInput(c.endpoints[0]!, ['txn'], 'val("/txn/a") = "red"\n\nget /txn/a\n');
    assert.equal(cut.code, cutReal.code);
    assert.equal(cut.stderr, 'Error: EOF\n');
    const bad = await ctl(['txn'], { endpoints: ep(), input: 'val(/txn/a) = blue\n\n\n\n' });
    assert.equal(bad.code, 128);
    assert.equal(bad.stderr, 'Error: malformed comparison: val(/txn/a) = blue\n');
  });

  test('watch streams until Ctrl-C, printing what etcdctl prints; a compacted start revision exits 5', async () => {
    const c = cluster.get();
    const abort = new AbortController();
    const out = new PassThrough();
    const chunks: Buffer[] = [];
    out.on('data', (b: Buffer) => chunks.push(b));
    const running = runCtl(
      ['--endpoints', c.endpoints[0]!, 'watch', '/wt/', '--prefix', '--prev-kv', '-w', 'json'],
      { out, err: new PassThrough(), env: {} },
      { signal: abort.signal },
    );
    const real = c.etcdctl(['watch', '/wt/', '--prefix', '--prev-kv', '-w', 'json'], { endpoints: [c.endpoints[0]!], timeoutMs: 8000 });
    await new Promise((r) => setTimeout(r, 1500));
    for (const v of ['1', '2']) {
      await c.etcdctl(['put', '/wt/k', v]);
      await until('ctl saw the put', () => Buffer.concat(chunks).toString().includes(Buffer.from(v).toString('base64')));
    }
    await c.etcdctl(['del', '/wt/k']);
    await until('ctl saw the delete', () => Buffer.concat(chunks).toString().split('\n').length > 3);
    abort.abort();
    assert.equal(await running, 130);
    const ours = Buffer.concat(chunks).toString();
    const theirs = (await real).stdout;
    assert.equal(ours, theirs);
    assert.match(ours, /"Events":\[\{"type":1,"kv":\{"key":"L3d0L2s="/);

    const head = await c.etcdctl(['put', '/wt/x', 'y', '-w', 'json']);
    const rev = Number(/"revision":(\d+)/.exec(head.stdout)![1]);
    await c.etcdctl(['compaction', String(rev)]);
    const stale = await ctl(['watch', '/wt/', '--prefix', '--rev', '2'], { endpoints: ep() });
    assert.equal(stale.code, 5);
    assert.equal(stale.stderr, 'watch was canceled (etcdserver: mvcc: required revision has been compacted)\nError: watch is canceled by the server\n');
  });

  test('leases: grant, timetolive, keep-alive --once, revoke print what etcdctl prints', async () => {
    const c = cluster.get();
    const g = await ctl(['lease', 'grant', '120'], { endpoints: ep() });
    const id = /^lease ([0-9a-f]{16}) granted with TTL\(120s\)\n$/.exec(g.stdout)?.[1];
    assert.ok(id, g.stdout + g.stderr);
    await ctl(['put', '/lease/k', 'v', '--lease', id], { endpoints: ep() });
    const ttl = await ctl(['lease', 'timetolive', id, '--keys'], { endpoints: ep() });
    assert.match(ttl.stdout, new RegExp(`^lease ${id} granted with TTL\\(120s\\), remaining\\(1[12]\\ds\\), attached keys\\(\\[/lease/k\\]\\)\\n$`));
    const once = await ctl(['lease', 'keep-alive', '--once', id], { endpoints: ep() });
    assert.equal(once.stdout, `lease ${id} keepalived with TTL(120)\n`);
    const ours = await ctl(['lease', 'revoke', id], { endpoints: ep() });
    assert.equal(ours.stdout, `lease ${id} revoked\n`);
    const expired = await both(c, ['lease', 'timetolive', id]);
    assert.equal(expired.ours.stdout, expired.real.stdout);
    const again = await both(c, ['lease', 'revoke', id]);
    assert.equal(again.ours.code, again.real.code);
    assert.match(again.ours.stderr, /^Error: failed to revoke lease \(.*requested lease not found\)\n$/);
  });

  test('lease keep-alive renews until the lease is revoked, then says so; Ctrl-C ends it with 130', async () => {
    const c = cluster.get();
    const g = await ctl(['lease', 'grant', '3'], { endpoints: ep() });
    const id = /^lease ([0-9a-f]{16})/.exec(g.stdout)![1]!;
    const out = new PassThrough();
    const chunks: Buffer[] = [];
    out.on('data', (b: Buffer) => chunks.push(b));
    const running = runCtl(['--endpoints', c.endpoints[0]!, 'lease', 'keep-alive', id], { out, err: new PassThrough(), env: {} });
    await until('two renewals', () => Buffer.concat(chunks).toString().split('\n').length > 2, { timeoutMs: 15_000 });
    await ctl(['lease', 'revoke', id], { endpoints: ep() });
    assert.equal(await running, 0);
    const lines = Buffer.concat(chunks).toString().split('\n').filter(Boolean);
    assert.equal(lines.at(-1), `lease ${id} expired or revoked.`);
    assert.ok(
      lines.slice(0, -1).every((l) => l === `lease ${id} keepalived with TTL(3)`),
      lines.join('\n'),
    );

    const g2 = await ctl(['lease', 'grant', '30'], { endpoints: ep() });
    const id2 = /^lease ([0-9a-f]{16})/.exec(g2.stdout)![1]!;
    const abort = new AbortController();
    const chunks2: Buffer[] = [];
    const out2 = new PassThrough();
    out2.on('data', (b: Buffer) => chunks2.push(b));
    const second = runCtl(['--endpoints', c.endpoints[0]!, 'lease', 'keep-alive', id2], { out: out2, err: new PassThrough(), env: {} }, { signal: abort.signal });
    await until('a renewal', () => chunks2.length > 0);
    abort.abort();
    assert.equal(await second, 130);
  });

  test('guard rails: del --prefix counts and asks; --dry-run; --yes; compaction of a non-past revision', async () => {
    const c = cluster.get();
    for (const k of ['a', 'b', 'c']) await c.etcdctl(['put', `/gr/${k}`, k]);
    const dry = await ctl(['del', '/gr/', '--prefix', '--dry-run'], { endpoints: ep() });
    assert.equal(dry.code, 0);
    assert.equal(dry.stderr, 'dry run: 3 key(s) with prefix "/gr/" would be deleted\n');
    const no = await ctl(['del', '/gr/', '--prefix'], { endpoints: ep(), input: 'n\n' });
    assert.equal(no.code, 1);
    assert.match(no.stderr, /^3 key\(s\) with prefix "\/gr\/" will be deleted\. Delete them\? \[y\/N\] Error: aborted: nothing was deleted/);
    assert.equal((await c.etcdctl(['get', '/gr/', '--prefix', '--count-only', '-w', 'fields'])).code !== 0 || true, true);
    assert.equal((await ctl(['get', '/gr/', '--prefix', '--count-only'], { endpoints: ep() })).stdout, '3\n');
    const yes = await ctl(['del', '/gr/', '--prefix'], { endpoints: ep(), input: 'y\n' });
    assert.equal(yes.stdout, '3\n');
    // '~' sorts after every key the other tests write.
    for (const k of ['a', 'b']) await c.etcdctl(['put', `~gr/${k}`, k]);
    assert.equal((await ctl(['del', '~gr/', '--from-key', '--yes'], { endpoints: ep() })).stdout, '2\n');

    const head = await ctl(['put', '/gr/h', 'x', '-w', 'json'], { endpoints: ep() });
    const rev = Number(/"revision":(\d+)/.exec(head.stdout)![1]);
    const future = await ctl(['compaction', String(rev + 100)], { endpoints: ep() });
    assert.equal(future.code, 1);
    assert.equal(
      future.stderr,
      `Error: revision ${rev + 100} is not a past revision: the current revision is ${rev}; compaction takes a revision from 1 to ${rev} (etcdserver: mvcc: required revision is a future revision)\n`,
    );
    const done = await ctl(['compaction', '--physical', String(rev - 1)], { endpoints: ep() });
    assert.equal(done.stdout, `compacted revision ${rev - 1}\n`);
    const compacted = await ctl(['get', '/gr/h', '--rev', '2'], { endpoints: ep() });
    assert.equal(compacted.code, 1);
    assert.match(compacted.stderr, /^Error: .*etcdserver: mvcc: required revision has been compacted \(that revision is gone/);
  });

  test('snapshot save verifies the SHA-256 trailer; alarm disarm; move-leader; member add/update/remove of a learner', async () => {
    const c = cluster.get();
    const dir = await mkdtemp(join(tmpdir(), 'ctl-snap-'));
    try {
      const s = await ctl(['snapshot', 'save', join(dir, 'db')], { endpoints: ep() });
      assert.equal(s.code, 0, s.stderr);
      assert.equal(s.stdout, `Snapshot saved at ${join(dir, 'db')}\n`);
      assert.match(s.stderr, /^snapshot verified: \d+ bytes, SHA-256 [0-9a-f]{64}\n$/);
      assert.ok((await stat(join(dir, 'db'))).size > 0);
      const many = await ctl(['snapshot', 'save', join(dir, 'x')], { endpoints: c.endpoints });
      assert.equal(many.code, 128);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    assert.equal((await ctl(['alarm', 'disarm'], { endpoints: ep() })).code, 0);

    const st = JSON.parse((await c.etcdctl(['endpoint', 'status', '-w', 'json'], { endpoints: [c.endpoints[0]!] })).stdout.replace(/:(\d{16,})/g, ':"$1"')) as Array<{
      Status: { leader: string; header: { member_id: string } };
    }>;
    const leader = BigInt(st[0]!.Status.leader).toString(16);
    const members = (await ctl(['member', 'list'], { endpoints: ep() })).stdout.split('\n').filter(Boolean);
    const target = members.map((l) => l.split(', ')[0]!).find((id) => id !== leader)!;
    const moved = await ctl(['move-leader', target], { endpoints: c.endpoints });
    assert.equal(moved.stdout, `Leadership transferred from ${leader} to ${target}\n`, moved.stderr);
    await c.waitHealthy();

    const added = await until('member add accepted', async () => {
      const r = await ctl(['member', 'add', 'learner1', '--peer-urls', 'http://127.0.0.1:1', '--learner'], { endpoints: ep() });
      return r.code === 0 ? r : /unhealthy cluster/.test(r.stderr) ? undefined : assert.fail(r.stderr);
    });
    const m = /^Member ([0-9a-f ]{16}) added as learner to cluster ([0-9a-f ]{16})\n\nETCD_NAME="learner1"\nETCD_INITIAL_CLUSTER=".*learner1=http:\/\/127\.0\.0\.1:1.*"\n/.exec(
      added.stdout,
    );
    assert.ok(m, added.stdout);
    const id = m[1]!.trim();
    assert.match((await ctl(['member', 'list', '-w', 'table'], { endpoints: ep() })).stdout, new RegExp(`\\| +${id} \\| unstarted \\|`));
    const upd = await ctl(['member', 'update', id, '--peer-urls', 'http://127.0.0.1:2'], { endpoints: ep() });
    assert.match(upd.stdout, new RegExp(`^Member +${id} updated in cluster `));
    const promote = await ctl(['member', 'promote', id], { endpoints: ep() });
    assert.equal(promote.code, 1);
    assert.match(promote.stderr, /^Error: .*learner/);
    const removed = await ctl(['member', 'remove', id], { endpoints: ep() });
    assert.match(removed.stdout, new RegExp(`^Member +${id} removed from cluster `));
    const unknown = await ctl(['member', 'remove', id], { endpoints: ep() });
    assert.equal(unknown.code, 1);
    assert.equal(unknown.stderr, `Error: member ${id} not found in the member list (etcdserver: member not found)\n`);
  });

  test('defrag --cluster: followers first, leader last, the cluster readable throughout; refused while degraded', async () => {
    const c = cluster.get();
    await c.waitHealthy();
    // A probe keeps reading (linearizable) through a member while the rolling defragmentation runs.
    let reads = 0;
    let failures = 0;
    let probing = true;
    const probe = (async () => {
      while (probing) {
        const r = await ctl(['get', 'probe', '--command-timeout', '3s'], { endpoints: c.endpoints });
        if (r.code === 0) reads++;
        else failures++;
      }
    })();
    const leader = (await c.leader())!;
    const r = await ctl(['defrag', '--cluster'], { endpoints: ep() });
    probing = false;
    await probe;
    assert.equal(r.code, 0, r.stderr);
    const order = r.stdout.split('\n').filter(Boolean);
    assert.equal(order.length, 3);
    assert.equal(order.at(-1), `Finished defragmenting etcd member[${leader.clientUrl}]`);
    assert.ok(reads > 0);
    assert.equal(failures, 0);

    const victim = c.members.find((m) => m !== leader)!;
    await victim.kill();
    try {
      const refused = await ctl(['defrag', '--cluster', '--command-timeout', '2s'], { endpoints: [leader.clientUrl] });
      assert.equal(refused.code, 1);
      assert.match(
        refused.stderr,
        new RegExp(`^Error: refusing to defragment the cluster while it is degraded \\(${victim.clientUrl.replace(/[.]/g, '\\.')}: .*\\); fix it first, or pass --force\\n$`),
      );
      assert.equal(refused.stdout, '');
      // member remove refuses to take a healthy member when that would leave no healthy quorum.
      const other = c.members.find((m) => m !== leader && m !== victim)!;
      const list = (await ctl(['member', 'list'], { endpoints: [leader.clientUrl] })).stdout;
      const otherId = list
        .split('\n')
        .find((l) => l.includes(other.clientUrl))!
        .split(', ')[0]!;
      const rm1 = await ctl(['member', 'remove', otherId, '--command-timeout', '2s'], { endpoints: [leader.clientUrl] });
      assert.equal(rm1.code, 1);
      assert.equal(
        rm1.stderr,
        `Error: refusing to remove member ${otherId}: of the 2 voting member(s) that would remain only 1 is healthy, and a quorum needs 2; bring members back first, or pass --force\n`,
      );
      assert.match((await ctl(['member', 'list'], { endpoints: [leader.clientUrl] })).stdout, new RegExp(otherId));
    } finally {
      await victim.start();
      await c.waitHealthy(30_000);
    }
  });
});

async function both(c: ReturnType<ReturnType<typeof useCluster>['get']>, args: string[]) {
  const real = await c.etcdctl(args, { endpoints: [c.endpoints[0]!] });
  const ours = await ctl(args, { endpoints: [c.endpoints[0]!] });
  return { real, ours };
}

/** runEtcdctlWithInput runs the real etcdctl with stdin (the harness's etcdctl() has none). */
async function runEtcdctlWithInput(endpoint: string, args: string[], input: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const { spawn } = await import('node:child_process');
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('ETCDCTL_') && !k.startsWith('ETCD_')));
  const child = spawn('etcdctl', ['--endpoints', endpoint, ...args], { env: { ...env, ETCDCTL_API: '3' } });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout.on('data', (b: Buffer) => out.push(b));
  child.stderr.on('data', (b: Buffer) => err.push(b));
  child.stdin.end(input);
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  const code = await new Promise<number>((r) => child.on('close', (c) => r(c ?? 124)));
  clearTimeout(timer);
  return { code, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() };
}
