import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { isAppError } from '@etcd-monitor/core';
import { openSqliteStore, type SqliteStoreOptions } from './sqlite-store.ts';
import { DAY, HOUR, MINUTE } from './resolution.ts';
import type { Sample, Store } from './types.ts';

const T0 = Date.UTC(2026, 10, 20, 0, 0, 0);

function clock(start = T0) {
  const c = { now: start, fn: () => c.now };
  return c;
}

// These tests check results, so background work is done all at once (sliceMs: Infinity): a slice cut short by a busy
// machine must not leave a rollup for later. Splitting it across calls is tested in incremental.test.ts.
function memStore(extra: Partial<SqliteStoreOptions> = {}): Store {
  return openSqliteStore({ path: ':memory:', flushIntervalMs: 0, sliceMs: Infinity, ...extra });
}

function tmp(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'mon-store-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** samples of one series for several members from `from` (inclusive) to `to` (exclusive) every `every` ms. */
function gen(series: string, members: string[], from: number, to: number, every: number, value: (m: number, t: number) => number): Sample[] {
  const out: Sample[] = [];
  for (let t = from; t < to; t += every) {
    members.forEach((member, m) => out.push({ series, cluster: 'prod', member, t, v: value(m, t) }));
  }
  return out;
}

function throwsCode(fn: () => unknown, code: string, field?: string): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(isAppError(err), `expected AppError, got ${String(err)}`);
    assert.equal(err.code, code);
    if (field !== undefined) {
      assert.equal(err.field, field);
      assert.match(err.message, new RegExp(field.replace(/[[\].]/g, '\\$&')));
    }
    return true;
  });
}

test('samples round-trip at raw resolution, with the newest write winning and non-finite values skipped', () => {
  const c = clock(T0 + HOUR);
  const s = memStore({ now: c.fn });
  s.append(gen('raft_term', ['m1', 'm2'], T0, T0 + 10_000, 1000, (m, t) => m * 100 + (t - T0) / 1000));
  s.append([
    { series: 'raft_term', cluster: 'prod', member: 'm1', t: T0 + 3000, v: 42 },
    { series: 'raft_term', cluster: 'prod', member: 'm1', t: T0 + 4000, v: NaN },
    { series: 'raft_term', cluster: 'prod', member: 'm1', t: T0 + 4000.7, v: Infinity },
    { series: 'has_leader', cluster: 'prod', member: '', t: T0, v: 1 },
  ]);
  assert.equal(s.stats().pending, 22);
  s.flush();
  const r = s.query({ series: 'raft_term', cluster: 'prod', from: T0, to: T0 + 9000 });
  assert.equal(r.resolution, 'raw');
  assert.equal(r.step, 0);
  assert.deepEqual(
    r.points.map((p) => p.member),
    ['m1', 'm2'],
  );
  assert.equal(r.points[0].points.length, 10);
  assert.deepEqual(r.points[0].points[3], { t: T0 + 3000, v: 42 });
  assert.deepEqual(r.points[1].points[9], { t: T0 + 9000, v: 109 });

  // The same answer once the head has moved into the raw table (compaction is due 5 minutes after the last one).
  s.maintain(c.now + 4 * MINUTE);
  assert.equal(s.stats().headRows, 22);
  s.maintain(c.now + 5 * MINUTE);
  assert.equal(s.stats().headRows, 0);
  assert.deepEqual(s.query({ series: 'raft_term', cluster: 'prod', from: T0, to: T0 + 9000 }), r);
  const one = s.query({ series: 'raft_term', cluster: 'prod', member: 'm2', from: T0 + 2000, to: T0 + 4000 });
  assert.deepEqual(one.points, [{ member: 'm2', points: [2, 3, 4].map((k) => ({ t: T0 + k * 1000, v: 100 + k })) }]);

  const st = s.stats();
  assert.equal(st.skipped, 2);
  assert.equal(st.rawRows, 21);
  assert.equal(st.series, 3);
  assert.deepEqual(s.listSeries({ cluster: 'prod', member: '' }), [{ series: 'has_leader', cluster: 'prod', member: '', lastT: T0 }]);
  assert.deepEqual(
    s.listSeries().map((x) => `${x.series}/${x.member}@${x.lastT - T0}`),
    ['has_leader/@0', 'raft_term/m1@9000', 'raft_term/m2@9000'],
  );
  s.close();
});

test('a full batch flushes at once and the interval flushes the rest', async () => {
  const s = openSqliteStore({ path: ':memory:', batchSize: 10, flushIntervalMs: 20 });
  s.append(gen('x', ['a'], T0, T0 + 9000, 1000, () => 1));
  assert.equal(s.stats().pending, 9);
  s.append(gen('x', ['a'], T0 + 9000, T0 + 10_000, 1000, () => 1));
  assert.equal(s.stats().pending, 0);
  assert.equal(s.stats().rawRows, 10);
  s.append(gen('x', ['a'], T0 + 10_000, T0 + 12_000, 1000, () => 1));
  await new Promise((r) => setTimeout(r, 80));
  assert.equal(s.stats().pending, 0);
  assert.equal(s.stats().rawRows, 12);
  s.close();
});

test('rollups match the raw data, before and after maintain, and re-running maintain changes nothing', () => {
  const c = clock(T0 + 3 * HOUR + 5 * MINUTE);
  const s = memStore({ now: c.fn });
  const members = ['m1', 'm2', 'm3'];
  const value = (m: number, t: number) => ((t / 1000) % 97) * (m + 1) + (m === 2 ? 0.25 : 0);
  const data = gen('wal_fsync_p99_seconds', members, T0, T0 + 3 * HOUR + 4 * MINUTE, 10_000, value);
  s.append(data);
  s.flush();

  const q = { series: 'wal_fsync_p99_seconds', cluster: 'prod', from: T0, to: T0 + 3 * HOUR, step: MINUTE } as const;
  const before = s.query(q);
  c.now += 5 * MINUTE;
  s.maintain();
  const after = s.query(q);
  assert.equal(after.resolution, '1m');
  assert.deepEqual(after, before);

  // Expected minute buckets straight from the generated samples.
  const m2 = data.filter((d) => d.member === 'm2' && d.t <= q.to);
  const bucket = (t: number) => Math.floor(t / MINUTE) * MINUTE;
  const firstMinute = m2.filter((d) => bucket(d.t) === T0 + 30 * MINUTE).map((d) => d.v);
  const p = after.points[1].points.find((x) => x.t === T0 + 30 * MINUTE);
  assert.ok(p);
  assert.equal(after.points[1].points.length, 181);
  assert.ok(Math.abs(p.v - firstMinute.reduce((a, b) => a + b, 0) / firstMinute.length) < 1e-9);
  assert.equal(p.min, Math.min(...firstMinute));
  assert.equal(p.max, Math.max(...firstMinute));
  const last = s.query({ ...q, agg: 'last' }).points[1].points.find((x) => x.t === T0 + 30 * MINUTE);
  assert.equal(last?.v, firstMinute.at(-1));

  // Hourly: hours 0-1 are rolled up, hour 2 comes from 1 m rows, hour 3 (it overlaps `to`) from raw; all agree with the raw data.
  const hourly = s.query({ ...q, step: HOUR, agg: 'max' });
  assert.equal(hourly.resolution, '1h');
  assert.deepEqual(
    hourly.points[2].points.map((x) => x.v),
    [0, 1, 2, 3].map((h) => Math.max(...data.filter((d) => d.member === 'm3' && bucket(d.t) >= T0 + h * HOUR && d.t < T0 + (h + 1) * HOUR).map((d) => d.v))),
  );

  const db = dump(s);
  s.maintain();
  s.maintain(c.now);
  assert.deepEqual(dump(s), db);
  assert.deepEqual(s.query(q), after);
  s.close();

  function dump(st: Store) {
    const x = st.stats();
    return [x.m1Rows, x.h1Rows, x.rawRows, JSON.stringify(st.query({ ...q, step: HOUR })), JSON.stringify(st.query({ ...q, agg: 'last' }))];
  }
});

test('a late sample re-rolls its minute and hour without double counting', () => {
  const c = clock(T0 + 2 * HOUR);
  const s = memStore({ now: c.fn });
  s.append(gen('db_size_bytes', ['m1'], T0, T0 + 2 * HOUR - MINUTE, 30_000, () => 10));
  c.now += 5 * MINUTE;
  s.maintain();
  const q = { series: 'db_size_bytes', cluster: 'prod', member: 'm1', from: T0, to: T0 + HOUR - 1, agg: 'avg' } as const;
  assert.deepEqual(s.query({ ...q, step: MINUTE }).points[0].points[5], { t: T0 + 5 * MINUTE, v: 10, min: 10, max: 10 });
  const rows = s.stats().m1Rows;

  s.append([{ series: 'db_size_bytes', cluster: 'prod', member: 'm1', t: T0 + 5 * MINUTE + 15_000, v: 40 }]);
  s.flush();
  // Visible at once from the head, before compaction and maintain re-roll the minute.
  assert.equal(s.stats().headRows, 1);
  assert.deepEqual(s.query({ ...q, step: MINUTE }).points[0].points[5], { t: T0 + 5 * MINUTE, v: 20, min: 10, max: 40 });
  c.now += 5 * MINUTE;
  s.maintain();
  s.maintain();
  assert.equal(s.stats().m1Rows, rows);
  assert.deepEqual(s.query({ ...q, step: MINUTE }).points[0].points[5], { t: T0 + 5 * MINUTE, v: 20, min: 10, max: 40 });
  const hour = s.query({ ...q, step: HOUR }).points[0].points[0];
  assert.equal(hour.max, 40);
  assert.ok(Math.abs(hour.v - (120 * 10 + 40) / 121) < 1e-9);
  s.close();
});

test('retention drops raw after 48 h but keeps rollups, and never drops what is not rolled up', () => {
  const c = clock(T0 + HOUR);
  const s = memStore({ now: c.fn });
  s.append(gen('raft_index', ['m1', 'm2'], T0, T0 + HOUR, 5000, (m, t) => t - T0));
  c.now += 5 * MINUTE;
  s.maintain();
  const rawRows = s.stats().rawRows;
  assert.equal(rawRows, 2 * 720);

  // A late maintain far in the future first rolls the data up, then deletes the raw rows.
  c.now = T0 + 3 * DAY;
  s.maintain();
  const st = s.stats();
  assert.equal(st.rawRows, 0);
  assert.equal(st.m1Rows, 2 * 60);
  assert.equal(st.h1Rows, 2);
  const r = s.query({ series: 'raft_index', cluster: 'prod', member: 'm1', from: T0, to: T0 + HOUR - 1, step: 10_000, agg: 'last' });
  assert.equal(r.resolution, '1m');
  assert.equal(r.points[0].points.length, 60);
  assert.equal(r.points[0].points[59].v, HOUR - 5000);

  // Samples older than the applied raw retention are dropped, not allowed to spoil a finished rollup.
  s.append([{ series: 'raft_index', cluster: 'prod', member: 'm1', t: T0 + 10, v: -1 }]);
  c.now += 5 * MINUTE;
  s.maintain();
  assert.equal(s.stats().late, 1);
  assert.equal(s.query({ series: 'raft_index', cluster: 'prod', member: 'm1', from: T0, to: T0 + MINUTE - 1, step: MINUTE, agg: 'min' }).points[0].points[0].v, 0);

  c.now = T0 + 91 * DAY;
  s.maintain();
  assert.equal(s.stats().m1Rows, 0);
  assert.equal(s.stats().h1Rows, 2);
  c.now = T0 + 800 * DAY;
  s.maintain();
  assert.equal(s.stats().h1Rows, 0);
  assert.equal(s.stats().series, 0);
  s.close();
});

test('members are always answered separately, quantile series included', () => {
  const s = memStore({ now: () => T0 + HOUR });
  s.append(gen('wal_fsync_p99_seconds', ['a', 'b'], T0, T0 + MINUTE, 1000, (m) => (m === 0 ? 0.002 : 0.5)));
  s.flush();
  const r = s.query({ series: 'wal_fsync_p99_seconds', cluster: 'prod', from: T0, to: T0 + MINUTE, step: MINUTE, agg: 'max' });
  assert.deepEqual(
    r.points.map((p) => [p.member, p.points[0].v]),
    [
      ['a', 0.002],
      ['b', 0.5],
    ],
  );
  assert.deepEqual(s.query({ series: 'nope', cluster: 'prod', from: T0, to: T0 + 1 }).points, []);
  s.close();
});

test('bad input is rejected with MON_ codes naming the field', () => {
  const s = memStore();
  const q = { series: 'x', cluster: 'prod', from: T0, to: T0 + 1 };
  throwsCode(() => s.query({ ...q, from: NaN }), 'MON_STORE_BAD_QUERY', 'from');
  throwsCode(() => s.query({ ...q, to: Infinity }), 'MON_STORE_BAD_QUERY', 'to');
  throwsCode(() => s.query({ ...q, from: T0 + 2 }), 'MON_STORE_BAD_QUERY', 'from');
  throwsCode(() => s.query({ ...q, step: 0 }), 'MON_STORE_BAD_QUERY', 'step');
  throwsCode(() => s.query({ ...q, agg: 'median' as 'avg' }), 'MON_STORE_BAD_QUERY', 'agg');
  throwsCode(() => s.query({ ...q, series: '' }), 'MON_STORE_BAD_QUERY', 'series');
  const good: Sample = { series: 'x', cluster: 'prod', member: 'm', t: T0, v: 1 };
  throwsCode(() => s.append([good, { ...good, t: NaN }]), 'MON_STORE_BAD_SAMPLE', 'samples[1].t');
  throwsCode(() => s.append([{ ...good, v: '1' as unknown as number }]), 'MON_STORE_BAD_SAMPLE', 'samples[0].v');
  throwsCode(() => s.append([{ ...good, member: undefined as unknown as string }]), 'MON_STORE_BAD_SAMPLE', 'samples[0].member');
  assert.equal(s.stats().pending, 0, 'a rejected call buffers nothing');
  throwsCode(() => s.appendEvent({ time: NaN, cluster: 'prod', type: 't', message: '' }), 'MON_STORE_BAD_EVENT', 'event.time');
  throwsCode(() => s.queryEvents({ limit: 0 }), 'MON_STORE_BAD_QUERY', 'limit');
  throwsCode(() => s.queryEvents({ since: 5, until: 4 }), 'MON_STORE_BAD_QUERY', 'since');
  throwsCode(() => s.putDoc('cluster', 'a', undefined), 'MON_STORE_BAD_DOC', 'doc');
  throwsCode(() => s.getDoc('', 'a'), 'MON_STORE_BAD_DOC', 'kind');
  throwsCode(() => openSqliteStore({ path: ':memory:', retention: { raw: 100 * DAY } }), 'MON_STORE_BAD_OPTION', 'storage.retention');
  throwsCode(() => openSqliteStore({ path: ':memory:', batchSize: 0 }), 'MON_STORE_BAD_OPTION', 'storage.batchSize');
  s.close();
  s.close();
  throwsCode(() => s.flush(), 'MON_STORE_CLOSED');
});

// Events, documents, the alert history and the audit log: contract.ts, run for SQLite by contract.test.ts.

test('samples, rollups, events and docs survive close and reopen of a file store', (t) => {
  const path = join(tmp(t), 'data', 'etcd-monitor.db');
  const c = clock(T0 + 2 * HOUR);
  let s = openSqliteStore({ path, flushIntervalMs: 0, compactIntervalMs: 0, sliceMs: Infinity, now: c.fn });
  s.append(gen('db_size_bytes', ['m1', 'm2'], T0, T0 + 90 * MINUTE, 15_000, (m, x) => m + (x - T0)));
  s.maintain();
  s.append(gen('db_size_bytes', ['m1', 'm2'], T0 + 90 * MINUTE, T0 + 100 * MINUTE, 15_000, (m, x) => m + (x - T0)));
  s.flush();
  const series = s.listSeries();
  // Left in the buffer on purpose: close() must flush it.
  s.append([{ series: 'has_leader', cluster: 'prod', member: 'm1', t: T0 + 100 * MINUTE, v: 1 }]);
  const ev = s.appendEvent({ time: T0, cluster: 'prod', type: 'leader_changed', message: 'x', details: { from: 'a', to: 'b' } });
  s.putDoc('cluster', 'prod', { name: 'prod', endpoints: ['http://127.0.0.1:2379'] });
  const q = { series: 'db_size_bytes', cluster: 'prod', from: T0, to: T0 + 100 * MINUTE, step: MINUTE, agg: 'last' } as const;
  const before = s.query(q);
  const raw = s.query({ ...q, step: undefined });
  const stats = s.stats();
  s.close();

  s = openSqliteStore({ path, flushIntervalMs: 0, compactIntervalMs: 0, sliceMs: Infinity, now: c.fn });
  assert.deepEqual(s.query(q), before);
  assert.deepEqual(s.query({ ...q, step: undefined }), raw);
  assert.equal(s.query({ ...q, series: 'has_leader' }).points[0].points[0].v, 1);
  assert.deepEqual(s.listSeries(), [...series, { series: 'has_leader', cluster: 'prod', member: 'm1', lastT: T0 + 100 * MINUTE }]);
  assert.deepEqual(s.queryEvents(), [ev]);
  assert.deepEqual(s.getDoc('cluster', 'prod'), { name: 'prod', endpoints: ['http://127.0.0.1:2379'] });
  const again = s.stats();
  assert.equal(again.rawRows, stats.rawRows + 1);
  assert.equal(again.m1Rows, stats.m1Rows);
  // Rollups continue where they stopped, and ids keep growing.
  s.maintain();
  assert.deepEqual(s.query(q), before);
  assert.ok((s.appendEvent({ time: T0, cluster: 'prod', type: 'x', message: '' }).id ?? 0) > (ev.id ?? 0));
  s.close();

  const db = new DatabaseSync(path);
  assert.equal((db.prepare('PRAGMA journal_mode').get() as { journal_mode: string }).journal_mode, 'wal');
  db.close();
});

test('opening something that is not a store fails with MON_STORE_OPEN_FAILED', (t) => {
  const dir = tmp(t);
  throwsCode(() => openSqliteStore({ path: dir }), 'MON_STORE_OPEN_FAILED', 'storage.path');
});

// Failures are real SQLite errors: a second connection adds a trigger that aborts the write, as a full disk would.
test('a failed write changes nothing: the batch is counted as dropped, a failed compaction step keeps its marks, and both work once writes do', (t) => {
  const path = join(tmp(t), 'etcd-monitor.db');
  const c = clock(T0 + HOUR);
  const s = openSqliteStore({ path, flushIntervalMs: 0, compactIntervalMs: HOUR, sliceMs: Infinity, now: c.fn });
  t.after(() => s.close());
  const other = new DatabaseSync(path);
  t.after(() => other.close());
  const q = { series: 'raft_term', cluster: 'prod', from: T0, to: T0 + HOUR } as const;

  // A batch that creates a series fails: the series' id must not stay in the writer's index, or later samples would
  // be written under an id whose series row was rolled back and never be found.
  other.exec(`CREATE TRIGGER fail_head BEFORE INSERT ON samples_head BEGIN SELECT RAISE(ABORT, 'disk full'); END`);
  s.append(gen('raft_term', ['m1'], T0, T0 + 3000, 1000, (_, x) => x - T0));
  throwsCode(() => s.flush(), 'MON_STORE_WRITE_FAILED');
  assert.equal(s.stats().dropped, 3);
  other.exec('DROP TRIGGER fail_head');
  s.append(gen('raft_term', ['m1'], T0 + 3000, T0 + 6000, 1000, (_, x) => x - T0));
  s.flush();
  assert.deepEqual(
    s.query(q).points[0].points.map((p) => p.v),
    [3000, 4000, 5000],
  );

  // A compaction's move step fails after it marked head rows as moved: the marks in memory must roll back with the
  // transaction, or queries would skip head rows that never reached samples_raw.
  other.exec(`CREATE TRIGGER fail_wm BEFORE INSERT ON meta WHEN NEW.key = 'wm_1m' BEGIN SELECT RAISE(ABORT, 'disk full'); END`);
  c.now += HOUR;
  throwsCode(() => s.flush(), 'MON_STORE_WRITE_FAILED');
  assert.deepEqual(
    s.query(q).points[0].points.map((p) => p.v),
    [3000, 4000, 5000],
  );
  assert.equal(s.stats().headRows, 3);
  other.exec('DROP TRIGGER fail_wm');
  s.maintain();
  assert.deepEqual(
    s.query(q).points[0].points.map((p) => p.v),
    [3000, 4000, 5000],
  );
  assert.equal(s.stats().headRows, 0);
});
