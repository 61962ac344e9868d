// The product spec's example config (docs/gateway-plugins.md, "The product spec's example"), read from the docs as
// written: only addresses (upstream servers, listener, admin listener), files (pid file, access log, error page) and the
// trust of a generated certificate for the upstream's SNI change. It must pass `gateway -t` and run: a JWT named by
// `type`, a pingap-style limit (`category` + `type = "rate"`) and request ids on one location. Until the limit plugin is
// registered, the example runs without its rate_limit entry.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SignJWT } from 'jose';
import { tempDir } from '@etcd-monitor/core/testing';
import { echo, freePort, gatewayBin, request, waitFor } from '../test-helpers.ts';
import { builtinPlugins } from './index.ts';

/** specExample is the TOML block after the spec-example marker in docs/gateway-plugins.md. */
function specExample(): string {
  const doc = readFileSync(fileURLToPath(new URL('../../../../docs/gateway-plugins.md', import.meta.url)), 'utf8');
  const m = /<!-- spec-example[^>]*-->\n```toml\n([\s\S]*?)```/.exec(doc);
  assert.ok(m, 'docs/gateway-plugins.md has the spec example block');
  return m[1]!;
}

test('the product spec example from the docs passes gateway -t and runs: jwt by type, limit by category, request ids', async (t) => {
  const dir = tempDir('gw-spec-example', t);
  const key = join(dir, 'api-key.pem');
  const cert = join(dir, 'api-cert.pem');
  const gen = spawnSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-subj',
      '/CN=api.example.com',
      '-addext',
      'subjectAltName=DNS:api.example.com,IP:127.0.0.1',
      '-days',
      '1',
      '-keyout',
      key,
      '-out',
      cert,
    ],
    { encoding: 'utf8' },
  );
  assert.equal(gen.status, 0, gen.stderr);
  // The three TLS upstream servers of backend_api, answering the health check and echoing requests.
  const servers = await Promise.all(
    ['a', 'b', 'c'].map(async (name) => {
      const s = https.createServer({ key: readFileSync(key), cert: readFileSync(cert) }, (req, res) => {
        if (req.url === '/health') return void res.end('ok');
        res.writeHead(200, { 'content-type': 'application/json', server: 'backend/1.0' });
        res.end(JSON.stringify({ name, method: req.method, url: req.url, headers: req.headers, rawHeaders: req.rawHeaders, body: '' }));
      });
      await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
      return s;
    }),
  );
  t.after(() => Promise.all(servers.map((s) => new Promise<void>((r) => (s.closeAllConnections(), s.close(() => r()))))));
  const ports = servers.map((s) => (s.address() as AddressInfo).port);
  const port = await freePort();
  const admin = await freePort();

  let toml = specExample();
  const limit = builtinPlugins.has('limit');
  if (!limit) toml = toml.replace('"jwt_auth", "rate_limit", "request_id"', '"jwt_auth", "request_id"').replace(/\[plugins\.rate_limit\][^[]*/, '');
  toml = toml
    .replace('[basic]', `[basic]\nadmin_addr = "127.0.0.1:${admin}"`)
    .replace(/127\.0\.0\.1:8001/g, `127.0.0.1:${ports[0]}`)
    .replace('127.0.0.1:8002', `127.0.0.1:${ports[1]}`)
    .replace('127.0.0.1:8003', `127.0.0.1:${ports[2]}`)
    .replace('127.0.0.1:8080', `127.0.0.1:${port}`)
    .replace('/var/run/pingap.pid', join(dir, 'pingap.pid'))
    .replace('/var/log/pingap/access.log', join(dir, 'access.log'));
  const file = join(dir, 'gateway.toml');
  writeFileSync(file, toml);
  copyFileSync(fileURLToPath(new URL('../testdata/error.html', import.meta.url)), join(dir, 'error.html'));
  const env = { ...process.env, NODE_EXTRA_CA_CERTS: cert };

  const checked = spawnSync(process.execPath, [gatewayBin, 'gateway', '-t', '-c', file], { encoding: 'utf8', env });
  assert.equal(checked.status, 0, checked.stderr);
  assert.match(checked.stdout, new RegExp(`the config is valid \\(1 servers, 1 locations, 1 upstreams, ${limit ? 3 : 2} plugins\\)`));

  const child = spawn(process.execPath, [gatewayBin, 'gateway', '-c', file], { stdio: ['ignore', 'ignore', 'pipe'], env });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  t.after(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
  });

  const token = await new SignJWT({ sub: 'user-1' }).setProtectedHeader({ alg: 'HS256' }).setIssuedAt().setExpirationTime('10m').sign(new TextEncoder().encode('your-secret-key'));
  await waitFor(
    async () => (await request(port, { path: '/api/v1/users' }).catch(() => undefined))?.status === 401,
    60_000,
    () => `the gateway to answer: ${stderr}`,
  );
  const denied = await request(port, { path: '/api/v1/users', headers: { authorization: 'Bearer not-a-token' } });
  assert.equal(denied.status, 401);
  const seen = new Set<string>();
  // The health checks mark the servers up a moment after start; until then the balancer may answer 503.
  await waitFor(
    async () => (await request(port, { path: '/api/v1/users?page=2', headers: { authorization: `Bearer ${token}` } })).status === 200,
    60_000,
    () => `a proxied answer: ${stderr}`,
  );
  for (let i = 0; i < 6; i++) {
    const r = await request(port, { path: '/api/v1/users?page=2', headers: { authorization: `Bearer ${token}` } });
    assert.equal(r.status, 200, r.body);
    const e = echo(r);
    seen.add(e.name);
    assert.equal(e.url, '/users?page=2', 'rewrite = "/" strips the location prefix');
    assert.equal(e.headers['x-forwarded-proto'], 'https', 'headers_add');
    assert.match(e.headers['x-request-id'] ?? '', /^[0-9a-f-]{36}$/);
    assert.equal(r.headers['x-request-id'], e.headers['x-request-id'], 'request_id sends the same id back');
    assert.equal(r.headers.server, undefined, 'headers_remove = ["Server"]');
    if (limit)
      assert.ok(
        Object.keys(r.headers).some((h) => h.startsWith('ratelimit')),
        `the limit plugin counted the request: ${JSON.stringify(r.headers)}`,
      );
  }
  assert.ok(seen.size >= 2, `round robin over the TLS upstream servers: ${[...seen].join(', ')}`);
  child.kill('SIGTERM');
  await exited;
});
