import { argon2, timingSafeEqual } from 'node:crypto';
import bcrypt from 'bcryptjs';
import { TOKEN } from '../../http1/headers.ts';
import { definePlugin, type PluginDefinition, type PluginResponse, type RequestContext, type UpstreamRequest } from '../plugin.ts';
import { delayed, digest, headerValue, quoted, refuse, safeHeaderValue } from '../auth.ts';

const BCRYPT = /^\$2[aby]\$(\d\d)\$[./A-Za-z0-9]{53}$/;
const ARGON2 = /^\$(argon2id|argon2i|argon2d)\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)$/;

// A password hash is slow on purpose (bcrypt cost 10: about 60 ms of CPU; argon2id at m=64 MiB: about 30 ms), far too
// slow for every request of a browser session. A successful check is remembered for this long, by the SHA-256 of the
// Authorization header, so the hash runs once per client and credential, not once per request.
const VERIFIED_TTL_MS = 5 * 60_000;
const VERIFIED_MAX = 1000;

type Argon2Hash = { algorithm: 'argon2id' | 'argon2i' | 'argon2d'; memory: number; passes: number; parallelism: number; salt: Buffer; hash: Buffer };

/** parseArgon2 reads a PHC-format argon2 hash (`$argon2id$v=19$m=65536,t=3,p=4$salt$hash`), or says why it cannot. */
export function parseArgon2(s: string): Argon2Hash | string {
  const m = ARGON2.exec(s);
  if (!m) return 'is not an argon2 hash in PHC form ($argon2id$v=19$m=…,t=…,p=…$salt$hash)';
  const [memory, passes, parallelism] = [Number(m[2]), Number(m[3]), Number(m[4])];
  if (parallelism < 1 || parallelism > 255 || passes < 1 || passes > 64 || memory < 8 * parallelism || memory > 4 * 1024 * 1024)
    return 'has argon2 parameters out of range (p 1–255, t 1–64, m 8×p KiB to 4 GiB)';
  const salt = Buffer.from(m[5]!, 'base64');
  const hash = Buffer.from(m[6]!, 'base64');
  if (salt.length < 8 || hash.length < 4) return 'has an argon2 salt shorter than 8 bytes or a hash shorter than 4';
  return { algorithm: m[1] as Argon2Hash['algorithm'], memory, passes, parallelism, salt, hash };
}

function checkArgon2(h: Argon2Hash, password: string): Promise<boolean> {
  return new Promise((resolve) => {
    argon2(h.algorithm, { message: password, nonce: h.salt, parallelism: h.parallelism, tagLength: h.hash.length, memory: h.memory, passes: h.passes }, (err, key) =>
      resolve(!err && timingSafeEqual(key, h.hash)),
    );
  });
}

/** parseHtpasswdLine reads `user:hash` as htpasswd writes it (bcrypt `$2y$`/`$2b$`/`$2a$`, or an argon2 PHC string), or says why it cannot. */
export function parseHtpasswdLine(line: string): { user: string; check: (password: string) => Promise<boolean> } | string {
  const colon = line.indexOf(':');
  if (colon <= 0) return 'is not "user:hash"';
  const user = line.slice(0, colon);
  const hash = line.slice(colon + 1).trim();
  if (BCRYPT.test(hash)) {
    const cost = Number(BCRYPT.exec(hash)![1]);
    if (cost < 4 || cost > 31) return 'has a bcrypt cost outside 4–31';
    return { user, check: (password) => bcrypt.compare(password, hash).catch(() => false) };
  }
  if (hash.startsWith('$argon2')) {
    const a = parseArgon2(hash);
    if (typeof a === 'string') return a;
    return { user, check: (password) => checkArgon2(a, password) };
  }
  return 'has a hash that is neither bcrypt ($2y$, $2b$, $2a$) nor argon2 ($argon2id$…); create it with htpasswd -B'; // MD5 ($apr1$), SHA1 and crypt are too weak to accept
}

/** decodeBasic reads `Basic base64(user:password)`, or undefined for another scheme or a malformed value. */
function decodeBasic(header: string | undefined): { user: string; password: string } | undefined {
  if (!header || header.length < 7 || header.slice(0, 6).toLowerCase() !== 'basic ') return undefined;
  const text = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8');
  const colon = text.indexOf(':');
  return colon < 0 ? undefined : { user: text.slice(0, colon), password: text.slice(colon + 1) };
}

/** basicAuthPlugin lets a request through only with a user and password of its list (HTTP Basic authentication, RFC 7617). */
export const basicAuthPlugin: PluginDefinition = definePlugin({
  category: 'basic_auth',
  description:
    'basic_auth lets a request through only with a user and password of its list (HTTP Basic authentication): bcrypt or argon2 hashes as htpasswd writes them, or pingap’s base64 pairs.',
  fields: {
    htpasswd: {
      kind: 'strings',
      default: [],
      secret: true,
      maxItems: 10_000,
      maxLength: 1000,
      doc: 'htpasswd lists `user:hash` lines as `htpasswd -nB user` prints them: bcrypt (`$2y$`, `$2b$`, `$2a$`) or argon2 (`$argon2id$v=19$…`, PHC form).',
    },
    authorizations: {
      kind: 'strings',
      default: [],
      secret: true,
      maxItems: 10_000,
      maxLength: 1000,
      doc: 'authorizations lists base64 `user:password` pairs, as pingap writes them (the password is in the config: prefer `htpasswd`).',
    },
    realm: { kind: 'string', default: 'Restricted', maxLength: 200, doc: 'realm is the protection space the browser names in its login dialog.' },
    user_header: {
      kind: 'string',
      default: '',
      maxLength: 200,
      doc: 'user_header names an upstream request header that carries the authenticated user, such as `X-Forwarded-User`; a client’s own copy is removed.',
    },
    hide_credentials: { kind: 'boolean', default: true, doc: 'hide_credentials removes the `Authorization: Basic` header before the request goes upstream.' },
    delay: { kind: 'duration', default: '0s', min: 0, max: 10_000, doc: 'delay slows down the answer to wrong credentials, against guessing.' },
  },
  validate(o, path, issues) {
    if (o.htpasswd.length === 0 && o.authorizations.length === 0)
      issues.push({ path: `${path}.htpasswd`, message: 'is required (or authorizations)', hint: 'add "user:hash" lines made with: htpasswd -nB user' });
    o.htpasswd.forEach((line, i) => {
      const p = parseHtpasswdLine(line);
      // The message never quotes the line: it holds a password hash.
      if (typeof p === 'string') issues.push({ path: `${path}.htpasswd[${i}]`, message: p, hint: 'write "user:hash" as htpasswd -nB user prints it' });
    });
    o.authorizations.forEach((a, i) => {
      const text = Buffer.from(a, 'base64').toString('utf8');
      if (!/^[A-Za-z0-9+/]+=*$/.test(a) || !text.includes(':'))
        issues.push({ path: `${path}.authorizations[${i}]`, message: 'is not base64 of "user:password"', hint: 'make one with: echo -n "user:password" | base64' });
    });
    if (o.user_header && !TOKEN.test(o.user_header))
      issues.push({ path: `${path}.user_header`, message: `"${o.user_header}" is not a header name`, hint: 'write a header name such as "X-Forwarded-User"' });
  },
  create(o, name) {
    const users = new Map<string, (password: string) => Promise<boolean>>();
    for (const line of o.htpasswd) {
      const p = parseHtpasswdLine(line);
      if (typeof p !== 'string') users.set(p.user, p.check);
    }
    // Plain pairs are held by their SHA-256 only, like key_auth's keys.
    const pairs = new Map(o.authorizations.map((a) => [digest(Buffer.from(a, 'base64').toString('utf8')), Buffer.from(a, 'base64').toString('utf8').split(':')[0]!]));
    const anyCheck = users.values().next().value;
    const verified = new Map<string, { user: string; until: number }>();
    const challenge = `Basic realm=${quoted(o.realm)}, charset="UTF-8"`;
    const stateKey = `basic_auth:${name}`;
    const fail = (reason: string): PluginResponse | Promise<PluginResponse> => delayed(o.delay, refuse(401, `basic_auth: ${reason}`, challenge));

    const pass = (ctx: RequestContext, key: string, user: string) => {
      if (verified.size >= VERIFIED_MAX) verified.delete(verified.keys().next().value!);
      verified.set(key, { user, until: Date.now() + VERIFIED_TTL_MS });
      ctx.state[stateKey] = user;
    };

    return {
      request(ctx: RequestContext) {
        const header = headerValue(ctx, 'authorization');
        const cred = decodeBasic(header);
        if (!cred) return refuse(401, 'basic_auth: no credentials', challenge);
        const key = digest(header!);
        const hit = verified.get(key);
        if (hit && Date.now() < hit.until) {
          ctx.state[stateKey] = hit.user;
          return undefined;
        }
        if (hit) verified.delete(key);
        const pairUser = pairs.get(digest(`${cred.user}:${cred.password}`));
        if (pairUser !== undefined) {
          pass(ctx, key, pairUser);
          return undefined;
        }
        const check = users.get(cred.user);
        if (!check) {
          // An unknown user costs a hash too, so the answer's timing does not tell which users exist.
          if (anyCheck) return anyCheck(cred.password).then(() => fail('wrong user or password'));
          return fail('wrong user or password');
        }
        return check(cred.password).then(
          (ok) => {
            if (!ok) return fail('wrong user or password');
            pass(ctx, key, cred.user);
            return undefined;
          },
          () => fail('wrong user or password'),
        );
      },
      proxyUpstream(ctx: RequestContext, up: UpstreamRequest) {
        if (o.hide_credentials) {
          const a = up.headers.get('authorization');
          if (a !== undefined && a.slice(0, 6).toLowerCase() === 'basic ') up.headers.remove('authorization');
        }
        if (o.user_header) {
          up.headers.remove(o.user_header);
          const user = ctx.state[stateKey];
          const v = typeof user === 'string' ? safeHeaderValue(user) : undefined;
          if (v !== undefined) up.headers.set(o.user_header, v);
        }
      },
      close() {
        verified.clear();
      },
    };
  },
});
