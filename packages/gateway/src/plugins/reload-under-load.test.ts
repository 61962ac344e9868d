import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '@etcd-monitor/core/testing';
import { parseConfigText } from '../config/load.ts';
import { Gateway } from '../gateway.ts';
import { silentLogger } from '../observability/log.ts';
import { echo, request, startUpstream, waitFor } from '../test-helpers.ts';

// Plugins changed by hot reload while 8 keep-alive clients keep sending: every request is answered 200 by one config or
// the other as a whole (the version header and the key set agree), never a failure, never a mix.
test('plugins changed by a hot reload under load: zero failed requests, each answered by one whole config', async (t) => {
  const up = await startUpstream('up');
  const file = join(tempDir('gw-plugin-reload'), 'gw.toml');
  // Version 1 and 2 differ in a plugin's options (the header value, the API keys), in the location's plugin list
  // (request_id only in version 2) and in a plugin entry that exists only in version 1 (`v1_only`).
  const conf = (v: 1 | 2) => `
[basic]
admin_addr = ""
watch = false
[upstreams.main]
addrs = ["${up.addr}"]
[plugins.version]
category = "response_headers"
set_headers = ["X-Version: ${v}"]
[plugins.keys]
category = "key_auth"
header = "X-API-Key"
keys = ["shared", "${v === 1 ? 'old' : 'new'}"]
${v === 1 ? '[plugins.v1_only]\ncategory = "ua_restriction"\ntype = "deny"\nua_list = ["^bot/"]\n' : '[plugins.request_id]\n'}
[locations.all]
upstream = "main"
plugins = [${v === 1 ? '"keys", "v1_only", "version"' : '"keys", "request_id", "version"'}]
[servers.main]
addr = "127.0.0.1:0"
locations = ["all"]
`;
  writeFileSync(file, conf(1));
  const gw = await Gateway.start(parseConfigText(conf(1), { source: file }).config, { log: silentLogger, configFile: file });
  t.after(async () => {
    await gw.stop(0);
    await up.close();
  });
  const port = gw.port('main');
  const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
  t.after(() => agent.destroy());
  let stop = false;
  const results: { status: number; version: string; requestId: boolean; key: string | undefined }[] = [];
  const errors: unknown[] = [];
  const load = async () => {
    while (!stop) {
      try {
        const r = await request(port, { path: '/x', agent, headers: { 'x-api-key': 'shared' } });
        results.push({
          status: r.status,
          version: String(r.headers['x-version']),
          requestId: typeof r.headers['x-request-id'] === 'string',
          key: r.status === 200 ? echo(r).headers['x-api-key'] : undefined,
        });
      } catch (err) {
        errors.push(err);
      }
    }
  };
  const workers = Array.from({ length: 8 }, load);
  await waitFor(() => results.length > 50, 10_000, 'load to start');
  for (let i = 0; i < 6; i++) {
    const v = i % 2 === 0 ? 2 : 1;
    writeFileSync(file, conf(v));
    const r = await gw.reload();
    assert.equal(r.ok, true, JSON.stringify(r.issues));
    const n = results.length;
    await waitFor(() => results.length > n + 30, 10_000, 'requests after a reload');
    // After the reload returns, new requests see the new plugins.
    const fresh = await request(port, { path: '/x', headers: { 'x-api-key': v === 1 ? 'old' : 'new' } });
    assert.equal(fresh.status, 200, `the key of version ${v} is accepted after its reload`);
    assert.equal(fresh.headers['x-version'], String(v));
  }
  stop = true;
  await Promise.all(workers);
  assert.deepEqual(errors, []);
  assert.deepEqual(
    results.filter((r) => r.status !== 200),
    [],
    'no request failed while plugins were reloaded',
  );
  const mixed = results.filter((r) => !((r.version === '1' && !r.requestId) || (r.version === '2' && r.requestId)));
  assert.deepEqual(mixed, [], 'each request ran one config’s plugins as a whole');
  assert.deepEqual(
    results.filter((r) => r.key !== undefined),
    [],
    'key_auth hid the key from the upstream in both versions',
  );
  assert.ok(results.some((r) => r.version === '1') && results.some((r) => r.version === '2'), 'both versions served');
  assert.equal(results.at(-1)!.version, '1', 'the last config is live');
});
