// Layer benchmark: how fast is each layer of a Node reverse proxy on one core, next to nginx in the same run.
//
//   node bench/gateway/layers.ts [--duration 5] [--runs 3] [--conns 64] [--path /] [--only nginx-fixed,http-fixed,...]
//
// Variants are in layers-server.ts; nginx-fixed answers from nginx itself, nginx-proxy is nginx proxying (the peer of
// run.ts), gateway is the gateway with one worker. Everything under test is pinned to core 0, wrk and the nginx upstream
// to core 1. Needs nginx-light, wrk, util-linux. Not run in CI.
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { CORES, LOAD_CORE, PROXY_CORE, benchDir, nginxConf, opt, start, stopAll, waitPort } from './procs.ts';

const duration = Number(opt('duration', '5'));
const runs = Number(opt('runs', '3'));
const conns = Number(opt('conns', '64'));
const path = opt('path', '/');
const all = ['nginx-fixed', 'http-fixed', 'raw-fixed', 'raw-fixed-c', 'nginx-proxy', 'http-undici', 'raw-proxy', 'raw-proxy-c', 'gateway'];
const only = opt('only', all.join(',')).split(',');
const here = fileURLToPath(new URL('.', import.meta.url));
const root = resolve(here, '../..');
const { dir, upstreamBody: upBody } = benchDir('gw-layers-');
const UP_PORT = 18181;
const PORT = 18182;

const conf = (port: number, body: string) => nginxConf(dir, port, UP_PORT, body);
writeFileSync(join(dir, 'up.conf'), conf(UP_PORT, upBody));
writeFileSync(join(dir, 'fixed.conf'), conf(PORT, upBody));
writeFileSync(join(dir, 'peer.conf'), conf(PORT, 'location / { proxy_pass http://up; proxy_http_version 1.1; proxy_set_header Connection ""; }'));
writeFileSync(
  join(dir, 'gw.toml'),
  `[basic]\nthreads = 1\nadmin_addr = ""\nlog_level = "warn"\nwatch = false\n[upstreams.up]\naddrs = ["127.0.0.1:${UP_PORT}"]\n[locations.all]\nupstream = "up"\n[servers.main]\naddr = "127.0.0.1:${PORT}"\nlocations = ["all"]\n`,
);

function launch(v: string): ChildProcess {
  if (v === 'nginx-fixed') return start(PROXY_CORE, 'nginx', ['-c', join(dir, 'fixed.conf'), '-e', join(dir, 'fixed.err')]);
  if (v === 'nginx-proxy') return start(PROXY_CORE, 'nginx', ['-c', join(dir, 'peer.conf'), '-e', join(dir, 'peer.err')]);
  if (v === 'gateway') return start(PROXY_CORE, process.execPath, [join(root, 'packages/cli/bin/etcd-monitor.js'), 'gateway', '-c', join(dir, 'gw.toml')]);
  return start(PROXY_CORE, process.execPath, [join(here, 'layers-server.ts'), v, String(PORT), String(UP_PORT)]);
}

interface Result {
  rps: number;
  p99ms: number;
  errors: number;
}

async function wrk(secs: number): Promise<Result> {
  const out = await new Promise<string>((r) => {
    const c = spawn('taskset', ['-c', LOAD_CORE, 'wrk', '-t1', `-c${conns}`, `-d${secs}s`, '--latency', `http://127.0.0.1:${PORT}${path}`]);
    let s = '';
    c.stdout.on('data', (d: Buffer) => (s += d.toString()));
    c.on('close', () => r(s));
  });
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? NaN);
  const m = /99%\s+([\d.]+)(us|ms|s)/.exec(out);
  const p99ms = m ? Number(m[1]) * (m[2] === 'us' ? 0.001 : m[2] === 's' ? 1000 : 1) : NaN;
  const errs = /Non-2xx or 3xx responses:\s+(\d+)/.exec(out);
  const sock = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  return { rps, p99ms, errors: Number(errs?.[1] ?? 0) + (sock ? Number(sock[1]) + Number(sock[2]) + Number(sock[3]) + Number(sock[4]) : 0) };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
  console.log(`cores: ${CORES}; under test on core ${PROXY_CORE}, wrk + nginx upstream on core ${LOAD_CORE}; ${conns} conns, ${path}, ${duration}s x ${runs}, median`);
  start(LOAD_CORE, 'nginx', ['-c', join(dir, 'up.conf'), '-e', join(dir, 'up.err')]);
  await waitPort(UP_PORT);
  // Rounds interleave the variants, so a noisy neighbour slows every variant alike rather than one of them.
  const variants = all.filter((x) => only.includes(x));
  const results = new Map<string, Result[]>(variants.map((v) => [v, []]));
  for (let i = 0; i < runs; i++) {
    for (const v of variants) {
      const proc = launch(v);
      await waitPort(PORT);
      await sleep(300);
      await wrk(2);
      const r = await wrk(duration);
      results.get(v)!.push(r);
      proc.kill('SIGTERM');
      await new Promise((res) => proc.once('exit', res));
      await sleep(300);
    }
  }
  const rows: [string, Result][] = [];
  for (const v of variants) {
    const rs = results.get(v)!;
    const r = { rps: median(rs.map((x) => x.rps)), p99ms: median(rs.map((x) => x.p99ms)), errors: rs.reduce((a, x) => a + x.errors, 0) };
    rows.push([v, r]);
    console.log(
      `${v.padEnd(12)} ${r.rps.toFixed(0).padStart(7)} rps  p99 ${r.p99ms.toFixed(2).padStart(7)} ms  errors ${r.errors}   (runs: ${rs.map((x) => x.rps.toFixed(0)).join(', ')})`,
    );
  }
  const ng = rows.find(([v]) => v === 'nginx-proxy')?.[1];
  const nf = rows.find(([v]) => v === 'nginx-fixed')?.[1];
  for (const [v, r] of rows) {
    const base = v.includes('fixed') ? nf : ng;
    if (base && r !== base)
      console.log(`${v} / ${v.includes('fixed') ? 'nginx-fixed' : 'nginx-proxy'}: ${(r.rps / base.rps).toFixed(2)}x rps, ${(r.p99ms / base.p99ms).toFixed(2)}x p99`);
  }
}

await main().finally(stopAll);
