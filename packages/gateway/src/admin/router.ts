import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { timingSafeEqual } from 'node:crypto';
import { errorMessage } from '@etcd-monitor/core';
import { http } from '../http1/node-http.ts';
import type { AdminBackend } from './backend.ts';

/** ADMIN_ROUTES are the routes the admin listener serves, as listed in a 404. */
export const ADMIN_ROUTES = ['GET /metrics', 'GET /health', 'POST /admin/reload', 'GET /admin/upstreams'];

// Every answer, errors included, says no-store: they describe the state of the moment and may carry internals.
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

/**
 * createAdminRouter answers admin requests from a back end: `/metrics` (Prometheus) and `/health` are open, as scrapers
 * and probes expect; everything under `/admin/` needs `Authorization: Bearer <admin_token>` because it reveals internals
 * or changes state. A back end that fails answers 500 with the reason rather than leaving the request hanging.
 */
export function createAdminRouter(backend: AdminBackend): (req: IncomingMessage, res: ServerResponse) => void {
  const answer = (res: ServerResponse, work: () => unknown, reply: (value: never) => void) => {
    Promise.resolve()
      .then(work)
      .then(reply as (v: unknown) => void, (err: unknown) => send(res, 500, { error: errorMessage(err) }));
  };
  return (req, res) => {
    const url = new URL(req.url ?? '/', 'http://admin');
    const route = `${req.method} ${url.pathname}`;
    if (route === 'GET /metrics')
      return answer(
        res,
        () => backend.metrics(),
        (text: string) => send(res, 200, text, 'text/plain; version=0.0.4; charset=utf-8'),
      );
    if (route === 'GET /health') return send(res, 200, { status: 'ok' });
    if (url.pathname.startsWith('/admin/')) {
      const token = backend.token();
      if (!token) return send(res, 403, { error: 'the admin API is disabled: set basic.admin_token or GATEWAY_ADMIN_TOKEN' });
      if (!authorized(req, token)) {
        res.setHeader('www-authenticate', 'Bearer');
        return send(res, 401, { error: 'missing or wrong bearer token' });
      }
      if (route === 'POST /admin/reload') {
        return answer(
          res,
          () => backend.reload(),
          (r: Awaited<ReturnType<AdminBackend['reload']>>) =>
            send(res, r.ok ? 200 : 422, { ok: r.ok, ms: Math.round(r.ms * 10) / 10, errors: r.issues.map((i) => ({ path: i.path, message: i.message, hint: i.hint })) }),
        );
      }
      if (route === 'GET /admin/upstreams')
        return answer(
          res,
          () => backend.upstreams(),
          (body: unknown) => send(res, 200, body),
        );
    }
    send(res, 404, { error: `no admin route ${route}`, routes: ADMIN_ROUTES });
  };
}

/** createAdminServer is an HTTP server answering with `createAdminRouter`. */
export function createAdminServer(backend: AdminBackend): Server {
  return http.createServer(createAdminRouter(backend));
}
