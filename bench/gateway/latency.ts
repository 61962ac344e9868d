// Gateway latency and efficiency at everyday load, side by side with nginx and with the upstream answered directly:
// p50/p90/p99/p99.9/max closed-loop with 1, 8 and 64 connections (wrk), and open-loop at paced rates (paced.ts, latency
// from the intended send time), with each proxy's CPU per request and, for the gateway, its GC activity and bytes
// allocated per request. Same placement as run.ts: the proxy on core 0; wrk, the paced generator and the nginx
// upstream on core 1.
//
//   node bench/gateway/latency.ts [--duration 5] [--warmup 20] [--closed 1,8,64] [--rates 1000,10000,30000]
//                                 [--only direct,nginx,relay,gateway] [--before /path/to/an/older/checkout]
//                                 [--node-flags '--single-threaded-gc'] [--nice]
//
// --warmup is how long each proxy is loaded (64 connections) before anything is measured: V8 keeps compiling and
// deoptimising the hot path for the first ~10–15 s of traffic, on helper threads that share the proxy's core, so a
// shorter warm-up measures the JIT, not the steady state (docs/gateway-latency.md). --nice runs the proxies, the upstream,
// wrk and the paced generator at nice -20, and their autogroup too (as root), so that other load on a shared machine seldom preempts them; the
// proxies' own threads still compete with each other exactly as without it. (SCHED_RR was tried: the kernel's RT
// throttling then stalls every saturated scenario for 50 ms a second.)
//
// --before adds that checkout's gateway (its bin, its build and its shebang's flags) as "gateway before", measured in
// the same run, each scenario right after the current one's. Needs: nginx-light, wrk, util-linux (taskset); `npm run
// build` first. Not run in CI.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { LOAD_CORE, PROXY_CORE, benchDir, nginxConf, opt, start, stopAll, waitPort } from './procs.ts';

const duration = Number(opt('duration', '5'));
const rates = opt('rates', '1000,10000,30000')
  .split(',')
  .filter((x) => x !== 'none')
  .map(Number);
// Closed-loop connection counts; `--closed none` runs the paced rates alone (e.g. to repeat one of them).
const closedConns = opt('closed', '1,8,64')
  .split(',')
  .filter((x) => x !== 'none')
  .map(Number);
const only = opt('only', 'direct,nginx,relay,gateway').split(',');
const before = opt('before', '');
// Extra node flags for the gateway under test (its workers inherit them), to compare V8 settings in one run.
const nodeFlags = opt('node-flags', '').split(' ').filter(Boolean);
const warmup = Number(opt('warmup', '20'));
const nice = process.argv.includes('--nice');
/** PRIO is the command prefix of every process of the bench with --nice. */
const PRIO = nice ? ['nice', '-n', '-20'] : [];
if (nice) {
  if (spawnSync('nice', ['-n', '-20', 'true']).stderr.length) {
    console.error('bench: --nice needs root (nice -n -20 was refused)');
    process.exit(2);
  }
  // With autogroups (Debian's default) nice only weighs within a session's group; the group's own nice is what counts
  // against other sessions' load, and the bench's children stay in its group.
  try {
    writeFileSync('/proc/self/autogroup', '-20');
  } catch {
    // no autogroups: the nice prefix alone does it
  }
}
const root = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const { dir, upstreamBody } = benchDir('gw-latency-');
const UP_PORT = 18091;
const NGINX_PORT = 18092;
const GW_PORT = 18093;
const RELAY_PORT = 18094;
const CLK_TCK = 100;

for (const [cmd, pkg] of [
  ['nginx', 'nginx-light'],
  ['wrk', 'wrk'],
  ['taskset', 'util-linux'],
]) {
  if (spawnSync('sh', ['-c', `command -v ${cmd}`]).status !== 0) {
    console.error(`bench: ${cmd} is missing; install it with: apt-get install -y ${pkg}`);
    process.exit(2);
  }
}

writeFileSync(join(dir, 'up.conf'), nginxConf(dir, UP_PORT, UP_PORT, upstreamBody));
writeFileSync(join(dir, 'peer.conf'), nginxConf(dir, NGINX_PORT, UP_PORT, 'location / { proxy_pass http://up; proxy_http_version 1.1; proxy_set_header Connection ""; }'));
const gwToml = (port: number) => `[basic]
threads = 1
admin_addr = ""
log_level = "warn"
watch = false
[upstreams.up]
addrs = ["127.0.0.1:${UP_PORT}"]
[locations.all]
upstream = "up"
[servers.main]
addr = "127.0.0.1:${port}"
locations = ["all"]
backlog = 4096
`;
// wrk's own HDR histogram, read out at the end of a run: p50 p90 p99 p99.9 max (µs) and the request count.
writeFileSync(
  join(dir, 'pct.lua'),
  `done = function(summary, latency, requests)
  io.write(string.format("PCT %d %d %d %d %d %d %d\\n", latency:percentile(50), latency:percentile(90), latency:percentile(99), latency:percentile(99.9), latency.max, summary.requests, summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
`,
);

/** GcLog collects a gateway worker's `--trace-gc-nvp` lines (one per GC: pause, kind, bytes allocated since the last). */
class GcLog {
  lines: { pid: number; pause: number; kind: string; allocated: number }[] = [];
  feed(chunk: string, carry: { s: string }): void {
    const text = carry.s + chunk;
    const parts = text.split('\n');
    carry.s = parts.pop()!;
    for (const l of parts) {
      const m = /^\[(\d+):.*? pause=([\d.]+) .*?gc=(\w+) .*?allocated=(\d+)/.exec(l);
      if (m) this.lines.push({ pid: Number(m[1]), pause: Number(m[2]), kind: m[3]!, allocated: Number(m[4]) });
    }
  }
  /** since sums the GCs of `pid` logged after mark `from` (an index into lines). */
  since(from: number, pid: number): { scavenges: number; scavengeMs: number; fullGcs: number; fullMs: number; allocated: number } {
    const out = { scavenges: 0, scavengeMs: 0, fullGcs: 0, fullMs: 0, allocated: 0 };
    for (const l of this.lines.slice(from)) {
      if (l.pid !== pid) continue;
      out.allocated += l.allocated;
      if (l.kind === 's' || l.kind === 'mms') {
        out.scavenges++;
        out.scavengeMs += l.pause;
      } else {
        out.fullGcs++;
        out.fullMs += l.pause;
      }
    }
    return out;
  }
}

interface Target {
  name: string;
  port: number;
  /** pids whose CPU is counted (the proxy's processes), read when the target is up. */
  pids: () => number[];
  /** gcPid is the gateway worker's pid (GC figures come from its trace). */
  gcPid?: () => number;
  gc?: GcLog;
  start?: () => Promise<ChildProcess>;
  proc?: ChildProcess;
}

function kids(pid: number): number[] {
  return spawnSync('pgrep', ['-P', String(pid)], { encoding: 'utf8' })
    .stdout.trim()
    .split('\n')
    .filter(Boolean)
    .map(Number);
}

/** tree is a process and its descendants (taskset execs the command, so the spawned pid is the proxy's own). */
function tree(pid: number): number[] {
  const out = [pid];
  for (const k of kids(pid)) out.push(...tree(k));
  return out;
}

function cpuTicks(pids: number[]): number {
  let t = 0;
  for (const pid of pids) {
    try {
      const f = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const rest = f.slice(f.lastIndexOf(')') + 2).split(' ');
      t += Number(rest[11]) + Number(rest[12]);
    } catch {
      // gone
    }
  }
  return t;
}

/** gatewayTarget starts a checkout's gateway as its bin would (the shebang's environment and flags), plus --trace-gc-nvp. */
function gatewayTarget(name: string, checkout: string, port: number, extra: string[] = []): Target {
  const conf = join(dir, `gw-${port}.toml`);
  writeFileSync(conf, gwToml(port));
  const bin = join(checkout, 'packages/cli/bin/etcd-monitor.js');
  const shebang = readFileSync(bin, 'utf8').split('\n', 1)[0]!;
  const words = shebang.replace(/^#!\S+\s+(-S\s+)?/, '').split(/\s+/);
  const env: NodeJS.ProcessEnv = { ...process.env };
  while (words[0] && /^\w+=/.test(words[0])) {
    const [k, v] = words.shift()!.split('=');
    env[k!] = v;
  }
  const flags = [...words.slice(1), ...extra];
  const gc = new GcLog();
  const t: Target = {
    name,
    port,
    gc,
    pids: () => (t.proc ? tree(t.proc.pid!) : []),
    gcPid: () => kids(t.proc!.pid!)[0] ?? 0,
    start: async () => {
      const c = spawn('taskset', ['-c', PROXY_CORE, ...PRIO, process.execPath, ...flags, '--trace-gc-nvp', bin, 'gateway', '-c', conf], {
        stdio: ['ignore', 'pipe', 'pipe'],
        env,
      });
      const carry = { s: '' };
      c.stdout!.setEncoding('utf8');
      c.stdout!.on('data', (d: string) => gc.feed(d, carry));
      c.stderr!.on('data', (d: Buffer) => {
        if (!/"level":30/.test(d.toString())) process.stderr.write(`[${name}] ${d}`);
      });
      return c;
    },
  };
  return t;
}

const targets: Target[] = [];
if (only.includes('direct')) targets.push({ name: 'direct to upstream', port: UP_PORT, pids: () => [] });
if (only.includes('nginx')) {
  const t: Target = {
    name: 'nginx 1 worker',
    port: NGINX_PORT,
    pids: () => (t.proc ? tree(t.proc.pid!) : []),
    start: async () => start(PROXY_CORE, PRIO[0] ?? 'nginx', [...PRIO.slice(1), ...(nice ? ['nginx'] : []), '-c', join(dir, 'peer.conf'), '-e', join(dir, 'peer.err')]),
  };
  targets.push(t);
}
if (only.includes('relay')) {
  // The floor of any Node.js proxy (relay.ts): the gateway's node flags and environment, no HTTP.
  const t: Target = {
    name: 'node relay (floor)',
    port: RELAY_PORT,
    pids: () => (t.proc ? tree(t.proc.pid!) : []),
    start: async () =>
      start(
        PROXY_CORE,
        PRIO[0] ?? process.execPath,
        [...PRIO.slice(1), ...(nice ? [process.execPath] : []), '--max-semi-space-size=4', join(root, 'bench/gateway/relay.ts'), String(RELAY_PORT), String(UP_PORT)],
        {
          ...process.env,
          MALLOC_ARENA_MAX: '1',
        },
      ),
  };
  targets.push(t);
}
if (only.includes('gateway')) targets.push(gatewayTarget('gateway', root, GW_PORT, nodeFlags));
if (before) targets.push(gatewayTarget('gateway before', resolve(before), GW_PORT + 10));

interface Row {
  target: string;
  scenario: string;
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  max: number;
  rps: number;
  errors: number;
  cpuUs: number;
  gc: string;
  allocB: number;
}
const rows: Row[] = [];

function run(cmd: string, args: string[]): Promise<string> {
  return new Promise((r) => {
    const c = spawn('taskset', ['-c', LOAD_CORE, ...PRIO, cmd, ...args]);
    let s = '';
    c.stdout.on('data', (d: Buffer) => (s += d.toString()));
    c.stderr.on('data', (d: Buffer) => process.stderr.write(d));
    c.on('close', () => r(s));
  });
}

async function measure(
  t: Target,
  scenario: string,
  load: () => Promise<{ p50: number; p90: number; p99: number; p999: number; max: number; n: number; errors: number }>,
): Promise<void> {
  const pids = t.pids();
  const gcPid = t.gcPid?.() ?? 0;
  const mark = t.gc?.lines.length ?? 0;
  const c0 = cpuTicks(pids);
  const t0 = performance.now();
  const r = await load();
  const secs = (performance.now() - t0) / 1000;
  // The trace line of a GC is written as it ends; give the last ones time to arrive.
  await sleep(200);
  const cpu = ((cpuTicks(pids) - c0) / CLK_TCK) * 1e6;
  const gc = t.gc?.since(mark, gcPid);
  rows.push({
    target: t.name,
    scenario,
    ...r,
    rps: r.n / secs,
    cpuUs: pids.length && r.n ? cpu / r.n : NaN,
    gc:
      gc && r.n
        ? `${((gc.scavenges / r.n) * 1e5).toFixed(0)} / ${((gc.scavengeMs / r.n) * 1e5).toFixed(0)} ms${gc.fullGcs ? ` +${gc.fullGcs} full ${gc.fullMs.toFixed(0)} ms` : ''}`
        : '',
    allocB: gc && r.n ? gc.allocated / r.n : NaN,
  });
}

async function closed(port: number, conns: number, seconds = duration) {
  const out = await run('wrk', ['-t1', `-c${conns}`, `-d${seconds}s`, '-s', join(dir, 'pct.lua'), `http://127.0.0.1:${port}/`]);
  const m = /PCT (\d+) (\d+) (\d+) (\d+) (\d+) (\d+) (\d+)/.exec(out);
  if (!m) throw new Error(`wrk printed no percentiles:\n${out}`);
  const [p50, p90, p99, p999, max, n, errors] = m.slice(1).map(Number) as [number, number, number, number, number, number, number];
  return { p50: p50 / 1000, p90: p90 / 1000, p99: p99 / 1000, p999: p999 / 1000, max: max / 1000, n, errors };
}

async function paced(port: number, rate: number) {
  const out = await run(process.execPath, [join(root, 'bench/gateway/paced.ts'), String(port), String(rate), String(duration)]);
  const r = JSON.parse(out.trim().split('\n').pop()!) as { done: number; errors: number; p50: number; p90: number; p99: number; p999: number; max: number };
  return { ...r, n: r.done };
}

async function main(): Promise<void> {
  console.log(
    `proxy on core ${PROXY_CORE}; wrk, the paced generator and the nginx upstream on core ${LOAD_CORE}; ${duration}s per scenario after a ${warmup}s warm-up${nice ? '; nice -20 (--nice)' : ''}; load average ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`,
  );
  start(LOAD_CORE, PRIO[0] ?? 'nginx', [...PRIO.slice(1), ...(nice ? ['nginx'] : []), '-c', join(dir, 'up.conf'), '-e', join(dir, 'up.err')]);
  await waitPort(UP_PORT);
  const scenarios: [string, (port: number) => ReturnType<typeof closed>][] = [
    ...closedConns.map((n): [string, (port: number) => ReturnType<typeof closed>] => [`closed, ${n} conn${n === 1 ? '' : 's'}`, (p) => closed(p, n)]),
    ...rates.map((r): [string, (port: number) => ReturnType<typeof closed>] => [`paced ${r / 1000}k/s`, (p) => paced(p, r)]),
  ];
  // Every target is started once and kept; each scenario runs target after target, so that "before" and "after" (and
  // nginx) see the same minute of a shared machine.
  for (const t of targets) {
    if (!t.start) continue;
    t.proc = await t.start();
    await waitPort(t.port);
    await sleep(500);
    // Warm up the JIT and the upstream pools before measuring.
    if (warmup > 0) await closed(t.port, 64, warmup);
  }
  for (const [label, load] of scenarios) for (const t of targets) await measure(t, label, () => load(t.port));
  const header = ['target', 'scenario', 'p50 ms', 'p90 ms', 'p99 ms', 'p99.9 ms', 'max ms', 'req/s', 'errors', 'CPU µs/req', 'scavenges / pause per 100k req', 'alloc B/req'];
  const cells = rows.map((r) => [
    r.target,
    r.scenario,
    r.p50.toFixed(3),
    r.p90.toFixed(3),
    r.p99.toFixed(3),
    r.p999.toFixed(3),
    r.max.toFixed(2),
    r.rps.toFixed(0),
    String(r.errors),
    Number.isNaN(r.cpuUs) ? '' : r.cpuUs.toFixed(1),
    r.gc,
    Number.isNaN(r.allocB) ? '' : r.allocB.toFixed(0),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: string[]) => c.map((x, i) => (i < 2 ? x.padEnd(widths[i]!) : x.padStart(widths[i]!))).join('  ');
  console.log(line(header));
  for (const c of cells) console.log(line(c));
  const get = (target: string, scenario: string) => rows.find((r) => r.target === target && r.scenario === scenario);
  for (const gw of targets.filter((t) => t.gc).map((t) => t.name)) {
    const checks: string[] = [];
    for (const s of ['closed, 1 conn', 'closed, 8 conns']) {
      const g = get(gw, s);
      const d = get('direct to upstream', s);
      if (g && d) checks.push(`${s}: p99 overhead ${(g.p99 - d.p99).toFixed(3)} ms (target < 1)`);
    }
    for (const s of ['closed, 1 conn', 'closed, 8 conns', 'closed, 64 conns']) {
      const g = get(gw, s);
      const n = get('nginx 1 worker', s);
      if (g && n) checks.push(`${s}: p99 ${(g.p99 / n.p99).toFixed(2)}× nginx (≤ 2), p99.9 ${(g.p999 / n.p999).toFixed(2)}× (≤ 3)`);
    }
    const g10 = get(gw, 'paced 10k/s');
    const n10 = get('nginx 1 worker', 'paced 10k/s');
    if (g10 && n10) checks.push(`paced 10k/s: CPU per request ${(g10.cpuUs / n10.cpuUs).toFixed(2)}× nginx (≤ 1.3)`);
    // Against the Node.js relay (relay.ts): the share of the gateway's CPU that is its own HTTP work.
    const r10 = get('node relay (floor)', 'paced 10k/s');
    if (g10 && r10) checks.push(`paced 10k/s: CPU per request ${(g10.cpuUs / r10.cpuUs).toFixed(2)}× the Node relay (${(g10.cpuUs - r10.cpuUs).toFixed(1)} µs of HTTP work)`);
    const alloc = rows.filter((r) => r.target === gw && r.scenario.startsWith('paced') && !Number.isNaN(r.allocB)).map((r) => r.allocB);
    if (alloc.length) checks.push(`allocated per proxied request: ${Math.max(...alloc).toFixed(0)} B at most (target < 2048)`);
    console.log(`${gw}:\n  ${checks.join('\n  ')}`);
  }
  // The same ratios for the relay: what any Node.js proxy pays before its own code (relay.ts).
  const floor: string[] = [];
  for (const s of ['closed, 1 conn', 'closed, 8 conns', 'closed, 64 conns']) {
    const f = get('node relay (floor)', s);
    const n = get('nginx 1 worker', s);
    if (f && n) floor.push(`${s}: p99 ${(f.p99 / n.p99).toFixed(2)}× nginx, p99.9 ${(f.p999 / n.p999).toFixed(2)}×`);
  }
  for (const r of rates) {
    const s = `paced ${r / 1000}k/s`;
    const f = get('node relay (floor)', s);
    const n = get('nginx 1 worker', s);
    if (f && n) floor.push(`${s}: CPU per request ${(f.cpuUs / n.cpuUs).toFixed(2)}× nginx`);
  }
  if (floor.length) console.log(`node relay (floor: no HTTP, the same reads and writes):\n  ${floor.join('\n  ')}`);
}

await main().finally(() => {
  stopAll();
  // The gateways are spawned here (their stdout carries the GC trace), not by start(): stopped here too.
  for (const t of targets) if (t.proc && t.proc.exitCode === null) t.proc.kill('SIGTERM');
});
