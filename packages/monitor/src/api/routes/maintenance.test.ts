import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { until, tempDir } from '@etcd-monitor/core/testing';
import { EtcdRpc, MemberClient, withMember } from '@etcd-monitor/etcd';
import { useCluster } from '@etcd-monitor/etcd/testing';
import { parseConfig } from '../../config.ts';
import { buildMonitor, type MonitorService } from '../../service.ts';

type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';

// A real 3-member cluster: the rolling defragmentation, the quorum guard and leadership moves need followers.
describe('maintenance and member API', () => {
  const cluster = useCluster({ members: 3 });
  let svc: MonitorService;
  let dir: string;
  const inject = (method: Method, url: string, payload?: object) => svc.app.inject({ method, url: `/api/v1/clusters/c1${url}`, ...(payload ? { payload } : {}) });
  const audit = async (action: string) =>
    (await svc.app.inject({ method: 'GET', url: `/api/v1/audit?action=${action}` })).json() as Array<{ cluster: string; command: string; result: string }>;

  before(async () => {
    dir = tempDir('mon-maint');
    const endpoints = cluster.get().endpoints;
    svc = await buildMonitor(parseConfig({ server: { listen: '127.0.0.1:0', data_dir: dir }, clusters: [{ name: 'c1', endpoints, timeout: '5s' }] }), {
      env: { ETCD_MONITOR_SECRET_KEY: 'k' },
    });
  });
  after(async () => {
    await svc?.stop();
  });

  test('a rolling defragmentation goes follower, follower, leader while a probe keeps reading; it is audited as etcdctl defrag --cluster', async () => {
    const c = cluster.get();
    const leader = (await c.leader())!;
    const probeClient = new MemberClient(c.endpoints[0]!, { endpoints: c.endpoints, dialTimeoutMs: 2000, commandTimeoutMs: 10_000 });
    const probe = new EtcdRpc(probeClient);
    let reads = 0;
    const failures: string[] = [];
    let stop = false;
    const reading = (async () => {
      while (!stop) {
        try {
          await probe.range('probe', { serializable: false });
          reads++;
        } catch (err) {
          failures.push(String(err));
        }
      }
    })();
    try {
      const r = await inject('POST', '/maintenance/defrag', {});
      assert.equal(r.statusCode, 200, r.body);
      const steps = (r.json() as { members: Array<{ name: string; leader: boolean; ok: boolean }> }).members;
      assert.deepEqual(
        steps.map((s) => s.ok),
        [true, true, true],
      );
      assert.deepEqual(
        steps.map((s) => s.leader),
        [false, false, true],
      );
      assert.equal(steps.at(-1)!.name, leader.name, 'the leader goes last');
    } finally {
      stop = true;
      await reading;
      probeClient.close();
    }
    assert.deepEqual(failures, [], 'the probe never failed');
    assert.ok(reads > 0);
    const one = await inject('POST', '/maintenance/defrag', { member: leader.name });
    assert.equal(one.statusCode, 200, one.body);
    assert.ok((await audit('maintenance.defrag')).some((e) => e.cluster === 'c1' && e.command === 'etcdctl defrag --cluster' && e.result === 'ok'));
  });

  test("member list and endpoint status, health and hashkv (--cluster) answer per member with etcd's header, and health writes nothing", async () => {
    const c = cluster.get();
    const list = (await inject('GET', '/members')).json() as { header: Record<string, string>; members: Array<{ id: string; name: string; clientURLs: string[] }> };
    assert.equal(list.members.length, 3);
    assert.match(list.header.clusterId!, /^[1-9][0-9]*$/, 'decimal, every digit');
    assert.ok(list.members.some((m) => BigInt(`0x${m.id}`).toString() === list.header.memberId));
    const status = (await inject('GET', '/endpoints/status?cluster=true')).json() as {
      endpoints: Array<{ endpoint: string; status: { header: { memberId: string; clusterId: string }; leader: string; raftIndex: string } }>;
    };
    assert.deepEqual(status.endpoints.map((e) => e.endpoint).sort(), list.members.flatMap((m) => m.clientURLs).sort());
    const leaderUrl = (await c.leader())!.clientUrl;
    const leaderId = status.endpoints.find((e) => e.endpoint === leaderUrl)!.status.header.memberId;
    for (const e of status.endpoints) {
      assert.equal(e.status.header.clusterId, list.header.clusterId);
      assert.equal(e.status.leader, leaderId);
    }
    assert.equal(((await inject('GET', '/endpoints/status')).json() as { endpoints: unknown[] }).endpoints.length, c.endpoints.length, 'the configured endpoints');
    // etcdctl's health check makes an Alarm call, a raft proposal in etcd 3.4; this one must not move the raft index.
    const index = async () =>
      (await Promise.all(c.endpoints.map((ep) => withMember(ep, { endpoints: [ep], dialTimeoutMs: 2000, commandTimeoutMs: 10_000 }, (rpc) => rpc.status())))).map(
        (st) => st.raftIndex,
      );
    const before = await index();
    for (let i = 0; i < 3; i++) {
      const health = (await inject('GET', '/endpoints/health?cluster=true')).json() as { endpoints: Array<{ health: boolean; error?: string }> };
      assert.deepEqual(
        health.endpoints.map((h) => [h.health, h.error]),
        [
          [true, undefined],
          [true, undefined],
          [true, undefined],
        ],
      );
    }
    assert.deepEqual(await index(), before, 'no raft entry was written by the health checks');
    const hashes = (await inject('GET', '/endpoints/hashkv?cluster=true')).json() as { endpoints: Array<{ hashKV: { hash: number; header: { revision: string } } }> };
    assert.equal(hashes.endpoints.length, 3);
    assert.equal(new Set(hashes.endpoints.map((h) => h.hashKV.hash)).size, 1, 'the members agree');
  });

  test('a rolling defragmentation asked for NDJSON reports each member as it is done, then the result', async () => {
    const res = await svc.app.inject({ method: 'POST', url: '/api/v1/clusters/c1/maintenance/defrag', payload: {}, headers: { accept: 'application/x-ndjson' } });
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.headers['content-type'], 'application/x-ndjson');
    const lines = res.body
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { step?: { leader: boolean; ok: boolean }; result?: { members: unknown[] } });
    assert.deepEqual(
      lines.map((l) => (l.step ? `step ${l.step.leader ? 'leader' : 'follower'} ${l.step.ok}` : l.result ? `result ${l.result.members.length}` : JSON.stringify(l))),
      ['step follower true', 'step follower true', 'step leader true', 'result 3'],
    );
  });

  test('compaction takes only a past revision; a compacted revision is then a 410 with a stable code', async () => {
    for (let i = 0; i < 3; i++) assert.equal((await svc.app.inject({ method: 'PUT', url: '/api/v1/clusters/c1/kv', payload: { key: '/c/k', value: `v${i}` } })).statusCode, 200);
    const history = (await inject('GET', '/kv/history?key=/c/k')).json() as { versions: Array<{ modRevision: string }> };
    const head = BigInt(history.versions[0]!.modRevision);
    const future = await inject('POST', '/maintenance/compact', { revision: String(head + 1000n) });
    assert.equal(future.statusCode, 400, future.body);
    assert.equal(future.json().error.code, 'ETCD_REVISION_NOT_PAST');
    assert.equal((await inject('POST', '/maintenance/compact', { revision: '0' })).json().error.code, 'ETCD_REVISION_NOT_PAST');
    const ok = await inject('POST', '/maintenance/compact', { revision: String(head), physical: true });
    assert.equal(ok.statusCode, 200, ok.body);
    const gone = await inject('POST', '/maintenance/compact', { revision: String(head - 1n) });
    assert.equal(gone.statusCode, 410, gone.body);
    assert.equal(gone.json().error.code, 'ETCD_COMPACTED');
    const watch = await inject('GET', `/watch?key=/c/k&revision=${head - 1n}`);
    assert.equal(watch.statusCode, 410, `a watch from a compacted revision is refused before its stream starts: ${watch.body}`);
    assert.equal(watch.json().error.code, 'ETCD_COMPACTED');
    const entries = await audit('maintenance.compact');
    assert.ok(entries.some((e) => e.command === `etcdctl compaction --physical ${head}` && e.result === 'ok'));
    assert.ok(
      entries.some((e) => e.result.startsWith('ETCD_REVISION_NOT_PAST')),
      'the refusal is audited too',
    );
  });

  test('a snapshot downloads with its SHA-256 verified and named in the trailer', async () => {
    await svc.app.listen({ host: '127.0.0.1', port: 0 });
    const port = (svc.app.server.address() as AddressInfo).port;
    const res = await new Promise<http.IncomingMessage>((r, j) => http.get(`http://127.0.0.1:${port}/api/v1/clusters/c1/maintenance/snapshot`, r).on('error', j));
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers['content-type'], 'application/octet-stream');
    const chunks: Buffer[] = [];
    for await (const c of res) chunks.push(c as Buffer);
    const file = Buffer.concat(chunks);
    const db = file.subarray(0, file.length - 32);
    const digest = createHash('sha256').update(db).digest();
    assert.ok(digest.equals(file.subarray(file.length - 32)), 'the file ends with the SHA-256 of its database');
    assert.equal(res.trailers['x-etcd-snapshot-sha256'], digest.toString('hex'));
    const unknown = await inject('GET', '/maintenance/snapshot?member=nope');
    assert.equal(unknown.statusCode, 404);
    assert.equal(unknown.json().error.code, 'ETCD_MEMBER_NOT_FOUND');
  });

  test('alarms list and disarm; move-leader hands leadership to a follower', async () => {
    assert.deepEqual((await inject('GET', '/maintenance/alarms')).json(), { alarms: [] });
    assert.deepEqual((await inject('DELETE', '/maintenance/alarms')).json(), { alarms: [] });
    const c = cluster.get();
    const leader = (await c.leader())!;
    const follower = c.members.find((m) => m !== leader)!;
    const r = await inject('POST', '/maintenance/move-leader', { member: follower.name });
    assert.equal(r.statusCode, 200, r.body);
    await until('the follower leads', async () => (await c.leader())?.name === follower.name);
    assert.ok((await audit('maintenance.move-leader')).some((e) => e.command === `etcdctl move-leader ${follower.name}` && e.result === 'ok'));
  });

  test('members: add a learner, remove it; an unknown id is a 404; removing a healthy member with one down is refused (quorum) unless forced', async () => {
    const c = cluster.get();
    // etcd refuses a reconfiguration ("unhealthy cluster") until the leader has been connected to its peers for a while,
    // as it is just after the leadership move of the test before.
    let added = await inject('POST', '/members', { peerURLs: ['http://127.0.0.1:1'], learner: true });
    await until('etcd accepts a member change', async () => {
      if (added.statusCode === 502 && /unhealthy cluster/.test(added.body)) added = await inject('POST', '/members', { peerURLs: ['http://127.0.0.1:1'], learner: true });
      return added.statusCode !== 502;
    });
    assert.equal(added.statusCode, 200, added.body);
    const learner = (added.json() as { member: { id: string; isLearner: boolean } }).member;
    assert.equal(learner.isLearner, true);
    const promote = await inject('POST', `/members/${learner.id}/promote`);
    assert.ok(promote.statusCode >= 400 && promote.statusCode < 600, 'a learner that never started cannot be promoted');
    assert.equal((await inject('DELETE', `/members/${learner.id}`)).statusCode, 200, 'a learner goes without a quorum check');
    const missing = await inject('DELETE', '/members/abcdef12');
    assert.equal(missing.statusCode, 404, missing.body);
    assert.equal(missing.json().error.code, 'ETCD_MEMBER_NOT_FOUND');
    assert.equal((await inject('POST', '/members/abcdef12/promote')).json().error.code, 'ETCD_MEMBER_NOT_FOUND');

    const leader = (await c.leader())!;
    const down = c.members.find((m) => m !== leader)!;
    const other = c.members.find((m) => m !== leader && m !== down)!;
    await down.stop();
    try {
      const refused = await inject('DELETE', `/members/${other.name}`);
      assert.equal(refused.statusCode, 409, refused.body);
      assert.equal(refused.json().error.code, 'ETCD_QUORUM_AT_RISK');
      assert.match(refused.json().error.message, /of the 2 voting member\(s\) that would remain only 1 is healthy, and a quorum needs 2/);
      assert.ok((await audit('member.remove')).some((e) => e.command === `etcdctl member remove ${other.name}` && e.result.startsWith('ETCD_QUORUM_AT_RISK')));
      const degraded = await inject('POST', '/maintenance/defrag', {});
      assert.equal(degraded.statusCode, 409, degraded.body);
      assert.equal(degraded.json().error.code, 'ETCD_CLUSTER_DEGRADED');
    } finally {
      await down.start();
      await c.waitHealthy();
    }
  });
});

test('viewers and operators are refused where they must be, on every maintenance and member route of the OpenAPI document', async (t) => {
  const routes = async (role: 'viewer' | 'operator') => {
    const dir = tempDir(`mon-maint-${role}`, t);
    const svc = await buildMonitor(
      parseConfig({ server: { listen: '127.0.0.1:0', data_dir: dir }, auth: { anonymous_role: role }, clusters: [{ name: 'c1', endpoints: ['127.0.0.1:1'], timeout: '200ms' }] }),
      { env: { ETCD_MONITOR_SECRET_KEY: 'k' } },
    );
    t.after(() => svc.stop());
    const doc = (await svc.app.inject({ method: 'GET', url: '/api/docs/openapi.json' })).json() as { paths: Record<string, Record<string, unknown>> };
    const list = Object.entries(doc.paths)
      .filter(([p]) => p.includes('/maintenance/') || p.includes('/members'))
      .flatMap(([p, ops]) => Object.keys(ops).map((m) => [m.toUpperCase() as Method, p.replace('{name}', 'c1').replace('{member}', 'm1')] as const))
      .filter(([m, p]) => m !== 'GET' || p.includes('/maintenance/'));
    // hashkv reads a member's whole history: operators only, though it writes nothing.
    list.push(['GET', '/api/v1/clusters/c1/endpoints/hashkv']);
    const status = async ([method, url]: readonly [Method, string]) =>
      (await svc.app.inject({ method, url, ...(method === 'GET' || method === 'DELETE' ? {} : { payload: { member: 'm1', revision: '1', peerURLs: ['http://127.0.0.1:2'] } }) }))
        .statusCode;
    return { list, status };
  };
  const viewer = await routes('viewer');
  assert.equal(viewer.list.length, 11, JSON.stringify(viewer.list));
  for (const r of viewer.list) assert.equal(await viewer.status(r), 403, `viewer: ${r.join(' ')}`);
  const operator = await routes('operator');
  for (const r of operator.list) {
    const s = await operator.status(r);
    if (r[1].includes('/members')) assert.equal(s, 403, `operator: ${r.join(' ')}`);
    else assert.notEqual(s, 403, `operator may: ${r.join(' ')}`);
  }
});

describe('a permission etcd denies the monitor user', () => {
  const cluster = useCluster({ members: 1, auth: true });

  test('is a 403 with ETCD_PERMISSION_DENIED, audited', async (t) => {
    const c = cluster.get();
    const dir = tempDir('mon-maint-auth', t);
    const svc = await buildMonitor(
      parseConfig({
        server: { listen: '127.0.0.1:0', data_dir: dir },
        clusters: [{ name: 'c1', endpoints: c.endpoints, user: c.auth!.readUser, password: c.auth!.readPassword, timeout: '5s' }],
      }),
      { env: { ETCD_MONITOR_SECRET_KEY: 'k' } },
    );
    t.after(() => svc.stop());
    const r = await svc.app.inject({ method: 'POST', url: '/api/v1/clusters/c1/members', payload: { peerURLs: ['http://127.0.0.1:2'] } });
    assert.equal(r.statusCode, 403, r.body);
    assert.equal(r.json().error.code, 'ETCD_PERMISSION_DENIED');
    const entries = (await svc.app.inject({ method: 'GET', url: '/api/v1/audit?action=member.add' })).json() as Array<{ result: string }>;
    assert.ok(entries.some((e) => e.result.startsWith('ETCD_PERMISSION_DENIED')));
  });
});
