// The behaviour every Store back end must show, as one suite: storeContract(name, factory) registers its tests, and
// each back end's test file calls it with a factory for fresh, empty stores (contract.test.ts runs it against SQLite;
// a PostgreSQL back end runs the same). What is particular to one back end (SQLite's head, compaction, file layout,
// pauses) stays in that back end's own tests.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { isAppError } from '@etcd-monitor/core';
import type { Alert } from '../model/alerts.ts';
import type { Sample, Store } from './types.ts';

/** StoreFactory opens fresh, empty stores for the contract suite. */
export interface StoreFactory {
  /** open returns a new empty store whose clock is `now`; the suite closes it. */
  open(o: { now: () => number }): Store | Promise<Store>;
}

const T0 = Date.UTC(2026, 10, 20, 0, 0, 0);
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

function throwsCode(fn: () => unknown, code: string, field?: string): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(isAppError(err), `expected AppError, got ${String(err)}`);
    assert.equal(err.code, code);
    if (field !== undefined) assert.equal(err.field, field);
    return true;
  });
}

/** samples of one series for several members from `from` (inclusive) to `to` (exclusive) every `every` ms. */
function gen(series: string, members: string[], from: number, to: number, every: number, value: (m: number, t: number) => number): Sample[] {
  const out: Sample[] = [];
  for (let t = from; t < to; t += every) members.forEach((member, m) => out.push({ series, cluster: 'prod', member, t, v: value(m, t) }));
  return out;
}

function alert(fingerprint: string, alertname: string, cluster: string, activeAt: number, endsAt?: number): Alert {
  return {
    fingerprint,
    labels: { alertname, cluster, severity: 'critical' },
    annotations: { summary: `${alertname} on ${cluster}` },
    state: endsAt === undefined ? 'firing' : 'resolved',
    activeAt,
    startsAt: activeAt,
    ...(endsAt === undefined ? {} : { endsAt }),
  };
}

/** storeContract registers the Store behaviour tests for one back end. */
export function storeContract(name: string, factory: StoreFactory): void {
  const withStore =
    (fn: (s: Store) => void | Promise<void>, now = () => T0 + HOUR) =>
    async () => {
      const s = await factory.open({ now });
      try {
        await fn(s);
      } finally {
        s.close();
      }
    };

  describe(`Store contract: ${name}`, () => {
    test(
      'samples round-trip at raw resolution: the newest write wins, non-finite values are skipped, members apart',
      withStore((s) => {
        s.append(gen('raft_term', ['m1', 'm2'], T0, T0 + 10_000, 1000, (m, t) => m * 100 + (t - T0) / 1000));
        s.append([
          { series: 'raft_term', cluster: 'prod', member: 'm1', t: T0 + 3000, v: 42 },
          { series: 'raft_term', cluster: 'prod', member: 'm1', t: T0 + 4000, v: NaN },
          { series: 'raft_term', cluster: 'prod', member: 'm1', t: T0 + 4000.7, v: Infinity },
          { series: 'has_leader', cluster: 'prod', member: '', t: T0, v: 1 },
        ]);
        s.flush();
        const r = s.query({ series: 'raft_term', cluster: 'prod', from: T0, to: T0 + 9000 });
        assert.equal(r.resolution, 'raw');
        assert.deepEqual(
          r.points.map((p) => p.member),
          ['m1', 'm2'],
        );
        assert.equal(r.points[0]!.points.length, 10);
        assert.deepEqual(r.points[0]!.points[3], { t: T0 + 3000, v: 42 });
        assert.deepEqual(r.points[0]!.points[4], { t: T0 + 4000, v: 4 });
        assert.deepEqual(r.points[1]!.points[9], { t: T0 + 9000, v: 109 });
        // Upkeep changes no answer.
        s.maintain(T0 + HOUR);
        assert.deepEqual(s.query({ series: 'raft_term', cluster: 'prod', from: T0, to: T0 + 9000 }), r);
        const one = s.query({ series: 'raft_term', cluster: 'prod', member: 'm2', from: T0 + 2000, to: T0 + 4000 });
        assert.deepEqual(one.points, [{ member: 'm2', points: [2, 3, 4].map((k) => ({ t: T0 + k * 1000, v: 100 + k })) }]);
        assert.deepEqual(s.query({ series: 'nope', cluster: 'prod', from: T0, to: T0 + 1 }).points, []);
        assert.deepEqual(s.listSeries({ cluster: 'prod', member: '' }), [{ series: 'has_leader', cluster: 'prod', member: '', lastT: T0 }]);
        assert.deepEqual(
          s.listSeries().map((x) => `${x.series}/${x.member}@${x.lastT - T0}`),
          ['has_leader/@0', 'raft_term/m1@9000', 'raft_term/m2@9000'],
        );
        assert.equal(s.stats().skipped, 2);
      }),
    );

    test(
      'a wide range is answered in buckets of the step, with min and max, per member',
      withStore(
        (s) => {
          s.append(gen('wal_fsync_p99_seconds', ['a', 'b'], T0, T0 + 2 * MINUTE, 1000, (m, t) => (m === 0 ? 0.002 : (t - T0) / 1000)));
          s.flush();
          const r = s.query({ series: 'wal_fsync_p99_seconds', cluster: 'prod', from: T0, to: T0 + 2 * MINUTE - 1, step: MINUTE, agg: 'max' });
          assert.equal(r.step, MINUTE);
          assert.deepEqual(
            r.points.map((p) => [p.member, p.points.map((x) => [x.t - T0, x.v, x.min, x.max])]),
            [
              [
                'a',
                [
                  [0, 0.002, 0.002, 0.002],
                  [MINUTE, 0.002, 0.002, 0.002],
                ],
              ],
              [
                'b',
                [
                  [0, 59, 0, 59],
                  [MINUTE, 119, 60, 119],
                ],
              ],
            ],
          );
        },
        () => T0 + 2 * MINUTE,
      ),
    );

    test(
      'events are filtered, newest first, with details and growing ids',
      withStore((s) => {
        const a = s.appendEvent({ time: T0, cluster: 'prod', type: 'leader_changed', member: 'm1', message: 'm1 is leader', details: { term: 2 } });
        const b = s.appendEvent({ time: T0 + 1000, cluster: 'prod', type: 'member_down', member: 'm2', message: 'm2 down' });
        s.appendEvent({ time: T0 + 2000, cluster: 'stage', type: 'member_down', message: 'stage down' });
        assert.ok(a.id !== undefined && b.id !== undefined && b.id > a.id);
        assert.deepEqual(a, { id: a.id, time: T0, cluster: 'prod', type: 'leader_changed', member: 'm1', message: 'm1 is leader', details: { term: 2 } });
        assert.deepEqual(
          s.queryEvents().map((e) => e.message),
          ['stage down', 'm2 down', 'm1 is leader'],
        );
        assert.deepEqual(
          s.queryEvents({ cluster: 'prod' }).map((e) => e.member),
          ['m2', 'm1'],
        );
        assert.deepEqual(s.queryEvents({ type: ['leader_changed'] }), [a]);
        assert.deepEqual(s.queryEvents({ type: ['member_down'], since: T0 + 1000, until: T0 + 1000 }), [b]);
        assert.deepEqual(s.queryEvents({ member: 'm1' }), [a]);
        assert.equal(s.queryEvents({ limit: 1 }).length, 1);
        assert.deepEqual(s.queryEvents({ type: [] }), []);
      }),
    );

    test(
      'the alert history keeps one record per occurrence, replaced by its resolution, newest first',
      withStore((s) => {
        s.recordAlert(alert('f1', 'etcdNoLeader', 'prod', T0));
        s.recordAlert(alert('f2', 'etcdMembersDown', 'prod', T0 + HOUR));
        s.recordAlert(alert('f3', 'etcdNoLeader', 'stage', T0 + 2 * HOUR, T0 + 3 * HOUR));
        s.recordAlert(alert('f1', 'etcdNoLeader', 'prod', T0, T0 + 10 * MINUTE)); // its resolution
        s.recordAlert(alert('f1', 'etcdNoLeader', 'prod', T0 + 4 * HOUR)); // it fires again
        assert.deepEqual(
          s.queryAlerts().map((a) => `${a.fingerprint}@${(a.activeAt - T0) / HOUR}`),
          ['f1@4', 'f3@2', 'f2@1', 'f1@0'],
        );
        assert.deepEqual(
          s.queryAlerts({ fingerprint: 'f1' }).map((a) => a.endsAt),
          [undefined, T0 + 10 * MINUTE],
        );
        assert.deepEqual(
          s.queryAlerts({ cluster: 'prod' }).map((a) => a.fingerprint),
          ['f1', 'f2', 'f1'],
        );
        assert.deepEqual(
          s.queryAlerts({ alertname: 'etcdNoLeader', limit: 2 }).map((a) => a.labels.cluster),
          ['prod', 'stage'],
        );
        // since keeps what was still active then (resolved later, or not at all); until what had started by then.
        assert.deepEqual(
          s.queryAlerts({ since: T0 + 30 * MINUTE }).map((a) => a.fingerprint),
          ['f1', 'f3', 'f2'],
        );
        assert.deepEqual(
          s.queryAlerts({ until: T0 + HOUR }).map((a) => a.fingerprint),
          ['f2', 'f1'],
        );
        assert.deepEqual(s.queryAlerts({ cluster: 'nope' }), []);
        assert.deepEqual(s.queryAlerts({ fingerprint: 'f3' })[0], alert('f3', 'etcdNoLeader', 'stage', T0 + 2 * HOUR, T0 + 3 * HOUR));
      }),
    );

    test(
      'the audit log appends with growing ids and is filtered, newest first',
      withStore((s) => {
        const a = s.appendAudit({ time: T0, actor: 'admin', role: 'admin', action: 'cluster.create', target: 'prod', ip: '127.0.0.1' });
        const b = s.appendAudit({ time: T0 + 1000, actor: 'op', role: 'operator', action: 'silence.create', target: 's1', ip: '::1' });
        const c = s.appendAudit({ time: T0 + 2000, actor: 'admin', role: 'admin', action: 'cluster.delete', target: 'prod', ip: '127.0.0.1' });
        assert.ok(a.id !== undefined && b.id! > a.id && c.id! > b.id!);
        assert.deepEqual(s.queryAudit(), [c, b, a]);
        assert.deepEqual(s.queryAudit({ actor: 'admin' }), [c, a]);
        assert.deepEqual(s.queryAudit({ action: 'silence.create' }), [b]);
        assert.deepEqual(s.queryAudit({ since: T0 + 500, until: T0 + 1500 }), [b]);
        assert.deepEqual(s.queryAudit({ limit: 1 }), [c]);
        // An operation on a cluster keeps its cluster, its etcdctl command and its result.
        const d = s.appendAudit({
          time: T0 + 3000,
          actor: 'op',
          role: 'operator',
          action: 'kv.put',
          target: '/app/x',
          ip: '::1',
          cluster: 'prod',
          command: 'etcdctl put /app/x',
          result: 'ok',
        });
        assert.deepEqual(s.queryAudit({ action: 'kv.put' }), [d]);
        assert.equal(d.command, 'etcdctl put /app/x');
        throwsCode(() => s.appendAudit({ ...d, id: undefined, result: 5 as unknown as string }), 'MON_STORE_BAD_AUDIT', 'audit.result');
      }),
    );

    test(
      'documents are put, replaced, listed by key and deleted',
      withStore((s) => {
        s.putDoc('cluster', 'prod', { endpoints: ['https://a:2379'], tls: { ca: 'x' } });
        s.putDoc('cluster', 'dev', { endpoints: [] });
        s.putDoc('cluster', 'prod', { endpoints: ['https://b:2379'] });
        s.putDoc('rule', 'prod', 1);
        assert.deepEqual(s.getDoc('cluster', 'prod'), { endpoints: ['https://b:2379'] });
        assert.equal(s.getDoc('cluster', 'nope'), undefined);
        assert.deepEqual(
          s.listDocs('cluster').map((d) => d.key),
          ['dev', 'prod'],
        );
        assert.equal(s.deleteDoc('cluster', 'dev'), true);
        assert.equal(s.deleteDoc('cluster', 'dev'), false);
        assert.deepEqual(s.listDocs('cluster'), [{ key: 'prod', doc: { endpoints: ['https://b:2379'] } }]);
        assert.deepEqual(s.listDocs('rule'), [{ key: 'prod', doc: 1 }]);
      }),
    );

    test('bad input is refused with MON_STORE_ codes naming the field, and a closed store refuses everything', async () => {
      const s = await factory.open({ now: () => T0 });
      const q = { series: 'x', cluster: 'prod', from: T0, to: T0 + 1 };
      throwsCode(() => s.query({ ...q, from: NaN }), 'MON_STORE_BAD_QUERY', 'from');
      throwsCode(() => s.query({ ...q, from: T0 + 2 }), 'MON_STORE_BAD_QUERY', 'from');
      throwsCode(() => s.query({ ...q, step: 0 }), 'MON_STORE_BAD_QUERY', 'step');
      throwsCode(() => s.query({ ...q, agg: 'median' as 'avg' }), 'MON_STORE_BAD_QUERY', 'agg');
      const good: Sample = { series: 'x', cluster: 'prod', member: 'm', t: T0, v: 1 };
      throwsCode(() => s.append([good, { ...good, t: NaN }]), 'MON_STORE_BAD_SAMPLE', 'samples[1].t');
      assert.equal(s.stats().pending, 0, 'a rejected call buffers nothing');
      throwsCode(() => s.appendEvent({ time: NaN, cluster: 'prod', type: 't', message: '' }), 'MON_STORE_BAD_EVENT', 'event.time');
      throwsCode(() => s.queryEvents({ limit: 0 }), 'MON_STORE_BAD_QUERY', 'limit');
      throwsCode(() => s.queryEvents({ since: 5, until: 4 }), 'MON_STORE_BAD_QUERY', 'since');
      throwsCode(() => s.recordAlert({ ...alert('', 'x', 'prod', T0) }), 'MON_STORE_BAD_ALERT', 'alert.fingerprint');
      throwsCode(() => s.queryAlerts({ limit: 0 }), 'MON_STORE_BAD_QUERY', 'limit');
      throwsCode(() => s.appendAudit({ time: T0, actor: '', role: 'admin', action: 'x', target: '', ip: '' }), 'MON_STORE_BAD_AUDIT', 'audit.actor');
      throwsCode(() => s.queryAudit({ limit: 20_000 }), 'MON_STORE_BAD_QUERY', 'limit');
      throwsCode(() => s.putDoc('cluster', 'a', undefined), 'MON_STORE_BAD_DOC', 'doc');
      throwsCode(() => s.getDoc('', 'a'), 'MON_STORE_BAD_DOC', 'kind');
      s.close();
      s.close();
      for (const fn of [() => s.flush(), () => s.queryEvents(), () => s.queryAlerts(), () => s.queryAudit(), () => s.listDocs('cluster')]) throwsCode(fn, 'MON_STORE_CLOSED');
    });
  });
}
