import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isAppError } from '../errors.ts';
import { formatMatcher, matchesAll, parseMatcher, parseMatchers } from './matchers.ts';

test('matchers read as Alertmanager writes them, quotes optional', () => {
  assert.deepEqual(parseMatcher('cluster="prod"', 'm'), { name: 'cluster', value: 'prod', isRegex: false, isEqual: true });
  assert.deepEqual(parseMatcher('cluster=prod', 'm'), { name: 'cluster', value: 'prod', isRegex: false, isEqual: true });
  assert.deepEqual(parseMatcher(' member != "m1" ', 'm'), { name: 'member', value: 'm1', isRegex: false, isEqual: false });
  assert.deepEqual(parseMatcher('alertname=~"etcd.*"', 'm'), { name: 'alertname', value: 'etcd.*', isRegex: true, isEqual: true });
  assert.deepEqual(parseMatcher('q="a\\"b"', 'm').value, 'a"b');
  assert.deepEqual(parseMatcher({ name: 'cluster', value: 'dev', isEqual: false }, 'm'), { name: 'cluster', value: 'dev', isRegex: false, isEqual: false });
  assert.equal(formatMatcher(parseMatcher('a!~"x|y"', 'm')), 'a!~"x|y"');
  assert.equal(formatMatcher(parseMatcher('a=b', 'm')), 'a="b"');
});

test('a regex matcher is anchored at both ends and a missing label reads as ""', () => {
  const l = { alertname: 'etcdNoLeader', cluster: 'prod-1' };
  assert.ok(matchesAll(parseMatchers(['cluster=~"prod-.*"', 'member!="m1"'], 'm'), l));
  assert.ok(!matchesAll(parseMatchers(['cluster=~"prod"'], 'm'), l));
  assert.ok(matchesAll(parseMatchers('member=""', 'm'), l));
});

test('a bad matcher names its field and the fix', () => {
  for (const [raw, message] of [
    ['a~"x"', /matchers\[0\]: "a~"x"" is not a matcher/],
    ['1a="x"', /is not a matcher/],
    ['a=~"("', /bad regular expression/],
  ] as const) {
    assert.throws(
      () => parseMatchers([raw], 'matchers'),
      (err: unknown) => {
        assert.ok(isAppError(err, 'MON_MATCHER_INVALID'));
        assert.equal(err.field, 'matchers[0]');
        assert.match(err.message, message);
        return true;
      },
    );
  }
  assert.throws(() => parseMatcher({ name: '1a', value: 'x' }, 'matchers[1]'), /matchers\[1\]: "1a" is not a label name/);
  assert.throws(() => parseMatchers(7, 'matchers'), /matchers: expected a list/);
});
