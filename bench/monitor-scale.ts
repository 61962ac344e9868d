// The monitor watching 100+ members at its default intervals: CPU, RSS, samples ingested, overview API latency and
// store growth, side by side with Prometheus scraping the same /metrics endpoints at the same 5 s interval.
//
//   node bench/monitor-scale.ts [measureSeconds=60]
//
// Members: 2 real 3-member etcd clusters, plus 48 clusters of 2 stand-in members (bench/stub-etcd.ts answering the
// gRPC calls, bench/fixture-targets.ts serving real etcd 3.4.23 /metrics with advancing counters): 102 members in
// 50 clusters. Stand-ins and targets run in their own processes so their CPU is not counted against the monitor.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { startCluster, freePorts, type TestCluster } from '@etcd-monitor/etcd/testing';

const MEASURE_S = Number(process.argv[2] ?? 60);
const WARMUP_S = 15;
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const NODE = process.execPath;
const dir = mkdtempSync(join(tmpdir(), 'monitor-scale-'));
const children: ChildProcess[] = [];
const real: TestCluster[] = [];

/** heapBreakdown reads the monitor's V8 heap spaces (committed/used) and external memory from its /metrics. */
async function heapBreakdown(url: string): Promise<string> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const mb = (re: RegExp) => [...text.matchAll(re)].map((m) => [m[1]!, Number(m[2]) / 1e6] as const);
  const total = new Map(mb(/^etcd_monitor_nodejs_heap_space_size_total_bytes\{space="(\w+)"\} (\S+)/gm));
  const used = new Map(mb(/^etcd_monitor_nodejs_heap_space_size_used_bytes\{space="(\w+)"\} (\S+)/gm));
  const ext = mb(/^etcd_monitor_nodejs_(external_memory)_bytes (\S+)/gm).map(([k, v]) => `${k} ${v.toFixed(1)}`);
  return [...[...total].filter(([, v]) => v >= 1).map(([k, v]) => `${k} ${v.toFixed(1)}/${(used.get(k) ?? 0).toFixed(1)}`), ...ext].join(', ');
}

function start(cmd: string, args: string[], firstLine = true): Promise<{ child: ChildProcess; line: string }> {
  const child = spawn(cmd, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, PATH: `${join(NODE, '..')}:${process.env.PATH}` } });
  children.push(child);
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
    child.on('exit', (code) => reject(new Error(`${cmd} ${args.join(' ')} exited ${code}: ${err.slice(-500)}`)));
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      if (firstLine && out.includes('\n')) resolve({ child, line: out.split('\n')[0]! });
    });
    if (!firstLine) setTimeout(() => resolve({ child, line: out }), 1500);
  });
}

function procStat(pid: number): { cpuS: number; rssMB: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  const ticks = 100;
  const cpuS = (Number(stat[11]) + Number(stat[12])) / ticks;
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const rssKB = Number(/VmRSS:\s+(\d+)/.exec(status)![1]);
  return { cpuS, rssMB: rssKB / 1024 };
}

async function measure(pid: number, seconds: number): Promise<{ cpuPct: number; rssAvg: number; rssMax: number }> {
  const a = procStat(pid);
  const t0 = performance.now();
  const rss: number[] = [];
  for (let i = 0; i < seconds; i++) {
    await sleep(1000);
    rss.push(procStat(pid).rssMB);
  }
  const b = procStat(pid);
  const wall = (performance.now() - t0) / 1000;
  // BENCH_RSS_TRACE=file writes the RSS of every second, to see what a peak lines up with (e.g. the store's compaction).
  if (process.env.BENCH_RSS_TRACE) writeFileSync(process.env.BENCH_RSS_TRACE, rss.map((r) => r.toFixed(1)).join('\n'));
  return { cpuPct: ((b.cpuS - a.cpuS) / wall) * 100, rssAvg: rss.reduce((x, y) => x + y, 0) / rss.length, rssMax: Math.max(...rss) };
}

const samplesTotal = async (url: string) =>
  Number(/^etcd_monitor_store_samples_total (\S+)/m.exec(await (await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(10_000) })).text())?.[1] ?? 0);

try {
  for (let i = 0; i < 2; i++) real.push(await startCluster({ members: 3 }));
  const targets = await start(NODE, ['bench/fixture-targets.ts', '96'], false);
  const urls = targets.line
    .trim()
    .split('\n')
    .filter((l) => l.startsWith('http'));
  if (urls.length < 96) throw new Error(`fixture targets printed ${urls.length} URLs`);
  const stubs = await start(NODE, ['bench/stub-etcd.ts', '48', '2']);
  const stubClusters = JSON.parse(stubs.line) as Array<{ endpoints: string[] }>;

  const toml: string[] = ['[server]', `data_dir = "${join(dir, 'data')}"`];
  real.forEach((c, i) =>
    toml.push(
      '[[clusters]]',
      `name = "real-${i}"`,
      `endpoints = ${JSON.stringify(c.endpoints)}`,
      `metrics_urls = ${JSON.stringify(c.members.map((m) => m.metricsUrl))}`,
      'group = "real"',
    ),
  );
  stubClusters.forEach((c, i) =>
    toml.push(
      '[[clusters]]',
      `name = "stub-${i}"`,
      `endpoints = ${JSON.stringify(c.endpoints)}`,
      `metrics_urls = ${JSON.stringify(urls.slice(i * 2, i * 2 + 2))}`,
      'group = "stub"',
    ),
  );
  writeFileSync(join(dir, 'monitor.toml'), toml.join('\n'));
  const members = real.reduce((n, c) => n + c.members.length, 0) + stubClusters.reduce((n, c) => n + c.endpoints.length, 0);
  const clusters = real.length + stubClusters.length;

  const [port] = await freePorts(1);
  // Run the bin as an executable, as `npx etcd-monitor` does, so its shebang's V8 flags apply.
  // MONITOR_NODE_FLAGS="--cpu-prof …" runs it through node with those flags instead (for profiling).
  const flags = process.env.MONITOR_NODE_FLAGS?.split(' ').filter(Boolean);
  const mon = await start(flags ? NODE : join(ROOT, 'packages/cli/bin/etcd-monitor.js'), [
    ...(flags ? [...flags, join(ROOT, 'packages/cli/bin/etcd-monitor.js')] : []),
    'serve',
    '--config',
    join(dir, 'monitor.toml'),
    '--listen',
    `127.0.0.1:${port}`,
  ]);
  const url = /listening on (\S+)/.exec(mon.line)![1]!;
  console.log(`monitor: ${members} members in ${clusters} clusters, default intervals (status 1 s, probes 2 s, /metrics 5 s); warm-up ${WARMUP_S} s, measuring ${MEASURE_S} s`);
  await sleep(WARMUP_S * 1000);
  const s0 = await samplesTotal(url);
  const t0 = performance.now();
  const m = await measure(mon.child.pid!, MEASURE_S);
  const ingest = ((await samplesTotal(url)) - s0) / ((performance.now() - t0) / 1000);
  const heap = await heapBreakdown(url);

  const lat: number[] = [];
  for (let i = 0; i < 300; i++) {
    const t = performance.now();
    const r = await fetch(`${url}/api/v1/clusters`, { signal: AbortSignal.timeout(10_000) });
    await r.arrayBuffer();
    lat.push(performance.now() - t);
  }
  lat.sort((a, b) => a - b);
  const q = (p: number) => lat[Math.min(lat.length - 1, Math.floor(p * lat.length))]!;
  const healthy = ((await (await fetch(`${url}/api/v1/clusters`)).json()) as Array<{ health: { status: string } }>).filter((c) => c.health.status === 'healthy').length;
  const dbFile = join(dir, 'data', 'etcd-monitor.db');
  const storeBytes = statSync(dbFile).size + (existsSync(`${dbFile}-wal`) ? statSync(`${dbFile}-wal`).size : 0);
  const elapsed = WARMUP_S + MEASURE_S + 5;
  const perMemberDay = (storeBytes / members) * (86_400 / elapsed);

  // The peer: Prometheus scraping the same members' /metrics every 5 s.
  let prom: { cpuPct: number; rssAvg: number; rssMax: number } | undefined;
  // BENCH_PEER=0 skips the Prometheus run (for quick comparisons of the monitor alone).
  if (existsSync('/usr/bin/prometheus') && process.env.BENCH_PEER !== '0') {
    const targetsList = [...real.flatMap((c) => c.members.map((x) => new URL(x.metricsUrl).host)), ...urls.map((u) => new URL(u).host)];
    const byPath = urls.map((u) => ({ targets: [new URL(u).host], labels: { __metrics_path__: new URL(u).pathname } }));
    const promCfg = {
      global: { scrape_interval: '5s', scrape_timeout: '2s' },
      scrape_configs: [{ job_name: 'etcd', static_configs: [{ targets: targetsList.slice(0, 6) }, ...byPath] }],
    };
    writeFileSync(join(dir, 'prometheus.yml'), JSON.stringify(promCfg));
    const [pport] = await freePorts(1);
    const p = spawn(
      '/usr/bin/prometheus',
      [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'prom')}`, `--web.listen-address=127.0.0.1:${pport}`],
      { stdio: 'ignore' },
    );
    children.push(p);
    await sleep(WARMUP_S * 1000);
    prom = await measure(p.pid!, MEASURE_S);
  }

  console.log('\n| figure | etcd-monitor | Prometheus 2.42 (same /metrics, 5 s) | target |');
  console.log('| --- | --- | --- | --- |');
  console.log(`| CPU, % of one core | ${m.cpuPct.toFixed(1)} % | ${prom ? `${prom.cpuPct.toFixed(1)} %` : 'n/a'} | < 25 % |`);
  console.log(
    `| RSS, average / max | ${m.rssAvg.toFixed(0)} / ${m.rssMax.toFixed(0)} MB | ${prom ? `${prom.rssAvg.toFixed(0)} / ${prom.rssMax.toFixed(0)} MB` : 'n/a'} | < 200 MB |`,
  );
  console.log(`| samples stored per second | ${ingest.toFixed(0)} | | |`);
  console.log(`| GET /api/v1/clusters (${clusters} clusters) p50 / p95 / p99 | ${q(0.5).toFixed(1)} / ${q(0.95).toFixed(1)} / ${q(0.99).toFixed(1)} ms | | p95 < 50 ms |`);
  console.log(`| clusters healthy at the end | ${healthy} of ${clusters} | | |`);
  console.log(`| store growth per member per day (raw, before rollup and retention) | ${(perMemberDay / 1e6).toFixed(1)} MB | | |`);
  console.log(`\nWhere the monitor's memory is at the end (MB, from its own /metrics): ${heap}`);
  console.log("\nProbes and status calls are the monitor's own work with no Prometheus equivalent; Prometheus does only the /metrics part.");
} finally {
  for (const c of children) c.kill('SIGTERM');
  await sleep(500);
  for (const c of children) c.kill('SIGKILL');
  for (const c of real) await c.stop();
  rmSync(dir, { recursive: true, force: true });
}
