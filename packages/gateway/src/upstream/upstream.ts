import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import type { Algorithm, ServerAddr, UpstreamConfig } from '../config/schema.ts';
import { ConsistentHash, LeastConnections, SmoothRoundRobin, WeightedRandom, type Balancer } from './balancer.ts';
import { CircuitBreaker, REFUSED } from './breaker.ts';
import { HealthChecker } from './health.ts';
import { formatHostPort } from '@etcd-monitor/core';
import { H1Pool } from './pool.ts';

/** UpstreamServer is one address of an upstream with its connection pool and health state. */
export class UpstreamServer {
  /** key is `host:port` (IPv6 in brackets). */
  readonly key: string;
  /** host is the address connected to (an IP once DNS discovery resolved it). */
  readonly host: string;
  /** port is the TCP port connected to. */
  readonly port: number;
  /** origin is the URL origin the pool connects to. */
  readonly origin: string;
  /** weight is the server's relative share. */
  readonly weight: number;
  /** pool holds the keep-alive connections to this server. */
  readonly pool: H1Pool;
  /** breaker is the server's circuit breaker. */
  readonly breaker: CircuitBreaker;
  /** active is the number of requests in flight. */
  active = 0;
  /** currentWeight is the smooth round-robin state. */
  currentWeight = 0;
  /** healthy is the active health check verdict (true until a check says otherwise). */
  healthy = true;
  /** downUntil is when passive health lets the server back in (epoch ms). */
  downUntil = 0;
  /** fails is the number of consecutive failed requests (passive health). */
  fails = 0;
  /** requests counts requests sent. */
  requests = 0;
  /** failures counts failed requests. */
  failures = 0;

  constructor(host: string, port: number, origin: string, weight: number, pool: H1Pool, breaker: CircuitBreaker) {
    this.key = formatHostPort(host, port);
    this.host = host;
    this.port = port;
    this.origin = origin;
    this.weight = weight;
    this.pool = pool;
    this.breaker = breaker;
  }
}

/** HashSource gives consistent hash balancers their key for a request. */
export interface HashSource {
  /** clientIp is the client address. */
  clientIp: string;
  /** url is the path with query. */
  url: string;
  /** path is the path without query. */
  path: string;
  /** header reads a request header. */
  header(name: string): string | undefined;
  /** cookie reads a request cookie. */
  cookie(name: string): string | undefined;
  /** queryParam reads a query parameter. */
  queryParam(name: string): string | undefined;
}

/** UpstreamOptions tune an upstream for the process it runs in. */
export interface UpstreamOptions {
  /** activeHealth runs the upstream's own `health_check` (default true); false when another process checks and shares the verdicts. */
  activeHealth?: boolean;
  /** balanceOffset starts round robin (and least-connections ties) this many servers further, so that workers do not all begin with the first server. */
  balanceOffset?: number;
  /** onHealthChange is called after a check round that changed a server's verdict. */
  onHealthChange?: () => void;
}

/** Upstream is a named set of servers with a balancer, health checks, passive health and breakers; it takes its config as the validator typed it and parses nothing. */
export class Upstream {
  /** name is the upstream's config name. */
  readonly name: string;
  /** config is the upstream's config. */
  readonly config: UpstreamConfig;
  /** fingerprint is the config serialised; an unchanged fingerprint lets a reload keep this instance, its pools and health state. */
  readonly fingerprint: string;
  /** servers are the current servers (replaced as a whole when DNS discovery changes them). */
  servers: readonly UpstreamServer[] = [];
  private readonly algorithm: Algorithm;
  private readonly balancer: Balancer<UpstreamServer>;
  private readonly health: HealthChecker | undefined;
  private dnsTimer: NodeJS.Timeout | undefined;
  private closed = false;
  /** responseTime receives the time to each response head in seconds; the runtime points it at a metric series. */
  responseTime: { observe(v: number): void } = { observe() {} };
  /** connectTime receives each new connection's connect time in seconds, by server; the runtime points it at a metric. */
  connectTime: (server: string, seconds: number) => void = () => {};
  /** ready resolves once the first DNS resolution (if any) is done. */
  readonly ready: Promise<void>;

  private sharedDown: ReadonlySet<string> | undefined;
  private readonly balanceOffset: number;

  constructor(name: string, config: UpstreamConfig, opts: UpstreamOptions = {}) {
    this.name = name;
    this.balanceOffset = opts.balanceOffset ?? 0;
    this.config = config;
    this.fingerprint = JSON.stringify(config);
    this.algorithm = config.algorithm;
    this.balancer =
      this.algorithm.kind === 'least_conn'
        ? new LeastConnections()
        : this.algorithm.kind === 'random'
          ? new WeightedRandom()
          : this.algorithm.kind === 'hash'
            ? new ConsistentHash()
            : new SmoothRoundRobin();
    const addrs = config.addrs;
    if (config.discovery === 'dns') {
      this.ready = this.resolve(addrs).then(() => {
        if (this.closed) return;
        this.skipAhead();
        this.dnsTimer = setInterval(() => void this.resolve(addrs), config.update_frequency);
        this.dnsTimer.unref();
      });
    } else {
      this.servers = addrs.map((a) => this.makeServer(a.host, a.port, a.weight));
      this.ready = Promise.resolve();
      this.skipAhead();
    }
    this.health =
      config.health_check && opts.activeHealth !== false ? new HealthChecker(this, config.health_check, config.tls, config.verify_cert, opts.onHealthChange) : undefined;
  }

  /** skipAhead advances the balancer by `balanceOffset` picks, so each worker's rotation starts at another server. */
  private skipAhead(): void {
    if (this.algorithm.kind === 'hash' || this.algorithm.kind === 'random') return;
    for (let i = 0; i < this.balanceOffset % Math.max(1, this.servers.length); i++) this.balancer.pick(this.servers, () => true, '');
  }

  /** checksHealth tells whether this upstream runs active health checks itself. */
  get checksHealth(): boolean {
    return this.health !== undefined;
  }

  /** setSharedHealth applies the active health verdicts of another process: the servers in `down` are out, all others in (servers resolved later too). */
  setSharedHealth(down: ReadonlySet<string>): void {
    this.sharedDown = down;
    for (const s of this.servers) s.healthy = !down.has(s.key);
  }

  private makeServer(host: string, port: number, weight: number): UpstreamServer {
    const key = formatHostPort(host, port);
    const origin = `${this.config.tls ? 'https' : 'http'}://${key}`;
    const c = this.config;
    const pool = new H1Pool({
      host,
      port,
      connections: c.max_connections,
      connectTimeout: c.connection_timeout,
      headersTimeout: c.read_timeout,
      bodyTimeout: c.read_timeout,
      keepAliveTimeout: c.idle_timeout,
      tls: c.tls ? { servername: c.sni || (isIP(host) ? undefined : host), rejectUnauthorized: c.verify_cert } : undefined,
      onConnect: (ms) => this.connectTime(key, ms / 1000),
    });
    const breaker = new CircuitBreaker({
      failures: c.breaker_failures,
      ratio: c.breaker_failure_ratio,
      window: c.breaker_window,
      openDuration: c.breaker_open_duration,
      halfOpenRequests: c.breaker_half_open_requests,
    });
    const server = new UpstreamServer(host, port, origin, weight, pool, breaker);
    if (this.sharedDown?.has(key)) server.healthy = false;
    return server;
  }

  /** resolve re-resolves hostnames and swaps the server list, keeping the servers (and pools) whose address is unchanged. */
  private async resolve(addrs: readonly ServerAddr[]): Promise<void> {
    const wanted: ServerAddr[] = [];
    for (const a of addrs) {
      if (isIP(a.host)) {
        wanted.push(a);
        continue;
      }
      try {
        const ips = await lookup(a.host, { all: true, family: this.config.ipv4_only ? 4 : 0 });
        for (const ip of ips) wanted.push({ host: ip.address, port: a.port, weight: a.weight });
      } catch {
        // A failed lookup keeps that host's current servers rather than emptying the upstream.
        for (const s of this.servers) if (s.port === a.port) wanted.push({ host: s.host, port: a.port, weight: s.weight });
      }
    }
    if (this.closed) return;
    const old = new Map(this.servers.map((s) => [s.key, s]));
    const next: UpstreamServer[] = [];
    for (const w of wanted) {
      const key = formatHostPort(w.host, w.port);
      if (next.some((s) => s.key === key)) continue;
      next.push(old.get(key) ?? this.makeServer(w.host, w.port, w.weight));
      old.delete(key);
    }
    this.servers = next;
    for (const gone of old.values()) void gone.pool.close().catch(() => {});
  }

  private pickNow = 0;
  private pickExclude: UpstreamServer | undefined;
  private readonly okNotExcluded = (s: UpstreamServer): boolean => s !== this.pickExclude && this.available(s, this.pickNow);
  private readonly okAvailable = (s: UpstreamServer): boolean => this.available(s, this.pickNow);
  private readonly okHealthy = (s: UpstreamServer): boolean => s.healthy && s.breaker.available(this.pickNow);

  /** available tells whether a server may take a request now: healthy, not taken out by passive health, breaker not open. */
  available(s: UpstreamServer, now: number): boolean {
    return s.healthy && s.downUntil <= now && s.breaker.available(now);
  }

  /**
   * pick chooses a server for a request, skipping `exclude` (servers already tried) when others remain. The breaker ticket
   * the request now holds is left in `held.probe`; it goes back through `report` or `release` when the request ends.
   */
  pick(src: HashSource, exclude?: UpstreamServer, held?: { probe: number }): UpstreamServer | undefined {
    const now = Date.now();
    let key = '';
    if (this.algorithm.kind === 'hash') {
      const on = this.algorithm.on;
      const name = this.algorithm.key ?? '';
      key =
        (on === 'ip'
          ? src.clientIp
          : on === 'url'
            ? src.url
            : on === 'path'
              ? src.path
              : on === 'header'
                ? src.header(name)
                : on === 'cookie'
                  ? src.cookie(name)
                  : src.queryParam(name)) ?? '';
    }
    // The filters read the pick's state from the upstream (one closure each per upstream, none per request).
    this.pickNow = now;
    this.pickExclude = exclude;
    const s =
      this.balancer.pick(this.servers, this.okNotExcluded, key) ??
      (exclude ? this.balancer.pick(this.servers, this.okAvailable, key) : undefined) ??
      // Passive health alone never empties an upstream: a single flaky server would otherwise turn every request into a 503.
      this.balancer.pick(this.servers, this.okHealthy, key);
    this.pickExclude = undefined;
    if (!s) return undefined;
    const ticket = s.breaker.acquire(now);
    if (ticket === REFUSED) return undefined;
    if (held) held.probe = ticket;
    return s;
  }

  /** release hands back a breaker ticket of a request that ended without an outcome for the server (the client left, its body failed). */
  release(s: UpstreamServer, probe: number): void {
    if (probe > 0) s.breaker.release(probe);
  }

  /** report records a request outcome for passive health and the breaker; `probe` is the ticket `pick` gave the request. */
  report(s: UpstreamServer, ok: boolean, probe = 0): void {
    const now = Date.now();
    s.breaker.record(ok, now, probe);
    if (ok) {
      s.fails = 0;
      return;
    }
    s.failures++;
    if (this.config.max_fails > 0 && ++s.fails >= this.config.max_fails) {
      s.downUntil = now + this.config.fail_timeout;
      s.fails = 0;
    }
  }

  /** start begins active health checks. */
  start(): void {
    this.health?.start();
  }

  /** close stops checks and DNS updates and closes the pools once their requests finish. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.dnsTimer) clearInterval(this.dnsTimer);
    this.health?.stop();
    await Promise.all(this.servers.map((s) => s.pool.close().catch(() => {})));
  }

  /** destroy closes the pools now, failing requests still in flight. */
  async destroy(): Promise<void> {
    this.closed = true;
    if (this.dnsTimer) clearInterval(this.dnsTimer);
    this.health?.stop();
    await Promise.all(this.servers.map((s) => s.pool.destroy().catch(() => {})));
  }
}
