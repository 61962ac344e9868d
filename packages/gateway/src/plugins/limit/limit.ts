import { definePlugin, type PluginDefinition, type PluginResponse, type RequestContext, type ResponseHead } from '../plugin.ts';
import { ruleKey, type Decision, type LimitRule } from './counters.ts';
import { acquireRedis, redisUrlProblem, releaseRedis } from './redis.ts';
import { currentProcessStore, type CounterStore } from './store.ts';

/** sfString writes a Structured Field string (RFC 8941), as the RateLimit fields name their policy. */
function sfString(s: string): string {
  return `"${s.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

function cookieValue(header: string | string[] | undefined, name: string): string | undefined {
  for (const h of Array.isArray(header) ? header : header ? [header] : []) {
    for (const part of h.split(';')) {
      const eq = part.indexOf('=');
      if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
    }
  }
  return undefined;
}

interface Held {
  store: CounterStore;
  key: string;
  token: string | undefined;
}

/** limitPlugin limits requests by rate or by how many are in progress, per client address, header, cookie, query parameter or route, answering 429 with Retry-After and the IETF RateLimit fields. */
export const limitPlugin: PluginDefinition = definePlugin({
  category: 'limit',
  description:
    'limit refuses requests over a rate (sliding window or token bucket) or over a number in progress, keyed by client address, header, cookie, query parameter or route, with 429, Retry-After and the RateLimit fields.',
  fields: {
    type: {
      kind: 'string',
      default: 'rate',
      oneOf: ['rate', 'inflight'],
      doc: 'type is `rate` (`max` requests per `interval`) or `inflight` (`max` requests in progress at once).',
    },
    tag: {
      kind: 'string',
      default: 'ip',
      oneOf: ['ip', 'header', 'cookie', 'query', 'route'],
      doc: 'tag is what a count is kept per: the client address (`ip`), the value of a `header`, `cookie` or `query` parameter named by `key`, or the location (`route`, one count for all clients).',
    },
    key: {
      kind: 'string',
      default: '',
      maxLength: 200,
      doc: 'key names the header, cookie or query parameter for `tag = "header"`, `"cookie"` or `"query"`; requests without it are not limited.',
    },
    max: { kind: 'integer', required: true, min: 1, doc: 'max is the requests allowed per `interval` (rate) or at once (inflight).' },
    interval: { kind: 'duration', default: '10s', min: 1000, max: 86_400_000, doc: 'interval is the window of a rate limit.' },
    algorithm: {
      kind: 'string',
      default: 'sliding_window',
      oneOf: ['sliding_window', 'token_bucket'],
      doc: 'algorithm counts a rate: `sliding_window` (this window plus the previous one weighted by its overlap) or `token_bucket` (refilled at `max` per `interval`, holding `burst`).',
    },
    burst: { kind: 'integer', default: 0, min: 0, doc: 'burst is the token bucket’s capacity, the requests allowed at once after a quiet spell; 0 means `max`.' },
    weight: {
      kind: 'integer',
      default: 50,
      min: 0,
      max: 100,
      doc: 'weight is accepted for pingap configs and has no effect: the sliding window weights the previous window by its overlap.',
    },
    redis: {
      kind: 'string',
      default: '',
      maxLength: 2000,
      doc: 'redis counts in this Redis (`redis://[user:password@]host:port[/db]`, `rediss://` for TLS), shared by every gateway using it; empty counts per gateway, across all its workers.',
    },
    fail_open: {
      kind: 'boolean',
      default: true,
      doc: 'fail_open allows requests while their count cannot be kept (Redis unreachable or too slow); false answers them 503 instead.',
    },
    headers: { kind: 'boolean', default: true, doc: 'headers sends the `RateLimit` and `RateLimit-Policy` fields on every response it counted, not only on 429.' },
  },
  validate(options, path, issues) {
    if (options.tag !== 'ip' && options.tag !== 'route' && !options.key)
      issues.push({ path: `${path}.key`, message: `is required with tag = "${options.tag}"`, hint: `name the ${options.tag} to count by, such as key = "X-Api-Key"` });
    if (options.redis) {
      const problem = redisUrlProblem(options.redis);
      if (problem) issues.push({ path: `${path}.redis`, message: problem, hint: 'write redis://host:6379 (or redis://user:password@host:6379/0, rediss:// for TLS)' });
    }
    if (options.burst > 0 && options.algorithm !== 'token_bucket')
      issues.push({ path: `${path}.burst`, message: 'applies only to algorithm = "token_bucket"', hint: 'set algorithm = "token_bucket" or remove burst' });
  },
  create(options, name, { log }) {
    const { tag, key, max, fail_open: failOpen, headers: sendHeaders } = options;
    const rule: LimitRule = { type: options.type, algorithm: options.algorithm, max, interval: options.interval, burst: options.burst || max };
    const redisUrl = options.redis;
    const redis = redisUrl ? acquireRedis(redisUrl, log) : undefined;
    const lowerKey = key.toLowerCase();
    // What is counted is part of the key, so a reload that switches from a header to a cookie of the same value starts afresh.
    const what = tag === 'ip' || tag === 'route' ? tag : `${tag}:${tag === 'header' ? lowerKey : key}`;
    const stateKey = `limit:${name}`;
    const windowSeconds = Math.ceil(rule.interval / 1000);
    const policy = rule.type === 'inflight' ? `${sfString(name)};q=${max};qu="concurrent-requests"` : `${sfString(name)};q=${max};w=${windowSeconds}`;
    const current = (d: Decision) => (rule.type === 'inflight' ? `${sfString(name)};r=${d.remaining}` : `${sfString(name)};r=${d.remaining};t=${Math.ceil(d.resetMs / 1000)}`);

    const valueOf = (ctx: RequestContext): string | undefined => {
      switch (tag) {
        case 'ip':
          return ctx.clientIp;
        case 'route':
          return ctx.location;
        case 'header': {
          const v = ctx.req.headers[lowerKey];
          return Array.isArray(v) ? v.join(',') : v;
        }
        case 'cookie':
          return cookieValue(ctx.req.headers.cookie, key);
        case 'query':
          return ctx.query ? (new URLSearchParams(ctx.query).get(key) ?? undefined) : undefined;
      }
    };

    const refused = (d: Decision): PluginResponse => {
      const retry = Math.max(1, Math.ceil(d.retryMs / 1000));
      return {
        status: 429,
        headers: { 'content-type': 'text/plain; charset=utf-8', 'retry-after': String(retry), 'ratelimit-policy': policy, ratelimit: current(d) },
        body: `Too Many Requests: limit ${name} allows ${max} ${rule.type === 'inflight' ? 'requests at once' : `requests per ${windowSeconds} s`}; retry after ${retry} s\n`,
      };
    };
    const unavailable: PluginResponse = {
      status: 503,
      headers: { 'content-type': 'text/plain; charset=utf-8', 'retry-after': '1' },
      body: `Service Unavailable: limit ${name} cannot count requests now\n`,
    };

    const decided = (ctx: RequestContext, store: CounterStore, k: string, d: Decision): PluginResponse | undefined => {
      if (!d.allowed) return refused(d);
      if (rule.type === 'inflight') ctx.state[stateKey] = { store, key: k, token: d.token } satisfies Held;
      if (sendHeaders) ctx.state[`${stateKey}:seen`] = d;
      return undefined;
    };

    return {
      request(ctx: RequestContext) {
        const value = valueOf(ctx);
        if (!value) return;
        const store = redis ?? currentProcessStore();
        const k = ruleKey(name, rule, `${what}=${value}`);
        let d: Decision | Promise<Decision>;
        try {
          d = store.take(k, rule);
        } catch {
          return failOpen ? undefined : unavailable;
        }
        if (!(d instanceof Promise)) return decided(ctx, store, k, d);
        return d.then(
          (x) => decided(ctx, store, k, x),
          () => (failOpen ? undefined : unavailable),
        );
      },
      response(ctx: RequestContext, head: ResponseHead) {
        const d = ctx.state[`${stateKey}:seen`] as Decision | undefined;
        if (!d) return;
        // Several limits on one location each add their policy: the fields are lists.
        const add = (field: string, member: string) => {
          const cur = head.headers[field];
          head.headers[field] = cur ? `${Array.isArray(cur) ? cur.join(', ') : cur}, ${member}` : member;
        };
        add('ratelimit-policy', policy);
        add('ratelimit', current(d));
      },
      log(ctx: RequestContext) {
        const held = ctx.state[stateKey] as Held | undefined;
        if (!held) return;
        ctx.state[stateKey] = undefined;
        held.store.release(held.key, held.token);
      },
      close() {
        if (redisUrl) releaseRedis(redisUrl);
      },
    };
  },
});
