import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { until } from '@etcd-monitor/core/testing';
import { parseConfig } from '../config.ts';
import { buildMonitor } from '../service.ts';
import type { AlertSummary } from '../api/contract.ts';

// Nothing listens on port 1, so the cluster is unreachable and etcdClusterUnreachable (set to `for: 0s`) fires at once.
test('POST /silences takes a duration or an endsAt (exactly one), and a silenced alert counts as silenced, not firing, in /alerts/summary', { timeout: 60_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'silences-api-'));
  const svc = await buildMonitor(
    parseConfig({
      server: { data_dir: dir },
      clusters: [{ name: 'c', endpoints: ['127.0.0.1:1'], timeout: '200ms', status_interval: '300ms' }],
      rules: [{ name: 'etcdClusterUnreachable', for: '0s' }],
    }),
    { env: { ETCD_MONITOR_SECRET_KEY: 'k' } },
  );
  t.after(async () => {
    await svc.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  const post = (payload: object) =>
    svc.app.inject({
      method: 'POST',
      url: '/api/v1/silences',
      payload: { matchers: ['alertname="etcdClusterUnreachable"'], createdBy: 'sre', comment: 'maintenance', ...payload },
    });
  const summary = async () => (await svc.app.inject({ method: 'GET', url: '/api/v1/alerts/summary' })).json() as AlertSummary;

  await until('etcdClusterUnreachable fires', async () => (await summary()).clusters.c?.firing === 1, { timeoutMs: 30_000 });
  // Other rules (etcdInsufficientMembers, etcdMembersDown) are pending meanwhile; only the firing ones are compared.
  const firingKinds = ({ firing, silenced, inhibited }: AlertSummary['total']) => ({ firing, silenced, inhibited });
  assert.deepEqual(firingKinds((await summary()).total), { firing: 1, silenced: 0, inhibited: 0 });

  for (const [payload, field, message] of [
    [{}, 'endsAt', /endsAt: is required, or a duration/],
    [{ duration: '2h', endsAt: new Date(Date.now() + 3_600_000).toISOString() }, 'duration', /cannot be given together with endsAt/],
    [{ duration: 'soon' }, 'duration', /"soon" is not a duration/],
    [{ duration: 7200 }, 'duration', /7200 is not a duration/],
    [{ duration: '0s' }, 'duration', /must be longer than 0/],
  ] as const) {
    const r = await post(payload);
    assert.equal(r.statusCode, 400, r.body);
    const err = r.json().error as { code: string; field: string; message: string; hint?: string };
    assert.equal(err.code, 'MON_SILENCE_INVALID', r.body);
    assert.equal(err.field, field, r.body);
    assert.match(err.message, message);
  }

  const before = Date.now();
  const r = await post({ duration: '2h' });
  assert.equal(r.statusCode, 201, r.body);
  const s = r.json() as { state: string; startsAt: string; endsAt: string };
  assert.equal(s.state, 'active');
  assert.equal(Date.parse(s.endsAt) - Date.parse(s.startsAt), 2 * 3_600_000);
  assert.ok(Date.parse(s.startsAt) >= before - 1000);
  const byEnd = await post({ endsAt: new Date(Date.now() + 3_600_000).toISOString() });
  assert.equal(byEnd.statusCode, 201, byEnd.body);

  assert.deepEqual(firingKinds((await summary()).clusters.c!), { firing: 0, silenced: 1, inhibited: 0 });
  const alerts = (await svc.app.inject({ method: 'GET', url: '/api/v1/alerts' })).json() as Array<{ state: string; silencedBy: string[] }>;
  assert.equal(alerts.find((x) => x.state === 'firing')!.silencedBy.length, 2);
});
