import { test } from 'node:test';
import assert from 'node:assert/strict';
import { alarmsFromStatus, statusListsAlarms } from './status-alarms.ts';

// Verbatim from etcd 3.4.23's Status answers (etcdctl endpoint status -w json, /work/shared/fixtures).
const NOSPACE = 'memberID:12161094224444909533 alarm:NOSPACE ';
const NO_LEADER = 'etcdserver: no leader';

test('alarms are read from Status errors as etcd 3.4 writes them, ids in hex, once per member and kind', () => {
  const r = alarmsFromStatus([
    { version: '3.4.23', errors: [NOSPACE] },
    { version: '3.4.23', errors: [NO_LEADER, NOSPACE, 'memberID:7062277761880521377 alarm:CORRUPT'] },
  ]);
  assert.deepEqual(r, {
    alarms: [
      { memberId: 'a8c4e2c3d017e7dd', alarm: 'NOSPACE' },
      { memberId: '62024034f6077aa1', alarm: 'CORRUPT' },
    ],
    complete: true,
    unparsed: [],
  });
});

test('no alarm text means no alarm; "no leader" is not an alarm', () => {
  assert.deepEqual(alarmsFromStatus([{ version: '3.4.23', errors: [NO_LEADER] }]), { alarms: [], complete: true, unparsed: [] });
});

test('an alarm text not understood, or a server before 3.4, leaves the answer incomplete (the Alarm RPC decides)', () => {
  const odd = alarmsFromStatus([{ version: '3.5.9', errors: ['alarm:NOSPACE on member x'] }]);
  assert.equal(odd.complete, false);
  assert.deepEqual(odd.unparsed, ['alarm:NOSPACE on member x']);
  assert.equal(alarmsFromStatus([{ version: '3.3.27', errors: [] }]).complete, false);
  assert.equal(statusListsAlarms('3.4.0'), true);
  assert.equal(statusListsAlarms('3.5.17'), true);
  assert.equal(statusListsAlarms('3.3.27'), false);
  assert.equal(statusListsAlarms(''), false);
});
