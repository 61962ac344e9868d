// The key browser at scale: a real 3-member etcd filled with up to 1,000,000 keys of ≈100 bytes under 50 prefixes,
// browsed through the monitor's API (the monitor runs as its own process, `etcd-monitor serve`, so its RSS is its own),
// beside etcdctl reading the same pages.
//
//   node bench/key-browser.ts [keys=1000000] [fill-budget-seconds=180] [--page]
//
// The fill stops at the budget on a slow machine and says how many keys it holds; every figure is for that count.
// Measured: opening the root level (50 folders) the first time (nothing remembered: etcd walks every key once to find
// the first), then ROOT_OPENS times at the same revision and ROOT_OPENS times each after a write elsewhere (a new
// revision: the monitor's LevelCache guesses each folder from the first keys it remembers), with etcd walking the
// 1M index entries alone (a count-only range) beside it; its folders' counts (/kv/counts, as the
// page asks for them after drawing the level), each prefix level (first page of 100), each next page (p50/p95 over 50
// pages), /kv/stats over everything (with and without value bytes, with the reads it made and the index entries etcd
// walked), the monitor's RSS before/peak/after browsing and, apart, during the stats scans; beside etcdctl reading the
// same first and next pages, and etcdctl reading every key in one request (`get --prefix --keys-only`: what etcd
// alone spends walking and fetching them). Last, the leader is killed while /kv/stats runs,
// and the time from the kill to the monitor's leader_lost event (polled at /api/v1/events every 25 ms) is printed.
// With --page, the key browser page itself is measured in Chromium after the API figures, on the same keys
// (bench/key-browser-page.ts; needs `npm run build -w @etcd-monitor/web`).
// The monitor runs as `etcd-monitor serve` does from its bin: with the environment and Node.js flags of its #! line.
import { spawn } from 'node:child_process';
import { existsSync, openSync, readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EtcdRpc, MemberClient, prefixRangeEnd, type TxnOp } from '@etcd-monitor/etcd';
import { startCluster, freePorts } from '@etcd-monitor/etcd/testing';
import { until } from '@etcd-monitor/core/testing';
import { measureKeysPage, printKeysPage } from './key-browser-page.ts';

const positional = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const TARGET = Number(positional[0] ?? 1_000_000);
const BUDGET_MS = Number(positional[1] ?? 180) * 1000;
const PAGE = process.argv.includes('--page');
const PREFIXES = 50;
const BATCH = 128; // etcd's default --max-txn-ops
const WORKERS = 8;
const ROOT_OPENS = 20;
const BIN = fileURLToPath(new URL('../packages/cli/bin/etcd-monitor.js', import.meta.url));

const pad = (n: number, w: number) => String(n).padStart(w, '0');
const keyOf = (i: number) => `/bench/p${pad(i % PREFIXES, 2)}/k${pad(Math.floor(i / PREFIXES), 8)}`;
const VALUE = Buffer.alloc(100 - keyOf(0).length, 'v'); // key + value ≈ 100 bytes
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;
const ms = (x: number) => `${x.toFixed(0)} ms`;

const cluster = await startCluster({ members: 3, extraArgs: ['--quota-backend-bytes=4294967296'] });
const dir = mkdtempSync(join(tmpdir(), 'bench-kb-'));
let monitor: ReturnType<typeof spawn> | undefined;
let ctlClient: MemberClient | undefined;
let stopping = false;
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
  // The bin's #! line (`#!/usr/bin/env -S NAME=VALUE… node FLAGS…`): its memory settings are part of what is measured.
  const shebang = readFileSync(BIN, 'utf8')
    .split('\n')[0]!
    .replace(/^#!\S*env -S /, '')
    .split(/\s+/);
  const nodeAt = shebang.indexOf('node');
  const binEnv = Object.fromEntries(shebang.slice(0, nodeAt).map((a) => a.split('=') as [string, string]));
  monitor = spawn(process.execPath, [...shebang.slice(nodeAt + 1), BIN, 'serve', '--config', cfg], {
    env: { ...process.env, ...binEnv, ETCD_MONITOR_SECRET_KEY: 'bench' },
    stdio: ['ignore', log, log],
  });
  monitor.once('exit', (code, signal) => {
    if (!stopping) console.error(`the monitor exited (${code ?? signal}):\n${readFileSync(join(dir, 'monitor.log'), 'utf8').slice(-3000)}`);
  });
  const base = `http://127.0.0.1:${port}/api/v1`;
  // Writes between root opens, and etcd's own walk of the keys.
  ctlClient = new MemberClient(cluster.endpoints[0]!, { endpoints: [cluster.endpoints[0]!], dialTimeoutMs: 5000, commandTimeoutMs: 60_000 });
  const ctlRpc = new EtcdRpc(ctlClient);
  await until(
    'the monitor answers',
    () =>
      fetch(`${base}/version`)
        .then((r) => r.ok)
        .catch(() => false),
    { timeoutMs: 60_000 },
  );
  // 0 once the monitor is gone (its exit is reported above).
  const rss = () => (existsSync(`/proc/${monitor!.pid}/status`) ? Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${monitor!.pid}/status`, 'utf8'))?.[1] ?? 0) / 1024 : 0);
  const get = async (path: string) => {
    const s = performance.now();
    const r = await fetch(`${base}/clusters/bench${path}`);
    const body = (await r.json()) as Record<string, unknown>;
    if (!r.ok) throw new Error(`${path}: ${r.status} ${JSON.stringify(body)}`);
    return { ms: performance.now() - s, body };
  };
  // Warm-up: the ops client connects and the level route runs once (on an empty level: the root level stays unread).
  await get('/kv?prefix=/warm-up/&limit=1');
  await get('/kv/level?prefix=/warm-up/&limit=100');
  // etcd alone walking the keys (a count-only range), just before the root level's first open walks them once too.
  const walkAlone: number[] = [];
  for (let i = 0; i < 5; i++) {
    const s = performance.now();
    await ctlRpc.range('/bench/', { rangeEnd: prefixRangeEnd('/bench/'), countOnly: true, serializable: true });
    walkAlone.push(performance.now() - s);
  }
  const rssBefore = rss();
  let rssPeak = rssBefore;
  let sampler = setInterval(() => (rssPeak = Math.max(rssPeak, rss())), 50);

  const root = await get('/kv/level?prefix=/bench/&limit=100');
  const sameRev: number[] = [];
  for (let i = 0; i < ROOT_OPENS; i++) sameRev.push((await get('/kv/level?prefix=/bench/&limit=100')).ms);
  const afterWrite: number[] = [];
  for (let i = 0; i < ROOT_OPENS; i++) {
    await ctlRpc.put('/elsewhere', String(i));
    const r = await get('/kv/level?prefix=/bench/&limit=100');
    if ((r.body.items as unknown[]).length !== (root.body.items as unknown[]).length) throw new Error('the root level changed');
    afterWrite.push(r.ms);
  }
  const rootItems = root.body.items as Array<{ prefixBase64?: string }>;
  const counts = await get(`/kv/counts?${rootItems.map((e) => `prefixBase64=${encodeURIComponent(e.prefixBase64!)}`).join('&')}&revision=${root.body.revision as string}`);
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
  clearInterval(sampler);
  const rssBrowse = { before: rssBefore, peak: rssPeak, after: rss() };
  rssPeak = rssBrowse.after;
  sampler = setInterval(() => (rssPeak = Math.max(rssPeak, rss())), 50);
  const stats: Array<{ ms: number; reads: number; walked: number }> = [];
  for (const values of [true, false]) {
    const r = await get(`/kv/stats?prefix=/bench/&values=${values}`);
    stats.push({ ms: r.ms, reads: r.body.reads as number, walked: r.body.walked as number });
  }
  clearInterval(sampler);
  const rssStats = { before: rssBrowse.after, peak: rssPeak, after: rss() };

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

  // etcd alone: every key in one request, keys only (etcdctl 3.4 has no --count-only).
  const ctlStart = performance.now();
  const ctlRun = await cluster.etcdctl(['get', '--prefix', '--keys-only', '/bench/'], { timeoutMs: 300_000 });
  if (ctlRun.code !== 0) throw new Error(`etcdctl get --prefix --keys-only: ${ctlRun.stderr}`);
  const ctlAll = performance.now() - ctlStart;

  // The page in Chromium (--page), on folders the API part did not open (it opened p00, p07, p14, p21, p28).
  // A page that fails is reported after the API figures, which stand on their own.
  const pageFigures = PAGE
    ? await measureKeysPage(`http://127.0.0.1:${port}`, 'bench', { top: '/bench/', folders: ['/bench/p03/', '/bench/p17/', '/bench/p31/'] }).catch((err: unknown) => err as Error)
    : undefined;

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
  const p5095 = (xs: number[]) => `${ms(pct(xs, 50))} / ${ms(pct(xs, 95))}`;
  console.log(
    `| open the root level (50 folders), first time (nothing remembered) | ${ms(root.ms)} | ${ms(walkAlone[0]!)} / ${ms(pct(walkAlone, 50))} (etcd alone walking the ${filled} entries just before, a count-only range: first / p50 of 5) |`,
  );
  console.log(`| open the root level again at the same revision (p50 / p95 of ${sameRev.length}) | ${p5095(sameRev)} | — |`);
  console.log(`| open the root level after a write elsewhere, a new revision (p50 / p95 of ${afterWrite.length}) | ${p5095(afterWrite)} | — |`);
  console.log(`| the root's 50 folder counts (/kv/counts, after the level is drawn) | ${ms(counts.ms)} | — |`);
  console.log(
    `| open a prefix level, first page of 100 (p50 / p95 of ${opens.length}) | ${ms(pct(opens, 50))} / ${ms(pct(opens, 95))} | ${ms(pct(ctlFirst, 50))} / ${ms(pct(ctlFirst, 95))} (get --prefix --keys-only --limit=100) |`,
  );
  console.log(
    `| next page of 100 (p50 / p95 of ${nexts.length}) | ${ms(pct(nexts, 50))} / ${ms(pct(nexts, 95))} | ${ms(pct(ctlNext, 50))} / ${ms(pct(ctlNext, 95))} (get --keys-only --limit=100 FROM END) |`,
  );
  const walk = (x: { reads: number; walked: number }) => `${x.reads} reads, ${(x.walked / 1e6).toFixed(1)}M index entries walked`;
  console.log(`| /kv/stats over every key, with value bytes | ${ms(stats[0]!.ms)} (${walk(stats[0]!)}) | — |`);
  console.log(
    `| /kv/stats over every key, keys only (values=false) | ${ms(stats[1]!.ms)} (${walk(stats[1]!)}) | ${ms(ctlAll)} (get --prefix --keys-only, every key in one request) |`,
  );
  const mb = (x: { before: number; peak: number; after: number }) =>
    `${x.before.toFixed(0)} → ${x.peak.toFixed(0)} → ${x.after.toFixed(0)} MB (growth ${(x.peak - x.before).toFixed(0)} MB)`;
  console.log(`| monitor RSS while browsing (levels, pages, counts): before → peak → after | ${mb(rssBrowse)} | — |`);
  console.log(`| monitor RSS during the two stats scans: before → peak → after | ${mb(rssStats)} | — |`);
  console.log(
    `| leader killed while /kv/stats runs → leader_lost event | ${ms(lostMs)} (stats ${statsStillRunning ? 'still running then' : 'had finished: not overlapping'}) | — |`,
  );
  if (pageFigures instanceof Error) console.log(`\nthe keys page in Chromium failed: ${pageFigures.message}`);
  else if (pageFigures) printKeysPage(pageFigures, '/bench/');
} finally {
  stopping = true;
  ctlClient?.close();
  if (monitor?.pid && monitor.exitCode === null && monitor.signalCode === null) {
    monitor.kill('SIGTERM');
    await new Promise((r) => monitor!.once('exit', r));
  }
  await cluster.stop();
  rmSync(dir, { recursive: true, force: true });
}
