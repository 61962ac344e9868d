import { test } from 'node:test';
import assert from 'node:assert/strict';
import { toInput, validateCluster, type FormValues } from './validate.ts';

const base: FormValues = { name: 'prod', endpoints: '10.0.0.1:2379', group: '', labels: '', user: '', password: '', cacert: '', cert: '', key: '', insecure: false, writeProbe: false };

test('validateCluster names the field and the reason', () => {
  assert.deepEqual(validateCluster(base), {});
  assert.match(validateCluster({ ...base, name: 'bad name!' }).name!, /letters, digits/);
  assert.match(validateCluster({ ...base, endpoints: 'nope:port' }).endpoints!, /"nope:port" is not host:port/);
  assert.match(validateCluster({ ...base, endpoints: '' }).endpoints!, /at least one/);
  assert.match(validateCluster({ ...base, labels: 'team' }).labels!, /key=value/);
  assert.match(validateCluster({ ...base, cert: '/c.pem' }).key!, /both cert and key/);
  assert.deepEqual(validateCluster({ ...base, endpoints: 'https://[::1]:2379, host-a:2379' }), {});
});

test('toInput leaves an empty password out so an edit keeps the stored one', () => {
  const b = toInput({ ...base, labels: 'env=prod\nteam = core', endpoints: 'a:1\nb:2' });
  assert.deepEqual(b, { name: 'prod', endpoints: ['a:1', 'b:2'], labels: { env: 'prod', team: 'core' } });
  assert.equal('password' in b, false);
});
