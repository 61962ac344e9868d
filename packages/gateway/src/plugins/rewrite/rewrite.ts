import { parseRewrite } from '../../router/rewrite.ts';
import { normalizeRewritten } from '../../router/normalize.ts';
import { definePlugin, type PluginDefinition, type RequestContext, type UpstreamRequest } from '../plugin.ts';

/** Rule is one compiled `"REGEX REPLACEMENT"`. */
interface Rule {
  regex: RegExp;
  replacement: string;
}

/** compileRule reads one `"REGEX REPLACEMENT"` rule, or says why it does not parse. */
function compileRule(text: string): Rule | string {
  if (!/\S\s+\S/.test(text.trim())) return `"${text}" is not "REGEX REPLACEMENT"`;
  const r = parseRewrite(text, { kind: 'any', value: '' });
  if (typeof r === 'string') return r;
  if (r.kind !== 'regex') return `"${text}" is not "REGEX REPLACEMENT"`;
  return { regex: new RegExp(r.pattern), replacement: r.replacement };
}

/**
 * rewritePlugin rewrites the path sent upstream with regex rules and their captures (`$1`, `$name`, `${name}`), after
 * the location's own `rewrite`; the query is kept, and a replacement that carries a query of its own comes first.
 */
export const rewritePlugin: PluginDefinition = definePlugin({
  category: 'rewrite',
  description: 'rewrite changes the upstream path with regex rules and captures, after the location rewrite, keeping the query.',
  fields: {
    rules: {
      kind: 'strings',
      required: true,
      doc: 'rules are `"REGEX REPLACEMENT"` pairs tried in order on the path (without the query); captures are `$1`, `$name` or `${name}`.',
    },
    all: { kind: 'boolean', default: false, doc: 'all applies every matching rule in turn; by default the first matching rule is the last one applied.' },
  },
  validate(options, path, issues) {
    options.rules.forEach((text, i) => {
      const r = compileRule(text);
      if (typeof r === 'string') issues.push({ path: `${path}.rules[${i}]`, message: r, hint: 'write "REGEX REPLACEMENT", such as "^/api/v1/(.*)$ /v2/$1"' });
    });
  },
  create(options) {
    const rules = options.rules.map(compileRule).filter((r): r is Rule => typeof r !== 'string');
    const all = options.all;
    return {
      proxyUpstream(ctx: RequestContext, up: UpstreamRequest) {
        const q = up.path.indexOf('?');
        let path = q < 0 ? up.path : up.path.slice(0, q);
        let changed = false;
        for (const r of rules) {
          if (!r.regex.test(path)) continue;
          path = path.replace(r.regex, r.replacement);
          changed = true;
          if (!all) break;
        }
        if (!changed) return;
        let extra = '';
        const rq = path.indexOf('?');
        if (rq >= 0) {
          extra = path.slice(rq + 1);
          path = path.slice(0, rq);
        }
        // A capture may hold what the request path had only encoded: the result is normalized, dot segments refused.
        const normal = normalizeRewritten(path);
        if (typeof normal !== 'string') return { status: 400, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: `400 Bad Request: ${normal.refused}\n` };
        const query = q < 0 ? '' : up.path.slice(q + 1);
        up.path = normal + (extra && query ? `?${extra}&${query}` : extra || query ? `?${extra || query}` : '');
      },
    };
  },
});
