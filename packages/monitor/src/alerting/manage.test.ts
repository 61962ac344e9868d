import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../config.ts';
import { buildMonitor } from '../service.ts';

// Rules and channels managed through the API; the cluster is unreachable, which is all this needs (no etcd).
test('rules and channels are managed through the API, persisted (secrets sealed) and back after a restart', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'manage-'));
  const hits: string[] = [];
  const receiver = http.createServer((req, res) => {
    hits.push(req.url!);
    req.resume();
    req.on('end', () => res.writeHead(200).end());
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  const secretUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook?token=s3cr3t-t0ken`;
  const cfg = () => parseConfig({ server: { data_dir: dir }, clusters: [{ name: 'c', endpoints: ['127.0.0.1:1'], timeout: '200ms' }] });
  const env = { ETCD_MONITOR_SECRET_KEY: 'k' };
  let svc = await buildMonitor(cfg(), { env });
  try {
    const off = await svc.app.inject({ method: 'PUT', url: '/api/v1/rules/etcdHighFsyncDurations', payload: { enabled: false } });
    assert.equal(off.statusCode, 200, off.body);
    assert.equal((off.json() as Array<{ enabled: boolean }>).length, 2, 'both severity variants');
    const added = await svc.app.inject({
      method: 'PUT',
      url: '/api/v1/rules/dbOver1GiB',
      payload: { expr: 'db_size_bytes > 1073741824', for: '5m', severity: 'warning', summary: 'db of {{ $labels.member }} over 1 GiB' },
    });
    assert.equal(added.statusCode, 200, added.body);
    const bad = await svc.app.inject({ method: 'PUT', url: '/api/v1/rules/typo', payload: { expr: 'db_sise_bytes > 1', severity: 'warning', summary: 'x' } });
    assert.equal(bad.statusCode, 400);
    assert.match(bad.body, /unknown series \\"db_sise_bytes\\".*did you mean \\"db_size_bytes\\"/);

    const ch = await svc.app.inject({ method: 'PUT', url: '/api/v1/channels/ops', payload: { type: 'webhook', url: secretUrl } });
    assert.equal(ch.statusCode, 200, ch.body);
    assert.ok(!ch.body.includes('s3cr3t-t0ken'), ch.body);
    const badCh = await svc.app.inject({ method: 'PUT', url: '/api/v1/channels/x', payload: { type: 'webhok', url: 'http://a' } });
    assert.equal(badCh.statusCode, 400);
    assert.match(badCh.body, /did you mean \\"webhook\\"/);
    const test1 = await svc.app.inject({ method: 'POST', url: '/api/v1/channels/ops/test' });
    assert.equal(test1.json().outcome, 'delivered', test1.body);
  } finally {
    await svc.stop();
  }
  assert.ok(!readFileSync(join(dir, 'etcd-monitor.db')).includes(Buffer.from('s3cr3t-t0ken')), 'the webhook token is stored encrypted');

  svc = await buildMonitor(cfg(), { env });
  try {
    const rules = (await svc.app.inject({ method: 'GET', url: '/api/v1/rules' })).json() as Array<{ name: string; enabled: boolean }>;
    assert.ok(rules.filter((r) => r.name === 'etcdHighFsyncDurations').every((r) => !r.enabled));
    assert.ok(rules.some((r) => r.name === 'dbOver1GiB'));
    const chans = (await svc.app.inject({ method: 'GET', url: '/api/v1/channels' })).json() as Array<{ name: string; source: string }>;
    assert.deepEqual(
      chans.map((c) => [c.name, c.source]),
      [['ops', 'api']],
    );
    assert.equal((await svc.app.inject({ method: 'POST', url: '/api/v1/channels/ops/test' })).json().outcome, 'delivered');
    assert.equal(hits.length, 2);
    assert.equal((await svc.app.inject({ method: 'DELETE', url: '/api/v1/rules/etcdHighFsyncDurations' })).statusCode, 204);
    const back = (await svc.app.inject({ method: 'GET', url: '/api/v1/rules' })).json() as Array<{ name: string; enabled: boolean }>;
    assert.ok(back.filter((r) => r.name === 'etcdHighFsyncDurations').every((r) => r.enabled));
    assert.equal((await svc.app.inject({ method: 'DELETE', url: '/api/v1/channels/ops' })).statusCode, 204);
    assert.equal((await svc.app.inject({ method: 'DELETE', url: '/api/v1/channels/ops' })).statusCode, 404);
  } finally {
    await svc.stop();
    receiver.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
