import { AppError } from '@etcd-monitor/core';
import type { ConfigIssue } from '../config/fields.ts';
import type { Runtime } from '../proxy/runtime.ts';

/** ReloadOutcome is what a reload through the admin API reports: whether the new config is live, how long it took, and why not. */
export interface ReloadOutcome {
  /** ok is true when the new config is live. */
  ok: boolean;
  /** ms is how long the reload took. */
  ms: number;
  /** issues are the reasons a rejected config was rejected, each with its key path and hint. */
  issues: ConfigIssue[];
}

/**
 * AdminBackend is what the admin router serves from. It has two implementations: the in-process gateway
 * (`gatewayAdminBackend`) and the supervisor speaking for its workers (supervisor/admin-backend.ts); the router, and
 * so every status code, header and body shape, is the same for both.
 */
export interface AdminBackend {
  /** metrics renders the Prometheus exposition. */
  metrics(): string | Promise<string>;
  /** reload re-reads the config from its source and applies it. */
  reload(): Promise<ReloadOutcome>;
  /** upstreams describes the upstream servers' state (the supervisor: each worker's view under `worker N`). */
  upstreams(): unknown;
  /** token is the bearer token `/admin/*` requires now (read per request, so a reload that changes it applies at once). */
  token(): string | undefined;
}

/** AdminApi is the former name of AdminBackend. */
export type AdminApi = AdminBackend;

/** upstreamStatus describes every upstream server's state, as `GET /admin/upstreams` returns it. */
export function upstreamStatus(gw: { runtime: Runtime }): Record<string, unknown[]> {
  const now = Date.now();
  const out: Record<string, unknown[]> = {};
  for (const up of gw.runtime.upstreams.values()) {
    out[up.name] = up.servers.map((s) => ({
      server: s.key,
      weight: s.weight,
      available: up.available(s, now),
      healthy: s.healthy,
      passive_down: s.downUntil > now,
      breaker: s.breaker.state,
      active: s.active,
      requests: s.requests,
      failures: s.failures,
    }));
  }
  return out;
}

/** gatewayAdminBackend is the back end of a gateway running in one process: its own metrics, reload and upstreams. */
export function gatewayAdminBackend(gw: {
  runtime: Runtime;
  metrics: { registry: { render(): string } };
  reload(): Promise<ReloadOutcome>;
  adminToken(): string | undefined;
}): AdminBackend {
  return {
    metrics: () => gw.metrics.registry.render(),
    reload: () => gw.reload(),
    upstreams: () => upstreamStatus(gw),
    token: () => gw.adminToken(),
  };
}

/** listenIssue is a failed listener (admin or server) as a reload issue, with the error's hint; the supervisor reports the same. */
export function listenIssue(err: unknown, path: string): ConfigIssue {
  const hint = err instanceof AppError ? err.hint : undefined;
  return hint ? { path, message: (err as Error).message, hint } : { path, message: (err as Error).message };
}
