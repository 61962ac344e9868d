import type { AdminBackend, ReloadOutcome } from '../admin/backend.ts';
import type { Registry } from '../observability/metrics.ts';
import { mergeMetrics } from './metrics.ts';
import type { WorkerPool } from './workers.ts';

/**
 * supervisorAdminBackend is the admin back end of a gateway of several processes: metrics merged from every ready worker
 * (each sample labelled with its worker) plus the supervisor's own, upstreams as each worker sees them.
 */
export function supervisorAdminBackend(pool: WorkerPool, registry: Registry, reload: () => Promise<ReloadOutcome>, token: () => string | undefined): AdminBackend {
  return {
    metrics: async () => {
      const rs = await Promise.all(pool.ready().map(async (st) => ({ worker: String(st.worker.id), reply: await pool.ask(st.worker, { type: 'metrics' }, 3000) })));
      const texts = rs.flatMap((r) => (r.reply?.type === 'metrics-text' ? [{ worker: r.worker, text: r.reply.text }] : []));
      // The supervisor counts reloads (it validates them); the workers' own counters would count each reload N times.
      return mergeMetrics(texts, new Set(['gateway_config_reloads_total'])) + registry.render();
    },
    reload,
    // Health and breaker state are per worker; each worker's view is reported under its id.
    upstreams: async () => {
      const rs = await Promise.all(pool.ready().map(async (st) => [String(st.worker.id), await pool.ask(st.worker, { type: 'upstreams' }, 3000)] as const));
      const out: Record<string, unknown> = {};
      for (const [id, r] of rs) if (r?.type === 'upstreams-status') out[`worker ${id}`] = r.status;
      return out;
    },
    token,
  };
}
