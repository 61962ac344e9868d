import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { AppError } from '@etcd-monitor/core';
import type { ApiDeps } from '../deps.ts';
import { NoContent, withErrors } from '../schemas/common.ts';
import { Dashboard, DashboardBody, DashboardParams, type Panel } from '../schemas/dashboards.ts';

/** DOC_KIND is the store's document kind for dashboards. */
const DOC_KIND = 'dashboard';

/** readPanels checks what the schema cannot say (a blank name, the same chart twice) and drops unset optional keys. */
function readBody(body: { name: string; panels: Panel[] }): { name: string; panels: Panel[] } {
  const name = body.name.trim();
  if (!name) throw new AppError('MON_BAD_REQUEST', 'name: must not be blank', { field: 'name', hint: 'give the dashboard a name, e.g. "Production latency"' });
  const seen = new Set<string>();
  const panels = body.panels.map((p, i) => {
    if (!p.cluster.trim())
      throw new AppError('MON_BAD_REQUEST', `panels.${i}.cluster: must not be blank`, { field: `panels.${i}.cluster`, hint: 'a cluster name from GET /api/v1/clusters' });
    const key = `${p.cluster}\u0000${p.member ?? '\u0001'}\u0000${p.series}`;
    if (seen.has(key))
      throw new AppError(
        'MON_BAD_REQUEST',
        `panels.${i}: the same chart (${p.cluster} ${p.series}${p.member !== undefined ? ` of ${p.member || 'the cluster'}` : ''}) is already on the dashboard`,
        { field: `panels.${i}`, hint: 'remove the duplicate panel' },
      );
    seen.add(key);
    const title = p.title?.trim();
    return { cluster: p.cluster, ...(p.member !== undefined ? { member: p.member } : {}), series: p.series, range: p.range, ...(title ? { title } : {}) };
  });
  return { name, panels };
}

/** listDashboards returns every stored dashboard, oldest first (then by name), as the UI lists them. */
function listDashboards(deps: ApiDeps): Dashboard[] {
  return deps.store
    .listDocs(DOC_KIND)
    .map((d) => d.doc as Dashboard)
    .sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.name.localeCompare(b.name) || a.id.localeCompare(b.id));
}

/**
 * dashboardRoutes serves shared dashboards of pinned charts, stored as documents so they survive restarts. Every
 * user who may read the monitor sees them; operators and admins change them. The last write wins.
 */
export async function dashboardRoutes(fastify: FastifyInstance, deps: ApiDeps): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  app.get(
    '/dashboards',
    { schema: { summary: 'Every shared dashboard with its panels, oldest first', tags: ['dashboards'], response: withErrors({ 200: Type.Array(Dashboard) }) } },
    async () => listDashboards(deps),
  );

  app.get('/dashboards/:id', { schema: { summary: 'One dashboard', tags: ['dashboards'], params: DashboardParams, response: withErrors({ 200: Dashboard }) } }, async (req) => {
    const { id } = req.params;
    const d = deps.store.getDoc(DOC_KIND, id) as Dashboard | undefined;
    if (!d) throw new AppError('MON_NOT_FOUND', `no dashboard with id "${id}"`, { hint: 'GET /api/v1/dashboards lists them' });
    return d;
  });

  app.put(
    '/dashboards/:id',
    {
      config: { role: 'operator' },
      schema: {
        summary: 'Create or replace a dashboard: {name, panels: [{cluster, member?, series, range, title?}]} (panels in order; 201 when created)',
        tags: ['dashboards'],
        params: DashboardParams,
        body: DashboardBody,
        response: withErrors({ 200: Dashboard, 201: Dashboard }),
      },
    },
    async (req, reply) => {
      const { id } = req.params;
      const { name, panels } = readBody(req.body);
      const old = deps.store.getDoc(DOC_KIND, id) as Dashboard | undefined;
      const now = new Date().toISOString();
      const doc: Dashboard = { id, name, panels, createdAt: old?.createdAt ?? now, createdBy: old?.createdBy ?? req.principal.name, updatedAt: now, updatedBy: req.principal.name };
      deps.store.putDoc(DOC_KIND, id, doc);
      deps.audit(old ? 'dashboard.update' : 'dashboard.create', id, req);
      return reply.status(old ? 200 : 201).send(doc);
    },
  );

  app.delete(
    '/dashboards/:id',
    { config: { role: 'operator' }, schema: { summary: 'Delete a dashboard', tags: ['dashboards'], params: DashboardParams, response: withErrors({ 204: NoContent }) } },
    async (req, reply) => {
      const { id } = req.params;
      if (!deps.store.deleteDoc(DOC_KIND, id)) throw new AppError('MON_NOT_FOUND', `no dashboard with id "${id}"`, { hint: 'GET /api/v1/dashboards lists them' });
      deps.audit('dashboard.delete', id, req);
      return reply.status(204).send();
    },
  );
}
