import { definePlugin, type PluginDefinition, type RequestContext } from '../plugin.ts';

/**
 * requestSizeLimitPlugin caps request bodies: it lowers the request's body limit, which the proxy enforces — a larger
 * Content-Length is answered 413 before anything goes upstream, and a body of unknown length (chunked, HTTP/2) is
 * counted while it streams and answered 413 (the upstream request aborted) once past the limit.
 */
export const requestSizeLimitPlugin: PluginDefinition = definePlugin({
  category: 'request_size_limit',
  description: 'request_size_limit answers 413 for request bodies larger than max_size, declared or chunked, counted while they stream.',
  fields: {
    max_size: { kind: 'size', required: true, min: 1, aliases: ['max_body_size'], doc: 'max_size is the largest request body accepted, such as `1MiB`.' },
  },
  create(options) {
    const max = options.max_size;
    return {
      request(ctx: RequestContext) {
        // The stricter limit wins, so a location's smaller client_max_body_size still applies.
        const cur = ctx.bodyLimit;
        if (cur === 0 || cur > max) ctx.bodyLimit = max;
      },
    };
  },
});
