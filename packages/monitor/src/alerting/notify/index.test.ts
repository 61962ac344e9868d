import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { inspect } from 'node:util';
import { isAppError } from '@etcd-monitor/core';
import { notifiers, parseChannel, validateChannel, validateChannels } from './index.ts';

test('every built-in notifier documents its keys and names its secrets among them', () => {
  assert.deepEqual(Object.keys(notifiers), ['email', 'slack', 'pagerduty', 'webhook', 'alertmanager']);
  for (const [type, n] of Object.entries(notifiers)) {
    assert.equal(n.type, type);
    assert.match(n.doc, new RegExp(`^${type} `));
    for (const [k, f] of Object.entries(n.fields)) assert.match(f.doc, new RegExp(`^${k}[ ,]`), `${type}.${k} doc starts with its name`);
    for (const s of n.secretFields) assert.ok(s in n.fields, `${type}: secret ${s} is a field`);
  }
});

test('validateChannel: unknown type suggests the closest one', () => {
  const r = validateChannel({ name: 'ops', type: 'slak', url: 'https://hooks.slack.com/x' }, 'channels[0]');
  assert.ok(!r.ok);
  assert.deepEqual(r.issues, [{ path: 'channels[0].type', message: 'unknown channel type "slak"', hint: 'did you mean "slack"?' }]);
  const missing = validateChannel({ name: 'ops' }, 'channels[0]');
  assert.ok(!missing.ok);
  assert.equal(missing.issues[0]!.path, 'channels[0].type');
});

test('validateChannel: an invalid URL names the field and does not repeat the value', () => {
  for (const type of ['webhook', 'slack', 'alertmanager']) {
    const r = validateChannel({ name: 'x', type, url: 'hooks.example.com/T0KEN-abc' }, 'channels[3]');
    assert.ok(!r.ok, type);
    assert.deepEqual(
      r.issues.map((i) => i.path),
      ['channels[3].url'],
    );
    assert.doesNotMatch(JSON.stringify(r.issues), /T0KEN/);
  }
  const ftp = validateChannel({ name: 'x', type: 'webhook', url: 'ftp://example.com/' }, 'c');
  assert.ok(!ftp.ok);
  assert.match(ftp.issues[0]!.message, /scheme "ftp"/);
});

test('validateChannel: unknown keys, bad names and missing keys are reported with paths', () => {
  const r = validateChannel({ name: 'bad name', type: 'webhook', ulr: 'http://x' }, 'channels[1]');
  assert.ok(!r.ok);
  const byPath = Object.fromEntries(r.issues.map((i) => [i.path, i]));
  assert.ok(byPath['channels[1].name']);
  assert.equal(byPath['channels[1].ulr']!.hint, 'did you mean "url"?');
  assert.equal(byPath['channels[1].url']!.message, 'is required');
});

test("a channel's secrets never show in JSON or inspect output", () => {
  const ch = parseChannel({ name: 'hook', type: 'webhook', url: 'https://example.com/hook?token=SECRET-TOKEN-1', bearer_token: 'SECRET-BEARER-2', max_alerts: 5 }, 'c');
  assert.equal(ch.secrets.url, 'https://example.com/hook?token=SECRET-TOKEN-1');
  assert.deepEqual(ch.config, { max_alerts: 5 });
  const shown = JSON.stringify(ch) + inspect(ch, { depth: 5 }) + JSON.stringify({ nested: ch.secrets }) + inspect(ch.secrets);
  assert.doesNotMatch(shown, /SECRET-/);
  assert.match(JSON.stringify(ch), /"url":"\[redacted\]"/);
});

test('validateChannel opens sealed secrets and reports ones it cannot open', () => {
  const open = (v: string) => {
    if (!v.startsWith('enc:')) return v;
    if (v === 'enc:bad') throw new Error('wrong key');
    return v.slice(4);
  };
  const r = validateChannel({ name: 'pd', type: 'pagerduty', routing_key: 'enc:abcdefgh12345678' }, 'c', { openSecret: open });
  assert.ok(r.ok);
  assert.equal(r.channel.secrets.routing_key, 'abcdefgh12345678');
  const bad = validateChannel({ name: 'pd', type: 'pagerduty', routing_key: 'enc:bad' }, 'c', { openSecret: open });
  assert.ok(!bad.ok);
  assert.deepEqual(
    bad.issues.map((i) => [i.path, i.message]),
    [['c.routing_key', 'cannot be decrypted']],
  );
});

test('validateChannels rejects duplicate names and parseChannel throws MON_CHANNEL_CONFIG', () => {
  const r = validateChannels([
    { name: 'a', type: 'webhook', url: 'http://127.0.0.1:1/' },
    { name: 'a', type: 'slack', url: 'https://hooks.slack.com/services/x' },
  ]);
  assert.equal(r.channels.length, 1);
  assert.deepEqual(
    r.issues.map((i) => i.path),
    ['channels[1].name'],
  );
  assert.throws(
    () => parseChannel({ name: 'a', type: 'email' }, 'channels[0]'),
    (err) => isAppError(err, 'MON_CHANNEL_CONFIG') && /channels\[0\]\.host: is required/.test(err.message),
  );
});

test('each channel README documents every key of its notifier', () => {
  for (const type of Object.keys(notifiers) as (keyof typeof notifiers)[]) {
    const readme = readFileSync(new URL(`./${type}/README.md`, import.meta.url), 'utf8');
    for (const k of Object.keys(notifiers[type].fields)) assert.match(readme, new RegExp(`^\\| \`${k}\``, 'm'), `${type}/README.md documents ${k}`);
  }
});
