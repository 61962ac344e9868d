import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Cidr, GatewayConfig, LocationConfig, Rewrite, ServerConfig } from '../config/schema.ts';
import { ipListMatcher } from '@etcd-monitor/core';
import type { Plugin, PluginDefinition } from '../plugins/plugin.ts';
import { builtinPlugins } from '../plugins/index.ts';
import { AppError, errorMessage } from '@etcd-monitor/core';
import { Router } from '../router/router.ts';
import { Upstream, type UpstreamOptions } from '../upstream/upstream.ts';
import { compileAccessLog, type AccessLogEntry, type AccessLogSink } from '../observability/access-log.ts';
import type { CounterChild, HistogramChild } from '../observability/metrics.ts';
import type { GatewayMetrics } from '../observability/gateway-metrics.ts';
import { childLogger, silentLogger, type Logger } from '../observability/log.ts';
import type { HeaderLine } from '../http1/headers.ts';
import { compileHeaderLine, type TemplatedHeader } from './header-vars.ts';

/** LocationStats are a location's pre-resolved metric series, so the hot path only adds numbers. */
export interface LocationStats {
  /** statuses holds one counter per status class, indexed by the first digit (0 is unused). */
  statuses: CounterChild[];
  /** latency is the request duration histogram. */
  latency: HistogramChild;
}

/** CompiledLocation is a location ready for the hot path: resolved upstream, parsed rules, plugin hooks by step. */
export interface CompiledLocation {
  /** name is the location's config name. */
  name: string;
  /** config is the location's config. */
  config: LocationConfig;
  /** upstream is the resolved upstream, if any. */
  upstream: Upstream | undefined;
  /** rewrite maps the request path to the upstream path. */
  rewrite: ((path: string) => string) | undefined;
  /** headerRules tells whether any request header rule exists. */
  headerRules: boolean;
  /** reqRemove are lower-case request headers to remove. */
  reqRemove: string[];
  /** reqSet are request headers to set. */
  reqSet: TemplatedHeader[];
  /** reqAdd are request headers to append. */
  reqAdd: TemplatedHeader[];
  /** reqLate are the request rules that use `$upstream_addr`, filled in for each attempt; undefined when none. */
  reqLate: TemplatedHeader[] | undefined;
  /** xfwdOwn are the default forwarded headers (`x-forwarded-*`, `via`) the location's own rules write, so the default is not sent too; undefined when none. */
  xfwdOwn: Set<string> | undefined;
  /** resOwnVia tells that the location's response rules write Via, which then replaces the gateway's. */
  resOwnVia: boolean;
  /** resRemove are lower-case response headers to remove, or undefined when none. */
  resRemove: Set<string> | undefined;
  /** resSet are response headers to set. */
  resSet: TemplatedHeader[];
  /** resAdd are response headers to append. */
  resAdd: TemplatedHeader[];
  /** xfwd adds X-Forwarded-* and Via. */
  xfwd: boolean;
  /** passResponse tells that upstream response heads need only hop-by-hop filtering, removals and Via (no set/add rules, no hooks, no buffering). */
  passResponse: boolean;
  /** retries is how often a failed attempt is retried: the location's `max_retries`, else the upstream's `retries`. */
  retries: number;
  /** maxBody caps request bodies (0: none). */
  maxBody: number;
  /** bufferRequest buffers request bodies. */
  bufferRequest: boolean;
  /** bufferResponse buffers responses. */
  bufferResponse: boolean;
  /** bufferMax caps buffered bodies. */
  bufferMax: number;
  /** early are the plugins with an earlyRequest hook, in run order. */
  early: Plugin[];
  /** request are the plugins with a request hook. */
  request: Plugin[];
  /** proxyUpstream are the plugins with a proxyUpstream hook. */
  proxyUpstream: Plugin[];
  /** upstreamResponse are the plugins with an upstreamResponse hook. */
  upstreamResponse: Plugin[];
  /** response are the plugins with a response hook. */
  response: Plugin[];
  /** responseBody are the plugins with a responseBody hook. */
  responseBody: Plugin[];
  /** log are the plugins with a log hook. */
  /**
   * plain tells that no plugin runs at the location and its responses pass through (passResponse): once its response
   * ended, nothing refers to an exchange there, and it goes to the free list for a later request (Exchange.take).
   */
  plain: boolean;
  log: Plugin[];
  /** stats are the location's metric series. */
  stats: LocationStats;
}

/** CompiledServer is a server's router and access log. */
export interface CompiledServer {
  /** name is the server's config name. */
  name: string;
  /** config is the server's config. */
  config: ServerConfig;
  /** router picks the location. */
  router: Router<CompiledLocation>;
  /** tls tells whether the listener speaks TLS. */
  tls: boolean;
  /** mergeSlashes is the server's `merge_slashes`, for normalizePath. */
  mergeSlashes: boolean;
  /** accessLog writes one entry, when an access log is configured. */
  accessLog: ((e: AccessLogEntry) => void) | undefined;
  /** unmatched are the metric series of requests no location matched. */
  unmatched: LocationStats;
}

/** Runtime is everything compiled from one config; requests keep the runtime they started on, so a reload never changes a request midway. */
export interface Runtime {
  /** config is the validated config. */
  config: GatewayConfig;
  /** servers by name. */
  servers: Map<string, CompiledServer>;
  /** upstreams by name. */
  upstreams: Map<string, Upstream>;
  /** plugins are the plugin instances made for this config by name, closed once it is no longer live. */
  plugins: Map<string, Plugin>;
  /** errorTemplate is the error page template, if configured. */
  errorTemplate: string | undefined;
  /** log receives what went wrong behind an error answer (the client's page shows only the status and the request id). */
  log: Logger;
  /** via returns the Via header value for an HTTP version. */
  via: (httpVersion: string) => string;
  /** trusted tells whether a peer address is one of `basic.trusted_proxies`; undefined when none are. */
  trusted: ((ip: string) => boolean) | undefined;
}

/** trustedProxies compiles the parsed `basic.trusted_proxies` into a check of a peer address (IPv4-mapped IPv6 peers are read as IPv4); undefined when none are listed. */
export function trustedProxies(list: Cidr[]): ((ip: string) => boolean) | undefined {
  return list.length === 0 ? undefined : ipListMatcher(list);
}

/** SinkProvider returns the shared access log sink for a file path (or stdout when path is empty). */
export type SinkProvider = (path: string, server: ServerConfig) => AccessLogSink;

/** statusSeries returns counters indexed by status class; index 0 is a sink that is never exported. */
function statusSeries(make: (cls: string) => CounterChild): CounterChild[] {
  return [{ value: 0 }, ...[1, 2, 3, 4, 5].map((c) => make(`${c}xx`))];
}

/** FORWARDED are the headers the gateway adds to upstream requests when `enable_reverse_proxy_headers` is on. */
const FORWARDED = new Set(['x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-host', 'via']);

function ownForwarded(rules: TemplatedHeader[]): Set<string> | undefined {
  const own = new Set(rules.filter((l) => FORWARDED.has(l.lower)).map((l) => l.lower));
  return own.size ? own : undefined;
}

/** compileRewrite turns a parsed `rewrite` into the function that maps a request path to the upstream path. */
export function compileRewrite(rule: Rewrite | undefined): ((path: string) => string) | undefined {
  if (rule === undefined) return undefined;
  if (rule.kind === 'fixed') {
    const to = rule.to;
    return () => to;
  }
  if (rule.kind === 'regex') {
    const re = new RegExp(rule.pattern);
    const replacement = rule.replacement;
    return (path) => path.replace(re, replacement);
  }
  const { strip, to } = rule;
  return (path) => join(to, path.slice(strip));
}

function join(prefix: string, rest: string): string {
  if (rest === '') return prefix || '/';
  if (prefix.endsWith('/') && rest.startsWith('/')) return prefix + rest.slice(1);
  if (!prefix.endsWith('/') && !rest.startsWith('/')) return `${prefix}/${rest}`;
  return prefix + rest;
}

/** readPem returns inline PEM as is and reads a path otherwise. */
export function readPem(value: string, baseDir: string): string {
  return value.includes('-----BEGIN') ? value : readFileSync(resolve(baseDir, value), 'utf8');
}

/** compileRuntime builds a runtime from a validated config, reusing the upstreams of `previous` whose config is unchanged (with their pools and health state). */
export function compileRuntime(
  config: GatewayConfig,
  metrics: GatewayMetrics,
  sinks: SinkProvider,
  previous?: Runtime,
  plugins: ReadonlyMap<string, PluginDefinition> = builtinPlugins,
  upstreamOptions: UpstreamOptions = {},
  log: Logger = silentLogger,
): Runtime {
  const upstreams = new Map<string, Upstream>();
  for (const [name, uc] of Object.entries(config.upstreams)) {
    const old = previous?.upstreams.get(name);
    const up = old && old.fingerprint === JSON.stringify(uc) ? old : new Upstream(name, uc, upstreamOptions);
    up.responseTime = metrics.upstreamResponse.child(name);
    up.connectTime = (server, seconds) => metrics.upstreamConnect.child(server).observe(seconds);
    upstreams.set(name, up);
  }
  const instances = new Map<string, { plugin: Plugin; priority: number }>();
  for (const [name, pc] of Object.entries(config.plugins)) {
    const def = plugins.get(pc.category);
    if (!def) continue;
    let plugin: Plugin;
    try {
      plugin = def.create(pc.options, name, { plugin: (other) => instances.get(other)?.plugin, log: childLogger(log, { plugin: name, category: pc.category }) });
    } catch (err) {
      // The instances made so far are dropped unused; a plugin holding resources from create should not throw after taking them.
      throw Object.assign(new AppError('GW_PLUGIN_CREATE', `plugins.${name}: ${pc.category} could not be created: ${errorMessage(err)}`), { path: `plugins.${name}` });
    }
    instances.set(name, { plugin, priority: pc.priority });
  }
  const gatewayName = config.basic.name;
  const servers = new Map<string, CompiledServer>();
  for (const [sname, sc] of Object.entries(config.servers)) {
    const specs = sc.locations.map((lname) => {
      const lc = config.locations[lname]!;
      const chain = lc.plugins
        .map((p, i) => ({ ...instances.get(p)!, i }))
        .filter((x) => x.plugin)
        .sort((a, b) => b.priority - a.priority || a.i - b.i)
        .map((x) => x.plugin);
      const resRemove = new Set([...lc.response_headers_remove, ...lc.headers_remove]);
      const upstreamName = lc.upstream ?? '';
      const statuses = statusSeries((c) => metrics.requests.child(sname, lname, upstreamName, c));
      const templates = (rules: HeaderLine[]) => rules.map((h) => compileHeaderLine(h));
      const [reqSet, reqAdd, resSet, resAdd] = [templates(lc.headers_set), templates(lc.headers_add), templates(lc.response_headers_set), templates(lc.response_headers_add)];
      const late = [...reqSet, ...reqAdd].filter((l) => l.late);
      const loc: CompiledLocation = {
        name: lname,
        config: lc,
        upstream: lc.upstream ? upstreams.get(lc.upstream) : undefined,
        rewrite: compileRewrite(lc.rewrite),
        headerRules: lc.headers_remove.length + lc.headers_set.length + lc.headers_add.length > 0,
        reqRemove: lc.headers_remove,
        reqSet,
        reqAdd,
        reqLate: late.length ? late : undefined,
        xfwdOwn: ownForwarded([...reqSet, ...reqAdd]),
        resOwnVia: resSet.some((l) => l.lower === 'via') || resAdd.some((l) => l.lower === 'via'),
        resRemove: resRemove.size ? resRemove : undefined,
        resSet,
        resAdd,
        xfwd: lc.enable_reverse_proxy_headers,
        passResponse:
          lc.response_headers_set.length + lc.response_headers_add.length === 0 && !lc.buffer_response && !chain.some((p) => p.upstreamResponse || p.response || p.responseBody),
        retries: lc.max_retries ?? (lc.upstream ? (upstreams.get(lc.upstream)?.config.retries ?? 0) : 0),
        maxBody: lc.client_max_body_size,
        bufferRequest: lc.buffer_request,
        bufferResponse: lc.buffer_response,
        bufferMax: lc.buffer_max_size,
        early: chain.filter((p) => p.earlyRequest),
        request: chain.filter((p) => p.request),
        proxyUpstream: chain.filter((p) => p.proxyUpstream),
        upstreamResponse: chain.filter((p) => p.upstreamResponse),
        response: chain.filter((p) => p.response),
        responseBody: chain.filter((p) => p.responseBody),
        log: chain.filter((p) => p.log),
        plain: chain.length === 0 && lc.response_headers_set.length + lc.response_headers_add.length === 0 && !lc.buffer_response,
        stats: { statuses, latency: metrics.latency.child(sname, lname) },
      };
      return { name: lname, host: lc.host, path: lc.path, headers: lc.headers, query: lc.query, priority: lc.priority, weight: lc.weight, data: loc };
    });
    let accessLog: CompiledServer['accessLog'];
    if (sc.access_log) {
      const render = compileAccessLog(sc.access_log.format);
      const sink = sinks(sc.access_log.file ?? '', sc);
      accessLog = (e) => sink.write(render(e));
    }
    servers.set(sname, {
      name: sname,
      config: sc,
      router: new Router(specs),
      tls: sc.tls_cert !== undefined,
      mergeSlashes: sc.merge_slashes,
      accessLog,
      unmatched: { statuses: statusSeries((c) => metrics.requests.child(sname, '', '', c)), latency: metrics.latency.child(sname, '') },
    });
  }
  const via11 = `1.1 ${gatewayName}`;
  const via2 = `2.0 ${gatewayName}`;
  return {
    config,
    servers,
    upstreams,
    plugins: new Map([...instances].map(([name, x]) => [name, x.plugin])),
    errorTemplate: config.errorTemplate,
    log,
    via: (v) => (v === '2.0' ? via2 : via11),
    trusted: trustedProxies(config.basic.trusted_proxies),
  };
}
