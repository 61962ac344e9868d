import { createPublicKey, type KeyObject } from 'node:crypto';
import type { CryptoKey, JWTPayload, JWTVerifyOptions, JWTHeaderParameters, FlattenedJWSInput } from 'jose';
import { jose } from './jose.ts';
import { TOKEN } from '../../http1/headers.ts';
import { definePlugin, type PluginDefinition, type PluginResponse, type RequestContext, type UpstreamRequest } from '../plugin.ts';
import { delayed, hideHeaderCredentials, hideQueryCredential, readCredential, refuse, safeHeaderValue, type CredentialSource } from '../auth.ts';
import { JwksUnavailableError, RemoteJwks } from './jwks.ts';

const HMAC = ['HS256', 'HS384', 'HS512'];
const ASYMMETRIC = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'];
const HASH: Record<string, string> = { HS256: 'SHA-256', HS384: 'SHA-384', HS512: 'SHA-512' };

// A verified token is remembered (by its exact text) for at most this long, so a client sending the same token on every
// request costs a map lookup instead of a signature check (25 µs of CPU for HS256 through WebCrypto, more for RSA);
// its `exp` is still enforced on every use. The bound keeps a key removed from a JWKS from being honoured for long.
const CACHE_MAX_MS = 60_000;

/** keyTypeFits says whether a parsed public key can verify `algorithm`, or what it is instead. */
function keyTypeFits(key: KeyObject, algorithm: string): string | undefined {
  const type = key.asymmetricKeyType ?? 'unknown';
  const curve = key.asymmetricKeyDetails?.namedCurve;
  const want: Record<string, (t: string) => boolean> = {
    RS: (t) => t === 'rsa',
    PS: (t) => t === 'rsa' || t === 'rsa-pss',
    ES256: (t) => t === 'ec' && curve === 'prime256v1',
    ES384: (t) => t === 'ec' && curve === 'secp384r1',
    ES512: (t) => t === 'ec' && curve === 'secp521r1',
    EdDSA: (t) => t === 'ed25519' || t === 'ed448',
  };
  const check = want[algorithm] ?? want[algorithm.slice(0, 2)];
  return check?.(type) ? undefined : `${type}${curve ? ` (${curve})` : ''}`;
}

/** reasonOf turns a verification failure into a short reason for the client and the error description (never the token). */
function reasonOf(err: unknown): string {
  const e = err as { code?: string; claim?: string };
  switch (e.code) {
    case 'ERR_JWT_EXPIRED':
      return 'token expired';
    case 'ERR_JWT_CLAIM_VALIDATION_FAILED':
      return e.claim === 'nbf' ? 'token not yet valid' : `"${e.claim}" claim check failed`;
    case 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED':
      return 'signature verification failed';
    case 'ERR_JOSE_ALG_NOT_ALLOWED':
      return 'algorithm not allowed';
    case 'ERR_JWKS_NO_MATCHING_KEY':
    case 'ERR_JWKS_MULTIPLE_MATCHING_KEYS':
      return 'no key matches the token';
    default:
      return 'malformed token';
  }
}

/** claimValue reads a claim by name, or by a dotted path into nested objects (`realm_access.roles`). */
function claimValue(payload: JWTPayload, name: string): unknown {
  if (name in payload) return payload[name];
  let v: unknown = payload;
  for (const part of name.split('.')) {
    if (typeof v !== 'object' || v === null) return undefined;
    v = (v as Record<string, unknown>)[part];
  }
  return v;
}

interface Verified {
  /** until is when this entry stops being usable (the token's exp plus skew, or the cache bound). */
  until: number;
  /** headers are the claim headers to set upstream. */
  headers: [string, string][];
}

/** jwtPlugin verifies a JSON Web Token (HMAC secret, PEM public key or JWKS URL) and forwards chosen claims upstream as headers. */
export const jwtPlugin: PluginDefinition = definePlugin({
  category: 'jwt',
  description:
    'jwt lets a request through only with a valid JSON Web Token (HS*, RS*, PS*, ES*, EdDSA; a secret, a PEM public key or a JWKS URL) and forwards chosen claims upstream as headers.',
  fields: {
    header: {
      kind: 'string',
      default: '',
      maxLength: 200,
      doc: 'header is the request header carrying the token, with or without a `Bearer ` prefix; when `header`, `cookie` and `query` are all empty it is `Authorization`.',
    },
    cookie: { kind: 'string', default: '', maxLength: 200, doc: 'cookie is the cookie carrying the token (looked at after `header`).' },
    query: { kind: 'string', default: '', maxLength: 200, doc: 'query is the query parameter carrying the token (looked at last).' },
    secret: { kind: 'string', secret: true, doc: 'secret is the shared key of the HMAC algorithms (`HS256`, `HS384`, `HS512`).' },
    algorithm: {
      kind: 'string',
      oneOf: [...HMAC, ...ASYMMETRIC],
      doc: 'algorithm is the one algorithm a token may use: `HS256` by default with `secret`; required with `public_key`; with `jwks_url` each key’s own `alg` (any asymmetric one) unless set.',
    },
    public_key: { kind: 'string', maxLength: 20_000, doc: 'public_key is a PEM public key (`BEGIN PUBLIC KEY`) or certificate that verifies the asymmetric algorithms.' },
    jwks_url: { kind: 'string', maxLength: 2000, doc: 'jwks_url is an `http(s)://` URL serving the issuer’s JSON Web Key Set; keys are picked by the token’s `kid`.' },
    jwks_ttl: {
      kind: 'duration',
      default: '1h',
      min: 1000,
      doc: 'jwks_ttl is how long fetched keys count as fresh; older ones are refetched in the background and keep working meanwhile.',
    },
    jwks_timeout: { kind: 'duration', default: '5s', min: 100, max: 60_000, doc: 'jwks_timeout bounds one JWKS fetch.' },
    jwks_cooldown: {
      kind: 'duration',
      default: '10s',
      min: 0,
      max: 3_600_000,
      doc: 'jwks_cooldown is the least time between two JWKS fetches, also those a token with an unknown `kid` causes.',
    },
    issuer: { kind: 'strings', default: [], maxItems: 50, doc: 'issuer lists the accepted `iss` values; empty accepts any.' },
    audience: { kind: 'strings', default: [], maxItems: 50, doc: 'audience lists accepted `aud` values (the token must name one); empty accepts any.' },
    required_claims: { kind: 'strings', default: [], maxItems: 50, doc: 'required_claims are claims a token must carry, such as `["exp", "sub"]`.' },
    clock_skew: { kind: 'duration', default: '30s', min: 0, max: 600_000, doc: 'clock_skew is the leeway allowed on `exp` and `nbf` for clocks that disagree.' },
    claim_headers: {
      kind: 'table',
      maxItems: 50,
      maxLength: 200,
      doc: 'claim_headers maps claims to the upstream request headers that carry them, such as `{ sub = "X-User-Id" }` (a dotted name reads a nested claim; objects and arrays are sent as JSON); a client’s own copies of these headers are always removed.',
    },
    hide_credentials: { kind: 'boolean', default: false, doc: 'hide_credentials removes the token (header, cookie or query parameter) before the request goes upstream.' },
    delay: { kind: 'duration', default: '0s', min: 0, max: 10_000, doc: 'delay slows down the answer to a bad token, against guessing.' },
    cache_size: {
      kind: 'integer',
      default: 10_000,
      min: 0,
      max: 1_000_000,
      doc: 'cache_size is how many verified tokens are remembered (each for at most a minute, never past its `exp`); 0 verifies every request.',
    },
  },
  validate(o, path, issues) {
    const given = (['secret', 'public_key', 'jwks_url'] as const).filter((k) => o[k] !== undefined && o[k] !== '');
    if (given.length === 0) {
      issues.push({
        path: `${path}.secret`,
        message: 'is required (or public_key, or jwks_url)',
        hint: 'set secret for HS256/384/512, public_key to a PEM public key, or jwks_url to the issuer’s JWKS',
      });
      return;
    }
    if (given.length > 1) {
      issues.push({ path: `${path}.${given[1]}`, message: `cannot be combined with ${given[0]}`, hint: 'set only one of secret, public_key and jwks_url' });
      return;
    }
    const alg = o.algorithm;
    if (o.secret !== undefined && alg !== undefined && !HMAC.includes(alg))
      issues.push({ path: `${path}.algorithm`, message: `${alg} needs public_key or jwks_url, not secret`, hint: 'use HS256, HS384 or HS512 with a secret' });
    if (o.public_key !== undefined) {
      if (alg === undefined) issues.push({ path: `${path}.algorithm`, message: 'is required with public_key', hint: `one of ${ASYMMETRIC.join(', ')}` });
      else if (HMAC.includes(alg)) issues.push({ path: `${path}.algorithm`, message: `${alg} needs secret, not public_key`, hint: `one of ${ASYMMETRIC.join(', ')}` });
      let key: KeyObject | undefined;
      try {
        key = createPublicKey(o.public_key);
      } catch {
        issues.push({
          path: `${path}.public_key`,
          message: 'does not parse as a PEM public key or certificate',
          hint: 'paste the whole PEM, -----BEGIN PUBLIC KEY----- to -----END PUBLIC KEY-----, in a """ string',
        });
      }
      if (key && key.type !== 'public')
        issues.push({ path: `${path}.public_key`, message: 'is a private key', hint: 'give the public key only: openssl pkey -in key.pem -pubout' });
      else if (key && alg && !HMAC.includes(alg)) {
        const other = keyTypeFits(key, alg);
        if (other) issues.push({ path: `${path}.public_key`, message: `is a key of type ${other}, which cannot verify ${alg}`, hint: 'set algorithm to match the key' });
      }
    }
    if (o.jwks_url !== undefined) {
      let url: URL | undefined;
      try {
        url = new URL(o.jwks_url);
      } catch {
        // falls through to the issue below
      }
      if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:'))
        issues.push({
          path: `${path}.jwks_url`,
          message: `"${o.jwks_url}" is not an http(s) URL`,
          hint: 'write the full URL, such as https://issuer.example/.well-known/jwks.json',
        });
      if (alg !== undefined && HMAC.includes(alg))
        issues.push({ path: `${path}.algorithm`, message: `${alg} cannot be used with jwks_url`, hint: `one of ${ASYMMETRIC.join(', ')}` });
    }
    for (const [claim, header] of Object.entries(o.claim_headers ?? {})) {
      if (typeof header !== 'string' || !TOKEN.test(header))
        issues.push({ path: `${path}.claim_headers.${claim}`, message: 'is not a header name', hint: 'write a header name such as "X-User-Id"' });
    }
  },
  create(o, name) {
    const src: CredentialSource = { header: o.header || (o.cookie || o.query ? '' : 'Authorization'), cookie: o.cookie, query: o.query };
    const challenge = 'Bearer';
    const claimHeaders = Object.entries(o.claim_headers ?? {}).map(([claim, header]) => [claim, String(header)] as const);
    const stateKey = `jwt:${name}`;
    const skewMs = o.clock_skew;
    const verifyOptions: JWTVerifyOptions = { clockTolerance: Math.floor(skewMs / 1000) };
    if (o.issuer.length) verifyOptions.issuer = o.issuer;
    if (o.audience.length) verifyOptions.audience = o.audience;
    if (o.required_claims.length) verifyOptions.requiredClaims = o.required_claims;

    let jwks: RemoteJwks | undefined;
    let key: Promise<CryptoKey> | KeyObject | undefined;
    if (o.jwks_url) {
      jwks = new RemoteJwks(o.jwks_url, { ttl: o.jwks_ttl, timeout: o.jwks_timeout, cooldown: o.jwks_cooldown });
      jwks.warm();
      verifyOptions.algorithms = o.algorithm ? [o.algorithm] : ASYMMETRIC;
    } else if (o.public_key) {
      key = createPublicKey(o.public_key);
      verifyOptions.algorithms = [o.algorithm!];
    } else {
      const alg = o.algorithm ?? 'HS256';
      // Imported once: jose would import a raw secret again on every verification.
      key = crypto.subtle.importKey('raw', new TextEncoder().encode(o.secret ?? ''), { name: 'HMAC', hash: HASH[alg]! }, false, ['verify']);
      verifyOptions.algorithms = [alg];
    }
    const getKey = jwks ? (h: JWTHeaderParameters, t: FlattenedJWSInput) => jwks.getKey(h, t) : undefined;

    const cache = new Map<string, Verified>();
    const remember = (token: string, v: Verified) => {
      if (o.cache_size === 0) return;
      if (cache.size >= o.cache_size) cache.delete(cache.keys().next().value!);
      cache.set(token, v);
    };
    const headersOf = (payload: JWTPayload): [string, string][] => {
      const out: [string, string][] = [];
      for (const [claim, header] of claimHeaders) {
        const v = claimValue(payload, claim);
        if (v === undefined || v === null) continue;
        const text = safeHeaderValue(typeof v === 'string' ? v : JSON.stringify(v));
        if (text !== undefined) out.push([header, text]);
      }
      return out;
    };
    const bad = (reason: string): PluginResponse | Promise<PluginResponse> =>
      delayed(o.delay, refuse(401, `jwt: ${reason}`, `${challenge} error="invalid_token", error_description="${reason.replace(/"/g, "'")}"`));

    async function verify(ctx: RequestContext, token: string): Promise<PluginResponse | undefined> {
      try {
        const k = key instanceof Promise ? await key : key;
        const { jwtVerify } = jose();
        const { payload } = getKey ? await jwtVerify(token, getKey, verifyOptions) : await jwtVerify(token, k!, verifyOptions);
        const headers = headersOf(payload);
        const expUntil = typeof payload.exp === 'number' ? payload.exp * 1000 + skewMs : Infinity;
        remember(token, { until: Math.min(expUntil, Date.now() + CACHE_MAX_MS), headers });
        ctx.state[stateKey] = headers;
        return undefined;
      } catch (err) {
        if (err instanceof JwksUnavailableError) return refuse(503, 'jwt: the signing keys cannot be fetched; try again later');
        return bad(reasonOf(err));
      }
    }

    return {
      request(ctx: RequestContext) {
        const cred = readCredential(ctx, src, true);
        if (!cred) return refuse(401, 'jwt: no token', challenge);
        if (o.hide_credentials && cred.from === 'query') hideQueryCredential(ctx, src);
        const hit = cache.get(cred.value);
        if (hit) {
          if (Date.now() < hit.until) {
            ctx.state[stateKey] = hit.headers;
            return;
          }
          cache.delete(cred.value);
        }
        return verify(ctx, cred.value);
      },
      proxyUpstream(ctx: RequestContext, up: UpstreamRequest) {
        for (const [, header] of claimHeaders) up.headers.remove(header);
        const headers = ctx.state[stateKey] as [string, string][] | undefined;
        if (headers) for (const [h, v] of headers) up.headers.add(h, v);
        if (o.hide_credentials) hideHeaderCredentials(up, src);
      },
      close() {
        jwks?.close();
        cache.clear();
      },
    };
  },
});
