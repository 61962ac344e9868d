// The limit plugin through Redis across two gateway processes: how close the requests allowed in a run come to the
// configured limit. Both gateways share one `limit` (tag = "route", counted in a real redis-server) and are driven well
// over it by keep-alive clients; after a warm-up (so the run starts with the window already full, as a steady overload
// does) the 200s that arrive within `--duration` seconds are counted and set against max × duration / interval.
//
//   node bench/gateway/limit-redis.ts [--max 500] [--interval 1] [--duration 10] [--warmup 2] [--connections 16]
//                                     [--algorithms sliding_window,token_bucket]
//
// Each algorithm is measured in turn, on its own location of the same two gateways. The sliding window forgives what a
// window left unused when it ends, so a client (or a machine) that stalls near a window's end gets less than max; the
// token bucket keeps unused tokens up to `burst`, so the same stall costs nothing.
//
// Needs: redis-server (apt-get install -y redis-server). Loopback only; not run in CI.
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePorts, startRedis, tempDir, until } from '@etcd-monitor/core/testing';
import { opt } from './procs.ts';

const max = Number(opt('max', '500'));
const intervalS = Number(opt('interval', '1'));
const duration = Number(opt('duration', '10'));
const warmup = Number(opt('warmup', '2'));
const connections = Number(opt('connections', '16'));
const algorithms = opt('algorithms', 'sliding_window,token_bucket').split(',');
const root = resolve(fileURLToPath(new URL('../..', import.meta.url)));

const cleanups: (() => unknown)[] = [];
const t = { after: (fn: () => unknown) => void cleanups.push(fn) };
const children: ChildProcess[] = [];
process.on('exit', () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
});

const redis = await startRedis(t);
const upstream = http.createServer((_req, res) => res.end('ok'));
await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
const upPort = (upstream.address() as AddressInfo).port;
const dir = tempDir('limit-bench', t);
const ports = await freePorts(2);

for (const [i, port] of ports.entries()) {
  const file = join(dir, `gw${i}.toml`);
  writeFileSync(
    file,
    `
[basic]
threads = 1
admin_addr = ""
watch = false
log_level = "warn"
[upstreams.up]
addrs = ["127.0.0.1:${upPort}"]
${algorithms
  .map(
    (a) => `
[plugins.${a}]
category = "limit"
type = "rate"
algorithm = "${a}"
tag = "route"
max = ${max}
interval = "${intervalS}s"
headers = false
redis = "${redis.url}"
fail_open = false
[locations.${a}]
upstream = "up"
path = "/${a}"
plugins = ["${a}"]
`,
  )
  .join('')}
[servers.main]
addr = "127.0.0.1:${port}"
locations = [${algorithms.map((a) => `"${a}"`).join(', ')}]
`,
  );
  const c = spawn(process.execPath, [join(root, 'packages/cli/bin/etcd-monitor.js'), 'gateway', '-c', file], { stdio: ['ignore', 'ignore', 'inherit'] });
  children.push(c);
}
for (const port of ports) {
  await until(
    `gateway on ${port}`,
    () => new Promise<boolean>((r) => http.get({ host: '127.0.0.1', port, path: `/${algorithms[0]}` }, (res) => r(res.resume() && true)).on('error', () => r(false))),
    {
      timeoutMs: 60_000,
    },
  );
}

interface Tally {
  ok: number;
  limited: number;
  other: number;
}

/** measure drives both gateways on `path` and counts what arrives within the measured seconds. */
async function measure(path: string): Promise<{ tallies: Tally[]; offered: number }> {
  const tallies = ports.map((): Tally => ({ ok: 0, limited: 0, other: 0 }));
  let sent = 0;
  let running = true;
  let from = Infinity;
  let to = Infinity;
  const loops: Promise<void>[] = [];
  for (const [i, port] of ports.entries()) {
    const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
    for (let c = 0; c < connections; c++) {
      loops.push(
        (async () => {
          while (running) {
            sent++;
            const status = await new Promise<number>((r) => {
              http
                .get({ host: '127.0.0.1', port, path, agent }, (res) => {
                  res.resume();
                  res.on('end', () => r(res.statusCode ?? 0));
                })
                .on('error', () => r(0));
            });
            const now = performance.now();
            if (now < from || now >= to) continue;
            const tally = tallies[i]!;
            if (status === 200) tally.ok++;
            else if (status === 429) tally.limited++;
            else tally.other++;
          }
        })(),
      );
    }
    loops.push(sleep((warmup + duration) * 1000 + 400).then(() => agent.destroy()));
  }
  await sleep(warmup * 1000);
  const sentBefore = sent;
  from = performance.now();
  to = from + duration * 1000;
  await sleep(duration * 1000 + 200);
  running = false;
  await Promise.all(loops);
  return { tallies, offered: Math.round((sent - sentBefore) / (duration + 0.2)) };
}

const expected = (max * duration) / intervalS;
console.log(
  `limit through Redis, 2 gateway processes, max = ${max} per ${intervalS} s, ${duration} s measured after ${warmup} s of warm-up, ${connections} keep-alive connections per gateway`,
);
console.log('');
console.log('| algorithm | gateway 1 allowed | gateway 2 allowed | allowed | configured limit over the run | error | refused (429) | other | offered req/s |');
console.log('|---|---|---|---|---|---|---|---|---|');
let worst = 0;
for (const a of algorithms) {
  const { tallies, offered } = await measure(`/${a}`);
  const allowed = tallies.reduce((n, x) => n + x.ok, 0);
  const refused = tallies.reduce((n, x) => n + x.limited, 0);
  const other = tallies.reduce((n, x) => n + x.other, 0);
  const errorPct = ((allowed - expected) / expected) * 100;
  worst = Math.max(worst, Math.abs(errorPct), other ? Infinity : 0);
  console.log(
    `| ${a} | ${tallies[0]!.ok} | ${tallies[1]!.ok} | ${allowed} | ${expected} | ${errorPct >= 0 ? '+' : ''}${errorPct.toFixed(2)} % | ${refused} | ${other} | ${offered} |`,
  );
}
for (const fn of cleanups.reverse()) await fn();
upstream.close();
for (const c of children) c.kill('SIGTERM');
process.exit(worst <= 1 ? 0 : 1);
