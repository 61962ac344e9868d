import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isAppError } from '@etcd-monitor/core';
import { MemorySilenceStore, Silences, type SilenceInput } from './silences.ts';

const START = 1_700_000_000_000;
const HOUR = 3_600_000;

test('silences are created, listed by state, expired and persisted through the SilenceStore', () => {
  let t = START;
  const store = new MemorySilenceStore();
  const s = new Silences({ store, now: () => t });
  const a = s.create({ matchers: ['cluster="prod"'], endsAt: new Date(START + HOUR).toISOString(), createdBy: 'ann', comment: 'maintenance' });
  const b = s.create({ matchers: [{ name: 'alertname', value: 'etcdNoLeader' }], startsAt: START + 2 * HOUR, endsAt: START + 3 * HOUR, createdBy: 'bob', comment: 'planned' });
  assert.equal(a.startsAt, START);
  assert.deepEqual(
    s
      .list()
      .map((x) => [x.createdBy, x.state])
      .sort(),
    [
      ['ann', 'active'],
      ['bob', 'pending'],
    ],
  );
  assert.deepEqual(s.mutedBy({ cluster: 'prod' }), [a.id]);
  assert.deepEqual(s.mutedBy({ alertname: 'etcdNoLeader' }), []);
  t = START + 10 * 60_000;
  assert.equal(s.expire(a.id).endsAt, t);
  assert.equal(s.get(a.id)!.state, 'expired');
  assert.deepEqual(s.mutedBy({ cluster: 'prod' }), []);
  // A pending silence expired never starts.
  assert.equal(s.expire(b.id).startsAt, t);
  // A new instance over the same store sees both.
  const again = new Silences({ store, now: () => t });
  assert.deepEqual(
    again
      .list({ state: 'expired' })
      .map((x) => x.id)
      .sort(),
    [a.id, b.id].sort(),
  );
  assert.throws(
    () => again.expire('nope'),
    (e: unknown) => isAppError(e, 'MON_SILENCE_NOT_FOUND'),
  );
  // Long-expired silences are garbage-collected from the store.
  t = START + 6 * 24 * HOUR;
  assert.equal(again.list().length, 0);
  assert.equal(store.load().length, 0);
});

test('bad silences are rejected with the field named', () => {
  const s = new Silences({ store: new MemorySilenceStore(), now: () => START });
  const ok: SilenceInput = { matchers: ['cluster="a"'], endsAt: START + HOUR, createdBy: 'ann', comment: 'x' };
  const cases: Array<[Partial<SilenceInput>, string, RegExp]> = [
    [{ matchers: [] }, 'matchers', /at least one matcher/],
    [{ matchers: ['cluster=~".*"'] }, 'matchers', /match every alert/],
    [{ matchers: ['cluster="a"', 'bad matcher'] }, 'matchers[1]', /is not a matcher/],
    [{ endsAt: 'tomorrow' }, 'endsAt', /is not a time/],
    [{ endsAt: START - 1 }, 'endsAt', /must be after startsAt|in the past/],
    [{ startsAt: START + 2 * HOUR }, 'endsAt', /must be after startsAt/],
    [{ createdBy: '' }, 'createdBy', /is required/],
    [{ comment: undefined }, 'comment', /is required/],
  ];
  for (const [patch, field, re] of cases) {
    assert.throws(
      () => s.create({ ...ok, ...patch } as SilenceInput),
      (e: unknown) => isAppError(e, 'MON_SILENCE_INVALID') && e.field === field && re.test(e.message),
      `${field} ${JSON.stringify(patch)}`,
    );
  }
});
