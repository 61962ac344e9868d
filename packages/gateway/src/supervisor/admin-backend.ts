import { mergeUpstreamStatus, type AdminBackend, type ReloadOutcome, type UpstreamsStatus } from '../admin/backend.ts';
import type { Registry } from '../observability/metrics.ts';
import type { WorkerMetrics } from './metrics.ts';
import type { WorkerPool } from './workers.ts';

/**
 * supervisorAdminBackend is the admin back end of a gateway of several processes, answering as one gateway: metrics
 * merged from every worker (`merged`, which the supervisor tells of exited workers) plus the supervisor's own, and one
 * view of the upstreams merged from the workers'.
 */
export function supervisorAdminBackend(
  pool: WorkerPool,
  registry: Registry,
  merged: WorkerMetrics,
  reload: () => Promise<ReloadOutcome>,
  token: () => string | undefined,
): AdminBackend {
  return {
    metrics: async () => {
      const rs = await Promise.all(pool.ready().map(async (st) => ({ worker: String(st.worker.id), reply: await pool.ask(st.worker, { type: 'metrics' }, 3000) })));
      for (const r of rs) if (r.reply?.type === 'metrics-text') merged.update(r.worker, r.reply.text);
      return merged.render([...pool.all.values()].map((st) => String(st.worker.id))) + registry.render();
    },
    reload,
    // Passive health and breakers are per worker: the workers' views are merged into one, shaped as a single gateway's,
    // with counters summed and any disagreement on a server's state spelled out by worker.
    upstreams: async () => {
      const rs = await Promise.all(pool.ready().map(async (st) => ({ worker: String(st.worker.id), reply: await pool.ask(st.worker, { type: 'upstreams' }, 3000) })));
      const views: { worker: string; status: UpstreamsStatus }[] = [];
      for (const r of rs) if (r.reply?.type === 'upstreams-status') views.push({ worker: r.worker, status: r.reply.status });
      if (views.length === 0) throw new Error('no worker answered');
      return mergeUpstreamStatus(views);
    },
    token,
  };
}
