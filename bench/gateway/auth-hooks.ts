// CPU cost of the authentication plugins' hooks: each plugin's request and proxyUpstream hooks called in a loop on one
// request context, in this process, with a credential that passes (the steady state of a client that sends the same
// credential on every request, plus jwt with its verified-token cache off). Prints µs of CPU per request; the
// gateway's own cost per proxied request comes on top (bench/gateway/run.ts).
//
//   node bench/gateway/auth-hooks.ts
import { SignJWT, exportSPKI, generateKeyPair } from 'jose';
import { HeaderList } from '../../packages/gateway/src/http1/headers.ts';
import { parseConfigText } from '../../packages/gateway/src/config/load.ts';
import { builtinPlugins } from '../../packages/gateway/src/plugins/index.ts';
import { bareCreateContext } from '../../packages/gateway/src/test-helpers.ts';
import type { Plugin, RequestContext } from '../../packages/gateway/src/plugins/plugin.ts';

const token = await new SignJWT({ sub: 'u' }).setProtectedHeader({ alg: 'HS256' }).setExpirationTime('1h').sign(new TextEncoder().encode('your-secret-key'));
const asym = async (alg: string) => {
  const k = await generateKeyPair(alg);
  const tok = await new SignJWT({ sub: 'u' }).setProtectedHeader({ alg }).setExpirationTime('1h').sign(k.privateKey);
  return [
    `jwt ${alg}, cache_size = 0`,
    `category = "jwt"\nalgorithm = "${alg}"\ncache_size = 0\npublic_key = """\n${await exportSPKI(k.publicKey)}"""`,
    { authorization: `Bearer ${tok}` },
  ] as [string, string, Record<string, string>];
};
const HASH = '$2y$05$fnerpDP6AnL4OTBMEqmO6O8Z3CgSSqjbvXrDztJjSacDAk1tcP79G';
const cases: [string, string, Record<string, string>][] = [
  ['jwt HS256, token cached', `category = "jwt"\nsecret = "your-secret-key"\nclaim_headers = { sub = "X-User" }`, { authorization: `Bearer ${token}` }],
  ['jwt HS256, cache_size = 0', `category = "jwt"\nsecret = "your-secret-key"\ncache_size = 0`, { authorization: `Bearer ${token}` }],
  await asym('RS256'),
  await asym('ES256'),
  await asym('EdDSA'),
  ['key_auth', `category = "key_auth"\nkeys = ["k1", "k2"]`, { 'x-api-key': 'k2' }],
  [
    'basic_auth bcrypt, verified cached',
    `category = "basic_auth"\nhtpasswd = ['alice:${HASH}']`,
    { authorization: `Basic ${Buffer.from('alice:wonder land').toString('base64')}` },
  ],
];
for (const [name, body, headers] of cases) {
  const { config, issues } = parseConfigText(`[plugins.p]\n${body}\n[servers.s]\naddr = "127.0.0.1:0"\n`);
  if (issues.length) throw new Error(JSON.stringify(issues));
  const pc = config.plugins.p!;
  const plugin: Plugin = builtinPlugins.get(pc.category)!.create(pc.options, 'p', bareCreateContext);
  const raw = Object.entries(headers).flat();
  const mk = (): RequestContext =>
    ({
      req: { headers, rawHeaders: raw, httpVersion: '1.1', method: 'GET', url: '/', socket: undefined as never },
      method: 'GET',
      host: 'h',
      path: '/',
      query: '',
      clientIp: '127.0.0.1',
      scheme: 'http',
      requestId: '',
      server: 's',
      location: 'l',
      status: 0,
      state: {},
    }) as unknown as RequestContext;
  const once = async () => {
    const ctx = mk();
    const r = plugin.request!(ctx);
    const v = r instanceof Promise ? await r : r;
    if (v !== undefined) throw new Error(`${name}: refused ${JSON.stringify(v)}`);
    plugin.proxyUpstream?.(ctx, { method: 'GET', path: '/', headers: new HeaderList([...raw, 'host', 'h']) });
  };
  for (let i = 0; i < 2000; i++) await once();
  const n = name.includes('cache_size = 0') ? 10_000 : 200_000;
  const c0 = process.cpuUsage();
  for (let i = 0; i < n; i++) await once();
  const c = process.cpuUsage(c0);
  console.log(`${name.padEnd(36)} ${((c.user + c.system) / n).toFixed(2)} µs CPU per request (request + proxyUpstream hooks)`);
  await plugin.close?.();
}
