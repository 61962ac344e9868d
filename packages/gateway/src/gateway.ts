import type http2 from 'node:http2';
import net from 'node:net';
import type tls from 'node:tls';
import type { Duplex } from 'node:stream';
import { configBaseDir } from './config/files.ts';
import { AppError, errorMessage, formatHostPort } from '@etcd-monitor/core';
import { h2Enabled, type GatewayConfig, type ServerConfig } from './config/schema.ts';
import { formatIssue, type ConfigIssue } from './config/fields.ts';
import { readConfig } from './config/load.ts';
import { FileConfigSource, type ConfigSource } from './config/source/index.ts';
import { listenKey, tlsServerOptions } from './config/validate.ts';
import { compileRuntime, readPem, type Runtime } from './proxy/runtime.ts';
import { handleRequest, handleUpgrade } from './proxy/proxy.ts';
import { H1Server } from './http1/server.ts';
import type { H1Request } from './http1/request.ts';
import type { H1Response } from './http1/response.ts';
import { guardSession } from './proxy/h2.ts';
import { FileAccessLog, StreamAccessLog, type AccessLogSink } from './observability/access-log.ts';
import { GatewayMetrics } from './observability/gateway-metrics.ts';
import { createLogger, type Logger } from './observability/log.ts';
import { AdminListener, type AdminSwap } from './admin/listener.ts';
import { gatewayAdminBackend, listenIssue } from './admin/backend.ts';
import type { PluginDefinition } from './plugins/plugin.ts';
import { builtinPlugins } from './plugins/index.ts';
import { withPluginModules } from './plugins/user.ts';
import { applyHealth, type HealthSnapshot } from './upstream/shared-health.ts';

/** GatewayOptions are what a gateway needs besides its config. */
export interface GatewayOptions {
  /** source is where reloads read the config from; without it (or `configFile`) only `reload(config)` can change the config. */
  source?: ConfigSource;
  /** configFile is a shorthand for `source`: a file source reading this path. */
  configFile?: string;
  /** log receives structured process logs (default: JSON lines on stderr at `basic.log_level`). */
  log?: Logger;
  /** accessLogStream receives access logs configured as a format rather than a file (default: stdout). */
  accessLogStream?: NodeJS.WritableStream;
  /** admin starts the admin listener when `basic.admin_addr` is set (default true; cluster workers pass false). */
  admin?: boolean;
  /** plugins are the plugin types available (default: the built-ins); embedders and tests add their own. */
  plugins?: ReadonlyMap<string, PluginDefinition>;
  /**
   * bind returns a bound socket handle for a listener (`key` tells listeners apart: the address, or `server@addr` for port 0);
   * the cluster primary binds and keeps them, so a restarting worker never closes a listening socket. Without it the gateway binds itself.
   */
  bind?: (key: string, host: string, port: number) => Promise<object>;
  /** sharedHealth says another process runs the active health checks (the cluster primary): upstreams start with these verdicts and take later ones from `setHealth`. */
  sharedHealth?: HealthSnapshot;
  /** balanceOffset starts each upstream's round robin this many servers further (the cluster gives each worker its own). */
  balanceOffset?: number;
}

/** ReloadResult tells whether a reload took effect and, if not, why. */
export interface ReloadResult {
  /** ok is true when the new config is live. */
  ok: boolean;
  /** issues are the validation errors of a rejected config. */
  issues: ConfigIssue[];
  /** ms is how long validating, compiling and swapping took. */
  ms: number;
}

interface Listener {
  addr: string;
  kind: string;
  /** server accepts the connections: a net.Server, or a tls.Server for TLS listeners. */
  server: net.Server;
  serverName: string;
  sockets: Set<net.Socket>;
  sessions: Set<http2.ServerHttp2Session>;
  bound: net.AddressInfo | undefined;
  /** h1 serves HTTP/1.1 on the accepted sockets (HTTP/2 ones go to node:http2). */
  h1: H1Server;
  /** backlog is the listen queue length the socket was opened with. */
  backlog: number;
  /** h2 is the node:http2 server of the listener's HTTP/2 connections, once one came. */
  h2: http2.Http2Server | http2.Http2SecureServer | undefined;
  /** h2Streams is `h2_max_concurrent_streams`, applied to sessions opened from now on. */
  h2Streams: number;
}

function listenerKind(sc: ServerConfig): string {
  return `${sc.tls_cert ? 'tls' : 'plain'}:${h2Enabled(sc) ? 'h2' : 'h1'}`;
}

/** listenerKeys lists the listeners a config asks for: one per address of each server, keyed by the address (by `server@addr` for port 0). */
export function listenerKeys(config: GatewayConfig): { key: string; name: string; host: string; port: number }[] {
  const out: { key: string; name: string; host: string; port: number }[] = [];
  // Port 0 asks for any free port, so two servers may both write it; their listeners are told apart by server name.
  for (const [name, sc] of Object.entries(config.servers))
    for (const { host, port } of sc.addr) {
      const key = listenKey(host, port);
      out.push({ key: port === 0 ? `${name}@${key}` : key, name, host, port });
    }
  return out;
}

const H2_PREFACE = Buffer.from('PRI * HTTP/2.0\r\n');

/** Gateway is a running reverse proxy: its listeners, the live runtime (swapped atomically on reload) and the admin listener. */
export class Gateway {
  /** runtime is the live compiled config; each request reads it once when it starts. */
  runtime!: Runtime;
  /** metrics are the gateway's Prometheus metrics. */
  readonly metrics: GatewayMetrics;
  /** log is the structured process log. */
  readonly log: Logger;
  private readonly listeners = new Map<string, Listener>();
  private readonly sinks = new Map<string, AccessLogSink>();
  private readonly opts: GatewayOptions;
  private readonly admin: AdminListener;
  private health: HealthSnapshot | undefined;
  private reloading: Promise<ReloadResult> | undefined;
  private stopping = false;

  private constructor(opts: GatewayOptions, log: Logger) {
    this.opts = opts;
    this.log = log;
    this.health = opts.sharedHealth;
    this.admin = new AdminListener(gatewayAdminBackend(this));
    this.metrics = new GatewayMetrics({
      upstreamServers: () =>
        [...(this.runtime?.upstreams.values() ?? [])].flatMap((up) =>
          up.servers.map((s) => ({
            upstream: up.name,
            server: s.key,
            healthy: up.available(s, Date.now()),
            breaker: s.breaker.state,
            active: s.active,
            requests: s.requests,
            failures: s.failures,
          })),
        ),
      openConnections: () => {
        const counts = new Map<string, number>();
        for (const l of this.listeners.values()) counts.set(l.serverName, (counts.get(l.serverName) ?? 0) + l.sockets.size);
        return counts;
      },
    });
  }

  /** start compiles a validated config, opens its listeners and the admin listener, and starts health checks. */
  static async start(config: GatewayConfig, opts: GatewayOptions = {}): Promise<Gateway> {
    const log = opts.log ?? createLogger(config.basic.log_level);
    const gw = new Gateway(opts, log);
    try {
      await gw.apply(config);
      if (opts.admin !== false) (await gw.admin.prepare(config.basic.admin_addr)).commit();
      gw.metrics.runtime.start();
    } catch (err) {
      await gw.stop(0);
      throw err;
    }
    log.info({ servers: Object.keys(config.servers), addresses: gw.addresses() }, 'gateway started');
    return gw;
  }

  /** addresses lists the bound address of every listener by server name (useful with port 0). */
  addresses(): Record<string, { host: string; port: number }[]> {
    const out: Record<string, { host: string; port: number }[]> = {};
    for (const l of this.listeners.values()) if (l.bound) (out[l.serverName] ??= []).push({ host: l.bound.address, port: l.bound.port });
    return out;
  }

  /** port returns the first bound port of a server. */
  port(serverName: string): number {
    const a = this.addresses()[serverName]?.[0];
    if (!a) throw new AppError('GW_NO_SERVER', `no listener for server "${serverName}"`);
    return a.port;
  }

  /** adminPort returns the admin listener's port, or 0 when it is off. */
  adminPort(): number {
    return this.admin.port();
  }

  private sink = (path: string, sc: ServerConfig): AccessLogSink => {
    const key = path || '-';
    let s = this.sinks.get(key);
    if (!s) {
      s = path ? new FileAccessLog(path, sc.access_log_rotate, sc.access_log_max_size) : new StreamAccessLog(this.opts.accessLogStream ?? process.stdout);
      this.sinks.set(key, s);
    }
    return s;
  };

  /** apply compiles a config and makes it live: new listeners open before old ones close, and the runtime swap is one assignment. */
  private async apply(config: GatewayConfig): Promise<void> {
    const baseDir = configBaseDir(config);
    // Certificates and keys are read before anything changes: an unreadable one rejects the reload with every listener
    // and upstream as it was (reading it later left the new listeners open on the old config).
    const pems = new Map<string, { cert: string; key: string }>();
    for (const [name, sc] of Object.entries(config.servers))
      if (sc.tls_cert && sc.tls_key) pems.set(name, { cert: readPem(sc.tls_cert, baseDir), key: readPem(sc.tls_key, baseDir), ...tlsServerOptions(sc) });
    const previous = this.runtime as Runtime | undefined;
    // The user plugins (basic.plugin_dir) the config was validated with, imported at the versions validated.
    const plugins = config.pluginModules?.length ? await withPluginModules(this.opts.plugins ?? builtinPlugins, config.pluginModules) : this.opts.plugins;
    const rt = compileRuntime(
      config,
      this.metrics,
      this.sink,
      previous,
      plugins,
      {
        activeHealth: this.health === undefined,
        balanceOffset: this.opts.balanceOffset ?? 0,
      },
      this.log,
    );
    const fresh = [...rt.upstreams.values()].filter((u) => ![...(previous?.upstreams.values() ?? [])].includes(u));
    if (this.health) applyHealth(fresh, this.health);
    await Promise.all(fresh.map((u) => u.ready));
    const wanted = new Map<string, { name: string; sc: ServerConfig; host: string; port: number }>();
    for (const { key, name, host, port } of listenerKeys(config)) wanted.set(key, { name, sc: config.servers[name]!, host, port });
    const opened: Listener[] = [];
    try {
      for (const [addr, { name, sc, host, port }] of wanted) {
        const cur = this.listeners.get(addr);
        if (cur && cur.kind === listenerKind(sc)) {
          // Reopening would close the old socket first (one address, one socket), so a new backlog waits for a restart.
          if (cur.backlog !== sc.backlog)
            this.log.warn({ server: name, addr, backlog: cur.backlog, wanted: sc.backlog }, `servers.${name}.backlog: the new value applies after a restart`);
          continue;
        }
        if (cur) {
          // The same address with another protocol cannot be opened beside the old socket, so the old one goes first.
          await this.closeListener(cur, 0);
          this.listeners.delete(addr);
        }
        opened.push(await this.openListener(addr, host, port, name, sc, pems.get(name), config.basic.max_header_size));
      }
    } catch (err) {
      for (const l of opened) await this.closeListener(l, 0);
      for (const u of fresh) await u.destroy();
      await this.closePlugins(rt);
      throw err;
    }
    for (const l of opened) this.listeners.set(l.addr, l);
    for (const [addr, { name, sc }] of wanted) {
      const l = this.listeners.get(addr)!;
      l.serverName = name;
      this.tune(l, sc, pems.get(name));
    }
    this.runtime = rt;
    for (const u of fresh) u.start();
    this.metrics.lastReloadSeconds = Date.now() / 1000;
    for (const [addr, l] of this.listeners) {
      if (wanted.has(addr)) continue;
      this.listeners.delete(addr);
      void this.closeListener(l, config.basic.grace_period);
    }
    if (previous) {
      for (const u of previous.upstreams.values()) if (![...rt.upstreams.values()].includes(u)) void u.close();
      void this.closePlugins(previous);
    }
  }

  /** closePlugins closes every plugin instance of a runtime that is no longer live; a failing close is logged, never thrown. */
  private async closePlugins(rt: Runtime): Promise<void> {
    await Promise.all(
      [...rt.plugins].map(async ([name, p]) => {
        try {
          await p.close?.();
        } catch (err) {
          this.log.warn({ plugin: name, err: errorMessage(err) }, `plugins.${name}: close failed`);
        }
      }),
    );
  }

  private tune(l: Listener, sc: ServerConfig, pem: { cert: string; key: string } | undefined): void {
    l.h1.opts = { ...l.h1.opts, keepAliveTimeout: sc.keepalive_timeout, headersTimeout: sc.headers_timeout, requestTimeout: sc.request_timeout };
    if (sc.max_connections > 0) l.server.maxConnections = sc.max_connections;
    if (l.h2Streams !== sc.h2_max_concurrent_streams) {
      l.h2Streams = sc.h2_max_concurrent_streams;
      l.h2?.updateSettings({ maxConcurrentStreams: l.h2Streams });
    }
    if (pem && 'setSecureContext' in l.server) (l.server as tls.Server).setSecureContext(pem);
  }

  private async openListener(
    addr: string,
    host: string,
    port: number,
    name: string,
    sc: ServerConfig,
    pem: { cert: string; key: string } | undefined,
    maxHeaderSize: number,
  ): Promise<Listener> {
    const onRequest = (req: H1Request | http2.Http2ServerRequest, res: H1Response | http2.Http2ServerResponse) => {
      const rt = this.runtime;
      const srv = rt.servers.get(l.serverName);
      if (!srv) {
        res.writeHead(503, { 'content-type': 'text/plain' });
        res.end('503 Service Unavailable\n');
        return;
      }
      // While draining, requests already on a connection are served, and the connection closes after them.
      if (this.stopping && req.httpVersion !== '2.0') (res as H1Response).shouldKeepAlive = false;
      handleRequest(rt, srv, req, res);
    };
    const onUpgrade = (req: H1Request, socket: Duplex, head: Buffer) => {
      const rt = this.runtime;
      const srv = rt.servers.get(l.serverName);
      if (!srv) {
        socket.destroy();
        return;
      }
      handleUpgrade(rt, srv, req, socket, head);
    };
    const h1 = new H1Server(
      { maxHeaderSize, keepAliveTimeout: sc.keepalive_timeout, headersTimeout: sc.headers_timeout, requestTimeout: sc.request_timeout },
      { request: onRequest, upgrade: onUpgrade },
    );
    const l: Listener = {
      addr,
      kind: listenerKind(sc),
      server: undefined as unknown as net.Server,
      serverName: name,
      sockets: new Set(),
      sessions: new Set(),
      bound: undefined,
      h1,
      backlog: sc.backlog,
      h2: undefined,
      h2Streams: sc.h2_max_concurrent_streams,
    };
    const track = (s: net.Socket) => {
      l.sockets.add(s);
      s.once('close', () => l.sockets.delete(s));
    };
    const h2limits = () => ({ maxStreams: l.h2Streams, headersTimeout: l.h1.opts.headersTimeout, keepAliveTimeout: l.h1.opts.keepAliveTimeout });
    const onSession = (sess: http2.ServerHttp2Session) => {
      l.sessions.add(sess);
      sess.once('close', () => l.sessions.delete(sess));
      guardSession(sess, h2limits, (resets) =>
        this.log.warn(
          { server: l.serverName, remote: sess.socket?.remoteAddress, resets },
          'HTTP/2 client reset too many streams (rapid reset); sent GOAWAY ENHANCE_YOUR_CALM and closed the connection',
        ),
      );
    };
    // The stream limit is advertised in the first SETTINGS frame; nghttp2 refuses streams beyond it (REFUSED_STREAM).
    const h2settings = () => ({ maxHeaderListSize: maxHeaderSize, maxConcurrentStreams: l.h2Streams });
    const h2on = h2Enabled(sc);
    if (pem) {
      const tlsOpts = pem;
      // TLS is terminated here; ALPN decides who speaks on the socket: node:http2 for h2, the gateway's HTTP/1.1 server otherwise.
      // node:tls costs a worker ~8 MB, so plain-HTTP gateways never load it.
      const s = (process.getBuiltinModule('node:tls') as typeof tls).createServer({ ...tlsOpts, ALPNProtocols: h2on ? ['h2', 'http/1.1'] : ['http/1.1'] }, (sock) => {
        track(sock);
        if (h2on && sock.alpnProtocol === 'h2') {
          l.h2 ??= withHandlers(loadHttp2().createSecureServer({ ...tlsOpts, maxSessionMemory: 64, settings: h2settings() }), onRequest, onSession);
          l.h2.emit('secureConnection', sock);
        } else h1.handle(sock);
      });
      s.on('tlsClientError', () => {});
      l.server = s;
    } else {
      // h2c with prior knowledge: the first bytes of a connection say which protocol it speaks.
      l.server = net.createServer({ noDelay: true }, (sock) => {
        track(sock);
        if (!h2on) return h1.handle(sock);
        sock.on('error', () => {});
        // Until its first bytes a connection belongs to neither server, so no sweep sees it: the head timeout (or the
        // keep-alive one) closes a connection that stays silent.
        const wait = l.h1.opts.headersTimeout || l.h1.opts.keepAliveTimeout;
        if (wait > 0) sock.setTimeout(wait, () => sock.destroy());
        sock.once('readable', () => {
          if (wait > 0) sock.setTimeout(0);
          const first: Buffer | null = sock.read();
          if (first === null) return void sock.once('readable', () => sock.destroy());
          const isH2 = first.length >= H2_PREFACE.length ? first.subarray(0, H2_PREFACE.length).equals(H2_PREFACE) : H2_PREFACE.subarray(0, first.length).equals(first);
          if (isH2) {
            sock.unshift(first);
            l.h2 ??= withHandlers(loadHttp2().createServer({ settings: h2settings() }), onRequest, onSession);
            l.h2.emit('connection', sock);
          } else h1.handle(sock, first);
        });
      });
    }
    const listenError = (err: Error) =>
      new AppError('GW_LISTEN', `servers.${name}.addr: cannot listen on ${formatHostPort(host, port)}: ${(err as NodeJS.ErrnoException).code ?? err.message}`, {
        cause: err,
        hint: 'pick a free port, or run with the rights to bind it',
      });
    let handle: object | undefined;
    try {
      handle = await this.opts.bind?.(addr, host, port);
    } catch (err) {
      throw listenError(err as Error);
    }
    await new Promise<void>((resolve, reject) => {
      const onErr = (err: Error) => reject(listenError(err));
      l.server.once('error', onErr);
      const done = () => {
        l.server.off('error', onErr);
        resolve();
      };
      if (handle) l.server.listen(handle, sc.backlog, done);
      else l.server.listen({ host, port, backlog: sc.backlog }, done);
    });
    l.bound = l.server.address() as net.AddressInfo;
    return l;
  }

  /** closeListener stops accepting, lets in-flight requests finish for up to `graceMs`, then cuts what is left. */
  private async closeListener(l: Listener, graceMs: number): Promise<void> {
    const closed = new Promise<void>((resolve) => l.server.close(() => resolve()));
    for (const sess of l.sessions) sess.close();
    l.h1.closeIdle();
    const idle = setInterval(() => l.h1.closeIdle(), 50);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      closed,
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, graceMs);
      }),
    ]);
    clearTimeout(timer);
    clearInterval(idle);
    for (const s of l.sockets) s.destroy();
    for (const sess of l.sessions) sess.destroy();
    await closed;
  }

  /** reload validates a config and makes it live; a rejected one is logged and counted and the old one stays. Concurrent calls are serialised. */
  async reload(next?: GatewayConfig): Promise<ReloadResult> {
    const run = async (): Promise<ReloadResult> => {
      const t0 = performance.now();
      let config = next;
      let issues: ConfigIssue[] = [];
      if (!config) {
        const source = this.opts.source ?? (this.opts.configFile ? new FileConfigSource(this.opts.configFile) : undefined);
        if (!source) issues = [{ path: 'config', message: 'the gateway was started without a config file' }];
        else {
          try {
            const r = await readConfig(source, this.opts.plugins ? { plugins: this.opts.plugins } : {});
            issues = r.issues;
            config = r.config;
          } catch (err) {
            issues = [{ path: source.path ?? source.url, message: (err as Error).message }];
          }
        }
      }
      if (issues.length === 0 && config) {
        // A new admin address is bound before anything else changes, and given up again if the rest fails.
        let swap: AdminSwap | undefined;
        try {
          if (this.opts.admin !== false) swap = await this.admin.prepare(config.basic.admin_addr);
          await this.apply(config);
          swap?.commit();
        } catch (err) {
          await swap?.abort();
          const path = (err as { path?: string }).path ?? (err instanceof AppError && err.message.startsWith('basic.admin_addr') ? 'basic.admin_addr' : 'servers');
          issues = [listenIssue(err, path)];
        }
      }
      const ms = performance.now() - t0;
      if (issues.length) {
        this.metrics.reloads.inc(['failure']);
        this.log.error({ errors: issues.map(formatIssue) }, 'config reload rejected; the previous config stays live');
        return { ok: false, issues, ms };
      }
      this.metrics.reloads.inc(['success']);
      this.log.info({ ms: Math.round(ms * 10) / 10 }, 'config reloaded');
      return { ok: true, issues: [], ms };
    };
    const prev = this.reloading ?? Promise.resolve();
    const p = prev.then(run, run);
    this.reloading = p;
    return p;
  }

  /** setHealth applies active health verdicts checked by another process (see `sharedHealth`). */
  setHealth(snapshot: HealthSnapshot): void {
    this.health = snapshot;
    if (this.runtime) applyHealth(this.runtime.upstreams.values(), snapshot);
  }

  /** accessLogFiles are the access log files open now (so that a worker switching user can hand them over). */
  accessLogFiles(): string[] {
    return [...this.sinks.values()].flatMap((s) => (s instanceof FileAccessLog ? [s.file] : []));
  }

  /** adminToken is the token the mutating admin API requires, if any. */
  adminToken(): string | undefined {
    return this.runtime?.config.basic.admin_token ?? process.env.GATEWAY_ADMIN_TOKEN;
  }

  /** stop drains: listeners stop accepting, in-flight requests get up to `graceMs` (default `basic.grace_period`), then everything closes. */
  async stop(graceMs?: number): Promise<void> {
    this.stopping = true;
    this.metrics.runtime.stop();
    const grace = graceMs ?? this.runtime?.config.basic.grace_period ?? 0;
    await Promise.all([...this.listeners.values()].map((l) => this.closeListener(l, grace)));
    this.listeners.clear();
    await this.admin.close();
    for (const u of this.runtime?.upstreams.values() ?? []) await u.destroy();
    if (this.runtime) await this.closePlugins(this.runtime);
    for (const s of this.sinks.values()) s.close();
    this.sinks.clear();
  }
}

// node:http2 costs a worker ~13 MB of RSS when loaded, so it is loaded on the first HTTP/2 connection, not at start.
function loadHttp2(): typeof http2 {
  return process.getBuiltinModule('node:http2');
}

function withHandlers<S extends http2.Http2Server | http2.Http2SecureServer>(
  server: S,
  onRequest: (req: http2.Http2ServerRequest, res: http2.Http2ServerResponse) => void,
  onSession: (sess: http2.ServerHttp2Session) => void,
): S {
  server.on('request', onRequest);
  server.on('session', onSession);
  return server;
}
