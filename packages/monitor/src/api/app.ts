import Fastify, { type FastifyInstance, type FastifyError } from 'fastify';
import swagger from '@fastify/swagger';
import { AppError, versionInfo } from '@etcd-monitor/core';
import { clusterRoutes } from './routes/clusters.ts';
import { eventRoutes } from './routes/events.ts';
import { seriesRoutes } from './routes/series.ts';
import { streamRoutes } from './routes/stream.ts';
import { authRoutes, tokenOf } from './routes/auth.ts';
import { alertRoutes } from './routes/alerts.ts';
import { dashboardRoutes } from './routes/dashboards.ts';
import { statusOfCode } from '../error-codes.ts';
import { channelTypeRoutes } from './routes/channel-types.ts';
import { kvRoutes } from './routes/kv.ts';
import { maintenanceRoutes } from './routes/maintenance.ts';
import { leaseRoutes } from './routes/leases.ts';
import { txnRoutes } from './routes/txn.ts';
import { etcdAuthRoutes } from './routes/etcd-auth.ts';
import { OpsClients } from '../ops/clients.ts';
import { registerStatic } from './static.ts';
import { renderDocsPage, type OpenApiDocument } from './docs-page.ts';
import type { ApiDeps } from './deps.ts';
import { withErrors } from './schemas/common.ts';
import { VersionInfo } from './schemas/version.ts';

export type { ApiDeps } from './deps.ts';
import { roleAtLeast, type Principal, type Role } from '../auth/auth.ts';
import { checkOrigin, isLoopbackAddress, isLoopbackHost } from '../auth/request-guard.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** principal is who made the request, set by the auth hook. */
    principal: Principal;
  }
  interface FastifyContextConfig {
    /** role is the least role a route needs (default: viewer for GET, admin otherwise). */
    role?: Role;
    /** public marks a route that needs no principal (login). */
    public?: boolean;
  }
}

/**
 * buildApi builds the Fastify app without listening, so tests use `app.inject()`. Every error leaves as
 * `{ error: { code, message, field?, hint? } }` with a stable code.
 */
export async function buildApi(deps: ApiDeps): Promise<FastifyInstance> {
  const app = Fastify({ logger: false, ajv: { customOptions: { coerceTypes: 'array', removeAdditional: false, allErrors: false } } });
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: { title: 'etcd-monitor API', version: deps.version, description: 'Clusters, health, members, series, events and a live stream.' },
    },
  });
  app.setErrorHandler((err: FastifyError | AppError, _req, reply) => {
    if (err instanceof AppError) {
      // An error that names a request field is the caller's to fix: 400, whatever stage raised it.
      const status = statusOfCode(err.code) ?? (err.field !== undefined ? 400 : err.code.startsWith('ETCD_') ? 502 : 500);
      const issues = (err as AppError & { issues?: unknown[] }).issues;
      const retryAfterS = (err as AppError & { retryAfterS?: number }).retryAfterS;
      // A conflict carries the state it conflicted with, so a client can show it beside its own change.
      const current = (err as AppError & { current?: unknown }).current;
      if (retryAfterS !== undefined) reply.header('retry-after', String(retryAfterS));
      return reply.status(status).send({
        error: {
          code: err.code,
          message: err.message,
          ...(err.field ? { field: err.field } : {}),
          ...(err.hint ? { hint: err.hint } : {}),
          ...(status < 500 && issues?.length ? { issues } : {}),
          ...(status === 409 && current !== undefined ? { current } : {}),
        },
      });
    }
    const fe = err as FastifyError;
    if (fe.validation) {
      const v = fe.validation[0]!;
      const where = (v.instancePath || '').replace(/^\//, '').replace(/\//g, '.');
      const missing = (v.params as { missingProperty?: string }).missingProperty;
      // A missing key inside an array or object is named by its full path (panels.0.cluster), not its bare name.
      const field = missing ? (where ? `${where}.${missing}` : missing) : where || fe.validationContext || 'request';
      const message = missing ? `${field}: is required` : `${field}: ${v.message}`;
      return reply.status(400).send({ error: { code: 'MON_BAD_REQUEST', message, field } });
    }
    if (fe.statusCode && fe.statusCode < 500) {
      return reply
        .status(fe.statusCode)
        .send({ error: { code: fe.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' ? 'MON_BAD_REQUEST' : `MON_HTTP_${fe.statusCode}`, message: fe.message } });
    }
    return reply.status(500).send({ error: { code: 'MON_INTERNAL', message: 'internal error; see the monitor log' } });
  });
  app.setNotFoundHandler((req, reply) =>
    reply.status(404).send({ error: { code: 'MON_NOT_FOUND', message: `no route ${req.method} ${req.url.split('?')[0]}`, hint: 'see /api/docs for the API' } }),
  );

  app.decorateRequest('principal', null as unknown as Principal);
  await app.register(
    async (api) => {
      // Every API call has a principal: a session (Bearer token or em_session cookie), or anonymous from loopback to a
      // loopback Host with the configured role. Requests from elsewhere, or naming another host, always need a session.
      api.addHook('onRequest', async (req) => {
        const cfg = req.routeOptions.config ?? {};
        checkOrigin(req.method, req.headers.origin, req.headers.host);
        const token = tokenOf(req.headers.authorization, req.headers.cookie);
        const fromSession = token ? deps.auth.principalFor(token) : undefined;
        if (token && !fromSession && !cfg.public) throw new AppError('MON_UNAUTHORIZED', 'the session has expired or is not valid', { hint: 'log in again: POST /api/v1/login' });
        const loopback = isLoopbackAddress(req.ip);
        const trusted = loopback && deps.anonymousRole !== 'none' && isLoopbackHost(req.headers.host);
        req.principal = fromSession ?? (trusted ? { name: `anonymous@${req.ip}`, role: deps.anonymousRole as Role } : { name: `anonymous@${req.ip}`, role: 'viewer' });
        if (cfg.public) return;
        if (!fromSession && !trusted) {
          throw new AppError(
            'MON_UNAUTHORIZED',
            loopback && deps.anonymousRole !== 'none'
              ? `log in first: anonymous access is only for loopback Host names, not ${JSON.stringify((req.headers.host ?? '').slice(0, 200))}`
              : 'log in first',
            {
              hint:
                loopback && deps.anonymousRole !== 'none'
                  ? 'open the monitor as http://127.0.0.1:PORT or http://localhost:PORT, or log in: POST /api/v1/login'
                  : 'POST /api/v1/login with {username, password}, then send Authorization: Bearer TOKEN',
            },
          );
        }
        const need: Role = cfg.role ?? (req.method === 'GET' || req.method === 'HEAD' ? 'viewer' : 'admin');
        if (!roleAtLeast(req.principal.role, need))
          throw new AppError('MON_FORBIDDEN', `${req.principal.name} (${req.principal.role}) may not do this; it needs the ${need} role`, {
            hint: 'ask an admin for a role with more rights',
          });
      });
      await authRoutes(api, deps);
      await clusterRoutes(api, deps);
      await eventRoutes(api, deps);
      await seriesRoutes(api, deps);
      await streamRoutes(api, deps);
      await alertRoutes(api, deps);
      await dashboardRoutes(api, deps);
      await channelTypeRoutes(api);
      // One ops client per cluster for the key browser and the maintenance routes, apart from the collectors'.
      const ops = new OpsClients((name) => deps.registry.config(name));
      api.addHook('onClose', async () => ops.close());
      await kvRoutes(api, deps, ops);
      await maintenanceRoutes(api, deps, ops);
      await leaseRoutes(api, deps, ops);
      await txnRoutes(api, deps, ops);
      await etcdAuthRoutes(api, deps, ops);
      api.get(
        '/version',
        {
          schema: {
            summary: 'Which etcd-monitor is running: its version, the Node.js version, and the git commit when it runs from a checkout',
            tags: ['monitor'],
            response: withErrors({ 200: VersionInfo }),
          },
        },
        async () => ({ ...versionInfo(), version: deps.version }),
      );
    },
    { prefix: '/api/v1' },
  );

  // A browser (Accept: text/html first) gets the reference as a page; every other client the OpenAPI JSON, which also
  // stays at /api/docs/openapi.json whatever it asks for.
  let docsPage: string | undefined;
  app.get('/api/docs', { schema: { hide: true } }, async (req, reply) => {
    reply.header('vary', 'accept');
    if (!/^\s*text\/html/i.test(req.headers.accept ?? '')) return app.swagger();
    docsPage ??= renderDocsPage(app.swagger() as OpenApiDocument, '/api/docs/openapi.json');
    return reply.type('text/html; charset=utf-8').header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'").send(docsPage);
  });
  app.get('/api/docs/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  app.get('/healthz', { schema: { hide: true } }, async () => ({ ok: true }));
  app.get('/metrics', { schema: { hide: true } }, async (_req, reply) => {
    reply.header('content-type', deps.metrics.contentType);
    return deps.metrics.metrics();
  });
  registerStatic(app);
  return app;
}
