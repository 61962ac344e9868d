import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { tempDir } from '@etcd-monitor/core/testing';
import { SignJWT, exportJWK, exportSPKI, generateKeyPair, type CryptoKey, type JWK } from 'jose';
import { parseConfigText } from '../../config/load.ts';
import { formatIssue } from '../../config/fields.ts';
import { echo, gatewayBin, request, startUpstream, useGateway, waitFor } from '../../test-helpers.ts';

const SECRET = 'your-secret-key';
const enc = (s: string) => new TextEncoder().encode(s);
const now = () => Math.floor(Date.now() / 1000);

function hs(claims: Record<string, unknown>, opts: { secret?: string; alg?: string } = {}): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg: opts.alg ?? 'HS256' }).sign(enc(opts.secret ?? SECRET));
}

const server = (upAddr: string, body: string) => `
[upstreams.up]
addrs = ["${upAddr}"]
${body}
[servers.main]
addr = "127.0.0.1:0"
locations = ["l"]
`;

test('jwt HS256: a valid token passes with its claims as headers; none, a bad signature, expiry, a wrong algorithm, iss and aud are refused', async (t) => {
  const up = await startUpstream('up');
  const gw = await useGateway(
    t,
    [up],
    server(
      up.addr,
      `
[plugins.jwt_auth]
category = "jwt"
secret = "${SECRET}"
algorithm = "HS256"
issuer = ["https://issuer.test"]
audience = ["api"]
claim_headers = { sub = "X-User-Id", "realm.roles" = "X-User-Roles" }
[locations.l]
upstream = "up"
plugins = ["jwt_auth"]
`,
    ),
  );
  const port = gw.port('main');
  const good = { sub: 'u-1', iss: 'https://issuer.test', aud: 'api', exp: now() + 600, realm: { roles: ['admin', 'ops'] } };
  const token = await hs(good);
  const ok = await request(port, { path: '/x', headers: { authorization: `Bearer ${token}`, 'x-user-id': 'spoofed', 'X-User-Roles': 'root' } });
  assert.equal(ok.status, 200);
  const seen = echo(ok).headers;
  assert.equal(seen['x-user-id'], 'u-1');
  assert.equal(seen['x-user-roles'], '["admin","ops"]');
  assert.equal(seen.authorization, `Bearer ${token}`, 'the token is forwarded unless hide_credentials');
  // The same token again is served from the verified-token cache: claims and spoof removal still apply.
  const again = await request(port, { path: '/x', headers: { authorization: `Bearer ${token}`, 'x-user-id': 'spoofed' } });
  assert.equal(echo(again).headers['x-user-id'], 'u-1');

  const hits = up.hits;
  const none = await request(port, { path: '/x', headers: { 'x-user-id': 'spoofed' } });
  assert.equal(none.status, 401);
  assert.equal(none.headers['www-authenticate'], 'Bearer');
  assert.equal(none.body, 'jwt: no token\n');
  const cases: [string, string, string][] = [
    ['bad signature', await hs(good, { secret: 'another-secret' }), 'signature verification failed'],
    ['expired', await hs({ ...good, exp: now() - 3600 }), 'token expired'],
    ['not yet valid', await hs({ ...good, nbf: now() + 3600 }), 'token not yet valid'],
    ['wrong issuer', await hs({ ...good, iss: 'https://evil.test' }), '"iss" claim check failed'],
    ['wrong audience', await hs({ ...good, aud: 'other' }), '"aud" claim check failed'],
    ['HS512 where HS256 is configured', await hs(good, { alg: 'HS512' }), 'algorithm not allowed'],
    ['garbage', 'not.a.jwt', 'malformed token'],
  ];
  for (const [what, tok, reason] of cases) {
    const r = await request(port, { path: '/x', headers: { authorization: `Bearer ${tok}` } });
    assert.equal(r.status, 401, what);
    assert.equal(r.body, `jwt: ${reason}\n`, what);
    assert.match(String(r.headers['www-authenticate']), /^Bearer error="invalid_token"/, what);
    assert.ok(!r.body.includes(SECRET) && !r.body.includes(tok.slice(0, 20)), `${what}: neither secret nor token in the answer`);
  }
  // Within clock_skew (30 s by default) an expired token still passes.
  assert.equal((await request(port, { path: '/x', headers: { authorization: `Bearer ${await hs({ ...good, exp: now() - 5 })}` } })).status, 200);
  assert.equal(up.hits, hits + 1, 'no refused request reached the upstream');
});

test('jwt reads the token from a cookie or a query parameter and hides it from the upstream when asked', async (t) => {
  const up = await startUpstream('up');
  const gw = await useGateway(
    t,
    [up],
    server(
      up.addr,
      `
[plugins.j]
category = "jwt"
secret = "${SECRET}"
cookie = "session"
query = "access_token"
hide_credentials = true
[locations.l]
upstream = "up"
plugins = ["j"]
`,
    ),
  );
  const port = gw.port('main');
  const token = await hs({ sub: 'u-2' });
  const byCookie = await request(port, { path: '/c', headers: { cookie: `theme=dark; session=${token}; lang=en` } });
  assert.equal(byCookie.status, 200);
  assert.equal(echo(byCookie).headers.cookie, 'theme=dark; lang=en');
  const byQuery = await request(port, { path: `/q?a=1&access_token=${token}&b=2` });
  assert.equal(byQuery.status, 200);
  assert.equal(echo(byQuery).url, '/q?a=1&b=2');
  // With cookie and query set and no header, the Authorization header is not read.
  assert.equal((await request(port, { path: '/h', headers: { authorization: `Bearer ${token}` } })).status, 401);
});

test('jwt verifies every asymmetric algorithm from a PEM public key and refuses a token signed by another key', async (t) => {
  const up = await startUpstream('up');
  const algs = ['RS256', 'RS384', 'RS512', 'PS256', 'ES256', 'ES384', 'EdDSA'];
  const keys = new Map<string, { good: CryptoKey; other: CryptoKey; pem: string }>();
  for (const alg of algs) {
    const pair = await generateKeyPair(alg, { extractable: true });
    const other = await generateKeyPair(alg);
    keys.set(alg, { good: pair.privateKey, other: other.privateKey, pem: await exportSPKI(pair.publicKey) });
  }
  const plugins = algs.map((alg) => `[plugins.${alg}]\ncategory = "jwt"\nalgorithm = "${alg}"\npublic_key = """\n${keys.get(alg)!.pem}"""\n`).join('\n');
  const locations = algs.map((alg) => `[locations.${alg}]\nupstream = "up"\npath = "/${alg}"\nplugins = ["${alg}"]\n`).join('\n');
  const gw = await useGateway(
    t,
    [up],
    `[upstreams.up]\naddrs = ["${up.addr}"]\n${plugins}\n${locations}\n[servers.main]\naddr = "127.0.0.1:0"\nlocations = [${algs.map((a) => `"${a}"`).join(', ')}]\n`,
  );
  const port = gw.port('main');
  for (const alg of algs) {
    const k = keys.get(alg)!;
    const sign = (key: CryptoKey) => new SignJWT({ sub: alg }).setProtectedHeader({ alg }).setExpirationTime('5m').sign(key);
    assert.equal((await request(port, { path: `/${alg}`, headers: { authorization: `Bearer ${await sign(k.good)}` } })).status, 200, alg);
    const wrong = await request(port, { path: `/${alg}`, headers: { authorization: `Bearer ${await sign(k.other)}` } });
    assert.equal(wrong.status, 401, `${alg}: another key`);
    assert.equal(wrong.body, 'jwt: signature verification failed\n');
  }
  // An HS256 token made with the public key as its secret (the algorithm-confusion attack) is refused.
  const confused = await new SignJWT({ sub: 'x' }).setProtectedHeader({ alg: 'HS256' }).sign(enc(keys.get('RS256')!.pem));
  assert.equal((await request(port, { path: '/RS256', headers: { authorization: `Bearer ${confused}` } })).status, 401);
});

/** startJwks serves a JWKS whose keys the test swaps; it counts requests and can be stopped and restarted on its port. */
async function startJwks(keys: JWK[]) {
  const s = {
    keys,
    hits: 0,
    port: 0,
    server: undefined as http.Server | undefined,
    async start() {
      const srv = http.createServer((_req, res) => {
        s.hits++;
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: s.keys }));
      });
      await new Promise<void>((r) => srv.listen(s.port, '127.0.0.1', r));
      s.port = (srv.address() as AddressInfo).port;
      s.server = srv;
    },
    async close() {
      const srv = s.server;
      s.server = undefined;
      if (!srv) return;
      srv.closeAllConnections();
      await new Promise<void>((r) => srv.close(() => r()));
    },
  };
  await s.start();
  return s;
}

test('jwt with a JWKS URL: keys by kid, a cached key keeps working while the JWKS server is down, a rotated key is fetched on its first token, unknown kids are rate-limited', async (t) => {
  const up = await startUpstream('up');
  const a = await generateKeyPair('ES256');
  const b = await generateKeyPair('RS256');
  const jwkA = { ...(await exportJWK(a.publicKey)), kid: 'a', alg: 'ES256', use: 'sig' };
  const jwkB = { ...(await exportJWK(b.publicKey)), kid: 'b', alg: 'RS256', use: 'sig' };
  const jwks = await startJwks([jwkA]);
  const gw = await useGateway(
    t,
    [up, jwks],
    server(
      up.addr,
      `
[plugins.j]
category = "jwt"
jwks_url = "http://127.0.0.1:${jwks.port}/.well-known/jwks.json"
jwks_cooldown = "300ms"
jwks_timeout = "2s"
claim_headers = { sub = "X-Sub" }
[locations.l]
upstream = "up"
plugins = ["j"]
`,
    ),
  );
  const port = gw.port('main');
  const sign = (key: CryptoKey, kid: string, alg: string, sub: string) => new SignJWT({ sub }).setProtectedHeader({ alg, kid }).setExpirationTime('5m').sign(key);
  const get = async (tok: string) => request(port, { path: '/j', headers: { authorization: `Bearer ${tok}` } });
  const first = await get(await sign(a.privateKey, 'a', 'ES256', 'first'));
  assert.equal(first.status, 200);
  assert.equal(echo(first).headers['x-sub'], 'first');

  await jwks.close();
  // New tokens (not in the verified-token cache) signed by the cached key still pass while the JWKS server is down.
  for (const sub of ['down-1', 'down-2']) {
    const r = await get(await sign(a.privateKey, 'a', 'ES256', sub));
    assert.equal(r.status, 200, sub);
    assert.equal(echo(r).headers['x-sub'], sub);
  }
  // A token with a kid no one knows is refused (the refetch fails: connection refused) and the key of kid a stays.
  assert.equal((await get(await sign(b.privateKey, 'b', 'RS256', 'unknown'))).status, 401);
  assert.equal((await get(await sign(a.privateKey, 'a', 'ES256', 'still'))).status, 200);

  // The issuer rotates to key b; the server is back.
  jwks.keys = [jwkB];
  await jwks.start();
  const rotated = await sign(b.privateKey, 'b', 'RS256', 'rotated');
  // The first token of kid b may fall within the cooldown of the last failed refetch; within a few cooldowns it passes.
  await waitFor(async () => (await get(rotated)).status === 200, 10_000, 'a token of the rotated key passes');
  assert.equal(echo(await get(rotated)).headers['x-sub'], 'rotated');

  // A burst of tokens with unknown kids causes at most one fetch per cooldown, not one per request.
  const before = jwks.hits;
  const started = Date.now();
  const burst = await Promise.all(Array.from({ length: 40 }, async (_, i) => (await get(await sign(b.privateKey, `x${i}`, 'RS256', 'x'))).status));
  assert.ok(
    burst.every((s) => s === 401),
    String(burst),
  );
  const cooldowns = Math.ceil((Date.now() - started) / 300) + 1;
  assert.ok(jwks.hits - before <= cooldowns, `${jwks.hits - before} fetches for 40 unknown kids within ${cooldowns} cooldowns`);
});

test('jwt with a JWKS server that never answered: 503, and the first fetch after it comes up lets tokens through', async (t) => {
  const up = await startUpstream('up');
  const key = await generateKeyPair('EdDSA');
  const jwks = await startJwks([{ ...(await exportJWK(key.publicKey)), kid: 'k' }]);
  const jwksPort = jwks.port;
  await jwks.close();
  const gw = await useGateway(
    t,
    [up, jwks],
    server(up.addr, `[plugins.j]\ncategory = "jwt"\njwks_url = "http://127.0.0.1:${jwksPort}/jwks"\njwks_cooldown = "100ms"\n[locations.l]\nupstream = "up"\nplugins = ["j"]\n`),
  );
  const port = gw.port('main');
  const token = await new SignJWT({ sub: 's' }).setProtectedHeader({ alg: 'EdDSA', kid: 'k' }).sign(key.privateKey);
  const down = await request(port, { path: '/', headers: { authorization: `Bearer ${token}` } });
  assert.equal(down.status, 503);
  assert.equal(down.body, 'jwt: the signing keys cannot be fetched; try again later\n');
  await jwks.start();
  await waitFor(async () => (await request(port, { path: '/', headers: { authorization: `Bearer ${token}` } })).status === 200, 10_000, 'the token passes once the JWKS is up');
});

test('jwt options: a PEM that does not parse, a key that cannot verify the algorithm, a JWKS URL that is not a URL, no key at all', () => {
  const { issues } = parseConfigText(`
[plugins.pem]
category = "jwt"
algorithm = "RS256"
public_key = "-----BEGIN PUBLIC KEY-----\\nnot base64 at all\\n-----END PUBLIC KEY-----"
[plugins.url]
category = "jwt"
jwks_url = "issuer.example/jwks.json"
[plugins.none]
category = "jwt"
algorithm = "HS256"
[plugins.both]
category = "jwt"
secret = "s3cr3t-value"
jwks_url = "https://issuer.example/jwks.json"
[plugins.asym]
category = "jwt"
secret = "s3cr3t-value"
algorithm = "ES256"
[plugins.claims]
category = "jwt"
secret = "s3cr3t-value"
claim_headers = { sub = "X User" }
[servers.s]
addr = "127.0.0.1:0"
`);
  assert.deepEqual(issues.map(formatIssue), [
    'plugins.pem.public_key: does not parse as a PEM public key or certificate (paste the whole PEM, -----BEGIN PUBLIC KEY----- to -----END PUBLIC KEY-----, in a """ string)',
    'plugins.url.jwks_url: "issuer.example/jwks.json" is not an http(s) URL (write the full URL, such as https://issuer.example/.well-known/jwks.json)',
    'plugins.none.secret: is required (or public_key, or jwks_url) (set secret for HS256/384/512, public_key to a PEM public key, or jwks_url to the issuer’s JWKS)',
    'plugins.both.jwks_url: cannot be combined with secret (set only one of secret, public_key and jwks_url)',
    'plugins.asym.algorithm: ES256 needs public_key or jwks_url, not secret (use HS256, HS384 or HS512 with a secret)',
    'plugins.claims.claim_headers.sub: is not a header name (write a header name such as "X-User-Id")',
  ]);
  assert.ok(!issues.map(formatIssue).join('\n').includes('s3cr3t-value'), 'no secret in the issues');
});

test('gateway -t reports bad jwt entries (algorithm and key disagree, a PEM that does not parse, a JWKS URL that is not a URL, no key) with their key paths and exits 1, printing no secret', async () => {
  const dir = tempDir('gw-jwt');
  const { publicKey } = await generateKeyPair('ES256');
  const file = join(dir, 'gw.toml');
  writeFileSync(
    file,
    `
[upstreams.up]
addrs = ["127.0.0.1:9"]
[plugins.jwt_auth]
category = "jwt"
secret = "top-secret-hmac-key"
algorithm = "ES256"
[plugins.rsa]
category = "jwt"
algorithm = "RS256"
public_key = """
${await exportSPKI(publicKey)}"""
[plugins.pem]
category = "jwt"
algorithm = "ES256"
public_key = "-----BEGIN PUBLIC KEY-----\\nAAAA\\n-----END PUBLIC KEY-----"
[plugins.url]
category = "jwt"
jwks_url = "not a url"
[plugins.nothing]
category = "jwt"
[locations.l]
upstream = "up"
plugins = ["jwt_auth", "rsa", "pem", "url", "nothing"]
[servers.s]
addr = "127.0.0.1:0"
locations = ["l"]
`,
  );
  const r = spawnSync(process.execPath, [gatewayBin, 'gateway', '-t', '-c', file], { encoding: 'utf8' });
  assert.equal(r.status, 1, r.stdout + r.stderr);
  assert.match(r.stderr, /^plugins\.jwt_auth\.algorithm: ES256 needs public_key or jwks_url, not secret/m);
  assert.match(r.stderr, /^plugins\.rsa\.public_key: is a key of type ec \(prime256v1\), which cannot verify RS256/m);
  assert.match(r.stderr, /^plugins\.pem\.public_key: does not parse as a PEM public key or certificate/m);
  assert.match(r.stderr, /^plugins\.url\.jwks_url: "not a url" is not an http\(s\) URL/m);
  assert.match(r.stderr, /^plugins\.nothing\.secret: is required \(or public_key, or jwks_url\)/m);
  assert.match(r.stderr, /5 errors; the config is not valid/);
  assert.ok(!(r.stdout + r.stderr).includes('top-secret-hmac-key'));
});

test('the product spec’s jwt entry loads as written (type = "jwt") and guards its location', async (t) => {
  const up = await startUpstream('backend');
  const gw = await useGateway(
    t,
    [up],
    `
[upstreams.backend_api]
addrs = ["${up.addr}"]

[locations.api_v1]
upstream = "backend_api"
path = "/api/v1"
plugins = ["jwt_auth", "request_id"]
rewrite = "/"
headers_add = ["X-Forwarded-Proto:https"]
headers_remove = ["Server"]

[plugins.jwt_auth]
type = "jwt"
secret = "your-secret-key"
algorithm = "HS256"

[plugins.request_id]

[servers.main]
addr = "127.0.0.1:0"
locations = ["api_v1"]
`,
  );
  const port = gw.port('main');
  assert.equal((await request(port, { path: '/api/v1/users' })).status, 401);
  const ok = await request(port, { path: '/api/v1/users', headers: { authorization: `Bearer ${await hs({ sub: 'u' })}` } });
  assert.equal(ok.status, 200);
  assert.equal(echo(ok).url, '/users');
});
