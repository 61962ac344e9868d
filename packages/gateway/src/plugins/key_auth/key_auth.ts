import { TOKEN } from '../../http1/headers.ts';
import { definePlugin, type PluginDefinition, type RequestContext, type UpstreamRequest } from '../plugin.ts';
import { delayed, digest, hideHeaderCredentials, hideQueryCredential, readCredential, refuse, type CredentialSource } from '../auth.ts';

/** keyAuthPlugin lets a request through only with one of the configured API keys, in a header or a query parameter. */
export const keyAuthPlugin: PluginDefinition = definePlugin({
  category: 'key_auth',
  description: 'key_auth lets a request through only with one of the configured API keys, sent in a header or a query parameter, and hides the key from the upstream.',
  fields: {
    header: { kind: 'string', default: '', maxLength: 200, doc: 'header is the request header carrying the key; when both `header` and `query` are empty it is `X-API-Key`.' },
    query: { kind: 'string', default: '', maxLength: 200, doc: 'query is the query parameter carrying the key (looked at when the header is absent).' },
    keys: { kind: 'strings', required: true, secret: true, maxItems: 10_000, maxLength: 1000, doc: 'keys are the accepted API keys.' },
    hide_credentials: {
      kind: 'boolean',
      default: true,
      doc: 'hide_credentials removes the key from the request before it goes upstream (the query parameter also from the access log).',
    },
    delay: { kind: 'duration', default: '0s', min: 0, max: 10_000, doc: 'delay slows down the answer to a wrong key, against guessing.' },
  },
  validate(o, path, issues) {
    if (o.keys.length === 0) issues.push({ path: `${path}.keys`, message: 'is empty', hint: 'list at least one key' });
    o.keys.forEach((k, i) => {
      if (k.trim() === '') issues.push({ path: `${path}.keys[${i}]`, message: 'is empty', hint: 'remove it or write the key' });
    });
    if (o.header && !TOKEN.test(o.header)) issues.push({ path: `${path}.header`, message: `"${o.header}" is not a header name`, hint: 'write a header name such as "X-API-Key"' });
  },
  create(o) {
    const src: CredentialSource = { header: o.header || (o.query ? '' : 'X-API-Key'), cookie: '', query: o.query };
    // Keys are held and looked up by their SHA-256 only: the lookup's time does not depend on how much of a key matches,
    // and a heap dump does not hold them.
    const known = new Set(o.keys.map((k) => digest(k.trim())));
    const challenge = `ApiKey ${src.header ? `header="${src.header}"` : `query="${src.query}"`}`;
    return {
      request(ctx: RequestContext) {
        const cred = readCredential(ctx, src, false);
        if (o.hide_credentials) hideQueryCredential(ctx, src);
        if (!cred) return refuse(401, 'key_auth: no API key', challenge);
        if (!known.has(digest(cred.value))) return delayed(o.delay, refuse(401, 'key_auth: wrong API key', challenge));
        return undefined;
      },
      proxyUpstream(_ctx: RequestContext, up: UpstreamRequest) {
        if (o.hide_credentials) hideHeaderCredentials(up, src);
      },
    };
  },
});
