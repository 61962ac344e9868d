import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isAppError } from '../errors.ts';
import { parseDuration, tryDuration } from './duration.ts';

test('parseDuration reads units, compounds and bare seconds', () => {
  assert.equal(parseDuration('500ms'), 500);
  assert.equal(parseDuration('5s'), 5000);
  assert.equal(parseDuration('90s'), 90_000);
  assert.equal(parseDuration('1m30s'), 90_000);
  assert.equal(parseDuration('2h'), 7_200_000);
  assert.equal(parseDuration('1d12h'), 36 * 3_600_000);
  assert.equal(parseDuration('1w'), 7 * 86_400_000);
  assert.equal(parseDuration(' 250us '), 0.25);
  assert.equal(parseDuration('3'), 3000);
  assert.equal(parseDuration('1.5s'), 1500);
});

test('parseDuration names the field and the fix on bad input', () => {
  for (const bad of ['', 'abc', '5 s', '5x', '1m30', '2 hours', '-5m']) {
    assert.throws(
      () => parseDuration(bad, '--dial-timeout'),
      (err: unknown) => {
        assert.ok(isAppError(err, 'CORE_BAD_DURATION'));
        assert.match(err.message, /^--dial-timeout: /);
        assert.match(err.hint ?? '', /5s/);
        return true;
      },
    );
  }
});

test('tryDuration is undefined where parseDuration throws', () => {
  assert.equal(tryDuration('90s'), 90_000);
  assert.equal(tryDuration('0s'), 0);
  assert.equal(tryDuration('2 hours'), undefined);
});
