// Gateway benchmark: nginx (Debian package) as the upstream and as the peer proxy, our gateway, optionally @fastify/http-proxy;
// the proxy under test is pinned to one core, wrk and the upstream to the other. Prints rps, p99 and RSS side by side.
//
//   node bench/gateway/run.ts [--duration 10] [--runs 1] [--requests 20000] [--only nginx,gateway,fastify,compression,cache,plugins]
//
// `compression` and `cache` compare the response plugins with nginx doing the same job in the same run: gzip level 6 of a
// 16 KiB JSON body (`gzip on; gzip_comp_level 6`), and cache hits of that body (`proxy_cache`). `plugins` runs the product
// spec's chain (jwt HS256 + limit + request_id) on small/64 beside nginx plain proxying, then each built-in plugin alone:
// the gateway's CPU time per request over `--requests` requests (h2load), minus the same without plugins.
//
// Needs: nginx-light, wrk, nghttp2-client (h2load, for `plugins`), util-linux (taskset). Not run in CI.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHmac } from 'node:crypto';
import bcrypt from 'bcryptjs';
import { readFileSync, writeFileSync, existsSync, mkdirSync } from 'node:fs';
import http from 'node:http';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import net from 'node:net';
import { CORES, LOAD_CORE, PROXY_CORE, benchDir, nginxConf, opt, start, stopAll, waitPort } from './procs.ts';

const duration = Number(opt('duration', '10'));
const runs = Number(opt('runs', '1'));
const only = opt('only', 'nginx,gateway,fastify,compression,cache,plugins').split(',');
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
if (only.includes('plugins')) need('h2load', 'nghttp2-client');

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

const PB_GW_PORT = 18174;
const JWT_SECRET = 'your-secret-key';

/** hs256 signs `claims` as a compact HS256 JSON Web Token with `secret`. */
function hs256(claims: object, secret: string): string {
  const part = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const head = `${part({ alg: 'HS256', typ: 'JWT' })}.${part(claims)}`;
  return `${head}.${createHmac('sha256', secret).update(head).digest('base64url')}`;
}

/** treeCpuTicks sums utime+stime (clock ticks, /proc/PID/stat) of `pid` and all its descendants. */
function treeCpuTicks(pid: number): number {
  let ticks = 0;
  try {
    // Fields after the command's closing parenthesis start at field 3 (state); utime and stime are fields 14 and 15.
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    ticks += Number(f[11]) + Number(f[12]);
  } catch {
    return 0;
  }
  const kids = spawnSync('pgrep', ['-P', String(pid)], { encoding: 'utf8' })
    .stdout.trim()
    .split('\n')
    .filter(Boolean)
    .map(Number);
  for (const k of kids) ticks += treeCpuTicks(k);
  return ticks;
}

/** h2loadN sends exactly `n` HTTP/1.1 requests over 16 keep-alive connections (h2load, pinned to the load core) and returns how many succeeded. */
function h2loadN(port: number, path: string, n: number, headers: string[]): Promise<{ ok: number; out: string }> {
  return new Promise((r) => {
    const c = spawn('taskset', ['-c', LOAD_CORE, 'h2load', '--h1', '-n', String(n), '-c', '16', ...headers.flatMap((h) => ['-H', h]), `http://127.0.0.1:${port}${path}`]);
    let s = '';
    c.stdout.on('data', (d: Buffer) => (s += d.toString()));
    c.on('close', () => r({ ok: Number(/(\d+) succeeded/.exec(s)?.[1] ?? 0), out: s }));
  });
}

/** One plugin measured alone: its `[plugins.X]` keys (TOML lines), the request headers that let a request through, and a note. */
interface PluginCase {
  category: string;
  toml: string;
  headers?: string[];
  path?: string;
  note?: string;
}

/**
 * pluginCases configures each built-in plugin so that a GET of the small body passes through it to the upstream (or, where
 * the plugin answers by itself, is answered by it — the note says so).
 */
function pluginCases(): PluginCase[] {
  const token = hs256({ sub: 'bench', exp: Math.floor(Date.now() / 1000) + 86_400 }, JWT_SECRET);
  return [
    { category: 'request_id', toml: '' },
    { category: 'mock', toml: 'path = "/never"', note: 'path does not match: passes' },
    { category: 'jwt', toml: `secret = "${JWT_SECRET}"\nalgorithm = "HS256"`, headers: [`Authorization: Bearer ${token}`], note: 'HS256, valid token' },
    { category: 'key_auth', toml: 'header = "X-API-Key"\nkeys = ["k1", "k2"]', headers: ['X-API-Key: k2'] },
    {
      category: 'basic_auth',
      toml: `htpasswd = ['alice:${bcrypt.hashSync('password', 5)}']`,
      headers: [`Authorization: Basic ${Buffer.from('alice:password').toString('base64')}`],
      note: 'bcrypt; a checked password is remembered',
    },
    { category: 'forward_auth', toml: `auth_url = "http://127.0.0.1:${UP_PORT}/"`, note: 'includes the sub-request to an nginx auth service' },
    { category: 'combined_auth', toml: 'plugins = ["pb_key_auth"]', headers: ['X-API-Key: k2'], note: 'one key_auth method' },
    { category: 'csrf', toml: 'token_path = "/csrf-token"\nkey = "bench-secret-bench-secret"', note: 'GET: no token needed' },
    { category: 'ip_restriction', toml: 'type = "allow"\nip_list = ["127.0.0.1", "10.0.0.0/8", "::1"]' },
    { category: 'referer_restriction', toml: 'type = "deny"\nreferer_list = ["*.bad.example"]', headers: ['Referer: https://good.example/'] },
    { category: 'ua_restriction', toml: 'type = "deny"\nua_list = ["^curl/", "bot"]' },
    { category: 'cors', toml: 'allow_origins = ["https://app.example.com"]', headers: ['Origin: https://app.example.com'], note: 'simple request with an allowed Origin' },
    { category: 'stats', toml: 'path = "/stats"', note: 'path does not match: passes (counts)' },
    { category: 'ping', toml: 'path = "/ping"', note: 'path does not match: passes' },
    // The plugin looks files up by the request's whole path: /p/directory/16k is dirroot/p/directory/16k.
    { category: 'directory', toml: `path = "${join(dir, 'dirroot')}"`, path: '/16k', note: 'answers a 16 KiB file itself (no upstream)' },
    { category: 'limit', toml: 'type = "rate"\ntag = "ip"\nmax = 1000000000\ninterval = "1s"', note: 'local, never reached' },
    { category: 'compression', toml: 'gzip_level = 6', headers: ['Accept-Encoding: gzip'], note: 'gzip 6 of the 11-byte body (min_length 0)' },
    { category: 'cache', toml: '', note: 'upstream answer has no Cache-Control' },
    { category: 'request_size_limit', toml: 'max_size = "1MiB"' },
    { category: 'traffic_split', toml: 'upstream = "up2"\nweight = 50' },
    { category: 'redirect', toml: 'http_to_https = true', note: 'answers 301 itself (no upstream)' },
    { category: 'rewrite', toml: `rules = ['^/(.*)$ /$1']` },
    { category: 'response_headers', toml: 'set_headers = ["X-Frame-Options: DENY"]\nremove_headers = ["Server"]' },
  ];
}

/**
 * pluginCosts measures, in one gateway process, (1) the product spec's chain (jwt HS256 + limit + request_id) on the
 * small/64 scenario beside nginx plain proxying, and (2) each built-in plugin alone: the gateway's CPU time (utime+stime
 * of the process tree from /proc) over a fixed number of requests, minus the same through a location without plugins.
 */
async function pluginCosts(): Promise<string[]> {
  const n = Number(opt('requests', '20000'));
  mkdirSync(join(dir, 'dirroot/p/directory'), { recursive: true });
  writeFileSync(join(dir, 'dirroot/p/directory/16k'), 'x'.repeat(16 * 1024));
  const cases = pluginCases();
  const token = hs256({ sub: 'bench', exp: Math.floor(Date.now() / 1000) + 86_400 }, JWT_SECRET);
  const loc = (name: string, plugins: string[], path: string) =>
    `[locations.${name}]\nupstream = "up"\npath = "${path}"\nrewrite = "/"\nplugins = [${plugins.map((p) => `"${p}"`).join(', ')}]\n`;
  let conf = `[basic]
threads = 1
admin_addr = ""
log_level = "warn"
watch = false
[upstreams.up]
addrs = ["127.0.0.1:${UP_PORT}"]
[upstreams.up2]
addrs = ["127.0.0.1:${UP_PORT}"]
# The product spec's chain, as docs/gateway-plugins.md writes it, except the limit: 100 per second would answer 429.
[plugins.jwt_auth]
type = "jwt"
secret = "${JWT_SECRET}"
algorithm = "HS256"
[plugins.rate_limit]
category = "limit"
type = "rate"
tag = "ip"
max = 1000000000
interval = "1s"
[plugins.request_id]
${loc('chain', ['jwt_auth', 'rate_limit', 'request_id'], '/chain/')}${loc('none', [], '/p/none/')}`;
  const names: string[] = ['chain', 'none'];
  for (const c of cases) {
    conf += `[plugins.pb_${c.category}]\ncategory = "${c.category}"\n${c.toml}\n`;
    conf +=
      c.category === 'directory'
        ? `[locations.${c.category}]\npath = "/p/directory/"\nrewrite = "/"\nplugins = ["pb_directory"]\n`
        : loc(c.category, [`pb_${c.category}`], `/p/${c.category}/`);
    names.push(c.category);
  }
  conf += `[servers.main]\naddr = "127.0.0.1:${PB_GW_PORT}"\nlocations = [${names.map((x) => `"${x}"`).join(', ')}]\nbacklog = 4096\n`;
  writeFileSync(join(dir, 'plugins-gw.toml'), conf);
  const out: string[] = [];
  // (1) The chain on small/64 beside nginx plain proxying: both run on the proxy core and take turns, `--runs` times each
  // (median shown), so a burst of load from elsewhere on the machine hits both alike.
  const nginx = start(PROXY_CORE, 'nginx', ['-c', join(dir, 'peer.conf'), '-e', join(dir, 'peer.err')]);
  const gw = start(PROXY_CORE, BIN, ['gateway', '-c', join(dir, 'plugins-gw.toml')]);
  await waitPort(NGINX_PORT);
  await waitPort(PB_GW_PORT);
  await sleep(1000);
  const auth = [`Authorization: Bearer ${token}`];
  await wrk(NGINX_PORT, '/', 64, nginx.pid!).catch(() => undefined);
  await wrk(PB_GW_PORT, '/chain/', 64, gw.pid!, auth).catch(() => undefined);
  const nginxRs = [];
  const chainRs = [];
  const plainRs = [];
  for (let i = 0; i < runs; i++) {
    nginxRs.push(await wrk(NGINX_PORT, '/', 64, nginx.pid!));
    chainRs.push(await wrk(PB_GW_PORT, '/chain/', 64, gw.pid!, auth));
    plainRs.push(await wrk(PB_GW_PORT, '/p/none/', 64, gw.pid!));
  }
  nginx.kill('SIGTERM');
  await new Promise((r) => nginx.once('exit', r));
  const rpsOf = (rs: Result[]) => median(rs.map((r) => r.rps));
  const errs = (rs: Result[]) => rs.reduce((a, r) => a + r.errors, 0);
  out.push(
    `small, 64 conns (median of ${runs}): nginx 1 worker ${rpsOf(nginxRs).toFixed(0)} rps (${errs(nginxRs)} errors); gateway without plugins ${rpsOf(plainRs).toFixed(0)} rps; gateway jwt HS256 + limit + request_id ${rpsOf(chainRs).toFixed(0)} rps (${errs(chainRs)} errors)`,
  );
  const ratio = rpsOf(chainRs) / rpsOf(nginxRs);
  out.push(`gateway spec chain / nginx plain proxying, small, 64 conns: ${ratio.toFixed(2)}x rps (target >= 0.45x: ${ratio >= 0.45 ? 'met' : 'NOT met'})`);
  // (2) Each plugin alone: CPU per request, minus the plugin-less location's, measured before and after the plugins.
  const tck = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;
  const measure = async (path: string, headers: string[]) => {
    await h2loadN(PB_GW_PORT, path, Math.ceil(n / 4), headers);
    const before = treeCpuTicks(gw.pid!);
    const r = await h2loadN(PB_GW_PORT, path, n, headers);
    const us = ((treeCpuTicks(gw.pid!) - before) / tck / n) * 1e6;
    return { us, ok: r.ok };
  };
  const base1 = await measure('/p/none/', []);
  const rows: { name: string; us: number; ok: number; note: string }[] = [];
  const chainCpu = await measure('/chain/', auth);
  for (const c of cases) {
    const m = await measure(`/p/${c.category}${c.path ?? '/'}`, c.headers ?? []);
    rows.push({ name: c.category, ...m, note: c.note ?? '' });
  }
  const base2 = await measure('/p/none/', []);
  gw.kill('SIGTERM');
  await new Promise((r) => gw.once('exit', r));
  const base = (base1.us + base2.us) / 2;
  out.push(
    `CPU per request (gateway process tree, utime+stime from /proc, ${n} requests each over 16 conns after ${Math.ceil(n / 4)} warm-up ones): no plugins ${base1.us.toFixed(1)} µs before, ${base2.us.toFixed(1)} µs after the plugins (${(1e6 / tck / n).toFixed(2)} µs per clock tick)`,
  );
  out.push('| plugin | µs CPU / request | cost over no plugin (µs) | 2xx/3xx of n | configured as |');
  out.push('|---|---:|---:|---:|---|');
  const row = (name: string, m: { us: number; ok: number }, note: string) => out.push(`| ${name} | ${m.us.toFixed(1)} | ${(m.us - base).toFixed(1)} | ${m.ok} | ${note} |`);
  row('(none)', { us: base, ok: base1.ok }, 'mean of the two runs');
  row('jwt + limit + request_id', chainCpu, 'the spec chain');
  for (const r of rows) row(`\`${r.name}\``, r, r.note);
  return out;
}

async function main(): Promise<void> {
  console.log(`cores: ${CORES}; proxy on core ${PROXY_CORE}, wrk + nginx upstream on core ${LOAD_CORE}; ${duration}s per run, ${runs} run(s), median shown`);
  start(LOAD_CORE, 'nginx', ['-c', join(dir, 'up.conf'), '-e', join(dir, 'up.err')]);
  await waitPort(UP_PORT);
  if (only.includes('compression') || only.includes('cache')) for (const l of await responsePlugins()) console.log(l);
  if (only.includes('plugins')) for (const l of await pluginCosts()) console.log(l);
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
