import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { AppError, parseDuration } from '@etcd-monitor/core';
import type { ApiDeps } from '../deps.ts';
import { parseTime } from '../time.ts';
import { seriesCatalog } from '../../series-catalog.ts';
import { requireCluster, storedHistory } from '../known-cluster.ts';
import { namedQuery } from '../../member-keys.ts';
import { withErrors } from '../schemas/common.ts';
import { SeriesCatalog, SeriesListQuery, SeriesQueryParams, SeriesQueryResult, StoredSeries } from '../schemas/series.ts';

/** seriesRoutes lists stored series and answers range queries, picking the resolution from the range and step. */
export async function seriesRoutes(fastify: FastifyInstance, deps: ApiDeps): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  app.get(
    '/series',
    {
      schema: { summary: 'Stored series names, per cluster and member', tags: ['series'], querystring: SeriesListQuery, response: withErrors({ 200: Type.Array(StoredSeries) }) },
    },
    async (req) => {
      const q = req.query;
      if (q.cluster) requireCluster(deps, q.cluster, storedHistory(deps, q.cluster));
      const keys = deps.registry.members;
      const member = q.member && q.cluster ? keys.key(q.cluster, q.member) : q.member;
      // member is the stored key (the member id; a name for series older versions stored by name), name how it is shown.
      return deps.store
        .listSeries({ ...(q.cluster ? { cluster: q.cluster } : {}), ...(member !== undefined ? { member } : {}) })
        .map((s) => ({ ...s, name: s.member === '' ? '' : keys.label(s.cluster, keys.key(s.cluster, s.member)), lastTime: new Date(s.lastT).toISOString() }));
    },
  );

  app.get(
    '/series/catalog',
    {
      schema: {
        summary:
          'Every series the monitor records: name, title, unit, per member or per cluster, chart group and source; plus families named after labels (grpc_<method>_<code>_rate)',
        tags: ['series'],
        response: withErrors({ 200: SeriesCatalog }),
      },
    },
    async () => seriesCatalog(),
  );

  app.get(
    '/series/query',
    {
      schema: {
        summary: 'Range query of one series for a cluster (every member, or one)',
        tags: ['series'],
        querystring: SeriesQueryParams,
        response: withErrors({ 200: SeriesQueryResult }),
      },
    },
    async (req) => {
      const q = req.query;
      requireCluster(deps, q.cluster, storedHistory(deps, q.cluster));
      const now = Date.now();
      const from = parseTime(q.from ?? '15m', 'from', now);
      const to = q.to ? parseTime(q.to, 'to', now) : now;
      if (from >= to) throw new AppError('MON_BAD_REQUEST', 'from: must be before to', { field: 'from', hint: 'e.g. from=1h (an hour back) and no to' });
      const step = q.step ? parseDuration(q.step, 'step') : undefined;
      const r = namedQuery(deps.store, deps.registry.members, {
        series: q.series,
        cluster: q.cluster,
        ...(q.member !== undefined ? { member: q.member } : {}),
        from,
        to,
        ...(step ? { step } : {}),
        agg: q.agg ?? 'avg',
      });
      return { series: q.series, cluster: q.cluster, from: new Date(from).toISOString(), to: new Date(to).toISOString(), ...r };
    },
  );
}
