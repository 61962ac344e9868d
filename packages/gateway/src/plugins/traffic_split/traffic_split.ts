import { crc32 } from 'node:zlib';
import { closeMatch } from '../../config/suggest.ts';
import { definePlugin, type PluginDefinition, type RequestContext } from '../plugin.ts';

/**
 * trafficSplitPlugin sends a share of a location's requests to another upstream (a canary): `weight` percent at random,
 * or — with `stickiness` — decided by a cookie or header value, so one client always gets the same upstream; a
 * `matcher` regex on that value sends matching clients always. pingap's `traffic_splitting`, with its keys.
 */
export const trafficSplitPlugin: PluginDefinition = definePlugin({
  category: 'traffic_split',
  description: 'traffic_split sends a weighted or cookie/header-selected share of requests to another upstream (canary releases).',
  fields: {
    upstream: { kind: 'string', required: true, doc: 'upstream names the `[upstreams.NAME]` selected requests go to.' },
    weight: { kind: 'integer', default: 0, min: 0, max: 100, doc: 'weight is the percentage of requests (0–100) sent to `upstream`.' },
    stickiness: {
      kind: 'boolean',
      default: false,
      doc: "stickiness decides by `sticky_cookie` (else `sticky_header`) instead of at random: the same value always gets the same upstream; requests without the value stay on the location's upstream.",
    },
    sticky_cookie: { kind: 'string', default: '', doc: 'sticky_cookie is the cookie whose value decides with `stickiness`.' },
    sticky_header: { kind: 'string', default: '', doc: 'sticky_header is the header whose value decides with `stickiness` when `sticky_cookie` is empty.' },
    matcher: { kind: 'string', default: '', doc: 'matcher is a regex on the sticky value: a value it matches always goes to `upstream` (with `weight` above 0), any other never.' },
  },
  validate(options, path, issues, ctx) {
    if (!ctx.upstreams.includes(options.upstream))
      issues.push({
        path: `${path}.upstream`,
        message: `unknown upstream "${options.upstream}"`,
        hint: closeMatch(options.upstream, ctx.upstreams) ?? `define it under [upstreams.${options.upstream}]`,
      });
    if (options.stickiness && !options.sticky_cookie && !options.sticky_header)
      issues.push({
        path: `${path}.stickiness`,
        message: 'needs sticky_cookie or sticky_header',
        hint: 'name the cookie or header whose value decides, such as sticky_cookie = "deviceId"',
      });
    if (options.matcher) {
      try {
        new RegExp(options.matcher);
      } catch (err) {
        issues.push({ path: `${path}.matcher`, message: `invalid regex "${options.matcher}": ${(err as Error).message}` });
      }
    }
  },
  create(options) {
    const { upstream, weight, stickiness, sticky_cookie: cookie, sticky_header: header } = options;
    const matcher = options.matcher ? new RegExp(options.matcher) : undefined;
    // pingap's roll: 0–99 at random; with stickiness crc32(value) % 100, or 0/255 for a matcher; 255 (never) without a value.
    const roll = (ctx: RequestContext): number => {
      if (!stickiness) return Math.floor(Math.random() * 100);
      const value = cookie ? ctx.cookie(cookie) : ctx.header(header);
      if (value === undefined || value === '') return 255;
      if (matcher) return matcher.test(value) ? 0 : 255;
      return crc32(value) % 100;
    };
    return {
      request(ctx: RequestContext) {
        if (weight > 0 && roll(ctx) < weight) ctx.upstream = upstream;
      },
    };
  },
});
