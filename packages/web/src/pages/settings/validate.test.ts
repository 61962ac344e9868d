import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fromConfig, toInput, toReplaceInput, validateCluster, type FormValues } from './validate.ts';

const base: FormValues = {
  name: 'prod',
  endpoints: '10.0.0.1:2379',
  group: '',
  labels: '',
  user: '',
  password: '',
  cacert: '',
  cert: '',
  key: '',
  insecure: false,
  writeProbe: false,
};

test('validateCluster names the field and the reason', () => {
  assert.deepEqual(validateCluster(base), {});
  assert.match(validateCluster({ ...base, name: 'bad name!' }).name!, /letters, digits/);
  assert.match(validateCluster({ ...base, endpoints: 'nope:port' }).endpoints!, /"nope:port" is not host:port/);
  assert.match(validateCluster({ ...base, endpoints: '' }).endpoints!, /at least one/);
  assert.match(validateCluster({ ...base, labels: 'team' }).labels!, /key=value/);
  assert.match(validateCluster({ ...base, labels: 'team-name=core' }).labels!, /"team-name" is not a label name/);
  assert.equal(validateCluster({ ...base, labels: 'team_name=core\nenv=prod' }).labels, undefined);
  assert.match(validateCluster({ ...base, cert: '/c.pem' }).key!, /both cert and key/);
  assert.deepEqual(validateCluster({ ...base, endpoints: 'https://[::1]:2379, host-a:2379' }), {});
  // The monitor's own parser: an underscore in a host name is accepted as the API accepts it, a port out of range is not.
  assert.deepEqual(validateCluster({ ...base, endpoints: 'etcd_1.internal:2379' }), {});
  assert.match(validateCluster({ ...base, endpoints: 'a:70000' }).endpoints!, /"a:70000" is not host:port/);
  assert.match(validateCluster({ ...base, endpoints: 'http://a:2379/v3' }).endpoints!, /is not host:port/);
});

test('toInput leaves an empty password out so an edit keeps the stored one', () => {
  const b = toInput({ ...base, labels: 'env=prod\nteam = core', endpoints: 'a:1\nb:2' });
  assert.deepEqual(b, { name: 'prod', endpoints: ['a:1', 'b:2'], labels: { env: 'prod', team: 'core' } });
  assert.equal('password' in b, false);
});

test('toReplaceInput sends every stored key back with the form on top, without has_password or an empty password', () => {
  const stored = {
    name: 'prod',
    endpoints: ['a:1'],
    group: 'g',
    labels: { env: 'prod' },
    user: 'root',
    has_password: true,
    insecure_skip_tls_verify: false,
    metrics_urls: ['http://a:2381/metrics'],
    status_interval: '2s',
    probe_interval: '3s',
    metrics_interval: '15s',
    timeout: '4s',
    write_probe: true,
    source: 'api',
  };
  const v = fromConfig(stored);
  assert.equal(v.password, '');
  assert.equal(v.writeProbe, true);
  const b = toReplaceInput(stored, { ...v, group: '', endpoints: 'a:1\nb:2' });
  assert.deepEqual(b, {
    name: 'prod',
    endpoints: ['a:1', 'b:2'],
    labels: { env: 'prod' },
    user: 'root',
    insecure_skip_tls_verify: false,
    write_probe: true,
    metrics_urls: ['http://a:2381/metrics'],
    status_interval: '2s',
    probe_interval: '3s',
    metrics_interval: '15s',
    timeout: '4s',
  });
  assert.equal(toReplaceInput(stored, { ...v, password: 'new' }).password, 'new');
  // A cleared field is cleared, not kept from the stored config.
  assert.equal('user' in toReplaceInput(stored, { ...v, user: '' }), false);
});
