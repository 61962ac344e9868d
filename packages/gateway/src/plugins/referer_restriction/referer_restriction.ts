import { definePlugin, type PluginDefinition, type RequestContext } from '../plugin.ts';
import { forbidden, refuses, restrictionFields } from '../restriction.ts';
import { compileHostPatterns, hostPatternProblem } from '../patterns.ts';

/** refererHost returns the lower-case host of a Referer header, or undefined when it is absent or not a URL. */
function refererHost(value: string | string[] | undefined): string | undefined {
  if (typeof value !== 'string' || value === '') return undefined;
  try {
    return new URL(value).hostname.toLowerCase() || undefined;
  } catch {
    return undefined;
  }
}

/** refererRestrictionPlugin lets through (or refuses) requests by the host of their Referer header (hot-link protection). */
export const refererRestrictionPlugin: PluginDefinition = definePlugin({
  category: 'referer_restriction',
  description: 'referer_restriction allows or denies requests by the host in their Referer header: exact, `*` wildcard or `~` regex.',
  fields: {
    referer_list: {
      kind: 'strings',
      default: [],
      maxItems: 10_000,
      doc: 'referer_list are hosts: exact (`example.com`), wildcard (`*.example.com` matches any subdomain, not the domain itself) or a regular expression after `~` (`~^cdn[0-9]+\\.example\\.com$`).',
    },
    ...restrictionFields,
  },
  validate(options, path, issues) {
    options.referer_list.forEach((item, i) => {
      const problem = hostPatternProblem(item);
      if (problem) issues.push({ path: `${path}.referer_list[${i}]`, message: problem, hint: 'write a host, *.domain or ~regex' });
    });
  },
  create(options) {
    const matches = compileHostPatterns(options.referer_list);
    const { type, message } = options;
    return {
      request(ctx: RequestContext) {
        const host = refererHost(ctx.req.headers.referer);
        // No Referer (or one that is not a URL) never matches: refused in allow mode, passed in deny mode.
        if (refuses(type, host !== undefined && matches(host))) return forbidden(message);
      },
    };
  },
});
