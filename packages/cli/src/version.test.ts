import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildMonitor, parseConfig } from '@etcd-monitor/monitor';
import { runCli } from './testing.ts';

const ROOT = new URL('../../../', import.meta.url);
const VERSION = (JSON.parse(readFileSync(new URL('package.json', ROOT), 'utf8')) as { version: string }).version;
const HEAD = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();

test('--version prints the etcd-monitor version, the Node.js version and the commit of the checkout; exit 0', async () => {
  for (const flag of ['--version', '-V']) {
    const r = await runCli([flag]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `etcd-monitor ${VERSION} (node ${process.version}, commit ${HEAD.slice(0, 12)})\n`);
    assert.equal(r.stderr, '');
  }
});

test('GET /api/v1/version answers the same facts in JSON', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'version-'));
  const svc = await buildMonitor(parseConfig({ server: { listen: '127.0.0.1:0', data_dir: dir }, clusters: [{ name: 'c1', endpoints: ['127.0.0.1:1'], timeout: '200ms' }] }), {
    env: { ETCD_MONITOR_SECRET_KEY: 'k' },
  });
  try {
    const r = await svc.app.inject({ method: 'GET', url: '/api/v1/version' });
    assert.equal(r.statusCode, 200, r.body);
    assert.deepEqual(r.json(), { version: VERSION, node: process.version, commit: HEAD });
    const docs = (await svc.app.inject({ method: 'GET', url: '/api/docs' })).json() as { paths: Record<string, unknown> };
    assert.ok(docs.paths['/api/v1/version']);
  } finally {
    await svc.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
