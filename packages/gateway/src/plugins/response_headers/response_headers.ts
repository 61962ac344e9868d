import { parseHeaderLine, TOKEN } from '../../http1/headers.ts';
import { compileHeaderLine, type TemplatedHeader, type VarSource } from '../../proxy/header-vars.ts';
import { definePlugin, type PluginDefinition, type RequestContext, type ResponseHead } from '../plugin.ts';

type Headers = ResponseHead['headers'];

function lines(list: string[]): TemplatedHeader[] {
  return list.flatMap((l) => {
    const p = parseHeaderLine(l);
    return typeof p === 'string' ? [] : [compileHeaderLine(p)];
  });
}

function append(h: Headers, name: string, value: string | string[]): void {
  const prev = h[name];
  const add = Array.isArray(value) ? value : [value];
  h[name] = prev === undefined ? value : [...(Array.isArray(prev) ? prev : [prev]), ...add];
}

/**
 * responseHeadersPlugin adds, removes, sets and renames response headers, in pingap's fixed order (add, remove, set,
 * set-if-absent, rename); values take the header variables (`$host`, `$remote_addr`, `$http_NAME`, environment, …).
 */
export const responseHeadersPlugin: PluginDefinition = definePlugin({
  category: 'response_headers',
  description: 'response_headers adds, sets, removes and renames response headers (pingap order: add, remove, set, set if absent, rename).',
  fields: {
    add_headers: { kind: 'strings', default: [], doc: 'add_headers are `"Name:value"` headers appended, keeping values already there.' },
    remove_headers: { kind: 'strings', default: [], doc: 'remove_headers are header names removed.' },
    set_headers: { kind: 'strings', default: [], doc: 'set_headers are `"Name:value"` headers replacing any value already there.' },
    set_headers_not_exists: { kind: 'strings', default: [], doc: 'set_headers_not_exists are `"Name:value"` headers set only where the response has none.' },
    rename_headers: { kind: 'strings', default: [], doc: 'rename_headers are `"Old-Name:New-Name"` pairs; the values move, appended to any the new name has.' },
    mode: {
      kind: 'string',
      default: 'response',
      oneOf: ['response', 'upstream'],
      doc: "mode `response` changes every response (proxied, plugin answers, error pages); `upstream` only upstream responses, before the other plugins' response hooks see them.",
    },
  },
  validate(options, path, issues) {
    for (const key of ['add_headers', 'set_headers', 'set_headers_not_exists'] as const)
      options[key].forEach((l, i) => {
        const p = parseHeaderLine(l);
        if (typeof p === 'string') issues.push({ path: `${path}.${key}[${i}]`, message: p, hint: 'write "Name:value"' });
      });
    options.remove_headers.forEach((n, i) => {
      if (!TOKEN.test(n.trim())) issues.push({ path: `${path}.remove_headers[${i}]`, message: `"${n}" is not a header name` });
    });
    options.rename_headers.forEach((l, i) => {
      const [from = '', to = '', extra] = l.split(':').map((s) => s.trim());
      if (!TOKEN.test(from) || !TOKEN.test(to) || extra !== undefined)
        issues.push({ path: `${path}.rename_headers[${i}]`, message: `"${l}" is not "Old-Name:New-Name"`, hint: 'write "X-Internal-Trace:X-Trace-Id"' });
    });
  },
  create(options) {
    const add = lines(options.add_headers);
    const set = lines(options.set_headers);
    const setIfAbsent = lines(options.set_headers_not_exists);
    const remove = options.remove_headers.map((n) => n.trim().toLowerCase());
    const rename = options.rename_headers.map((l) => l.split(':').map((s) => s.trim().toLowerCase()) as [string, string]);
    // Header variables read what the proxy's request context has (host, scheme, the connection, request headers).
    const value = (l: TemplatedHeader, ctx: RequestContext) => (l.render ? l.render(ctx as unknown as VarSource) : l.value);
    const apply = (ctx: RequestContext, head: ResponseHead) => {
      const h = head.headers;
      for (const l of add) append(h, l.lower, value(l, ctx));
      for (const n of remove) delete h[n];
      for (const l of set) h[l.lower] = value(l, ctx);
      for (const l of setIfAbsent) if (h[l.lower] === undefined) h[l.lower] = value(l, ctx);
      for (const [from, to] of rename) {
        const v = h[from];
        if (v === undefined || from === to) continue;
        delete h[from];
        append(h, to, v);
      }
    };
    return options.mode === 'upstream' ? { upstreamResponse: apply } : { response: apply };
  },
});
