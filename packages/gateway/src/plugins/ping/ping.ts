import { definePlugin, type PluginDefinition, type PluginResponse, type RequestContext } from '../plugin.ts';

/** pingPlugin answers one exact path with `200 pong`, for liveness probes that must not reach an upstream. */
export const pingPlugin: PluginDefinition = definePlugin({
  category: 'ping',
  description: 'ping answers one exact path with 200 pong (a liveness probe of the gateway itself); other requests pass.',
  fields: {
    path: { kind: 'string', required: true, doc: 'path is the exact request path answered, such as `/ping`.' },
  },
  validate(options, path, issues) {
    if (!options.path.startsWith('/')) issues.push({ path: `${path}.path`, message: `"${options.path}" does not start with "/"`, hint: 'write a path such as "/ping"' });
  },
  create(options) {
    const only = options.path;
    const body = Buffer.from('pong');
    const headers = { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' };
    return {
      request(ctx: RequestContext): PluginResponse | undefined {
        if (ctx.path !== only) return undefined;
        return { status: 200, headers: { ...headers }, body };
      },
    };
  },
});
