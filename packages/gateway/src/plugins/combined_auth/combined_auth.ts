import { definePlugin, type HookResult, type Plugin, type PluginDefinition, type PluginResponse, type RequestContext, type UpstreamRequest } from '../plugin.ts';
import { AUTH_CATEGORIES, refuse } from '../auth.ts';

function isPromise(v: unknown): v is Promise<HookResult> {
  return typeof (v as Promise<unknown> | undefined)?.then === 'function';
}

/** firstLine is the first line of an answer's body, at most 200 characters, as a reason. */
function firstLine(r: PluginResponse): string {
  const body = typeof r.body === 'string' ? r.body : (r.body?.toString('utf8') ?? '');
  return body.split('\n', 1)[0]!.slice(0, 200) || `status ${r.status}`;
}

/**
 * combine answers for a request no method accepted: the first answer that is not a 401 (a forward_auth redirect to a
 * login page, a 503 of a JWKS that cannot be fetched) as it is, else one 401 offering every method's challenge.
 */
function combine(failures: PluginResponse[]): PluginResponse {
  const other = failures.find((f) => f.status !== 401);
  if (other) return other;
  const challenges = failures.flatMap((f) => {
    const c = f.headers?.['www-authenticate'];
    return c === undefined ? [] : Array.isArray(c) ? c : [c];
  });
  const r = refuse(401, `combined_auth: no method accepted the request (${failures.map(firstLine).join('; ')})`);
  if (challenges.length) r.headers!['www-authenticate'] = challenges;
  return r;
}

/** combinedAuthPlugin lets a request through when any one of several authentication plugins accepts it. */
export const combinedAuthPlugin: PluginDefinition = definePlugin({
  category: 'combined_auth',
  description: 'combined_auth lets a request through when any one of several authentication plugins (jwt, key_auth, basic_auth, forward_auth) accepts it, trying them in order.',
  fields: {
    plugins: {
      kind: 'strings',
      required: true,
      maxItems: 20,
      doc: 'plugins names the `[plugins.NAME]` entries of authentication plugins (`jwt`, `key_auth`, `basic_auth`, `forward_auth`) tried in this order; the first that accepts the request lets it through.',
    },
  },
  validate(o, path, issues, ctx) {
    if (o.plugins.length === 0) issues.push({ path: `${path}.plugins`, message: 'is empty', hint: 'name at least one authentication plugin entry' });
    const seen = new Set<string>();
    o.plugins.forEach((name, i) => {
      const category = ctx.plugins[name];
      if (category === undefined) issues.push({ path: `${path}.plugins[${i}]`, message: `unknown plugin "${name}"`, hint: `define it under [plugins.${name}]` });
      else if (!(AUTH_CATEGORIES as readonly string[]).includes(category))
        issues.push({
          path: `${path}.plugins[${i}]`,
          message: `"${name}" is a ${category} plugin, not an authentication one`,
          hint: `combine ${AUTH_CATEGORIES.join(', ')} plugins`,
        });
      else if (seen.has(name)) issues.push({ path: `${path}.plugins[${i}]`, message: `"${name}" is listed twice`, hint: 'list each plugin once' });
      seen.add(name);
    });
  },
  create(o, name, env) {
    const stateKey = `combined_auth:${name}`;
    let subs: Plugin[] | undefined;
    const resolve = () => (subs ??= o.plugins.map((n) => env?.plugin(n)).filter((p): p is Plugin => p !== undefined));

    // Tries the methods from index i on; synchronous while they answer synchronously (key_auth, a cached jwt or basic_auth).
    function attempt(ctx: RequestContext, list: Plugin[], i: number, failures: PluginResponse[]): HookResult | Promise<HookResult> {
      for (; i < list.length; i++) {
        let r: HookResult | Promise<HookResult>;
        try {
          r = list[i]!.request?.(ctx);
        } catch {
          r = refuse(500, `combined_auth: plugin ${o.plugins[i]} failed`);
        }
        if (isPromise(r)) {
          const at = i;
          return r.then(
            (v) => {
              if (v !== undefined && v !== 'stop') return attempt(ctx, list, at + 1, [...failures, v]);
              ctx.state[stateKey] = at;
              return undefined;
            },
            () => attempt(ctx, list, at + 1, [...failures, refuse(500, `combined_auth: plugin ${o.plugins[at]} failed`)]),
          );
        }
        if (r === undefined || r === 'stop') {
          ctx.state[stateKey] = i;
          return undefined;
        }
        failures.push(r);
      }
      return combine(failures);
    }

    return {
      request(ctx: RequestContext) {
        const list = resolve();
        if (list.length === 0) return refuse(500, 'combined_auth: no authentication plugin to try');
        return attempt(ctx, list, 0, []);
      },
      proxyUpstream(ctx: RequestContext, up: UpstreamRequest) {
        // Every method hides its own credentials and removes client copies of the headers it sets; the one that accepted
        // the request runs last, so the headers it adds are not removed by another method setting the same ones. (The
        // hooks are synchronous; one that throws fails the request: 500.)
        const list = resolve();
        const accepted = ctx.state[stateKey] as number | undefined;
        list.forEach((p, i) => {
          if (i !== accepted) void p.proxyUpstream?.(ctx, up);
        });
        if (accepted !== undefined) void list[accepted]?.proxyUpstream?.(ctx, up);
      },
    };
  },
});
