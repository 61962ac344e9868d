import { test } from 'node:test';
import assert from 'node:assert/strict';
import { channelTypes } from '@etcd-monitor/monitor';
import { channelField, channelSettings, channelTypeDefs, emptyChannel, fromChannel, toChannelInput, validateChannel, type ChannelValues } from './channel.ts';

// The form is built from what GET /api/v1/channel-types answers: the monitor's own notifier registry.
const types = channelTypeDefs(channelTypes());

const hook = (fields: Record<string, string | boolean>, more: Partial<ChannelValues> = {}): ChannelValues => ({
  ...emptyChannel(types, 'webhook', 'hook'),
  ...more,
  fields: { ...emptyChannel(types, 'webhook').fields, ...fields },
});

test('validateChannel names the field and the reason, per channel type', () => {
  assert.deepEqual(validateChannel(types, hook({ url: 'https://hooks.example.com/x' })), {});
  assert.match(validateChannel(types, hook({ url: 'https://h/x' }, { name: 'a b' })).name!, /letters, digits/);
  assert.match(validateChannel(types, hook({ url: 'hooks.example.com' })).url!, /absolute URL/);
  assert.match(validateChannel(types, hook({ url: '' })).url!, /Required/);
  assert.match(validateChannel(types, hook({ url: 'https://h/x', username: 'u' })).password!, /both/);
  assert.match(validateChannel(types, hook({ url: 'https://h/x', max_alerts: '-1' })).max_alerts!, /whole number/);

  const mail = { ...emptyChannel(types, 'email', 'mail'), fields: { ...emptyChannel(types, 'email').fields, host: 'smtp', from: 'a@b', to: 'ops@example.com, nope' } };
  assert.deepEqual(Object.keys(validateChannel(types, mail)), ['to']);
  assert.match(validateChannel(types, mail).to!, /"nope" is not a mail address/);
  const pd = { ...emptyChannel(types, 'pagerduty', 'pd'), fields: { ...emptyChannel(types, 'pagerduty').fields, routing_key: 'short' } };
  assert.match(validateChannel(types, pd).routing_key!, /Integration Key/);
  const am = { ...emptyChannel(types, 'alertmanager', 'am'), fields: { ...emptyChannel(types, 'alertmanager').fields, url: 'http://am:9093', firing_ttl: '5 hours' } };
  assert.match(validateChannel(types, am).firing_ttl!, /duration/);
});

test('editing: a blank stored secret is kept (left out of the body), a cleared one is sent as null', () => {
  const edit = fromChannel(types, {
    name: 'hook',
    type: 'webhook',
    source: 'api',
    pending: 0,
    config: { max_alerts: 5, username: 'u' },
    secrets: { url: '[redacted]', password: '[redacted]' },
  });
  assert.deepEqual(edit.stored, ['url', 'password']);
  assert.equal(edit.fields.max_alerts, '5');
  assert.equal(edit.fields.url, '');
  assert.deepEqual(validateChannel(types, edit), {});
  assert.deepEqual(toChannelInput(types, edit), { type: 'webhook', username: 'u', max_alerts: 5 });
  assert.deepEqual(toChannelInput(types, { ...edit, clear: ['password'], fields: { ...edit.fields, username: '' } }), { type: 'webhook', password: null, max_alerts: 5 });
  assert.match(validateChannel(types, { ...edit, clear: ['url'] }).url!, /Required/);

  const mail = fromChannel(types, {
    name: 'm',
    type: 'email',
    source: 'api',
    pending: 0,
    config: { host: 'smtp', port: 587, from: 'a@b', to: ['x@y', 'z@w'], require_tls: true, secure: false },
    secrets: {},
  });
  assert.deepEqual(toChannelInput(types, mail), {
    type: 'email',
    host: 'smtp',
    port: 587,
    from: 'a@b',
    to: ['x@y', 'z@w'],
    secure: false,
    require_tls: true,
    insecure_skip_verify: false,
  });
  const am = fromChannel(types, { name: 'am', type: 'alertmanager', source: 'api', pending: 0, config: { url: 'http://am:9093', firing_ttl: 18_000_000 }, secrets: {} });
  assert.equal(am.fields.firing_ttl, '5h');
});

test('API fields map to form fields; settings flatten config and secrets', () => {
  assert.equal(channelField(types, 'body.url', 'webhook'), 'url');
  assert.equal(channelField(types, 'channels[0].to[1]', 'email'), 'to');
  assert.equal(channelField(types, 'body.bearer_token', 'slack'), undefined);
  assert.equal(channelField(types, undefined, 'webhook'), undefined);
  assert.deepEqual(channelSettings({ name: 'x', type: 'webhook', source: 'api', pending: 0, config: { max_alerts: 0 }, secrets: { url: '[redacted]' } }), [
    'max_alerts=0',
    'url=[redacted]',
  ]);
});

test('the form shows every key of every channel type the monitor has, with its secrets, defaults and checks', () => {
  const views = channelTypes();
  assert.deepEqual(Object.keys(types), ['email', 'slack', 'pagerduty', 'webhook', 'alertmanager']);
  for (const t of views) {
    assert.deepEqual(
      types[t.type]!.fields.map((f) => f.key),
      t.fields.map((f) => f.key),
      t.type,
    );
    for (const f of t.fields) {
      const def = types[t.type]!.fields.find((x) => x.key === f.key)!;
      assert.equal(def.kind === 'secret', f.secret, `${t.type}.${f.key} secret`);
      assert.equal(def.required === true, f.required, `${t.type}.${f.key} required`);
    }
  }
  const email = types.email!.fields;
  assert.deepEqual(
    email.filter((f) => f.kind === 'boolean').map((f) => [f.key, f.checked]),
    [
      ['secure', false],
      ['require_tls', true],
      ['insecure_skip_verify', false],
    ],
  );
  assert.equal(email.find((f) => f.key === 'port')!.placeholder, '587', 'a default is the placeholder');
  assert.equal(email.find((f) => f.key === 'to')!.kind, 'list');
  assert.deepEqual(
    types.pagerduty!.fields.find((f) => f.key === 'severity'),
    { key: 'severity', label: 'Fixed severity', kind: 'select', description: 'Default: from the alerts', options: ['critical', 'error', 'warning', 'info'] },
  );
  assert.equal(types.alertmanager!.fields.find((f) => f.key === 'firing_ttl')!.kind, 'duration');
  assert.deepEqual(emptyChannel(types, 'email').fields.require_tls, true);
});
