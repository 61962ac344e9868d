import { AppError } from '@etcd-monitor/core';
import type { ConfigIssue } from '../config/fields.ts';
import type { Runtime } from '../proxy/runtime.ts';
import type { BreakerState } from '../upstream/breaker.ts';

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
  /** upstreams describes the upstream servers' state, one entry per server of each upstream (the supervisor merges its workers' views). */
  upstreams(): UpstreamsStatus | Promise<UpstreamsStatus>;
  /** token is the bearer token `/admin/*` requires now (read per request, so a reload that changes it applies at once). */
  token(): string | undefined;
}

/** AdminApi is the former name of AdminBackend. */
export type AdminApi = AdminBackend;

/** ServerStatus is one upstream server's state as `GET /admin/upstreams` reports it. */
export interface ServerStatus {
  /** server is the server's `host:port`. */
  server: string;
  /** weight is its configured weight. */
  weight: number;
  /** available tells whether it takes requests now (healthy, not passively down, breaker not open). */
  available: boolean;
  /** healthy is the active health check's verdict. */
  healthy: boolean;
  /** passive_down tells that passive health took it out (`max_fails`). */
  passive_down: boolean;
  /** breaker is the circuit breaker's state. */
  breaker: BreakerState;
  /** active are the requests in flight to it. */
  active: number;
  /** requests are the requests sent to it. */
  requests: number;
  /** failures are the failed requests to it. */
  failures: number;
  /** disagree is set only by a gateway of several workers whose views of the state differ: each field that differs, by worker id. */
  disagree?: Partial<Record<'present' | StateField, Record<string, boolean | string>>>;
}

/** UpstreamsStatus is the body of `GET /admin/upstreams`: each upstream's servers. */
export type UpstreamsStatus = Record<string, ServerStatus[]>;

/** upstreamStatus describes every upstream server's state, as `GET /admin/upstreams` returns it. */
export function upstreamStatus(gw: { runtime: Runtime }): UpstreamsStatus {
  const now = Date.now();
  const out: UpstreamsStatus = {};
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

type StateField = 'available' | 'healthy' | 'passive_down' | 'breaker';
const BREAKER_RANK: Record<BreakerState, number> = { closed: 0, half_open: 1, open: 2 };

/**
 * mergeUpstreamStatus joins the views of several workers into one, shaped as a single gateway's: a server's counters are
 * summed; a state field all workers agree on is that value; where they differ, the field is the worse state (not
 * available, not healthy, passively down, the most open breaker) and `disagree` lists each worker's value. A server some
 * workers do not list (DNS discovery resolves in each worker) has `disagree.present`.
 */
export function mergeUpstreamStatus(views: { worker: string; status: UpstreamsStatus }[]): UpstreamsStatus {
  const out: UpstreamsStatus = {};
  const names = [...new Set(views.flatMap((v) => Object.keys(v.status)))];
  for (const name of names) {
    const keys = [...new Set(views.flatMap((v) => (v.status[name] ?? []).map((s) => s.server)))];
    out[name] = keys.map((key) => {
      const seen = views.flatMap((v) => {
        const s = v.status[name]?.find((x) => x.server === key);
        return s ? [{ worker: v.worker, s }] : [];
      });
      const first = seen[0]!.s;
      const merged: ServerStatus = {
        server: key,
        weight: first.weight,
        available: seen.every((x) => x.s.available),
        healthy: seen.every((x) => x.s.healthy),
        passive_down: seen.some((x) => x.s.passive_down),
        breaker: seen.reduce<BreakerState>((b, x) => (BREAKER_RANK[x.s.breaker] > BREAKER_RANK[b] ? x.s.breaker : b), 'closed'),
        active: 0,
        requests: 0,
        failures: 0,
      };
      for (const { s } of seen) {
        merged.active += s.active;
        merged.requests += s.requests;
        merged.failures += s.failures;
      }
      const disagree: NonNullable<ServerStatus['disagree']> = {};
      for (const f of ['available', 'healthy', 'passive_down', 'breaker'] as const)
        if (seen.some((x) => x.s[f] !== first[f])) disagree[f] = Object.fromEntries(seen.map((x) => [x.worker, x.s[f]]));
      if (seen.length < views.length) disagree.present = Object.fromEntries(views.map((v) => [v.worker, seen.some((x) => x.worker === v.worker)]));
      if (Object.keys(disagree).length) merged.disagree = disagree;
      return merged;
    });
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
