import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildMonitor, parseConfig, type MonitorService } from '@etcd-monitor/monitor';
import { freePorts } from '@etcd-monitor/etcd/testing';
import { runCli } from '../testing.ts';

// A real monitor over HTTP (its one cluster is unreachable, which is all these commands need); no etcd required.
const dir = mkdtempSync(join(tmpdir(), 'cli-alerting-'));
let svc: MonitorService;
let url: string;
after(async () => {
  await svc?.stop();
  rmSync(dir, { recursive: true, force: true });
});

test('silence add, list and expire against a running monitor', async () => {
  svc = await buildMonitor(parseConfig({ server: { listen: '127.0.0.1:0', data_dir: dir }, clusters: [{ name: 'prod', endpoints: ['127.0.0.1:1'], timeout: '200ms' }] }), {
    env: { ETCD_MONITOR_SECRET_KEY: 'k' },
  });
  url = await svc.listen();
  const add = await runCli(['silence', 'add', 'cluster=prod', 'alertname=~"etcd.*"', '--duration', '2h', '--comment', 'disk swap', '--author', 'sre', '--url', url]);
  assert.equal(add.code, 0, add.stderr);
  const id = add.stdout.trim();
  assert.match(id, /\S+/);
  const list = await runCli(['silence', 'list', '--url', url, '-w', 'json']);
  const silences = JSON.parse(list.stdout) as Array<{ id: string; state: string; createdBy: string; matchers: string[] }>;
  const s = silences.find((x) => x.id === id)!;
  assert.equal(s.state, 'active');
  assert.equal(s.createdBy, 'sre');
  assert.deepEqual(s.matchers, ['cluster="prod"', 'alertname=~"etcd.*"']);
  const exp = await runCli(['silence', 'expire', id, '--url', url]);
  assert.equal(exp.code, 0, exp.stderr);
  const after2 = JSON.parse((await runCli(['silence', 'list', '--url', url, '-w', 'json'])).stdout) as Array<{ id: string; state: string }>;
  assert.equal(after2.find((x) => x.id === id)!.state, 'expired');
});

test('rules list, alerts and channels list talk to the API; mistakes are one clear line', async () => {
  const rules = await runCli(['rules', 'list', '--url', url]);
  assert.equal(rules.code, 0, rules.stderr);
  assert.match(rules.stdout, /etcdLeaderLost .*critical .*0s/);
  const alerts = await runCli(['alerts', '--url', url, '-w', 'json']);
  assert.ok(alerts.code === 0 || alerts.code === 1, alerts.stderr);
  assert.ok(Array.isArray(JSON.parse(alerts.stdout)));
  assert.equal((await runCli(['channels', 'list', '--url', url])).code, 0);
  // A rule on findings says where its replay's findings come from.
  const replay = await runCli(['rules', 'test', 'etcdClusterUnreachable', '--cluster', 'prod', '--from', '5m', '--url', url]);
  assert.equal(replay.code, 0, replay.stderr);
  assert.match(replay.stdout, /^note: findings replayed from \d+ stored events/m);
  const noComment = await runCli(['silence', 'add', 'cluster=prod', '--url', url]);
  assert.equal(noComment.code, 2);
  assert.match(noComment.stderr, /--comment is required/);
  const badMatcher = await runCli(['silence', 'add', 'cluster~prod', '--comment', 'x', '--url', url]);
  assert.equal(badMatcher.code, 2, badMatcher.stderr);
  assert.match(badMatcher.stderr, /matchers\[0\]: "cluster~prod" is not a matcher/);
  const [free] = await freePorts(1);
  const down = await runCli(['alerts', '--url', `http://127.0.0.1:${free}`]);
  assert.equal(down.code, 1);
  assert.match(down.stderr, /cannot reach the monitor at http:\/\/127\.0\.0\.1:\d+: ECONNREFUSED \(is `etcd-monitor serve` running\? pass --url\)/);
});
