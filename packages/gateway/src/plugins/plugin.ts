import type { IncomingHttpHeaders } from 'node:http';
import type { Socket } from 'node:net';
import type { Readable, Transform } from 'node:stream';
import type { ConfigIssue, FieldSpec, FieldValues } from '../config/fields.ts';
import type { HeaderList } from '../http1/headers.ts';
import type { Logger } from '../observability/log.ts';

/** PluginResponse is an answer a plugin gives instead of the upstream. */
export interface PluginResponse {
  /** status is the HTTP status code. */
  status: number;
  /** headers are the response headers. */
  headers?: Record<string, string | string[]>;
  /**
   * body is the response body: whole, or a stream sent as it is read (chunked unless `headers` give its length; the
   * gateway destroys it when the client goes away).
   */
  body?: string | Buffer | Readable;
}

/** ResponseHead is the status and headers of a response about to be sent; response hooks may change them. */
export interface ResponseHead {
  /** status is the HTTP status code. */
  status: number;
  /** headers are the response headers, lower-case names. */
  headers: Record<string, string | string[] | undefined>;
}

/** UpstreamRequest is the request about to be sent upstream; `proxyUpstream` hooks may change it. */
export interface UpstreamRequest {
  /** method is the HTTP method sent upstream. */
  method: string;
  /** path is the path and query sent upstream. */
  path: string;
  /** headers are the request headers sent upstream. */
  headers: HeaderList;
}

/** ClientRequestInfo is what the gateway exposes of a client request, over HTTP/1.1 (its own server) and HTTP/2 (node:http2) alike. */
export interface ClientRequestInfo {
  /** method is the request method. */
  readonly method?: string | undefined;
  /** url is the request target as received. */
  readonly url?: string | undefined;
  /** httpVersion is `1.1`, `1.0` or `2.0`. */
  readonly httpVersion: string;
  /** headers are the request headers, lower-case names (built on first use on HTTP/1.1). */
  readonly headers: IncomingHttpHeaders;
  /** rawHeaders is the flat `[name, value, …]` list as received. */
  readonly rawHeaders: string[];
  /** socket is the client connection (a TLSSocket on TLS listeners). */
  readonly socket: Socket;
}

/** RequestContext is what every hook sees of one request. */
export interface RequestContext {
  /** req is the client request. */
  readonly req: ClientRequestInfo;
  /** method is the request method. */
  readonly method: string;
  /** host is the request host without port, lower-case. */
  readonly host: string;
  /** path is the request path without the query; request hooks may change it (it is sent upstream after the location's rewrite). */
  path: string;
  /** query is the query string including its `?`, or empty. */
  query: string;
  /** clientIp is the address of the client. */
  readonly clientIp: string;
  /** scheme is `http` or `https`. */
  readonly scheme: 'http' | 'https';
  /** requestId is the request's id once a plugin (request_id) assigned one, else empty. */
  requestId: string;
  /** server is the name of the server that accepted the request. */
  readonly server: string;
  /** location is the name of the matched location. */
  readonly location: string;
  /** status is the response status once known, else 0. */
  status: number;
  /** state is a scratch space plugins share within one request. */
  state: Record<string, unknown>;
  /**
   * upstream is the name of the `[upstreams.NAME]` the request goes to (the location's, else empty); `earlyRequest` and
   * `request` hooks may set it to another defined upstream (a name that is not defined throws).
   */
  upstream: string;
  /**
   * bodyLimit is the largest request body accepted, in bytes (0: no limit), starting at the location's
   * `client_max_body_size`; `earlyRequest` and `request` hooks may change it. A larger declared body is answered 413 at
   * once; a body of unknown length (chunked, HTTP/2) is counted while it streams and answered 413 once past it.
   */
  bodyLimit: number;
  /** header returns a request header's value (several joined by `, `), or undefined. */
  header(name: string): string | undefined;
  /** cookie returns a request cookie's value, or undefined. */
  cookie(name: string): string | undefined;
  /** queryParam returns a query parameter's first value, or undefined. */
  queryParam(name: string): string | undefined;
}

/** HookResult is what a hook returns: nothing (go on), `'stop'` (skip the remaining plugins of this step) or, in request steps, an answer. */
export type HookResult = void | 'stop' | PluginResponse;

/**
 * Plugin is one configured plugin instance; every hook is optional and may return a promise. A hook a plugin leaves out
 * is a no-op that costs nothing: the gateway runs only the plugins that have a hook for each step.
 */
export interface Plugin {
  /** earlyRequest runs first for a matched request, before any `request` hook. */
  earlyRequest?(ctx: RequestContext): HookResult | Promise<HookResult>;
  /** request runs before the upstream is chosen; it may change the request or answer it. */
  request?(ctx: RequestContext): HookResult | Promise<HookResult>;
  /** proxyUpstream runs with the upstream request built; it may change its method, path and headers or answer instead. */
  proxyUpstream?(ctx: RequestContext, upstream: UpstreamRequest): HookResult | Promise<HookResult>;
  /** upstreamResponse runs on the upstream's response head. */
  upstreamResponse?(ctx: RequestContext, head: ResponseHead): void | 'stop';
  /** response runs on every response head (proxied or answered by a plugin or the gateway) before it is sent. */
  response?(ctx: RequestContext, head: ResponseHead): void | 'stop';
  /**
   * responseBody runs on every response that has a body (not HEAD, 1xx, 204 or 304) — proxied, or answered by a plugin or
   * the gateway — once its head is final (after the `response` hooks), in chain order. It may change the head (later
   * plugins see the change) and return a Transform the body then flows through as it arrives: a compressor, or a
   * pass-through that keeps a copy (a cache). The stream is destroyed with an error when the body does not arrive whole
   * (upstream failure, client gone), so a copy of a cut body is never kept. Return nothing to leave the body alone.
   */
  responseBody?(ctx: RequestContext, head: ResponseHead): Transform | undefined;
  /** log runs once the response has finished or the client went away. */
  log?(ctx: RequestContext): void;
  /**
   * close releases what the instance holds beyond one request (timers, sockets, files). The gateway calls it once the
   * config the instance belongs to is no longer live — after a reload switched away from it, or on stop — so a reload
   * never leaks. Requests that started on the old config may still run its other hooks afterwards.
   */
  close?(): void | Promise<void>;
}

/** PluginValidateContext is what a plugin's `validate` may check its options against besides themselves. */
export interface PluginValidateContext {
  /** upstreams are the names of the config's `[upstreams.NAME]`. */
  upstreams: readonly string[];
  /** plugins maps the config's `[plugins.NAME]` entries to their categories, for plugins that name others (combined_auth). */
  plugins: Readonly<Record<string, string>>;
}

/** PluginCreateContext is what a plugin's `create` may use besides its options. */
export interface PluginCreateContext {
  /** plugin returns the instance of another `[plugins.NAME]` of the same config; call it from a hook (every instance exists by then), not from `create`. */
  plugin(name: string): Plugin | undefined;
  /**
   * log writes to the gateway's process log (JSON lines, at `basic.log_level`), every record carrying `plugin` (the entry's
   * name) and `category`; fields named like secrets (`password`, `token`, `authorization`, …) are written as `[redacted]`.
   * Keep it for the instance's hooks; log what an operator acts on, not every request.
   */
  log: Logger;
}

/** PluginDefinition is one plugin type: its option fields and a factory; listed in `plugins/index.ts`. Write one with `definePlugin`. */
export interface PluginDefinition {
  /** category is the value of `category` selecting this plugin. */
  category: string;
  /** description is one sentence for the configuration reference. */
  description: string;
  /** fields are the plugin's own option keys. */
  fields: Record<string, FieldSpec>;
  /** validate checks option values beyond their types; options have defaults applied. */
  validate?(options: Record<string, unknown>, path: string, issues: ConfigIssue[], ctx: PluginValidateContext): void;
  /** create builds an instance from validated options. */
  create(options: Record<string, unknown>, name: string, ctx: PluginCreateContext): Plugin;
}

/** PluginSpec is what `definePlugin` takes: the fields, and `validate`/`create` typed by the options those fields give. */
export interface PluginSpec<F extends Record<string, FieldSpec>> {
  /** category is the value of `category` selecting this plugin (also its folder name). */
  category: string;
  /** description is one sentence for the configuration reference and the README. */
  description: string;
  /** fields are the plugin's own option keys; the options' types are inferred from them. */
  fields: F;
  /** validate checks option values beyond what the field specs check (and names against `ctx`); options have defaults applied. */
  validate?(options: FieldValues<F>, path: string, issues: ConfigIssue[], ctx: PluginValidateContext): void;
  /** create builds an instance from validated options (defaults applied, durations in milliseconds, sizes in bytes). */
  create(options: FieldValues<F>, name: string, ctx: PluginCreateContext): Plugin;
}

/**
 * definePlugin declares a plugin type from its field specs, so its options arrive typed (a string field is a string, a
 * `oneOf` field the union of its values, a duration a number of milliseconds) and need no casts.
 */
export function definePlugin<const F extends Record<string, FieldSpec>>(spec: PluginSpec<F>): PluginDefinition {
  // The config validator read the options with these same fields, so they have the inferred shape.
  const typed = (options: Record<string, unknown>) => options as FieldValues<F>;
  const def: PluginDefinition = {
    category: spec.category,
    description: spec.description,
    fields: spec.fields,
    create: (options, name, ctx) => spec.create(typed(options), name, ctx),
  };
  if (spec.validate) def.validate = (options, path, issues, ctx) => spec.validate!(typed(options), path, issues, ctx);
  return def;
}
