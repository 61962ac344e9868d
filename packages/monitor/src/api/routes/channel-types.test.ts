import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../../config.ts';
import { buildMonitor } from '../../service.ts';
import { notifiers } from '../../alerting/notify/index.ts';
import type { ChannelTypeView } from '../contract.ts';

test('GET /api/v1/channel-types lists every notifier with its keys: kind, secret, required, default, form hints', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mon-channel-types-'));
  const svc = await buildMonitor(parseConfig({ server: { listen: '127.0.0.1:0', data_dir: dir }, clusters: [{ name: 'c1', endpoints: ['127.0.0.1:1'], timeout: '200ms' }] }), {
    env: { ETCD_MONITOR_SECRET_KEY: 'k' },
  });
  try {
    const r = await svc.app.inject({ method: 'GET', url: '/api/v1/channel-types' });
    assert.equal(r.statusCode, 200, r.body);
    const types = r.json() as ChannelTypeView[];
    assert.deepEqual(
      types.map((t) => t.type),
      Object.keys(notifiers),
    );
    for (const t of types) {
      const n = notifiers[t.type as keyof typeof notifiers];
      assert.equal(t.label, n.label);
      assert.deepEqual(
        t.fields.map((f) => f.key),
        Object.keys(n.fields),
        t.type,
      );
      assert.deepEqual(
        t.fields.filter((f) => f.secret).map((f) => f.key),
        n.secretFields,
        `${t.type} secrets`,
      );
    }
    const email = types.find((t) => t.type === 'email')!;
    const port = email.fields.find((f) => f.key === 'port')!;
    assert.deepEqual(port, {
      key: 'port',
      label: 'Port',
      kind: 'integer',
      doc: port.doc,
      secret: false,
      required: false,
      default: 587,
      hint: '587 STARTTLS, 465 implicit TLS, 25 relay',
    });
    assert.deepEqual(
      email.fields.find((f) => f.key === 'password'),
      {
        key: 'password',
        label: 'SMTP password',
        kind: 'string',
        doc: 'password is the SMTP AUTH password; stored encrypted.',
        secret: true,
        required: false,
        aliases: ['auth_password'],
      },
    );
    assert.deepEqual(email.fields.find((f) => f.key === 'to')!.required, true);
    assert.deepEqual(types.find((t) => t.type === 'pagerduty')!.fields.find((f) => f.key === 'severity')!.options, ['critical', 'error', 'warning', 'info']);
    assert.equal(types.find((t) => t.type === 'alertmanager')!.fields.find((f) => f.key === 'firing_ttl')!.default, '5h');
    const docs = (await svc.app.inject({ method: 'GET', url: '/api/docs/openapi.json' })).json() as { paths: Record<string, unknown> };
    assert.ok(docs.paths['/api/v1/channel-types'], 'documented in /api/docs');
  } finally {
    await svc.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
