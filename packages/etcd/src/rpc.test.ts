import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { isAppError } from '@etcd-monitor/core';
import { until } from '@etcd-monitor/core/testing';
import { MemberClient } from './client.ts';
import { resolveConnectionOptions } from './options.ts';
import { EtcdRpc, FROM_KEY, prefixRangeEnd } from './rpc.ts';
import { parseEtcdctlJson } from './etcdctl-json.ts';
import { useCluster } from './testing/index.ts';

test('prefixRangeEnd increments the last byte below 0xff, as etcd does', () => {
  assert.deepEqual(prefixRangeEnd('a/'), Buffer.from('a0'));
  assert.deepEqual(prefixRangeEnd(Buffer.from([0x61, 0xff])), Buffer.from('b'));
  assert.deepEqual(prefixRangeEnd(Buffer.from([0xff, 0xff])), Buffer.from([0]));
  assert.deepEqual(prefixRangeEnd(''), Buffer.from([0]));
});

describe('EtcdRpc on a real 3-member cluster', () => {
  const cluster = useCluster({ members: 3 });
  const open = (i = 0) => {
    const c = cluster.get();
    return new EtcdRpc(new MemberClient(c.endpoints[i]!, resolveConnectionOptions({ endpoints: c.endpoints[i]! })));
  };

  test('put, range with every option, delete a prefix, compaction', async () => {
    const rpc = open();
    try {
      const first = await rpc.put('/r/a', '1');
      await rpc.put('/r/b', '22');
      await rpc.put('/r/c', '333');
      const again = await rpc.put('/r/a', '4', { prevKv: true });
      assert.equal(again.prev_kv?.value.toString(), '1');
      assert.equal(BigInt(again.header.revision), BigInt(first.header.revision) + 3n);

      const all = await rpc.range('/r/', { rangeEnd: prefixRangeEnd('/r/') });
      assert.deepEqual(
        all.kvs.map((k) => k.key.toString()),
        ['/r/a', '/r/b', '/r/c'],
      );
      assert.equal(all.count, '3');
      const limited = await rpc.range('/r/', { rangeEnd: prefixRangeEnd('/r/'), limit: 1, sortOrder: 'DESCEND', sortTarget: 'VALUE' });
      assert.deepEqual(
        limited.kvs.map((k) => k.value.toString()),
        ['4'],
      );
      assert.equal(limited.more, true);
      // Without a range end only the key itself: an empty range end sent as such would read every key from it on.
      assert.deepEqual(
        (await rpc.range('/r/a')).kvs.map((k) => k.key.toString()),
        ['/r/a'],
      );
      assert.equal((await rpc.deleteRange('/r/zzz')).deleted, '0');
      const old = await rpc.range('/r/a', { revision: first.header.revision });
      assert.equal(old.kvs[0]?.value.toString(), '1');
      const keys = await rpc.range('/r/b', { rangeEnd: FROM_KEY, keysOnly: true, serializable: true });
      assert.deepEqual(
        keys.kvs.map((k) => [k.key.toString(), k.value.length]),
        [
          ['/r/b', 0],
          ['/r/c', 0],
        ],
      );
      assert.equal((await rpc.range('/r/', { rangeEnd: prefixRangeEnd('/r/'), countOnly: true })).count, '3');
      await rpc.put('/r/a', '', { ignoreValue: true });
      assert.equal((await rpc.range('/r/a')).kvs[0]?.value.toString(), '4');

      const del = await rpc.deleteRange('/r/', { rangeEnd: prefixRangeEnd('/r/'), prevKv: true });
      assert.equal(del.deleted, '3');
      assert.equal(del.prev_kvs.length, 3);

      const future = BigInt(del.header.revision) + 1000n;
      await assert.rejects(rpc.compact(future), (err: unknown) => isAppError(err) && /future revision/.test(err.message));
      await rpc.compact(again.header.revision, { physical: true });
      await assert.rejects(rpc.range('/r/a', { revision: first.header.revision }), (err: unknown) => isAppError(err) && /compacted/.test(err.message));
    } finally {
      rpc.client.close();
    }
  });

  test('txn takes the success or the failure branch by its compares', async () => {
    const rpc = open();
    try {
      await rpc.put('/t/k', 'v1');
      const ok = await rpc.txn({
        compare: [{ key: '/t/k', target: 'VALUE', result: '=', value: 'v1' }],
        success: [
          { type: 'put', key: '/t/k', value: 'v2' },
          { type: 'range', key: '/t/k' },
        ],
        failure: [{ type: 'delete', key: '/t/k' }],
      });
      assert.equal(ok.succeeded, true);
      assert.equal(ok.responses[1]?.response, 'response_range');
      assert.equal(ok.responses[1]?.response_range?.kvs[0]?.value.toString(), 'v2');
      const no = await rpc.txn({ compare: [{ key: '/t/k', target: 'VERSION', result: '>', value: 5 }], success: [], failure: [{ type: 'delete', key: '/t/k' }] });
      assert.equal(no.succeeded, false);
      assert.equal(no.responses[0]?.response_delete_range?.deleted, '1');
    } finally {
      rpc.client.close();
    }
  });

  test('watch sees puts and deletes with their previous values, and a compacted start revision is refused', async () => {
    const rpc = open(1);
    const writer = open(2);
    try {
      const w = await rpc.watch('/w/', { rangeEnd: prefixRangeEnd('/w/'), prevKv: true });
      await writer.put('/w/x', 'a');
      await writer.put('/w/x', 'b');
      await writer.deleteRange('/w/x');
      const events = [];
      for await (const r of w) {
        events.push(...r.events.map((e) => [e.type, e.kv?.value.toString(), e.prev_kv?.value.toString() ?? null]));
        if (events.length >= 3) break;
      }
      assert.deepEqual(events, [
        ['Put', 'a', null],
        ['Put', 'b', 'a'],
        ['Delete', '', 'b'],
      ]);
      const head = await writer.put('/w/y', '1');
      await writer.compact(head.header.revision);
      const stale = await rpc.watch('/w/', { startRevision: 2 });
      await assert.rejects(
        (async () => {
          for await (const r of stale) assert.fail(`no events expected, got ${JSON.stringify(r)}`);
        })(),
        (err: unknown) => isAppError(err, 'ETCD_COMPACTED') && /compacted/.test(err.message) && /oldest revision still available is \d+/.test(err.hint ?? ''),
      );
    } finally {
      rpc.client.close();
      writer.client.close();
    }
  });

  test('leases: grant, time to live with keys, list, keep alive once, revoke', async () => {
    const rpc = open();
    try {
      const g = await rpc.leaseGrant(60);
      assert.equal(g.TTL, '60');
      await rpc.put('/l/k', 'v', { lease: g.ID });
      const ttl = await rpc.leaseTimeToLive(g.ID, { keys: true });
      assert.equal(ttl.grantedTTL, '60');
      assert.deepEqual(
        ttl.keys.map((k) => k.toString()),
        ['/l/k'],
      );
      assert.ok((await rpc.leaseLeases()).leases.some((l) => l.ID === g.ID));
      const renewals = [];
      for await (const r of rpc.leaseKeepAlive(g.ID)) renewals.push(r.TTL);
      assert.deepEqual(renewals, ['60']);
      await rpc.leaseRevoke(g.ID);
      assert.equal((await rpc.range('/l/k')).count, '0');
      assert.equal((await rpc.leaseTimeToLive(g.ID)).TTL, '-1');
      await assert.rejects(rpc.leaseRevoke(g.ID), (err: unknown) => isAppError(err) && /lease not found/.test(err.message));
    } finally {
      rpc.client.close();
    }
  });

  test('members, status, hashKV and alarms keep 64-bit ids exact, as etcdctl prints them', async () => {
    const c = cluster.get();
    const rpc = open();
    try {
      const list = await rpc.memberList();
      const fromEtcdctl = parseEtcdctlJson((await c.etcdctl(['member', 'list', '-w', 'json'], { endpoints: [c.endpoints[0]!] })).stdout) as {
        members: Array<{ ID: string | number }>;
      };
      assert.deepEqual(list.members.map((m) => m.ID).sort(), fromEtcdctl.members.map((m) => String(m.ID)).sort());
      const st = await rpc.status();
      assert.ok(list.members.some((m) => m.ID === st.header.member_id));
      const h = await rpc.hashKV();
      assert.equal(typeof h.hash, 'number');
      assert.deepEqual((await rpc.alarmList()).alarms, []);

      // A learner does not count towards quorum, so adding and removing one is safe on a live cluster.
      // etcd refuses membership changes until every member has been connected to the leader for 5 s.
      const added = await until('member add accepted', () =>
        rpc.memberAdd(['http://127.0.0.1:1'], { isLearner: true }).catch((err: unknown) => {
          if (isAppError(err) && /unhealthy cluster/.test(err.message)) return undefined;
          throw err;
        }),
      );
      assert.equal(added.member?.isLearner, true);
      await assert.rejects(rpc.memberPromote(added.member!.ID), (err: unknown) => isAppError(err) && /learner/.test(err.message));
      const updated = await rpc.memberUpdate(added.member!.ID, ['http://127.0.0.1:2']);
      assert.ok(updated.members.some((m) => m.ID === added.member!.ID && m.peerURLs[0] === 'http://127.0.0.1:2'));
      const removed = await rpc.memberRemove(added.member!.ID);
      assert.equal(removed.members.length, 3);
      await assert.rejects(rpc.memberRemove(added.member!.ID), (err: unknown) => isAppError(err) && /member not found/.test(err.message));

      await rpc.defragment({ timeoutMs: 30_000 });
      // move-leader goes to the leader and names another voting member.
      const leaderId = st.leader;
      const leaderUrl = list.members.find((m) => m.ID === leaderId)!.clientURLs[0]!;
      const target = list.members.find((m) => m.ID !== leaderId)!;
      const onLeader = new EtcdRpc(new MemberClient(leaderUrl, resolveConnectionOptions({ endpoints: leaderUrl })));
      try {
        await onLeader.moveLeader(target.ID, { timeoutMs: 15_000 });
        assert.equal((await onLeader.status()).leader, target.ID);
      } finally {
        onLeader.client.close();
      }
    } finally {
      rpc.client.close();
    }
  });
});

describe('EtcdRpc auth calls on a real cluster with authentication on', () => {
  const cluster = useCluster({ members: 1, auth: true });

  test('users and roles: add, grant, get, list, revoke, delete; auth status', async () => {
    const c = cluster.get();
    const rpc = new EtcdRpc(new MemberClient(c.endpoints[0]!, resolveConnectionOptions({ endpoints: c.endpoints[0]!, user: `root:${c.auth!.rootPassword}` })));
    try {
      assert.equal((await rpc.authStatus()).enabled, true);
      await rpc.roleAdd('app');
      await rpc.roleGrantPermission('app', { permType: 'READWRITE', key: '/app/', rangeEnd: prefixRangeEnd('/app/') });
      const role = await rpc.roleGet('app');
      assert.deepEqual(
        role.perm.map((p) => [p.permType, p.key.toString(), p.range_end.toString()]),
        [['Readwrite', '/app/', '/app0']],
      );
      await rpc.userAdd('alice', 'secret');
      await rpc.userGrantRole('alice', 'app');
      assert.deepEqual((await rpc.userGet('alice')).roles, ['app']);
      assert.ok((await rpc.userList()).users.includes('alice'));
      assert.ok((await rpc.roleList()).roles.includes('app'));
      const alice = new EtcdRpc(new MemberClient(c.endpoints[0]!, resolveConnectionOptions({ endpoints: c.endpoints[0]!, user: 'alice:secret' })));
      try {
        await alice.put('/app/x', '1');
        await assert.rejects(alice.put('/other', '1'), (err: unknown) => isAppError(err, 'ETCD_PERMISSION_DENIED'));
      } finally {
        alice.client.close();
      }
      await rpc.roleRevokePermission('app', '/app/', prefixRangeEnd('/app/'));
      assert.deepEqual((await rpc.roleGet('app')).perm, []);
      await rpc.userRevokeRole('alice', 'app');
      await rpc.userChangePassword('alice', 'other');
      await rpc.userDelete('alice');
      await rpc.roleDelete('app');
      await assert.rejects(rpc.userGet('alice'), (err: unknown) => isAppError(err) && /user name not found/.test(err.message));
    } finally {
      rpc.client.close();
    }
  });
});
