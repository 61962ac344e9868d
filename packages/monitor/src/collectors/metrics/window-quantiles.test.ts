import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { prom } from '@etcd-monitor/etcd';
import { metricsDump } from '@etcd-monitor/etcd/testing';
import { deriveMember } from './derive.ts';
import { HistogramWindows } from './window-quantiles.ts';

const FSYNC = 'etcd_disk_wal_fsync_duration_seconds';

/** dump is a minimal etcd exposition: a WAL fsync histogram with `fast` observations ≤ 1 ms and `slow` ≤ 2.048 s. */
function dump(fast: number, slow: number, start = 1): prom.MetricSet {
  const les = ['0.001', '1.024', '2.048', '+Inf'];
  const lines = ['# TYPE process_start_time_seconds gauge', `process_start_time_seconds ${start}`, `# TYPE ${FSYNC} histogram`];
  for (const le of les) lines.push(`${FSYNC}_bucket{le="${le}"} ${le === '0.001' || le === '1.024' ? fast : fast + slow}`);
  lines.push(`${FSYNC}_sum 0`, `${FSYNC}_count ${fast + slow}`);
  return prom.parsePrometheusText(lines.join('\n'));
}

function run(scrapes: Array<[number, prom.MetricSet]>): Array<number | undefined> {
  const w = new HistogramWindows();
  return scrapes.map(([at, set]) => {
    const series: Record<string, number> = {};
    w.add(at, set, series, []);
    return series.wal_fsync_p99_5m_seconds;
  });
}

test('the 5-minute p99 covers every observation of the window, slides, and needs two scrapes', () => {
  // 1 slow fsync among 200 in the window is under 1%: the p99 stays in the fast bucket; 5 minutes later it is gone.
  const out = run([
    [0, dump(0, 0)],
    [60_000, dump(50, 1)],
    [120_000, dump(200, 1)],
    [400_000, dump(300, 1)],
  ]);
  assert.equal(out[0], undefined, 'one scrape is no window');
  assert.ok(out[1]! > 1, `51 observations with 1 slow: p99 ${out[1]}`);
  assert.ok(out[2]! <= 0.001, `201 observations with 1 slow: p99 ${out[2]}`);
  assert.ok(out[3]! <= 0.001, 'the window slid past the slow one');
  assert.equal(
    run([
      [0, dump(10, 0)],
      [5000, dump(10, 0)],
    ])[1],
    undefined,
    'no observation, no quantile',
  );
});

test('a reset inside the window counts what came after it; a new process starts the window afresh', () => {
  // The counters drop to 0 then grow: the increase is 50 fast before and 5 slow + 45 fast after the reset.
  const reset = run([
    [0, dump(100, 0)],
    [5000, dump(150, 0)],
    [10_000, dump(45, 5)],
  ]);
  assert.ok(reset[2]! > 1, `p99 ${reset[2]}`);
  // Another start time: the old fast observations are not mixed in.
  const restarted = run([
    [0, dump(0, 0)],
    [5000, dump(1000, 0)],
    [10_000, dump(0, 0, 2)],
    [15_000, dump(0, 5, 2)],
  ]);
  assert.equal(restarted[2], undefined);
  assert.ok(restarted[3]! > 1, `p99 ${restarted[3]}`);
});

test('a full window of a real member costs tens of KiB, not hundreds', () => {
  // The real etcd 3.4.23 dumps: WAL fsync, backend commit and two peers' round trips, 15 buckets each, every 5 s for
  // 5 minutes. Kept as bucket objects per scrape, one member's window was ~320 KiB (33 MB at 100 members).
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const sets = [metricsDump('t0'), metricsDump('t1')].map((text) => prom.parsePrometheusText(text));
  const peers = deriveMember(undefined, { at: 0, set: sets[0]! }).peers;
  assert.equal(peers.length, 2);
  const members = 40;
  gc();
  const before = process.memoryUsage().heapUsed;
  const windows = Array.from({ length: members }, () => new HistogramWindows());
  const series: Record<string, number> = {};
  for (let i = 0; i <= 60; i++)
    for (const w of windows)
      w.add(
        1_000_000 + i * 5000,
        sets[i % 2]!,
        series,
        peers.map((p) => ({ to: p.to })),
      );
  gc();
  const perMember = (process.memoryUsage().heapUsed - before) / members;
  assert.ok(series.wal_fsync_p99_5m_seconds! > 0 && series.peer_rtt_p99_5m_seconds! > 0, 'the window is full and answers');
  assert.ok(perMember < 96 * 1024, `one member's window holds ${(perMember / 1024).toFixed(0)} KiB`);
  assert.equal(windows.length, members);
});
