import { definePlugin, type PluginDefinition, type RequestContext } from '../plugin.ts';
import { forbidden, refuses, restrictionFields } from '../restriction.ts';
import { regexProblem } from '../patterns.ts';

/** uaRestrictionPlugin lets through (or refuses) requests whose User-Agent matches one of a list of regular expressions. */
export const uaRestrictionPlugin: PluginDefinition = definePlugin({
  category: 'ua_restriction',
  description: 'ua_restriction allows or denies requests by User-Agent, matched against regular expressions.',
  fields: {
    ua_list: {
      kind: 'strings',
      default: [],
      maxItems: 10_000,
      doc: 'ua_list are regular expressions matched anywhere in the User-Agent (as pingap does): `curl/` matches any curl; anchor with `^…$` for an exact value.',
    },
    ...restrictionFields,
  },
  validate(options, path, issues) {
    options.ua_list.forEach((item, i) => {
      const problem = regexProblem(item);
      if (problem)
        issues.push({
          path: `${path}.ua_list[${i}]`,
          message: problem,
          hint: 'write a JavaScript regular expression; in TOML escape backslashes ("\\\\d+") or use a literal string (\'\\d+\')',
        });
    });
  },
  create(options) {
    const patterns = options.ua_list.map((p) => new RegExp(p));
    const { type, message } = options;
    return {
      request(ctx: RequestContext) {
        const ua = ctx.req.headers['user-agent'];
        if (refuses(type, typeof ua === 'string' && patterns.some((p) => p.test(ua)))) return forbidden(message);
      },
    };
  },
});
