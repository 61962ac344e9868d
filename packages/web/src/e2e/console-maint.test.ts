import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { Locator, Page } from 'playwright-core';
import { until } from '@etcd-monitor/core/testing';
import { EtcdRpc, MemberClient } from '@etcd-monitor/etcd';
import { useCluster } from '@etcd-monitor/etcd/testing';
import type { AuditEntry } from '@etcd-monitor/monitor/contract';
import { screenshotPath, startMonitor, useBrowserMonitor, type TestMonitor } from './harness.ts';

const WAIT = 30_000;

// The console's member, endpoint and maintenance commands against a real 3-member etcd, through the monitor's API,
// compared with what the real etcdctl prints on the same cluster.
describe('console: members, endpoints and maintenance on a real 3-member cluster', () => {
  const cluster = useCluster({ members: 3 });
  let page: Page;
  let mon: TestMonitor;
  useBrowserMonitor(
    () => startMonitor([{ name: 'main', endpoints: cluster.get().endpoints }]),
    (s) => ({ page, mon } = s),
    { height: 1000 },
  );
  const etcdctl = async (...args: string[]) => {
    const r = await cluster.get().etcdctl(args);
    assert.equal(r.code, 0, `etcdctl ${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };
  /** type runs a line in the console and returns its entry once the call has answered (or a dialog asks). */
  const type = async (line: string): Promise<Locator> => {
    const before = await page.getByTestId('console-entry').count();
    await page.getByTestId('console-input').fill(line);
    await page.getByTestId('console-input').press('Enter');
    const entry = page.getByTestId('console-entry').nth(before);
    await entry.waitFor({ timeout: WAIT });
    await page.waitForFunction((n) => document.querySelectorAll('[data-testid=console-entry]')[n]?.querySelector('[data-testid=console-text]')?.textContent !== '…', before, {
      timeout: WAIT,
    });
    return entry;
  };
  const text = async (entry: Locator) => (await entry.getByTestId('console-text').textContent()) ?? '';
  /** settled waits until the entry prints something other than the progress or waiting text. */
  const settled = async (entry: Locator, re: RegExp) => {
    await entry.getByTestId('console-text').filter({ hasText: re }).waitFor({ timeout: 120_000 });
    return text(entry);
  };
  const statusOf = async () =>
    JSON.parse((await etcdctl('endpoint', 'status', '--cluster', '-w', 'json')).replace(/("(?:member_id|leader|cluster_id)":)(\d+)/g, '$1"$2"')) as Array<{
      Endpoint: string;
      Status: { header: { member_id: string }; leader: string };
    }>;

  test('member list prints etcdctl’s table and JSON document (ids above 2^53 unquoted, every digit)', async () => {
    await page.goto('/clusters/main/console');
    assert.equal(await text(await type('member list -w table')), (await etcdctl('member', 'list', '-w', 'table')).replace(/\n$/, ''));
    assert.equal(await text(await type('member list')), (await etcdctl('member', 'list')).replace(/\n$/, ''));
    const ours = await text(await type('member list -w json'));
    const theirs = (await etcdctl('member', 'list', '-w', 'json')).trim();
    // The header names the member that answered, which may differ between the two calls; the rest is the same bytes.
    // etcd 3.4 fills no revision in a member list's header.
    const header = /^\{"header":\{"cluster_id":(\d+),"member_id":(\d+)(?:,"revision":\d+)?,"raft_term":(\d+)\},/;
    const o = header.exec(ours);
    const t = header.exec(theirs);
    assert.ok(o && t, `${ours}\n${theirs}`);
    assert.equal(o[1], t[1], 'the same cluster id, every digit');
    assert.equal(ours.replace(header, ''), theirs.replace(header, ''));
    const members = new Set([...theirs.matchAll(/"ID":(\d+)/g)].map((m) => m[1]));
    assert.ok(members.has(o[2]), 'the header names one of the members');
    await page.screenshot({ path: screenshotPath('console-member-list'), fullPage: true });
  });

  test('endpoint status --cluster, health and hashkv answer per member as etcdctl prints them', async () => {
    await page.goto('/clusters/main/console');
    const ours = JSON.parse((await text(await type('endpoint status --cluster -w json'))).replace(/("(?:member_id|leader|cluster_id)":)(\d+)/g, '$1"$2"')) as Awaited<
      ReturnType<typeof statusOf>
    >;
    const theirs = await statusOf();
    const view = (l: typeof ours) => l.map((e) => [e.Endpoint, e.Status.header.member_id, e.Status.leader]).sort();
    assert.deepEqual(view(ours), view(theirs));
    const table = await text(await type('endpoint status --cluster -w table'));
    const etcdTable = await etcdctl('endpoint', 'status', '--cluster', '-w', 'table');
    const columns = (t: string) =>
      t
        .split('\n')[1]!
        .split('|')
        .map((x) => x.trim());
    assert.deepEqual(columns(table), columns(etcdTable), 'the same columns');
    assert.equal(table.split('\n').length, etcdTable.trimEnd().split('\n').length, 'a row per member');
    const health = await text(await type('endpoint health --cluster'));
    assert.equal(health.match(/is healthy: successfully committed proposal: took = /g)?.length, 3, health);
    const hashes = await text(await type('endpoint hashkv --cluster -w table'));
    assert.match(hashes, /\|\s+ENDPOINT\s+\|\s+HASH\s+\|/);
    assert.equal(await text(await type('version')), `etcd-monitor console version: ${(await (await fetch(`${mon.url}/api/v1/version`)).json()).version}\nAPI version: 3.4`);
    await page.screenshot({ path: screenshotPath('console-endpoint-status'), fullPage: true });
  });

  test('a rolling defrag asks first, then shows each member as it is done while the cluster stays healthy', async () => {
    const c = cluster.get();
    const probeClient = new MemberClient(c.endpoints[0]!, { endpoints: c.endpoints, dialTimeoutMs: 2000, commandTimeoutMs: 10_000 });
    const probe = new EtcdRpc(probeClient);
    let reads = 0;
    const failures: string[] = [];
    let stop = false;
    await page.goto('/clusters/main/console');
    const cancelled = await type('defrag --cluster');
    await page
      .getByTestId('confirm-what')
      .filter({ hasText: /followers first and the leader last/ })
      .waitFor({ timeout: WAIT });
    await page.getByTestId('confirm-cancel').click();
    assert.equal(await settled(cancelled, /Cancelled/), 'Cancelled: nothing was run.');
    const entry = await type('defrag --cluster');
    await page.getByTestId('confirm-run').waitFor({ timeout: WAIT });
    await page.screenshot({ path: screenshotPath('console-defrag-confirm'), fullPage: true });
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
      await page.getByTestId('confirm-run').click();
      const out = await settled(entry, /(Finished defragmenting etcd member\[[^\]]+\][^\n]*\n?){3}|Error/);
      const lines = out.split('\n');
      assert.equal(lines.length, 3, out);
      assert.ok(
        lines.every((l) => /^Finished defragmenting etcd member\[http:\/\/127\.0\.0\.1:\d+\]/.test(l)),
        out,
      );
      assert.match(lines[2]!, /\(the leader\)$/, 'the leader goes last');
    } finally {
      stop = true;
      await reading;
      probeClient.close();
    }
    assert.deepEqual(failures, [], 'the probe never failed');
    assert.ok(reads > 0);
    await etcdctl('endpoint', 'health', '--cluster');
    await page.screenshot({ path: screenshotPath('console-defrag'), fullPage: true });
  });

  test('alarm disarm asks, then clears a raised NOSPACE alarm', async () => {
    const c = cluster.get();
    const [first] = await statusOf();
    const client = new MemberClient(c.endpoints[0]!, { endpoints: c.endpoints, dialTimeoutMs: 2000, commandTimeoutMs: 10_000 });
    try {
      // Raise one by hand (ACTIVATE), as a full database would.
      await client.unary('Maintenance', 'Alarm', { action: 1, memberID: first!.Status.header.member_id, alarm: 1 }, {});
    } finally {
      client.close();
    }
    await page.goto('/clusters/main/console');
    assert.equal(await text(await type('alarm list')), `memberID:${first!.Status.header.member_id} alarm:NOSPACE `);
    const entry = await type('alarm disarm');
    await page
      .getByTestId('confirm-what')
      .filter({ hasText: /is cleared and the cluster accepts writes again/ })
      .waitFor({ timeout: WAIT });
    await page.getByTestId('confirm-run').click();
    assert.equal(await settled(entry, /memberID/), `memberID:${first!.Status.header.member_id} alarm:NOSPACE `);
    assert.equal(await etcdctl('alarm', 'list'), '');
  });

  test('member add and remove (asked first) and move-leader (asked first) go through the API', async () => {
    await page.goto('/clusters/main/console');
    // etcd refuses a reconfiguration for a while after a leader change ("unhealthy cluster"): try until it takes it.
    let added = '';
    await until(
      'etcd accepts the member add',
      async () => {
        added = await text(await type('member add learner1 --learner --peer-urls=http://127.0.0.1:1'));
        return !/unhealthy cluster/.test(added);
      },
      { timeoutMs: 60_000, intervalMs: 1000 },
    );
    const m =
      /^Member\s+([0-9a-f]+) added as learner to cluster\s+([0-9a-f]+)\n\nETCD_NAME="learner1"\nETCD_INITIAL_CLUSTER=".*learner1=http:\/\/127\.0\.0\.1:1.*"\nETCD_INITIAL_ADVERTISE_PEER_URLS="http:\/\/127\.0\.0\.1:1"\nETCD_INITIAL_CLUSTER_STATE="existing"$/.exec(
        added,
      );
    assert.ok(m, added);
    const id = m[1]!;
    const removing = await type(`member remove ${id}`);
    await page
      .getByTestId('confirm-what')
      .filter({ hasText: new RegExp(`Member \\(unstarted\\) \\(${id}\\) leaves cluster main for good`) })
      .waitFor({ timeout: WAIT });
    await page.screenshot({ path: screenshotPath('console-member-remove-confirm'), fullPage: true });
    await page.getByTestId('confirm-run').click();
    assert.match(await settled(removing, /removed from cluster/), new RegExp(`^Member\\s+${id} removed from cluster\\s+${m[2]}$`));
    assert.doesNotMatch(await etcdctl('member', 'list'), new RegExp(id));

    const st = await statusOf();
    const leader = st.find((s) => s.Status.leader === s.Status.header.member_id)!;
    const to = st.find((s) => s !== leader)!;
    const toHex = BigInt(to.Status.header.member_id).toString(16);
    const moving = await type(`move-leader ${toHex}`);
    await page
      .getByTestId('confirm-what')
      .filter({ hasText: /hands leadership to member/ })
      .waitFor({ timeout: WAIT });
    await page.getByTestId('confirm-run').click();
    assert.equal(await settled(moving, /Leadership transferred/), `Leadership transferred from ${BigInt(leader.Status.header.member_id).toString(16)} to ${toHex}`);
    await until('the new leader leads', async () => (await statusOf()).every((s) => s.Status.leader === to.Status.header.member_id), { timeoutMs: WAIT });
  });

  test('compaction asks first; snapshot save downloads the snapshot with its SHA-256 checked', async () => {
    await page.goto('/clusters/main/console');
    await etcdctl('put', '/snap/k', 'v');
    const rev = /"revision":(\d+)/.exec(await etcdctl('get', '/snap/k', '-w', 'json'))![1]!;
    const compact = await type(`compaction ${rev}`);
    await page
      .getByTestId('confirm-what')
      .filter({ hasText: new RegExp(`older than ${rev} is discarded for good`) })
      .waitFor({ timeout: WAIT });
    await page.getByTestId('confirm-run').click();
    assert.equal(await settled(compact, /compacted/), `compacted revision ${rev}`);
    const download = page.waitForEvent('download', { timeout: WAIT });
    const snap = await type('snapshot save backup.db');
    const d = await download;
    assert.equal(d.suggestedFilename(), 'backup.db');
    const out = await settled(snap, /Snapshot saved/);
    const m = /^snapshot verified: (\d+) bytes, SHA-256 ([0-9a-f]{64}) verified\nSnapshot saved at backup\.db/.exec(out);
    assert.ok(m, out);
    const file = readFileSync((await d.path())!);
    assert.equal(file.length, Number(m[1]));
    assert.equal(file.subarray(file.length - 32).toString('hex'), m[2]);
  });

  test('the audit log lists what the console did, as etcdctl commands, with the result', async () => {
    const entries = (await (await fetch(`${mon.url}/api/v1/audit`)).json()) as AuditEntry[];
    const seen = entries.map((e) => `${e.cluster} ${e.command} ${e.result}`);
    for (const want of [
      /^main etcdctl defrag --cluster ok$/,
      /^main etcdctl alarm disarm ok$/,
      /^main etcdctl member add --learner --peer-urls=http:\/\/127\.0\.0\.1:1 ok$/,
      /^main etcdctl member remove [0-9a-f]+ ok$/,
      /^main etcdctl move-leader [0-9a-f]+ ok$/,
      /^main etcdctl compaction \d+ ok$/,
      /^main etcdctl snapshot save snapshot\.db ok$/,
    ]) {
      assert.ok(
        seen.some((s) => want.test(s)),
        `${want} is in the audit log:\n${seen.join('\n')}`,
      );
    }
  });

  test('a viewer is refused the changes with a clear line, and still reads the member list and endpoint status', async () => {
    const viewer = await startMonitor([{ name: 'main', endpoints: cluster.get().endpoints }], { auth: { anonymous_role: 'viewer' } });
    try {
      await page.goto(`${viewer.url}/clusters/main/console`);
      for (const [line, role] of [
        ['defrag --cluster', 'operator'],
        ['alarm disarm', 'operator'],
        ['move-leader 1', 'operator'],
        ['member remove 1', 'admin'],
        ['snapshot save s.db', 'operator'],
      ] as const) {
        const out = await text(await type(line));
        assert.match(out, new RegExp(`needs the ${role} role; your role \\(viewer\\) may only read keys and the cluster’s state\\. Nothing was run\\.$`), line);
      }
      assert.equal(await page.getByTestId('confirm-run').count(), 0, 'no dialog for a refused command');
      assert.match(await text(await type('member list -w table')), /\|\s+STATUS\s+\|/);
      assert.match(await text(await type('endpoint status --cluster')), /^http:\/\/127\.0\.0\.1:\d+, [0-9a-f]+, 3\.4/);
      await page.screenshot({ path: screenshotPath('console-viewer-refused'), fullPage: true });
    } finally {
      await viewer.stop();
    }
    const entries = (await (await fetch(`${mon.url}/api/v1/audit`)).json()) as AuditEntry[];
    assert.equal(entries.filter((e) => e.command === 'etcdctl defrag --cluster').length, 1, 'the viewer’s refused defrag never reached the API');
  });
});
