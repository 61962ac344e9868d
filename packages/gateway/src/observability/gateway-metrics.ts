import { CollectedCounter, Counter, Gauge, Histogram, Registry } from './metrics.ts';
import { GC_PAUSE_BUCKETS, LOOP_DELAY_BUCKETS, RuntimeMetrics } from './runtime-metrics.ts';

/** GatewayState is what the scrape-time gauges read from a running gateway. */
export interface GatewayState {
  /** upstreamServers lists every server with its state. */
  upstreamServers(): Iterable<{ upstream: string; server: string; healthy: boolean; breaker: string; active: number; requests: number; failures: number }>;
  /** openConnections lists open client connections per server. */
  openConnections(): Iterable<[string, number]>;
}

const BREAKER_VALUE: Record<string, number> = { closed: 0, half_open: 1, open: 2 };

/**
 * ACROSS_WORKERS says how a supervisor merges the gauges of its workers that are not summed: a server is up only when
 * every worker has it up, and its breaker state is the most open one a worker has (the others are summed).
 */
export const ACROSS_WORKERS: Readonly<Record<string, 'min' | 'max'>> = { gateway_upstream_server_up: 'min', gateway_upstream_breaker_state: 'max' };

/** SUPERVISOR_FAMILIES are the families a supervisor reports itself instead of its workers: it validates and applies every reload. */
export const SUPERVISOR_FAMILIES: ReadonlySet<string> = new Set(['gateway_config_reloads_total', 'gateway_config_last_reload_success_timestamp_seconds']);

/** GatewayMetrics holds every gateway metric; it outlives reloads so counters keep counting. */
export class GatewayMetrics {
  /** registry renders everything for `/metrics`. */
  readonly registry = new Registry();
  /** requests counts requests by server, location, upstream and status class. */
  readonly requests = this.registry.add(
    new Counter('gateway_requests_total', 'Requests answered, by server, location, upstream and status class.', ['server', 'location', 'upstream', 'status_class']),
  );
  /** latency is the request duration by server and location. */
  readonly latency = this.registry.add(new Histogram('gateway_request_duration_seconds', 'Time from request head to the end of the response.', ['server', 'location']));
  /** upstreamResponse is the time to the upstream response head, by upstream. */
  readonly upstreamResponse = this.registry.add(new Histogram('gateway_upstream_response_seconds', 'Time from sending a request upstream to its response head.', ['upstream']));
  /** upstreamConnect is the time to open an upstream connection, by upstream server. */
  readonly upstreamConnect = this.registry.add(new Histogram('gateway_upstream_connect_seconds', 'Time to open a connection to an upstream server.', ['server']));
  /** reloads counts config reloads by result. */
  readonly reloads = this.registry.add(new Counter('gateway_config_reloads_total', 'Config reloads, by result (success or failure).', ['result']));
  /** runtime samples the process's event loop delay and GC pauses (gateway_event_loop_delay_seconds, gateway_gc_pause_seconds) once started. */
  readonly runtime = new RuntimeMetrics(
    this.registry.add(
      new Histogram(
        'gateway_event_loop_delay_seconds',
        'How late the event loop ran a timer due every 10 ms (every second while the loop is less than 3 % busy): what a request arriving then waited before its turn (resolution 1 ms).',
        [],
        LOOP_DELAY_BUCKETS,
      ),
    ),
    this.registry.add(
      new Histogram('gateway_gc_pause_seconds', 'Garbage collection pauses of the JavaScript thread, by kind (minor: scavenge; major: full).', ['kind'], GC_PAUSE_BUCKETS),
    ),
  );
  /** lastReload is the time of the last successful (re)load. */
  lastReloadSeconds = Date.now() / 1000;

  constructor(state: GatewayState) {
    this.reloads.child('success');
    this.reloads.child('failure');
    const servers = () => [...state.upstreamServers()];
    this.registry.add(
      new Gauge(
        'gateway_upstream_server_up',
        'Whether an upstream server takes requests (1) or is out: active health check, passive health or open breaker (0).',
        ['upstream', 'server'],
        () => servers().map((s) => [[s.upstream, s.server], s.healthy ? 1 : 0]),
      ),
    );
    this.registry.add(
      new Gauge('gateway_upstream_breaker_state', 'Circuit breaker state of an upstream server: 0 closed, 1 half-open, 2 open.', ['upstream', 'server'], () =>
        servers().map((s) => [[s.upstream, s.server], BREAKER_VALUE[s.breaker] ?? 0]),
      ),
    );
    this.registry.add(
      new Gauge('gateway_upstream_active_requests', 'Requests in flight to an upstream server.', ['upstream', 'server'], () =>
        servers().map((s) => [[s.upstream, s.server], s.active]),
      ),
    );
    this.registry.add(
      new CollectedCounter('gateway_upstream_requests_total', 'Requests sent to an upstream server (retries count once per attempt).', ['upstream', 'server'], () =>
        servers().map((s) => [[s.upstream, s.server], s.requests]),
      ),
    );
    this.registry.add(
      new CollectedCounter(
        'gateway_upstream_failures_total',
        'Failed requests to an upstream server (connect failures, resets, timeouts, 502/503/504 answers).',
        ['upstream', 'server'],
        () => servers().map((s) => [[s.upstream, s.server], s.failures]),
      ),
    );
    this.registry.add(new Gauge('gateway_open_connections', 'Open client connections, by server.', ['server'], () => [...state.openConnections()].map(([n, v]) => [[n], v])));
    this.registry.add(new Gauge('gateway_config_last_reload_success_timestamp_seconds', 'When the live config was loaded.', [], () => [[[], this.lastReloadSeconds]]));
  }
}
