// The key browser at scale: a real 3-member etcd filled with up to 1,000,000 keys of ≈100 bytes under 50 prefixes,
// browsed through the monitor's API (the monitor runs as its own process, `etcd-monitor serve`, so its RSS is its own),
// beside etcdctl reading the same pages.
//
//   node bench/key-browser.ts [keys=1000000] [fill-budget-seconds=180]
//
// The fill stops at the budget on a slow machine and says how many keys it holds; every figure is for that count.
// Measured: opening the root level and each prefix level (first page of 100), each next page (p50/p95 over 50 pages),
// /kv/stats over everything (with and without value bytes), the monitor's RSS before/peak while browsing, etcdctl
// `get --prefix --keys-only --limit=100` of the same first and next pages. Last, the leader is killed while /kv/stats
// runs, and the time from the kill to the monitor's leader_lost event (polled at /api/v1/events every 25 ms) is printed.
import { spawn } from 'node:child_process';
import { openSync, readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EtcdRpc, MemberClient, prefixRangeEnd, type TxnOp } from '@etcd-monitor/etcd';
import { startCluster, freePorts } from '@etcd-monitor/etcd/testing';
import { until } from '@etcd-monitor/core/testing';

const TARGET = Number(process.argv[2] ?? 1_000_000);
const BUDGET_MS = Number(process.argv[3] ?? 180) * 1000;
const PREFIXES = 50;
const BATCH = 128; // etcd's default --max-txn-ops
const WORKERS = 8;
const BIN = fileURLToPath(new URL('../packages/cli/bin/etcd-monitor.js', import.meta.url));

const pad = (n: number, w: number) => String(n).padStart(w, '0');
const keyOf = (i: number) => `/bench/p${pad(i % PREFIXES, 2)}/k${pad(Math.floor(i / PREFIXES), 8)}`;
const VALUE = Buffer.alloc(100 - keyOf(0).length, 'v'); // key + value ≈ 100 bytes
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;
const ms = (x: number) => `${x.toFixed(0)} ms`;

const cluster = await startCluster({ members: 3, extraArgs: ['--quota-backend-bytes=4294967296'] });
const dir = mkdtempSync(join(tmpdir(), 'bench-kb-'));
let monitor: ReturnType<typeof spawn> | undefined;
try {
  // Fill: WORKERS concurrent txns of BATCH puts each, through the leader.
  const leader = (await cluster.leader())!;
  const fillClient = new MemberClient(leader.clientUrl, { endpoints: [leader.clientUrl], dialTimeoutMs: 5000, commandTimeoutMs: 60_000 });
  const rpc = new EtcdRpc(fillClient);
  const t0 = performance.now();
  let next = 0;
  let filled = 0;
  await Promise.all(
    Array.from({ length: WORKERS }, async () => {
      while (next < TARGET && performance.now() - t0 < BUDGET_MS) {
        const from = next;
        next = Math.min(TARGET, next + BATCH);
        const ops: TxnOp[] = [];
        for (let i = from; i < next; i++) ops.push({ type: 'put', key: keyOf(i), value: VALUE });
        await rpc.txn({ compare: [], success: ops, failure: [] });
        filled += ops.length;
      }
    }),
  );
  const fillS = (performance.now() - t0) / 1000;
  fillClient.close();
  console.log(
    `filled ${filled} keys in ${fillS.toFixed(1)} s (${(filled / fillS).toFixed(0)} keys/s)${filled < TARGET ? ` — stopped at the ${BUDGET_MS / 1000} s budget, not ${TARGET}` : ''}`,
  );

  // The monitor as its own process.
  const [port] = await freePorts(1);
  const cfg = join(dir, 'monitor.toml');
  writeFileSync(
    cfg,
    `[server]\nlisten = "127.0.0.1:${port}"\ndata_dir = "${join(dir, 'data')}"\n\n[[clusters]]\nname = "bench"\nendpoints = ${JSON.stringify(cluster.endpoints)}\n`,
  );
  const log = openSync(join(dir, 'monitor.log'), 'w');
  monitor = spawn(process.execPath, [BIN, 'serve', '--config', cfg], { env: { ...process.env, ETCD_MONITOR_SECRET_KEY: 'bench' }, stdio: ['ignore', log, log] });
  monitor.once('exit', (code) => {
    if (code !== null && code !== 0) console.error(`the monitor exited with ${code}:\n${readFileSync(join(dir, 'monitor.log'), 'utf8').slice(-2000)}`);
  });
  const base = `http://127.0.0.1:${port}/api/v1`;
  await until(
    'the monitor answers',
    () =>
      fetch(`${base}/version`)
        .then((r) => r.ok)
        .catch(() => false),
    { timeoutMs: 60_000 },
  );
  const rss = () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${monitor!.pid}/status`, 'utf8'))![1]) / 1024;
  const get = async (path: string) => {
    const s = performance.now();
    const r = await fetch(`${base}/clusters/bench${path}`);
    const body = (await r.json()) as Record<string, unknown>;
    if (!r.ok) throw new Error(`${path}: ${r.status} ${JSON.stringify(body)}`);
    return { ms: performance.now() - s, body };
  };
  await get('/kv/level?prefix=/bench/'); // warm-up: the ops client connects
  const rssBefore = rss();
  let rssPeak = rssBefore;
  const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, rss())), 50);

  const root = await get('/kv/level?prefix=/bench/&limit=100');
  const opens: number[] = [];
  const nexts: number[] = [];
  const pages: Array<{ prefix: string; last?: string }> = [];
  for (let p = 0; p < 5; p++) {
    const prefix = `/bench/p${pad(p * 7, 2)}/`;
    let r = await get(`/kv/level?prefix=${prefix}&limit=100`);
    opens.push(r.ms);
    pages.push({ prefix });
    for (let n = 0; n < 10 && r.body.nextCursor; n++) {
      const items = r.body.items as Array<{ name: string }>;
      pages.push({ prefix, last: prefix + items.at(-1)!.name });
      r = await get(`/kv/level?prefix=${prefix}&limit=100&cursor=${r.body.nextCursor as string}`);
      nexts.push(r.ms);
    }
  }
  const stats: number[] = [];
  for (const values of [true, false]) stats.push((await get(`/kv/stats?prefix=/bench/&values=${values}`)).ms);
  clearInterval(sampler);
  const rssAfter = rss();

  // etcdctl on the same pages: the first page by --prefix, each next one from just after the last key seen.
  const ctlFirst: number[] = [];
  const ctlNext: number[] = [];
  for (const pg of pages.slice(0, 22)) {
    const args = pg.last
      ? ['get', '--keys-only', '--limit=100', `${pg.last}\x01`, prefixRangeEnd(pg.prefix).toString()]
      : ['get', '--prefix', '--keys-only', '--limit=100', pg.prefix];
    const s = performance.now();
    const r = await cluster.etcdctl(args);
    if (r.code !== 0) throw new Error(`etcdctl ${args.join(' ')}: ${r.stderr}`);
    (pg.last ? ctlNext : ctlFirst).push(performance.now() - s);
  }

  // Leader loss while /kv/stats runs: kill → the monitor's leader_lost event.
  const killed = (await cluster.leader())!;
  const since = new Date().toISOString();
  const running = get('/kv/stats?prefix=/bench/&values=true').catch((err: unknown) => ({ ms: NaN, body: { error: String(err) } }));
  await new Promise((r) => setTimeout(r, 500));
  const tKill = performance.now();
  await killed.kill();
  await until(
    'leader_lost',
    async () => {
      const ev = (await (await fetch(`${base}/events?cluster=bench`)).json()) as Array<{ type: string; time: string }>;
      return ev.some((e) => e.type === 'leader_lost' && e.time >= since);
    },
    { timeoutMs: 30_000, intervalMs: 25 },
  );
  const lostMs = performance.now() - tKill;
  const during = await running;
  const statsStillRunning = Number.isNaN(during.ms) || during.ms > lostMs + 500;

  console.log(`\nkeys: ${filled} under ${PREFIXES} prefixes (≈100 bytes each); load average ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}\n`);
  console.log('| measure | through the monitor API | etcdctl (process start included) |');
  console.log('| --- | --- | --- |');
  console.log(`| open the root level (50 folders) | ${ms(root.ms)} | — |`);
  console.log(
    `| open a prefix level, first page of 100 (p50 / p95 of ${opens.length}) | ${ms(pct(opens, 50))} / ${ms(pct(opens, 95))} | ${ms(pct(ctlFirst, 50))} / ${ms(pct(ctlFirst, 95))} (get --prefix --keys-only --limit=100) |`,
  );
  console.log(
    `| next page of 100 (p50 / p95 of ${nexts.length}) | ${ms(pct(nexts, 50))} / ${ms(pct(nexts, 95))} | ${ms(pct(ctlNext, 50))} / ${ms(pct(ctlNext, 95))} (get --keys-only --limit=100 FROM END) |`,
  );
  console.log(`| /kv/stats over every key, with value bytes | ${ms(stats[0]!)} | — |`);
  console.log(`| /kv/stats over every key, keys only (values=false) | ${ms(stats[1]!)} | — |`);
  console.log(
    `| monitor RSS: before browsing → peak → after | ${rssBefore.toFixed(0)} → ${rssPeak.toFixed(0)} → ${rssAfter.toFixed(0)} MB (growth ${(rssPeak - rssBefore).toFixed(0)} MB) | — |`,
  );
  console.log(
    `| leader killed while /kv/stats runs → leader_lost event | ${ms(lostMs)} (stats ${statsStillRunning ? 'still running then' : 'had finished: not overlapping'}) | — |`,
  );
} finally {
  if (monitor?.pid && monitor.exitCode === null && monitor.signalCode === null) {
    monitor.kill('SIGTERM');
    await new Promise((r) => monitor!.once('exit', r));
  }
  await cluster.stop();
  rmSync(dir, { recursive: true, force: true });
}
