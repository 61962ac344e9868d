import { test } from 'node:test';
import assert from 'node:assert/strict';
import { matchersFromLabels, silenceField, toSilenceInput, validateSilence, type SilenceValues } from './silence.ts';

const base: SilenceValues = { matchers: 'cluster="prod"', duration: '2h', createdBy: 'ann', comment: 'maintenance' };

test('validateSilence names the field and the reason', () => {
  assert.deepEqual(validateSilence(base), {});
  assert.match(validateSilence({ ...base, matchers: '' }).matchers!, /at least one/);
  assert.match(validateSilence({ ...base, matchers: 'cluster~prod' }).matchers!, /^"cluster~prod" is not a matcher: write name="value"/);
  assert.match(validateSilence({ ...base, matchers: 'cluster=~"("' }).matchers!, /bad regular expression/);
  assert.match(validateSilence({ ...base, matchers: 'cluster=~".*"' }).matchers!, /match every alert/);
  assert.deepEqual(validateSilence({ ...base, matchers: 'alertname=~"etcd.*"\ncluster != "a"' }), {});
  assert.match(validateSilence({ ...base, duration: '2 hours' }).duration!, /90s, 30m, 2h, 1d or 1w/);
  assert.match(validateSilence({ ...base, duration: '0m' }).duration!, /duration/);
  assert.match(validateSilence({ ...base, comment: ' ' }).comment!, /why/);
  assert.match(validateSilence({ ...base, createdBy: '' }).createdBy!, /who/);
});

// The form used to have its own parsers and refused these, which the API (and `etcd-monitor silence add`) accept.
test('the form accepts every duration and matcher the API accepts', () => {
  for (const duration of ['90s', '1w', '1m30s', '1d12h', '1.5h', '500ms', '3']) assert.deepEqual(validateSilence({ ...base, duration }), {}, duration);
  for (const matchers of ['cluster=prod', 'cluster = "prod"', 'q="a\\"b"', 'member!=m1\ncluster=prod']) assert.deepEqual(validateSilence({ ...base, matchers }), {}, matchers);
});

test('pre-filled matchers, the body and API field mapping', () => {
  assert.equal(matchersFromLabels({ severity: 'critical', cluster: 'main', alertname: 'etcdLeaderLost', q: 'a"b' }), 'alertname="etcdLeaderLost"\ncluster="main"\nq="a\\"b"');
  assert.deepEqual(toSilenceInput({ ...base, matchers: ' cluster="prod" \n\n', duration: ' 1w ' }), {
    matchers: ['cluster="prod"'],
    duration: '1w',
    createdBy: 'ann',
    comment: 'maintenance',
  });
  assert.equal(silenceField('matchers[0]'), 'matchers');
  assert.equal(silenceField('duration'), 'duration');
  assert.equal(silenceField('endsAt'), 'duration');
  assert.equal(silenceField('other'), undefined);
});
