import { ipListMatcher, parseCidr } from '@etcd-monitor/core';
import { definePlugin, type PluginDefinition, type RequestContext } from '../plugin.ts';
import { forbidden, refuses, restrictionFields } from '../restriction.ts';

/** ipRestrictionPlugin lets through (or refuses) clients by address and CIDR range, IPv4 and IPv6. */
export const ipRestrictionPlugin: PluginDefinition = definePlugin({
  category: 'ip_restriction',
  description: 'ip_restriction allows or denies requests by client address or CIDR range (IPv4 and IPv6).',
  fields: {
    ip_list: { kind: 'strings', default: [], maxItems: 100_000, doc: 'ip_list are addresses and CIDR ranges, such as `10.0.0.0/8`, `192.168.1.7` or `fd00::/8`.' },
    ...restrictionFields,
  },
  validate(options, path, issues) {
    options.ip_list.forEach((item, i) => {
      if (!parseCidr(item))
        issues.push({
          path: `${path}.ip_list[${i}]`,
          message: `"${item}" is not an IP address or CIDR range`,
          hint: 'write an address (10.0.0.7, ::1) or a range (10.0.0.0/8, fd00::/8)',
        });
    });
  },
  create(options) {
    const listed = ipListMatcher(options.ip_list);
    const { type, message } = options;
    return {
      request(ctx: RequestContext) {
        // clientIp is the peer, or the X-Forwarded-For client only when the peer is one of basic.trusted_proxies.
        if (refuses(type, listed(ctx.clientIp))) return forbidden(message);
      },
    };
  },
});
