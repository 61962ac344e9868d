import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { AppError } from '@etcd-monitor/core';
import type { ApiDeps } from '../deps.ts';
import { EVENT_TYPES } from '../../events/detect.ts';
import { parseTime } from '../time.ts';
import { requireCluster, storedHistory } from '../known-cluster.ts';
import { withErrors } from '../schemas/common.ts';
import { eventsQuery, MonitorEvent } from '../schemas/events.ts';

const query = eventsQuery(EVENT_TYPES);

/** eventRoutes serves the event history, filterable and exportable as JSON or CSV. */
export async function eventRoutes(fastify: FastifyInstance, deps: ApiDeps): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  app.get(
    '/events',
    {
      schema: {
        summary: 'Events, newest first: [{time, cluster, type, member?, message, details?}]',
        tags: ['events'],
        querystring: query,
        // JSON by default; format=csv answers the same rows as a CSV file.
        response: withErrors({ 200: { content: { 'application/json': { schema: Type.Array(MonitorEvent) }, 'text/csv': { schema: Type.String() } } } }),
      },
    },
    async (req, reply) => {
      const q = req.query;
      if (q.cluster) requireCluster(deps, q.cluster, storedHistory(deps, q.cluster));
      const types = q.type?.flatMap((t) => t.split(',')).filter(Boolean);
      for (const t of types ?? []) {
        if (!(EVENT_TYPES as readonly string[]).includes(t))
          throw new AppError('MON_BAD_REQUEST', `type: unknown event type "${t}"`, { field: 'type', hint: `one of ${EVENT_TYPES.join(', ')}` });
      }
      const since = q.since !== undefined ? parseTime(q.since, 'since') : undefined;
      const until = q.until !== undefined ? parseTime(q.until, 'until') : undefined;
      const rows = deps.store.queryEvents({
        ...(q.cluster ? { cluster: q.cluster } : {}),
        ...(q.member ? { member: q.member } : {}),
        ...(types?.length ? { type: types } : {}),
        ...(since !== undefined ? { since } : {}),
        ...(until !== undefined ? { until } : {}),
        limit: q.limit ?? 1000,
      });
      const out = rows.map((e) => ({
        time: new Date(e.time).toISOString(),
        cluster: e.cluster,
        type: e.type,
        ...(e.member ? { member: e.member } : {}),
        message: e.message,
        ...(e.details ? { details: e.details } : {}),
      }));
      if (q.format === 'csv') {
        reply.header('content-type', 'text/csv; charset=utf-8').header('content-disposition', 'attachment; filename="events.csv"');
        const cell = (v: unknown) => {
          const s = v === undefined ? '' : typeof v === 'string' ? v : JSON.stringify(v);
          return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
        };
        return ['time,cluster,type,member,message,details', ...out.map((e) => [e.time, e.cluster, e.type, e.member, e.message, e.details].map(cell).join(','))].join('\n') + '\n';
      }
      return out;
    },
  );
}
