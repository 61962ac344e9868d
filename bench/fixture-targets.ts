// Fake etcd /metrics scrape targets for load tests: N targets on one loopback HTTP server, each serving a real
// etcd 3.4.23 dump whose counters and histograms advance with time while gauges stay put.
//
//   node bench/fixture-targets.ts 100 [--port 9300]
//
// prints one URL per line (http://127.0.0.1:PORT/m/0/metrics … /m/99/metrics) and serves until Ctrl-C.
// Run it as its own process when measuring the monitor, so serving the targets is not counted against it.
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';

const DEFAULT_FIXTURE = fileURLToPath(new URL('../packages/etcd/src/testdata/etcd-3.4.23-metrics-t1.txt', import.meta.url));
const FIXTURE_ID = '62024034f6077aa1';

/** FixtureTargetsOptions tune startFixtureTargets. */
export interface FixtureTargetsOptions {
  /** host is the address to listen on (default 127.0.0.1). */
  host?: string;
  /** port is the port to listen on (default 0: any free port). */
  port?: number;
  /** fixtureFile is the dump to serve (default: the etcd 3.4.23 dump t1 in the etcd package's testdata). */
  fixtureFile?: string;
  /** lifetimeSeconds is how long the dump's counters took to reach their values; each counter grows by value/lifetimeSeconds per second (default 300). */
  lifetimeSeconds?: number;
}

/** FixtureTargets are running fake targets. */
export interface FixtureTargets {
  /** urls are the targets' metrics URLs, `…/m/<i>/metrics`. */
  urls: string[];
  /** close stops the server and drops open connections. */
  close(): Promise<void>;
}

interface Slot {
  /** raw is the value as the dump writes it, served as is while it does not grow. */
  raw: string;
  /** value is the sample value in the dump. */
  value: number;
  /** grows is true for counters, histogram and summary counts and sums, and etcd's `_total` gauges (proposals). */
  grows: boolean;
  /** integer keeps a counted value whole after scaling. */
  integer: boolean;
}

type Segment = string | Slot | typeof ID;
const ID = Symbol('member id');

/**
 * startFixtureTargets serves n fake etcd members on one loopback server: target i answers `/m/<i>/metrics` with the
 * fixture dump under its own member id, its counters scaled by (1 + elapsed / lifetime) × a per-target factor, so
 * rates are steady and histograms keep their shape.
 */
export async function startFixtureTargets(n: number, o: FixtureTargetsOptions = {}): Promise<FixtureTargets> {
  if (!Number.isInteger(n) || n < 1) throw new Error(`startFixtureTargets: n must be a positive integer, got ${n}`);
  const template = compile(readFileSync(o.fixtureFile ?? DEFAULT_FIXTURE, 'utf8'));
  const lifetime = o.lifetimeSeconds ?? 300;
  const t0 = performance.now();
  const ids = Array.from({ length: n }, (_, i) => (0x1000_0000_0000_0000n + BigInt(i)).toString(16));

  const server = http.createServer((req, res) => {
    const m = /^\/m\/(\d+)\/metrics$/.exec(req.url ?? '');
    const i = m ? Number(m[1]) : -1;
    if (req.method !== 'GET' || i < 0 || i >= n) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('404 page not found\n');
      return;
    }
    const elapsed = (performance.now() - t0) / 1000;
    // Targets differ a little in load (factor 1.0 … 1.6) so they do not all report identical series.
    const factor = (1 + elapsed / lifetime) * (1 + (i % 7) / 10);
    const body = render(template, ids[i]!, factor);
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8', 'content-length': Buffer.byteLength(body) }).end(body);
  });
  // A keep-alive longer than any scrape interval lets each target keep one connection, as a Go server does.
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port ?? 0, o.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const addr = server.address() as AddressInfo;
  const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  return {
    urls: ids.map((_, i) => `http://${host}:${addr.port}/m/${i}/metrics`),
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function compile(text: string): Segment[] {
  const types = new Map<string, string>();
  const out: Segment[] = [];
  let pending = '';
  // Static text accumulates in `pending`; the member id and each sample value become their own segments.
  const flush = (s: string) => {
    const parts = s.split(FIXTURE_ID);
    pending += parts[0];
    for (let k = 1; k < parts.length; k++) {
      out.push(pending, ID);
      pending = parts[k]!;
    }
  };
  for (const line of text.replace(/\n$/, '').split('\n')) {
    if (line.startsWith('# TYPE ')) {
      const [, , name, type] = line.split(' ');
      types.set(name!, type!);
    }
    const cut = line.startsWith('#') || line.trim() === '' ? -1 : valueStart(line);
    if (cut < 0) {
      flush(`${line}\n`);
      continue;
    }
    const name = line.slice(0, Math.min(...[line.indexOf('{'), line.indexOf(' ')].filter((x) => x >= 0)));
    const raw = line.slice(cut).trim();
    const value = Number(raw.replace(/^\+Inf$/, 'Infinity'));
    flush(line.slice(0, cut));
    out.push(pending, { raw, value, grows: grows(name, types), integer: Number.isInteger(value) });
    pending = '\n';
  }
  out.push(pending);
  return out.filter((s) => s !== '');
}

// The value starts after the label set (whose values may hold spaces or braces) or after the name.
function valueStart(line: string): number {
  let i = 0;
  while (i < line.length && line[i] !== '{' && line[i] !== ' ') i++;
  if (line[i] === '{') {
    let quoted = false;
    for (i++; i < line.length; i++) {
      const ch = line[i];
      if (quoted && ch === '\\') i++;
      else if (ch === '"') quoted = !quoted;
      else if (!quoted && ch === '}') break;
    }
    i++;
  }
  return i < line.length ? i + 1 : -1;
}

function grows(name: string, types: Map<string, string>): boolean {
  const own = types.get(name);
  if (own === 'counter') return true;
  if (own === 'gauge') return name.endsWith('_total') && !name.endsWith('_keys_total') && !name.includes('pending');
  for (const suffix of ['_bucket', '_count', '_sum']) {
    if (!name.endsWith(suffix)) continue;
    const parent = types.get(name.slice(0, -suffix.length));
    if (parent === 'histogram' || (parent === 'summary' && suffix !== '_bucket')) return true;
  }
  return false;
}

function render(template: Segment[], id: string, factor: number): string {
  let s = '';
  for (const seg of template) {
    if (typeof seg === 'string') s += seg;
    else if (seg === ID) s += id;
    else if (!seg.grows || !Number.isFinite(seg.value)) s += seg.raw;
    else {
      // Flooring a uniformly scaled cumulative histogram keeps its buckets monotonic, so quantiles stay valid.
      const v = seg.value * factor;
      s += String(seg.integer ? Math.floor(v) : v);
    }
  }
  return s;
}

async function main(argv: string[]): Promise<void> {
  const n = Number(argv[0] ?? '100');
  const portFlag = argv.indexOf('--port');
  const port = portFlag >= 0 ? Number(argv[portFlag + 1]) : 0;
  if (!Number.isInteger(n) || n < 1 || !Number.isInteger(port) || port < 0) {
    console.error('usage: node bench/fixture-targets.ts N [--port PORT]');
    process.exit(2);
  }
  const targets = await startFixtureTargets(n, { port });
  process.stdout.write(`${targets.urls.join('\n')}\n`);
  console.error(`serving ${n} fake etcd scrape targets (${targets.urls[0]} … /m/${n - 1}/metrics); Ctrl-C stops`);
  const stop = () => void targets.close().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) await main(process.argv.slice(2));
