import { test } from 'node:test';
import assert from 'node:assert/strict';
import { durationMs, matchersFromLabels, silenceField, toSilenceInput, validateSilence, type SilenceValues } from './silence.ts';

const base: SilenceValues = { matchers: 'cluster="prod"', duration: '2h', createdBy: 'ann', comment: 'maintenance' };

test('validateSilence names the field and the reason', () => {
  assert.deepEqual(validateSilence(base), {});
  assert.match(validateSilence({ ...base, matchers: '' }).matchers!, /at least one/);
  assert.match(validateSilence({ ...base, matchers: 'cluster=prod' }).matchers!, /"cluster=prod" is not name="value"/);
  assert.deepEqual(validateSilence({ ...base, matchers: 'alertname=~"etcd.*"\ncluster != "a"' }), {});
  assert.match(validateSilence({ ...base, duration: '2 hours' }).duration!, /30m, 2h or 1d/);
  assert.match(validateSilence({ ...base, duration: '0m' }).duration!, /duration/);
  assert.match(validateSilence({ ...base, comment: ' ' }).comment!, /why/);
  assert.match(validateSilence({ ...base, createdBy: '' }).createdBy!, /who/);
});

test('durations, pre-filled matchers, the body and API field mapping', () => {
  assert.equal(durationMs('1d12h'), 36 * 3_600_000);
  assert.equal(durationMs('30m'), 1_800_000);
  assert.equal(matchersFromLabels({ severity: 'critical', cluster: 'main', alertname: 'etcdLeaderLost', q: 'a"b' }), 'alertname="etcdLeaderLost"\ncluster="main"\nq="a\\"b"');
  assert.deepEqual(toSilenceInput({ ...base, matchers: ' cluster="prod" \n\n' }, Date.UTC(2026, 0, 1)), {
    matchers: ['cluster="prod"'], endsAt: '2026-01-01T02:00:00.000Z', createdBy: 'ann', comment: 'maintenance',
  });
  assert.equal(silenceField('matchers[0]'), 'matchers');
  assert.equal(silenceField('endsAt'), 'duration');
  assert.equal(silenceField('other'), undefined);
});
