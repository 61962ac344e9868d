import { AppError, errorMessage } from '@etcd-monitor/core';
import { defineCollector, type CollectorResult } from '../collector.ts';

/** statusCollector reads the member's status and its view of the member list, every status interval. */
export const statusCollector = defineCollector({
  name: 'status',
  intervalMs: (c) => c.statusIntervalMs,
  create(ctx) {
    return {
      async run(): Promise<CollectorResult> {
        const started = performance.now();
        const at = Date.now();
        const f = ctx.facts;
        // Every answer goes to the health model at once (coalesced per tick), so a leader loss is seen within one poll.
        try {
          const [status, list] = await Promise.all([
            ctx.client.status({ timeoutMs: ctx.cluster.timeoutMs }),
            ctx.client.memberList({ timeoutMs: ctx.cluster.timeoutMs }).catch(() => null),
          ]);
          const statusLatencyMs = Math.round((performance.now() - started) * 100) / 100;
          const hasLeader = status.leader !== '0' ? 1 : 0;
          return {
            facts: {
              status,
              id: status.id,
              error: null,
              downSince: null,
              statusLatencyMs,
              statusAt: at,
              ...(list ? { memberIds: list.map((m) => m.id).sort(), name: list.find((m) => m.id === status.id)?.name || f.name } : {}),
            },
            series: {
              up: 1,
              has_leader_status: hasLeader,
              is_leader_status: hasLeader && status.leader === status.id ? 1 : 0,
              raft_term: status.raftTerm,
              raft_index: status.raftIndex,
              raft_applied_index: status.raftAppliedIndex,
              db_size_bytes_status: status.dbSize,
              db_size_in_use_bytes_status: status.dbSizeInUse,
              status_latency_ms: statusLatencyMs,
            },
            at,
            changed: true,
          };
        } catch (err) {
          const error =
            err instanceof AppError
              ? { message: stripEndpoint(err.message, f.endpoint), code: err.code, ...(err.hint ? { hint: err.hint } : {}) }
              : { message: errorMessage(err), code: 'ETCD_CALL_FAILED' };
          return { facts: { status: null, error, downSince: f.downSince ?? at, statusAt: at }, series: { up: 0 }, at, changed: true };
        }
      },
    };
  },
});

function stripEndpoint(message: string, endpoint: string): string {
  return message.startsWith(`${endpoint}: `) ? message.slice(endpoint.length + 2) : message;
}
