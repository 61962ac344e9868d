import type { FastifyInstance } from 'fastify';
import { AppError } from '@etcd-monitor/core';
import type { ApiDeps } from '../deps.ts';
import { RANGE_KEYS, type Dashboard, type Panel } from '../contract.ts';

export { RANGE_KEYS, type Dashboard, type Panel };

/** DOC_KIND is the store's document kind for dashboards. */
const DOC_KIND = 'dashboard';

/** MAX_PANELS bounds one dashboard, so one PUT cannot make every viewer's page read hundreds of series. */
export const MAX_PANELS = 50;

const ID_PATTERN = '^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$';
const idParam = { type: 'object', properties: { id: { type: 'string', pattern: ID_PATTERN, description: 'letters, digits, "_" or "-"; at most 64' } }, required: ['id'] } as const;

const panelSchema = {
  type: 'object',
  required: ['cluster', 'series', 'range'],
  additionalProperties: false,
  properties: {
    cluster: { type: 'string', minLength: 1, maxLength: 200 },
    member: { type: 'string', maxLength: 200, description: 'one member; omit for every member, "" for the cluster-level series' },
    series: { type: 'string', pattern: '^[A-Za-z_][A-Za-z0-9_:]{0,199}$', description: 'a stored series name (GET /api/v1/series)' },
    range: { type: 'string', enum: [...RANGE_KEYS] },
    title: { type: 'string', maxLength: 200 },
  },
} as const;

const dashboardBody = {
  type: 'object',
  required: ['name', 'panels'],
  additionalProperties: false,
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 100 },
    panels: { type: 'array', maxItems: MAX_PANELS, items: panelSchema },
  },
} as const;

const dashboardView = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    name: { type: 'string' },
    panels: { type: 'array', items: { ...panelSchema, additionalProperties: true } },
    createdAt: { type: 'string' },
    createdBy: { type: 'string' },
    updatedAt: { type: 'string' },
    updatedBy: { type: 'string' },
  },
} as const;

/** readPanels checks what the schema cannot say (a blank name, the same chart twice) and drops unset optional keys. */
function readBody(body: { name: string; panels: Panel[] }): { name: string; panels: Panel[] } {
  const name = body.name.trim();
  if (!name) throw new AppError('MON_BAD_REQUEST', 'name: must not be blank', { field: 'name', hint: 'give the dashboard a name, e.g. "Production latency"' });
  const seen = new Set<string>();
  const panels = body.panels.map((p, i) => {
    if (!p.cluster.trim()) throw new AppError('MON_BAD_REQUEST', `panels.${i}.cluster: must not be blank`, { field: `panels.${i}.cluster`, hint: 'a cluster name from GET /api/v1/clusters' });
    const key = `${p.cluster}\u0000${p.member ?? '\u0001'}\u0000${p.series}`;
    if (seen.has(key)) throw new AppError('MON_BAD_REQUEST', `panels.${i}: the same chart (${p.cluster} ${p.series}${p.member !== undefined ? ` of ${p.member || 'the cluster'}` : ''}) is already on the dashboard`, { field: `panels.${i}`, hint: 'remove the duplicate panel' });
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
export async function dashboardRoutes(app: FastifyInstance, deps: ApiDeps): Promise<void> {
  app.get('/dashboards', { schema: { summary: 'Every shared dashboard with its panels, oldest first', tags: ['dashboards'], response: { 200: { type: 'array', items: dashboardView } } } }, async () => listDashboards(deps));

  app.get('/dashboards/:id', { schema: { summary: 'One dashboard', tags: ['dashboards'], params: idParam, response: { 200: dashboardView } } }, async (req) => {
    const { id } = req.params as { id: string };
    const d = deps.store.getDoc(DOC_KIND, id) as Dashboard | undefined;
    if (!d) throw new AppError('MON_NOT_FOUND', `no dashboard with id "${id}"`, { hint: 'GET /api/v1/dashboards lists them' });
    return d;
  });

  app.put('/dashboards/:id', {
    config: { role: 'operator' },
    schema: {
      summary: 'Create or replace a dashboard: {name, panels: [{cluster, member?, series, range, title?}]} (panels in order; 201 when created)',
      tags: ['dashboards'],
      params: idParam,
      body: dashboardBody,
      response: { 200: dashboardView, 201: dashboardView },
    },
  }, async (req, reply) => {
    const { id } = req.params as { id: string };
    const { name, panels } = readBody(req.body as { name: string; panels: Panel[] });
    const old = deps.store.getDoc(DOC_KIND, id) as Dashboard | undefined;
    const now = new Date().toISOString();
    const doc: Dashboard = { id, name, panels, createdAt: old?.createdAt ?? now, createdBy: old?.createdBy ?? req.principal.name, updatedAt: now, updatedBy: req.principal.name };
    deps.store.putDoc(DOC_KIND, id, doc);
    deps.audit(old ? 'dashboard.update' : 'dashboard.create', id, req);
    return reply.status(old ? 200 : 201).send(doc);
  });

  app.delete('/dashboards/:id', { config: { role: 'operator' }, schema: { summary: 'Delete a dashboard', tags: ['dashboards'], params: idParam } }, async (req, reply) => {
    const { id } = req.params as { id: string };
    if (!deps.store.deleteDoc(DOC_KIND, id)) throw new AppError('MON_NOT_FOUND', `no dashboard with id "${id}"`, { hint: 'GET /api/v1/dashboards lists them' });
    deps.audit('dashboard.delete', id, req);
    return reply.status(204).send();
  });
}
