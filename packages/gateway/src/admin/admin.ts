import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { http } from '../http1/node-http.ts';
import { timingSafeEqual } from 'node:crypto';
import { AppError, parseHostPort } from '@etcd-monitor/core';
import type { ConfigIssue } from '../config/fields.ts';
import type { Gateway } from '../gateway.ts';

function send(res: ServerResponse, status: number, body: unknown, type = 'application/json'): void {
  const text = type === 'application/json' ? `${JSON.stringify(body, null, 2)}\n` : String(body);
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store' });
  res.end(text);
}

/** authorized checks `Authorization: Bearer <token>` in constant time. */
export function authorized(req: IncomingMessage, token: string | undefined): boolean {
  if (!token) return false;
  const m = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '');
  if (!m) return false;
  const a = Buffer.from(m[1]!.trim());
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** upstreamStatus describes every upstream server's state, as `GET /admin/upstreams` returns it. */
export function upstreamStatus(gw: Gateway): Record<string, unknown[]> {
  const now = Date.now();
  const out: Record<string, unknown[]> = {};
  for (const up of gw.runtime.upstreams.values()) {
    out[up.name] = up.servers.map((s) => ({ server: s.key, weight: s.weight, available: up.available(s, now), healthy: s.healthy, passive_down: s.downUntil > now, breaker: s.breaker.state, active: s.active, requests: s.requests, failures: s.failures }));
  }
  return out;
}

/** AdminApi is what the admin listener serves: a single gateway, or the cluster primary speaking for its workers. */
export interface AdminApi {
  /** metrics renders the Prometheus exposition. */
  metrics(): string | Promise<string>;
  /** reload re-reads the config file and applies it. */
  reload(): Promise<{ ok: boolean; ms: number; issues: ConfigIssue[] }>;
  /** upstreams describes the upstream servers' state. */
  upstreams(): unknown;
  /** token is the bearer token `/admin/*` requires now (read per request, so a reload that changes it applies at once). */
  token(): string | undefined;
}

/**
 * createAdminServer builds the admin listener: `/metrics` (Prometheus) and `/health` are open, as scrapers and probes expect;
 * everything under `/admin/` needs `Authorization: Bearer <admin_token>` because it reveals internals or changes state.
 */
export function createAdminServer(api: AdminApi): Server {
  return http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://admin');
    const route = `${req.method} ${url.pathname}`;
    if (route === 'GET /metrics') {
      void Promise.resolve(api.metrics()).then((text) => send(res, 200, text, 'text/plain; version=0.0.4; charset=utf-8'));
      return;
    }
    if (route === 'GET /health') return send(res, 200, { status: 'ok' });
    if (url.pathname.startsWith('/admin/')) {
      const token = api.token();
      if (!token) return send(res, 403, { error: 'the admin API is disabled: set basic.admin_token or GATEWAY_ADMIN_TOKEN' });
      if (!authorized(req, token)) {
        res.setHeader('www-authenticate', 'Bearer');
        return send(res, 401, { error: 'missing or wrong bearer token' });
      }
      if (route === 'POST /admin/reload') {
        void api.reload().then((r) => send(res, r.ok ? 200 : 422, { ok: r.ok, ms: Math.round(r.ms * 10) / 10, errors: r.issues.map((i) => ({ path: i.path, message: i.message, hint: i.hint })) }));
        return;
      }
      if (route === 'GET /admin/upstreams') {
        void Promise.resolve(api.upstreams()).then((body) => send(res, 200, body));
        return;
      }
    }
    send(res, 404, { error: `no admin route ${route}`, routes: ['GET /metrics', 'GET /health', 'POST /admin/reload', 'GET /admin/upstreams'] });
  });
}

function splitAddr(addr: string): { host: string; port: number } {
  return parseHostPort(addr, { field: 'basic.admin_addr', code: 'GW_LISTEN', allowPortZero: true, example: '127.0.0.1:6188' });
}

/** AdminSwap is a prepared change of the admin address: `commit` makes it live, `abort` keeps the old listener. */
export interface AdminSwap {
  /** commit closes the old listener (if the address changed) and keeps the new one. */
  commit(): void;
  /** abort closes the new listener and keeps (or reopens) the old one. */
  abort(): Promise<void>;
}

/**
 * AdminListener owns the admin listener across reloads: `prepare` opens the new address next to the old one, so a reload
 * whose other parts fail leaves the admin listener where it was, and a new address that cannot be bound rejects the reload.
 */
export class AdminListener {
  /** addr is the live address ('' when off). */
  addr = '';
  private server: Server | undefined;
  private readonly api: AdminApi;

  constructor(api: AdminApi) {
    this.api = api;
  }

  /** port is the bound port of the live listener, 0 when off. */
  port(): number {
    const a = this.server?.address();
    return a && typeof a === 'object' ? a.port : 0;
  }

  private async open(addr: string): Promise<Server> {
    const { host, port } = splitAddr(addr);
    const s = createAdminServer(this.api);
    await new Promise<void>((resolve, reject) => {
      s.once('error', (err) =>
        reject(new AppError('GW_LISTEN', `basic.admin_addr: cannot listen on ${addr}: ${(err as NodeJS.ErrnoException).code ?? err.message}`, { cause: err, hint: 'pick a free port, or admin_addr = "" to disable the admin listener' })),
      );
      s.listen({ host, port }, resolve);
    });
    return s;
  }

  private static async shut(s: Server | undefined, graceMs = 0): Promise<void> {
    if (!s) return;
    const closed = new Promise<void>((r) => s.close(() => r()));
    // The request that triggered a reload (POST /admin/reload) is answered on the listener being replaced.
    s.closeIdleConnections();
    const cut = setTimeout(() => s.closeAllConnections(), graceMs);
    await closed;
    clearTimeout(cut);
  }

  /** prepare opens `addr` (when it differs from the live one) and returns how to finish; it throws when the address cannot be bound. */
  async prepare(addr: string): Promise<AdminSwap> {
    if (addr === this.addr) return { commit: () => {}, abort: async () => {} };
    const old = this.server;
    const oldAddr = this.addr;
    let fresh: Server | undefined;
    let reopen = false;
    if (addr) {
      try {
        fresh = await this.open(addr);
      } catch (err) {
        // The same port on an overlapping host (127.0.0.1:6188 → 0.0.0.0:6188) cannot be bound beside the old socket.
        const sameSlot = old && ((err as AppError).cause as NodeJS.ErrnoException | undefined)?.code === 'EADDRINUSE' && splitAddr(addr).port === this.port();
        if (!sameSlot) throw err;
        await AdminListener.shut(old);
        this.server = undefined;
        try {
          fresh = await this.open(addr);
        } catch (again) {
          this.server = await this.open(oldAddr);
          throw again;
        }
        reopen = true;
      }
    }
    return {
      commit: () => {
        if (!reopen) void AdminListener.shut(old, 2000);
        this.server = fresh;
        this.addr = addr;
      },
      abort: async () => {
        await AdminListener.shut(fresh);
        if (reopen) this.server = await this.open(oldAddr);
      },
    };
  }

  /** close stops the listener. */
  async close(): Promise<void> {
    const s = this.server;
    this.server = undefined;
    this.addr = '';
    await AdminListener.shut(s);
  }
}
