import { errorMessage } from '@etcd-monitor/core';
import { defineCollector, type CollectorResult } from '../collector.ts';

/** PROBE_PREFIX is the reserved key prefix of the write probe. */
export const PROBE_PREFIX = '/etcd-monitor/probe/';
const LEASE_TTL_S = 60;

/**
 * probeCollector measures what clients feel: a linearizable read (needs consensus), a serializable read (local), and,
 * when `write_probe` is on, a put under PROBE_PREFIX attached to a lease so probe keys never outlive the monitor.
 */
export const probeCollector = defineCollector({
  name: 'probe',
  intervalMs: (c) => c.probeIntervalMs,
  create(ctx) {
    let lease: { id: string; until: number } | undefined;
    const timed = async (fn: () => Promise<unknown>): Promise<number> => {
      const t0 = performance.now();
      await fn();
      return Math.round((performance.now() - t0) * 100) / 100;
    };
    return {
      async run(): Promise<CollectorResult> {
        const at = Date.now();
        const o = { timeoutMs: ctx.cluster.timeoutMs };
        const key = (id: string | null) => `${PROBE_PREFIX}${id ?? 'unknown'}`;
        const result = {
          at,
          linearizableMs: null as number | null,
          serializableMs: null as number | null,
          writeMs: null as number | null,
          linearizableOk: false,
          error: null as string | null,
        };
        const series: Record<string, number> = {};
        try {
          result.serializableMs = await timed(() => ctx.client.get(key(ctx.facts.id), { ...o, serializable: true }));
          series.probe_read_serializable_ms = result.serializableMs;
        } catch (err) {
          result.error = errorMessage(err);
        }
        try {
          result.linearizableMs = await timed(() => ctx.client.health(o));
          result.linearizableOk = true;
          series.probe_read_linearizable_ms = result.linearizableMs;
        } catch (err) {
          result.error = errorMessage(err);
        }
        // Each member writes its own key, so the write waits until the member has said who it is.
        const id = ctx.facts.id;
        if (ctx.cluster.writeProbe && result.linearizableOk && id) {
          try {
            if (!lease || lease.until < Date.now()) {
              lease = { id: await ctx.client.leaseGrant(LEASE_TTL_S, o), until: Date.now() + (LEASE_TTL_S - 10) * 1000 };
            }
            const leaseId = lease.id;
            result.writeMs = await timed(() => ctx.client.put(key(id), String(at), { ...o, lease: leaseId }));
            series.probe_write_ms = result.writeMs;
          } catch (err) {
            lease = undefined;
            result.error = errorMessage(err);
          }
        }
        series.probe_success = result.linearizableOk ? 1 : 0;
        return { facts: { probe: result }, series, at, changed: ctx.facts.probe?.linearizableOk !== result.linearizableOk };
      },
    };
  },
});
