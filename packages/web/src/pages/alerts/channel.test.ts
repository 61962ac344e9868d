import { test } from 'node:test';
import assert from 'node:assert/strict';
import { channelField, channelSettings, emptyChannel, fromChannel, toChannelInput, validateChannel, type ChannelValues } from './channel.ts';

const hook = (fields: Record<string, string | boolean>, more: Partial<ChannelValues> = {}): ChannelValues => ({ ...emptyChannel('webhook', 'hook'), ...more, fields: { ...emptyChannel('webhook').fields, ...fields } });

test('validateChannel names the field and the reason, per channel type', () => {
  assert.deepEqual(validateChannel(hook({ url: 'https://hooks.example.com/x' })), {});
  assert.match(validateChannel(hook({ url: 'https://h/x' }, { name: 'a b' })).name!, /letters, digits/);
  assert.match(validateChannel(hook({ url: 'hooks.example.com' })).url!, /absolute URL/);
  assert.match(validateChannel(hook({ url: '' })).url!, /Required/);
  assert.match(validateChannel(hook({ url: 'https://h/x', username: 'u' })).password!, /both/);
  assert.match(validateChannel(hook({ url: 'https://h/x', max_alerts: '-1' })).max_alerts!, /whole number/);

  const mail = { ...emptyChannel('email', 'mail'), fields: { ...emptyChannel('email').fields, host: 'smtp', from: 'a@b', to: 'ops@example.com, nope' } };
  assert.deepEqual(Object.keys(validateChannel(mail)), ['to']);
  assert.match(validateChannel(mail).to!, /"nope" is not a mail address/);
  const pd = { ...emptyChannel('pagerduty', 'pd'), fields: { ...emptyChannel('pagerduty').fields, routing_key: 'short' } };
  assert.match(validateChannel(pd).routing_key!, /Integration Key/);
  const am = { ...emptyChannel('alertmanager', 'am'), fields: { ...emptyChannel('alertmanager').fields, url: 'http://am:9093', firing_ttl: '5 hours' } };
  assert.match(validateChannel(am).firing_ttl!, /duration/);
});

test('editing: a blank stored secret is kept (left out of the body), a cleared one is sent as null', () => {
  const edit = fromChannel({ name: 'hook', type: 'webhook', source: 'api', pending: 0, config: { max_alerts: 5, username: 'u' }, secrets: { url: '[redacted]', password: '[redacted]' } });
  assert.deepEqual(edit.stored, ['url', 'password']);
  assert.equal(edit.fields.max_alerts, '5');
  assert.equal(edit.fields.url, '');
  assert.deepEqual(validateChannel(edit), {});
  assert.deepEqual(toChannelInput(edit), { type: 'webhook', username: 'u', max_alerts: 5 });
  assert.deepEqual(toChannelInput({ ...edit, clear: ['password'], fields: { ...edit.fields, username: '' } }), { type: 'webhook', password: null, max_alerts: 5 });
  assert.match(validateChannel({ ...edit, clear: ['url'] }).url!, /Required/);

  const mail = fromChannel({ name: 'm', type: 'email', source: 'api', pending: 0, config: { host: 'smtp', port: 587, from: 'a@b', to: ['x@y', 'z@w'], require_tls: true, secure: false }, secrets: {} });
  assert.deepEqual(toChannelInput(mail), { type: 'email', host: 'smtp', port: 587, from: 'a@b', to: ['x@y', 'z@w'], secure: false, require_tls: true, insecure_skip_verify: false });
  const am = fromChannel({ name: 'am', type: 'alertmanager', source: 'api', pending: 0, config: { url: 'http://am:9093', firing_ttl: 18_000_000 }, secrets: {} });
  assert.equal(am.fields.firing_ttl, '5h');
});

test('API fields map to form fields; settings flatten config and secrets', () => {
  assert.equal(channelField('body.url', 'webhook'), 'url');
  assert.equal(channelField('channels[0].to[1]', 'email'), 'to');
  assert.equal(channelField('body.bearer_token', 'slack'), undefined);
  assert.equal(channelField(undefined, 'webhook'), undefined);
  assert.deepEqual(channelSettings({ name: 'x', type: 'webhook', source: 'api', pending: 0, config: { max_alerts: 0 }, secrets: { url: '[redacted]' } }), ['max_alerts=0', 'url=[redacted]']);
});
