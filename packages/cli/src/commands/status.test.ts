import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { until } from '@etcd-monitor/core/testing';
import { useCluster } from '@etcd-monitor/etcd/testing';
import { runCli } from '../testing.ts';

type StatusDoc = {
  verdict: string;
  reasons: string[];
  leader: string | null;
  members: Array<Record<string, unknown> & { endpoint: string; id: string | null; error: string | null; errorCode: string | null; isLeader: boolean | null }>;
};

const statusJson = async (args: string[]) => {
  const r = await runCli(['status', '-w', 'json', '--dial-timeout', '1s', '--command-timeout', '2s', ...args]);
  assert.ok(r.code === 0 || r.code === 1, `exit ${r.code}: ${r.stderr}`);
  return { code: r.code, doc: JSON.parse(r.stdout) as StatusDoc };
};

/** statusUntil runs `status -w json` until `ok` holds for its answer, and fails naming `what` and the last reasons. */
async function statusUntil(what: string, args: string[], ok: (r: Awaited<ReturnType<typeof statusJson>>) => boolean) {
  let last: Awaited<ReturnType<typeof statusJson>> | undefined;
  return until(
    what,
    async () => {
      last = await statusJson(args);
      return ok(last) && last;
    },
    { intervalMs: 300, detail: () => `last verdict ${last?.doc.verdict}: ${last?.doc.reasons.join('; ')}` },
  );
}

describe('status against a real 3-member cluster', () => {
  const cluster = useCluster({ members: 3 });
  const all = () => ['--endpoints', cluster.get().endpoints.join(',')];

  test('healthy: one leader, every row filled, exit 0', async () => {
    const { code, doc } = await statusJson(all());
    assert.equal(doc.verdict, 'healthy', doc.reasons.join('; '));
    assert.equal(code, 0);
    assert.equal(doc.members.length, 3);
    assert.equal(doc.members.filter((m) => m.isLeader).length, 1);
    for (const m of doc.members) {
      for (const k of ['id', 'name', 'version', 'dbSize', 'dbSizeInUse', 'isLeader', 'leader', 'raftTerm', 'raftIndex', 'raftAppliedIndex', 'latencyMs']) {
        assert.notEqual(m[k], null, `${m.endpoint} ${k}`);
      }
      assert.match(m.id!, /^[0-9a-f]+$/);
      assert.equal(m.health, true);
      assert.equal(m.error, null);
    }
    const table = await runCli(['status', ...all()]);
    assert.equal(table.code, 0);
    assert.match(table.stdout, /ENDPOINT .* ID .* NAME .* APPLIED INDEX .* HEALTH .* LATENCY .* ERROR/);
    assert.match(table.stdout, /verdict: healthy/);
  });

  test('--cluster discovers every member from one endpoint', async () => {
    const { doc } = await statusJson(['--endpoints', cluster.get().endpoints[0]!, '--cluster']);
    assert.deepEqual(doc.members.map((m) => m.endpoint).sort(), [...cluster.get().endpoints].sort());
  });

  test('a paused member is a row that times out within the command timeout; the command returns', async () => {
    const c = cluster.get();
    // A follower: pausing the leader would start an election and change the verdict.
    const leader = await c.waitForLeader();
    const victim = c.members.find((m) => m !== leader)!;
    await victim.pause();
    try {
      const started = Date.now();
      const { code, doc } = await statusJson(all());
      const elapsed = Date.now() - started;
      assert.equal(code, 1);
      const row = doc.members.find((m) => m.endpoint === victim.clientUrl)!;
      assert.ok(['ETCD_TIMEOUT', 'ETCD_DIAL_TIMEOUT'].includes(row.errorCode!), JSON.stringify(row));
      // A hang guard, not a speed check: dial (1 s) + call (2 s) bound every member, and they run concurrently.
      assert.ok(elapsed < 15_000, `status took ${elapsed} ms`);
      assert.equal(doc.verdict, 'degraded');
    } finally {
      await victim.resume();
    }
    await c.waitHealthy();
  });

  test('a killed follower: degraded, its row shows the error; restarted: healthy again', async () => {
    const c = cluster.get();
    const leader = await c.waitForLeader();
    const follower = c.members.find((m) => m !== leader)!;
    await follower.kill();
    try {
      const { code, doc } = await statusJson(all());
      assert.equal(code, 1);
      assert.equal(doc.verdict, 'degraded');
      const row = doc.members.find((m) => m.endpoint === follower.clientUrl)!;
      // Refused, or dropped when the kill lands on a connection being set up: both say the member is unreachable.
      assert.equal(row.errorCode, 'ETCD_UNREACHABLE', JSON.stringify(row));
      assert.match(row.error!, /connection (refused|dropped)/);
      assert.ok(doc.reasons.some((r) => r.includes('is down')));
    } finally {
      await follower.start();
    }
    await c.waitHealthy();
    await statusUntil('a healthy verdict', all(), (r) => r.doc.verdict === 'healthy');
  });

  test('the leader killed: a new leader is reported once etcd elects one', async () => {
    const c = cluster.get();
    const old = await c.waitForLeader();
    const oldId = (await statusJson(all())).doc.leader;
    await old.kill();
    try {
      const after = await statusUntil('a new leader', all(), (r) => r.doc.leader !== null && r.doc.leader !== oldId);
      assert.equal(after.doc.verdict, 'degraded');
      assert.equal(after.doc.members.filter((m) => m.isLeader).length, 1);
    } finally {
      await old.start();
    }
    await c.waitHealthy();
  });

  test('two members killed: no quorum, with etcd\'s own "no leader" on the survivor and a hint that fits', async () => {
    const c = cluster.get();
    await c.members[0]!.kill();
    await c.members[1]!.kill();
    const { code, doc } = await statusJson(all());
    assert.equal(code, 1);
    assert.equal(doc.verdict, 'no quorum');
    assert.match(doc.reasons[0]!, /only 1 of 3 voting members answer/);
    // The survivor steps down after the election timeout; from then on etcd itself says why it cannot serve.
    const survivor = c.members[2]!;
    const { doc: lost } = await statusUntil(
      '"etcdserver: no leader" from the survivor',
      all(),
      (r) => (r.doc.members.find((m) => m.endpoint === survivor.clientUrl)?.errors as string[] | undefined)?.includes('etcdserver: no leader') ?? false,
    );
    const row = lost.members.find((m) => m.endpoint === survivor.clientUrl)!;
    assert.deepEqual(row.errors, ['etcdserver: no leader'], JSON.stringify(row));
    assert.equal(row.errorCode, 'ETCD_NO_LEADER', JSON.stringify(row));
    assert.equal(row.error, 'health check failed: etcdserver: no leader');
    assert.match(row.hint as string, /quorum is lost/);
    assert.doesNotMatch(row.hint as string, /timeout/);
    assert.ok(
      lost.reasons.some((r) => r === `${survivor.name} reports: etcdserver: no leader`),
      lost.reasons.join('; '),
    );
    const table = await runCli(['status', ...all(), '--dial-timeout', '1s', '--command-timeout', '2s']);
    assert.match(table.stdout, /health check failed: etcdserver: no leader/);
  });
});
