import { AppError, errorMessage } from '@etcd-monitor/core';
import type { Collector } from '../collector.ts';

/** statusCollector reads the member's status and its view of the member list, every status interval. */
export const statusCollector: Collector = {
  name: 'status',
  intervalMs: (c) => c.statusIntervalMs,
  create(ctx) {
    return {
      async run() {
        const started = performance.now();
        const at = Date.now();
        const f = ctx.facts;
        try {
          const [status, list] = await Promise.all([
            ctx.client.status({ timeoutMs: ctx.cluster.timeoutMs }),
            ctx.client.memberList({ timeoutMs: ctx.cluster.timeoutMs }).catch(() => null),
          ]);
          f.status = status;
          f.id = status.id;
          f.error = null;
          f.downSince = null;
          f.statusLatencyMs = Math.round((performance.now() - started) * 100) / 100;
          if (list) {
            f.memberIds = list.map((m) => m.id).sort();
            f.name = list.find((m) => m.id === status.id)?.name || f.name;
          }
          const hasLeader = status.leader !== '0' ? 1 : 0;
          ctx.sample(
            {
              up: 1,
              has_leader_status: hasLeader,
              is_leader_status: hasLeader && status.leader === status.id ? 1 : 0,
              raft_term: status.raftTerm,
              raft_index: status.raftIndex,
              raft_applied_index: status.raftAppliedIndex,
              db_size_bytes_status: status.dbSize,
              db_size_in_use_bytes_status: status.dbSizeInUse,
              status_latency_ms: f.statusLatencyMs,
            },
            at,
          );
        } catch (err) {
          f.status = null;
          f.error = err instanceof AppError ? { message: stripEndpoint(err.message, f.endpoint), code: err.code, ...(err.hint ? { hint: err.hint } : {}) } : { message: errorMessage(err), code: 'ETCD_CALL_FAILED' };
          f.downSince ??= at;
          ctx.sample({ up: 0 }, at);
        }
        f.statusAt = at;
        // Every answer goes to the health model at once (coalesced per tick), so a leader loss is seen within one poll.
        ctx.changed();
      },
    };
  },
};

function stripEndpoint(message: string, endpoint: string): string {
  return message.startsWith(`${endpoint}: `) ? message.slice(endpoint.length + 2) : message;
}
