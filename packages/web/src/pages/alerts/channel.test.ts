import { test } from 'node:test';
import assert from 'node:assert/strict';
import { channelField, channelSettings, toChannelInput, validateChannel, type ChannelValues } from './channel.ts';

const base: ChannelValues = { name: 'hook', type: 'webhook', url: 'https://hooks.example.com/x', bearerToken: '' };

test('validateChannel names the field and the reason', () => {
  assert.deepEqual(validateChannel(base), {});
  assert.match(validateChannel({ ...base, name: 'a b' }).name!, /letters, digits/);
  assert.match(validateChannel({ ...base, url: 'hooks.example.com' }).url!, /absolute URL/);
  assert.match(validateChannel({ ...base, url: '' }).url!, /Required/);
});

test('the body leaves an empty token out; API fields map to form fields; settings skip metadata', () => {
  assert.deepEqual(toChannelInput(base), { type: 'webhook', url: 'https://hooks.example.com/x' });
  assert.deepEqual(toChannelInput({ ...base, bearerToken: 't' }), { type: 'webhook', url: 'https://hooks.example.com/x', bearer_token: 't' });
  assert.equal(channelField('channels[0].url'), 'url');
  assert.equal(channelField('bearer_token'), 'bearerToken');
  assert.equal(channelField(undefined), undefined);
  assert.deepEqual(channelSettings({ name: 'x', type: 'webhook', source: 'api', pending: 0, url: '[redacted]', max_alerts: 0 }), ['url=[redacted]', 'max_alerts=0']);
});
