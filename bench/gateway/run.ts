// Gateway benchmark: nginx (Debian package) as the upstream and as the peer proxy, our gateway, optionally @fastify/http-proxy;
// the proxy under test is pinned to one core, wrk and the upstream to the other. Prints rps, p99 and RSS side by side.
//
//   node bench/gateway/run.ts [--duration 10] [--runs 1] [--only nginx,gateway,fastify,compression,cache]
//
// `compression` and `cache` compare the response plugins with nginx doing the same job in the same run: gzip level 6 of a
// 16 KiB JSON body (`gzip on; gzip_comp_level 6`), and cache hits of that body (`proxy_cache`).
//
// Needs: nginx-light, wrk, util-linux (taskset). Not run in CI.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync, existsSync, mkdirSync } from 'node:fs';
import http from 'node:http';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import net from 'node:net';
import { CORES, LOAD_CORE, PROXY_CORE, benchDir, nginxConf, opt, start, stopAll, waitPort } from './procs.ts';

const duration = Number(opt('duration', '10'));
const runs = Number(opt('runs', '1'));
const only = opt('only', 'nginx,gateway,fastify,compression,cache').split(',');
const root = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const { dir, upstreamBody } = benchDir('gw-bench-');
const UP_PORT = 18081;
const NGINX_PORT = 18082;
const GW_PORT = 18083;
const FASTIFY_PORT = 18084;

function need(cmd: string, pkg: string): void {
  if (spawnSync('sh', ['-c', `command -v ${cmd}`]).status !== 0) {
    console.error(`bench: ${cmd} is missing; install it with: apt-get install -y ${pkg}`);
    process.exit(2);
  }
}
need('nginx', 'nginx-light');
need('wrk', 'wrk');
need('taskset', 'util-linux');

// The gateway runs as users run it: the bin as an executable (its shebang sets the memory flags and the JavaScript build
// under packages/*/dist is used when fresh — `npm run build` first), with the Node.js 24 of node_modules first on PATH.
const BIN = join(root, 'packages/cli/bin/etcd-monitor.js');
process.env.PATH = `${dirname(process.execPath)}:${process.env.PATH}`;

function rssMb(pid: number): number {
  // nginx's master forks the worker; the proxy's worker is the interesting process.
  const kids = spawnSync('pgrep', ['-P', String(pid)], { encoding: 'utf8' })
    .stdout.trim()
    .split('\n')
    .filter(Boolean)
    .map(Number);
  const target = kids.length ? kids[0]! : pid;
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${target}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : NaN;
  } catch {
    return NaN;
  }
}

// Upstream: nginx, one worker, small body and a 16 KiB file.
const nginxBase = (port: number, body: string) => nginxConf(dir, port, UP_PORT, body);
writeFileSync(join(dir, 'up.conf'), nginxBase(UP_PORT, upstreamBody));
writeFileSync(join(dir, 'peer.conf'), nginxBase(NGINX_PORT, 'location / { proxy_pass http://up; proxy_http_version 1.1; proxy_set_header Connection ""; }'));
writeFileSync(
  join(dir, 'gw.toml'),
  `[basic]
threads = 1
admin_addr = ""
log_level = "warn"
watch = false
[upstreams.up]
addrs = ["127.0.0.1:${UP_PORT}"]
[locations.all]
upstream = "up"
[servers.main]
addr = "127.0.0.1:${GW_PORT}"
locations = ["all"]
# The same listen queue as the nginx peer's (nginxConf: backlog=4096).
backlog = 4096
`,
);
const RELOAD_ADMIN = 18085;
const locations = Array.from({ length: 1000 }, (_, i) => `[locations.l${i}]\nupstream = "up"\npath = "/svc${i}/"\n`).join('');
const reloadConf = (remark: string) => `[basic]
threads = 1
admin_addr = "127.0.0.1:${RELOAD_ADMIN}"
admin_token = "bench"
log_level = "warn"
watch = false
remark = "${remark}"
[upstreams.up]
addrs = ["127.0.0.1:${UP_PORT}"]
[locations.all]
upstream = "up"
${locations}
[servers.main]
addr = "127.0.0.1:${GW_PORT}"
locations = ["all", ${Array.from({ length: 1000 }, (_, i) => `"l${i}"`).join(', ')}]
`;

/** reloadUnderLoad runs wrk against a gateway with 1,000 locations while the config is reloaded every second through the admin API. */
async function reloadUnderLoad(): Promise<string> {
  const file = join(dir, 'gw-reload.toml');
  writeFileSync(file, reloadConf('a'));
  const proc = start(PROXY_CORE, BIN, ['gateway', '-c', file]);
  await waitPort(GW_PORT);
  await waitPort(RELOAD_ADMIN);
  const times: number[] = [];
  let failures = 0;
  let stop = false;
  const reloader = (async () => {
    for (let i = 0; !stop; i++) {
      await sleep(1000);
      writeFileSync(file, reloadConf(String(i)));
      const res = await fetch(`http://127.0.0.1:${RELOAD_ADMIN}/admin/reload`, { method: 'POST', headers: { authorization: 'Bearer bench' } });
      const body = (await res.json()) as { ok: boolean; ms: number };
      if (body.ok) times.push(body.ms);
      else failures++;
    }
  })();
  const r = await wrk(GW_PORT, '/', 64, proc.pid!);
  stop = true;
  await reloader;
  proc.kill('SIGTERM');
  await new Promise((res) => proc.once('exit', res));
  return `reload under load (1,000 locations, every 1 s, 64 conns): ${times.length} reloads ok, ${failures} rejected, slowest ${Math.max(...times).toFixed(1)} ms (validate + compile in both processes), median ${median(times).toFixed(1)} ms; ${r.rps.toFixed(0)} rps, ${r.errors} failed requests`;
}

interface Result {
  rps: number;
  p99ms: number;
  errors: number;
}

function parseWrk(out: string): Result {
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? NaN);
  const m = /99%\s+([\d.]+)(us|ms|s)/.exec(out);
  const p99ms = m ? Number(m[1]) * (m[2] === 'us' ? 0.001 : m[2] === 's' ? 1000 : 1) : NaN;
  const errs = /Non-2xx or 3xx responses:\s+(\d+)/.exec(out);
  const sock = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  return { rps, p99ms, errors: Number(errs?.[1] ?? 0) + (sock ? Number(sock[1]) + Number(sock[2]) + Number(sock[3]) + Number(sock[4]) : 0) };
}

async function wrk(port: number, path: string, conns: number, pid: number, headers: string[] = []): Promise<Result & { rssLoad: number }> {
  let peak = 0;
  const sampler = setInterval(() => (peak = Math.max(peak, rssMb(pid) || 0)), 250);
  const out = await new Promise<string>((r) => {
    const h = headers.flatMap((x) => ['-H', x]);
    const c = spawn('taskset', ['-c', LOAD_CORE, 'wrk', '-t1', `-c${conns}`, `-d${duration}s`, '--latency', ...h, `http://127.0.0.1:${port}${path}`]);
    let s = '';
    c.stdout.on('data', (d: Buffer) => (s += d.toString()));
    c.on('close', () => r(s));
  });
  clearInterval(sampler);
  return { ...parseWrk(out), rssLoad: peak };
}

/** holdConnections opens `n` keep-alive connections (500 at a time), sends one request on each and keeps them all open; it resolves with how many got a 200. */
async function holdConnections(port: number, n: number): Promise<{ ok: number; sockets: net.Socket[]; other: string }> {
  const sockets: net.Socket[] = [];
  let ok = 0;
  // What the connections that did not get a 200 got instead (a status line or a socket error), with counts.
  const other = new Map<string, number>();
  const count = (k: string) => other.set(k, (other.get(k) ?? 0) + 1);
  const one = () =>
    new Promise<void>((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => s.write('GET / HTTP/1.1\r\nHost: bench\r\n\r\n'));
      sockets.push(s);
      s.once('data', (d: Buffer) => {
        const status = d.toString('latin1').split('\r\n', 1)[0]!;
        if (status.startsWith('HTTP/1.1 200')) ok++;
        else count(status);
        resolve();
      });
      s.on('error', (e: NodeJS.ErrnoException) => {
        count(e.code ?? e.message);
        resolve();
      });
    });
  for (let i = 0; i < n; i += 500) await Promise.all(Array.from({ length: Math.min(500, n - i) }, one));
  return { ok, sockets, other: [...other].map(([k, v]) => `${v} × ${k}`).join(', ') };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** bodySize fetches one response and returns its status, its body's length on the wire (still encoded) and its Content-Encoding and Cache-Status. */
function bodySize(port: number, path: string, headers: http.OutgoingHttpHeaders): Promise<{ status: number; bytes: number; encoding: string; cache: string }> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path, headers, agent: false }, (res) => {
        let bytes = 0;
        res.on('data', (c: Buffer) => (bytes += c.length));
        res.on('end', () =>
          resolve({
            status: res.statusCode!,
            bytes,
            encoding: String(res.headers['content-encoding'] ?? 'identity'),
            cache: String(res.headers['cache-status'] ?? res.headers['x-cache'] ?? ''),
          }),
        );
      })
      .on('error', reject);
  });
}

const PLUG_UP_PORT = 18171;
const PLUG_NGINX_PORT = 18172;
const PLUG_GW_PORT = 18173;

/**
 * responsePlugins measures the response plugins against nginx doing the same job in this run: `compression` (gzip level 6
 * of a 16 KiB JSON body, with the compressed sizes) and `cache` (hits of that body, nginx `proxy_cache`). Each proxy is
 * pinned to the proxy core in turn, behind one nginx upstream that serves the JSON with `Cache-Control: max-age=3600`.
 */
async function responsePlugins(): Promise<string[]> {
  const www = join(dir, 'www');
  // A realistic API answer: 16 KiB of records, compressible as JSON is (not 16 KiB of one letter).
  const items = [];
  for (let i = 0; JSON.stringify(items).length < 16 * 1024 - 120; i++)
    items.push({ id: i, name: `user-${i}`, email: `user${i}@example.com`, active: i % 3 !== 0, score: (i * 7919) % 1000, tags: ['a', 'b', String(i % 17)] });
  writeFileSync(join(www, '16k.json'), JSON.stringify({ items }));
  writeFileSync(join(dir, 'plug-up.conf'), nginxConf(dir, PLUG_UP_PORT, PLUG_UP_PORT, `root ${www}; location = /16k.json { default_type application/json; expires 1h; }`));
  mkdirSync(join(dir, 'proxy-cache'), { recursive: true });
  const pass = `proxy_pass http://plugup/16k.json; proxy_http_version 1.1; proxy_set_header Connection "";`;
  writeFileSync(
    join(dir, 'plug-peer.conf'),
    nginxConf(
      dir,
      PLUG_NGINX_PORT,
      PLUG_UP_PORT,
      `location = /gz { ${pass} gzip on; gzip_comp_level 6; gzip_types application/json; gzip_min_length 1; gzip_proxied any; gzip_vary on; }
    location = /cache { ${pass} proxy_cache hot; proxy_cache_valid 200 1h; proxy_cache_lock on; add_header X-Cache $upstream_cache_status; }`,
    ).replace(
      '  upstream up {',
      `  upstream plugup { server 127.0.0.1:${PLUG_UP_PORT}; keepalive 256; }
  proxy_cache_path ${dir}/proxy-cache levels=1:2 keys_zone=hot:10m max_size=100m;
  upstream up {`,
    ),
  );
  writeFileSync(
    join(dir, 'plug-gw.toml'),
    `[basic]
threads = 1
admin_addr = ""
log_level = "warn"
watch = false
[upstreams.up]
addrs = ["127.0.0.1:${PLUG_UP_PORT}"]
[plugins.gz]
category = "compression"
gzip_level = 6
[plugins.hot]
category = "cache"
[locations.gz]
upstream = "up"
path = "=/gz"
rewrite = "/16k.json"
plugins = ["gz"]
[locations.cache]
upstream = "up"
path = "=/cache"
rewrite = "/16k.json"
plugins = ["hot"]
[servers.main]
addr = "127.0.0.1:${PLUG_GW_PORT}"
locations = ["gz", "cache"]
backlog = 4096
`,
  );
  start(LOAD_CORE, 'nginx', ['-c', join(dir, 'plug-up.conf'), '-e', join(dir, 'plug-up.err')]);
  await waitPort(PLUG_UP_PORT);
  const scenarios: { name: string; path: string; headers: string[] }[] = [];
  if (only.includes('compression')) scenarios.push({ name: 'gzip 6, 16 KiB JSON, 64 conns', path: '/gz', headers: ['Accept-Encoding: gzip'] });
  if (only.includes('cache')) scenarios.push({ name: 'cache hit, 16 KiB JSON, 64 conns', path: '/cache', headers: [] });
  const proxies = [
    { name: 'nginx 1 worker', port: PLUG_NGINX_PORT, proc: () => start(PROXY_CORE, 'nginx', ['-c', join(dir, 'plug-peer.conf'), '-e', join(dir, 'plug-peer.err')]) },
    { name: 'etcd-monitor gateway', port: PLUG_GW_PORT, proc: () => start(PROXY_CORE, BIN, ['gateway', '-c', join(dir, 'plug-gw.toml')]) },
  ];
  const rows: string[][] = [];
  const rps = new Map<string, number>();
  for (const p of proxies) {
    const proc = p.proc();
    await waitPort(p.port);
    await sleep(1000);
    for (const sc of scenarios) {
      const hdrs = Object.fromEntries(sc.headers.map((h) => h.split(': ') as [string, string]));
      // The first request fills the cache; the one after it shows what the measured requests get.
      await bodySize(p.port, sc.path, hdrs);
      const one = await bodySize(p.port, sc.path, hdrs);
      await wrk(p.port, sc.path, 64, proc.pid!, sc.headers).catch(() => undefined);
      const rs = [];
      for (let i = 0; i < runs; i++) rs.push(await wrk(p.port, sc.path, 64, proc.pid!, sc.headers));
      const r = median(rs.map((x) => x.rps));
      rps.set(`${p.name}|${sc.name}`, r);
      rows.push([
        p.name,
        sc.name,
        r.toFixed(0),
        median(rs.map((x) => x.p99ms)).toFixed(2),
        String(rs.reduce((a, x) => a + x.errors, 0)),
        `${one.bytes} B ${one.encoding}`,
        one.cache || '-',
      ]);
    }
    proc.kill('SIGTERM');
    await new Promise((r) => proc.once('exit', r));
  }
  const header = ['proxy', 'scenario', 'rps', 'p99 ms', 'errors', 'body on the wire', 'cache status'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) => r.map((c, i) => (i < 2 || i > 4 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  const out = [line(header), ...rows.map(line)];
  const targets: Record<string, number> = { 'gzip 6, 16 KiB JSON, 64 conns': 0.5, 'cache hit, 16 KiB JSON, 64 conns': 0.6 };
  for (const sc of scenarios) {
    const ratio = rps.get(`etcd-monitor gateway|${sc.name}`)! / rps.get(`nginx 1 worker|${sc.name}`)!;
    out.push(`gateway / nginx, ${sc.name}: ${ratio.toFixed(2)}x rps (target >= ${targets[sc.name]}x: ${ratio >= targets[sc.name]! ? 'met' : 'NOT met'})`);
  }
  return out;
}

async function main(): Promise<void> {
  console.log(`cores: ${CORES}; proxy on core ${PROXY_CORE}, wrk + nginx upstream on core ${LOAD_CORE}; ${duration}s per run, ${runs} run(s), median shown`);
  start(LOAD_CORE, 'nginx', ['-c', join(dir, 'up.conf'), '-e', join(dir, 'up.err')]);
  await waitPort(UP_PORT);
  if (only.includes('compression') || only.includes('cache')) for (const l of await responsePlugins()) console.log(l);
  const proxies: { name: string; port: number; proc: () => ChildProcess }[] = [];
  if (only.includes('nginx'))
    proxies.push({ name: 'nginx 1 worker', port: NGINX_PORT, proc: () => start(PROXY_CORE, 'nginx', ['-c', join(dir, 'peer.conf'), '-e', join(dir, 'peer.err')]) });
  if (only.includes('gateway')) proxies.push({ name: 'etcd-monitor gateway', port: GW_PORT, proc: () => start(PROXY_CORE, BIN, ['gateway', '-c', join(dir, 'gw.toml')]) });
  const fastifyAvailable = existsSync(join(root, 'node_modules/@fastify/http-proxy'));
  if (only.includes('fastify') && fastifyAvailable)
    proxies.push({
      name: '@fastify/http-proxy',
      port: FASTIFY_PORT,
      proc: () =>
        start(PROXY_CORE, process.execPath, [join(root, 'bench/gateway/fastify-proxy.ts')], {
          ...process.env,
          UPSTREAM: `http://127.0.0.1:${UP_PORT}`,
          PORT: String(FASTIFY_PORT),
        }),
    });
  if (only.includes('fastify') && !fastifyAvailable) console.log('(@fastify/http-proxy is not installed: skipped)');
  const scenarios: [string, string, number][] = [
    ['small, 64 conns', '/', 64],
    ['16 KiB, 64 conns', '/16k', 64],
    ['small, 256 conns', '/', 256],
  ];
  const rows: string[][] = [];
  const holds: string[] = [];
  for (const p of proxies) {
    const proc = p.proc();
    await waitPort(p.port);
    await sleep(1000);
    const idle = rssMb(proc.pid!);
    // Warm up the JIT and the upstream pools before measuring.
    await wrk(p.port, '/', 64, proc.pid!).catch(() => undefined);
    for (const [label, path, conns] of scenarios) {
      const rs = [];
      for (let i = 0; i < runs; i++) rs.push(await wrk(p.port, path, conns, proc.pid!));
      rows.push([
        p.name,
        label,
        median(rs.map((r) => r.rps)).toFixed(0),
        median(rs.map((r) => r.p99ms)).toFixed(2),
        String(rs.reduce((a, r) => a + r.errors, 0)),
        idle.toFixed(0),
        Math.max(...rs.map((r) => r.rssLoad)).toFixed(0),
      ]);
    }
    const held = await holdConnections(p.port, 10_000);
    await sleep(500);
    const rssHeld = rssMb(proc.pid!);
    const stillOpen = held.sockets.filter((s) => !s.destroyed).length;
    holds.push(
      `${p.name}: ${held.ok} of 10000 keep-alive connections answered${held.other ? ` (others: ${held.other})` : ''}, ${stillOpen} still open, RSS ${rssHeld.toFixed(0)} MB`,
    );
    for (const s of held.sockets) s.destroy();
    proc.kill('SIGTERM');
    await new Promise((r) => proc.once('exit', r));
  }
  const header = ['proxy', 'scenario', 'rps', 'p99 ms', 'errors', 'RSS idle MB', 'RSS load MB'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) => r.map((c, i) => (i < 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  if (rows.length) console.log(line(header));
  for (const r of rows) console.log(line(r));
  for (const h of holds) console.log(h);
  if (only.includes('gateway')) console.log(await reloadUnderLoad());
  const base = new Map(rows.filter((r) => r[0] === 'nginx 1 worker').map((r) => [r[1], r]));
  for (const r of rows) {
    const b = base.get(r[1]!);
    if (b && r[0] !== b[0]) console.log(`${r[0]} / nginx, ${r[1]}: ${(Number(r[2]) / Number(b[2])).toFixed(2)}x rps, ${(Number(r[3]) / Number(b[3])).toFixed(2)}x p99`);
  }
}

await main().finally(stopAll);
