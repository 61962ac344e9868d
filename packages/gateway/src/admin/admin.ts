import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { http } from '../node-http.ts';
import { timingSafeEqual } from 'node:crypto';
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

/**
 * createAdminServer builds the admin listener: `/metrics` (Prometheus) and `/health` are open, as scrapers and probes expect;
 * everything under `/admin/` needs `Authorization: Bearer <admin_token>` because it reveals internals or changes state.
 */
export function createAdminServer(gw: Gateway): Server {
  return http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://admin');
    const route = `${req.method} ${url.pathname}`;
    if (route === 'GET /metrics') return send(res, 200, gw.metrics.registry.render(), 'text/plain; version=0.0.4; charset=utf-8');
    if (route === 'GET /health') return send(res, 200, { status: 'ok' });
    if (url.pathname.startsWith('/admin/')) {
      const token = gw.adminToken();
      if (!token) return send(res, 403, { error: 'the admin API is disabled: set basic.admin_token or GATEWAY_ADMIN_TOKEN' });
      if (!authorized(req, token)) {
        res.setHeader('www-authenticate', 'Bearer');
        return send(res, 401, { error: 'missing or wrong bearer token' });
      }
      if (route === 'POST /admin/reload') {
        void gw.reload().then((r) => send(res, r.ok ? 200 : 422, { ok: r.ok, ms: Math.round(r.ms * 10) / 10, errors: r.issues.map((i) => ({ path: i.path, message: i.message, hint: i.hint })) }));
        return;
      }
      if (route === 'GET /admin/upstreams') return send(res, 200, upstreamStatus(gw));
    }
    send(res, 404, { error: `no admin route ${route}`, routes: ['GET /metrics', 'GET /health', 'POST /admin/reload', 'GET /admin/upstreams'] });
  });
}
