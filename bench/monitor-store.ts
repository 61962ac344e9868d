// bench/monitor-store.ts measures the monitor's SQLite store: ingest rate, event-loop pauses, query latency, bytes per
// sample at each resolution, and the store size those imply per member.
// Run: node bench/monitor-store.ts [--pauses] [--layouts] [--impl <path to a storage index.ts>]
// --pauses runs only part A (ingest and pauses); --layouts adds the table-layout comparison behind the schema choice
// (docs/storage.md), ~15 s more; --impl loads another copy of the store, e.g. the previous version for a before/after:
//   node bench/monitor-store.ts --pauses --impl /tmp/before/storage/index.ts  (how to make that copy: docs/storage.md, Pauses)
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { DatabaseSync } from 'node:sqlite';
import { formatBytes } from '@etcd-monitor/core';
import * as storage from '../packages/monitor/src/storage/index.ts';
import type { Sample, SqliteStoreOptions, Store } from '../packages/monitor/src/storage/index.ts';

const implArg = process.argv.indexOf('--impl');
const impl: typeof storage = implArg > 0 ? ((await import(pathToFileURL(resolve(process.argv[implArg + 1])).href)) as typeof storage) : storage;
const openSqliteStore = impl.openSqliteStore;

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const SERIES_PER_MEMBER = 50;

// The value shapes decide the row size: SQLite stores whole numbers in 0-6 bytes and fractions in 8.
// This mix follows the monitor's derived series: 10 flags, 20 integer gauges/counters, 20 fractional values.
type Kind = 'flag' | 'int' | 'float';
const KINDS: Kind[] = [...Array(10).fill('flag'), ...Array(20).fill('int'), ...Array(20).fill('float')];
const NAMES = [
  'has_leader',
  'is_leader',
  'is_learner',
  'alarm_nospace',
  'alarm_corrupt',
  'probe_ok',
  'health_ok',
  'slow_apply',
  'quorum_ok',
  'reachable',
  'raft_term',
  'raft_index',
  'raft_applied_index',
  'proposals_committed_total',
  'proposals_applied_total',
  'proposals_pending',
  'proposals_failed_total',
  'leader_changes_seen_total',
  'db_size_bytes',
  'db_size_in_use_bytes',
  'keys_total',
  'watchers',
  'watch_streams',
  'leases',
  'grpc_requests_total',
  'grpc_errors_total',
  'peer_sent_bytes_total',
  'peer_received_bytes_total',
  'process_resident_memory_bytes',
  'process_open_fds',
  'wal_fsync_p50_seconds',
  'wal_fsync_p90_seconds',
  'wal_fsync_p99_seconds',
  'backend_commit_p50_seconds',
  'backend_commit_p99_seconds',
  'apply_p99_seconds',
  'probe_read_latency_ms',
  'probe_write_latency_ms',
  'peer_rtt_p99_seconds',
  'cpu_usage_ratio',
  'grpc_request_rate',
  'grpc_error_rate',
  'proposal_rate',
  'db_fragmentation_ratio',
  'network_rx_rate',
  'network_tx_rate',
  'disk_write_rate',
  'memory_usage_ratio',
  'grpc_handling_p99_seconds',
  'snapshot_duration_p99_seconds',
];

function value(kind: Kind, s: number, m: number, tick: number): number {
  if (kind === 'flag') return (tick + m) % 997 === 0 ? 0 : 1;
  if (kind === 'int') return s < 12 ? 3 + (m % 5) : Math.floor(1_000_000 * (s + 1) + tick * (s % 7) * 13 + m * 1009);
  return (Math.random() + 0.1) * 10 ** -((s % 4) + 1);
}

/** batchFor builds the sample objects for `members` members once; each tick rewrites t and v in place. */
function batchFor(members: number): Sample[] {
  const out: Sample[] = [];
  for (let m = 0; m < members; m++) {
    for (let s = 0; s < SERIES_PER_MEMBER; s++) out.push({ series: NAMES[s], cluster: 'bench', member: `member-${m}`, t: 0, v: 0 });
  }
  return out;
}

function fill(batch: Sample[], t: number, tick: number): void {
  for (let i = 0; i < batch.length; i++) {
    const s = i % SERIES_PER_MEMBER;
    batch[i].t = t;
    batch[i].v = value(KINDS[s], s, Math.floor(i / SERIES_PER_MEMBER), tick);
  }
}

function writtenBytes(): number {
  const m = /write_bytes: (\d+)/.exec(readFileSync('/proc/self/io', 'utf8'));
  return m ? Number(m[1]) : NaN;
}

/** tableBytes reports the pages each table (and its indexes) occupies, after a checkpoint. */
function tableBytes(path: string): Map<string, number> {
  const db = new DatabaseSync(path);
  db.exec('PRAGMA wal_checkpoint(TRUNCATE)');
  const out = new Map<string, number>();
  for (const r of db.prepare('SELECT name, sum(pgsize) AS bytes FROM dbstat GROUP BY name').all()) out.set(r.name as string, r.bytes as number);
  db.close();
  return out;
}

function median(xs: number[]): number {
  const s = xs.slice().sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

const fmt = (n: number, d = 1) => n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });

/**
 * ingest runs `ticks` ticks of `members` members at `every` ms into a fresh file store, calling maintain every
 * `maintainEvery` ms of data time. With `turns`, the event loop turns between ticks (as in the service, where the
 * flush timer, the probes and the store's own continuations share it), and its longest pause is measured.
 */
async function ingest(dir: string, name: string, members: number, ticks: number, every: number, t0: number, maintainEvery: number, turns = false) {
  const path = join(dir, `${name}.db`);
  let now = t0;
  // Without turns nothing else runs between ticks, so background work is done inside the calls (sliceMs: Infinity).
  const extra: Partial<SqliteStoreOptions> = turns ? {} : { sliceMs: Infinity };
  let store: Store = openSqliteStore({ path, flushIntervalMs: 0, batchSize: members * SERIES_PER_MEMBER, now: () => now, ...extra });
  const batch = batchFor(members);
  let maintainMs = 0;
  let longestFlush = 0;
  let longestMaintain = 0;
  // Every synchronous store call: append/maintain here, and the store's own continuations, caught by wrapping the
  // setTimeout it schedules them with. cpu is the main thread's CPU time in the longest call, to tell work from waiting
  // for a core on a busy machine.
  const calls = { n: 0, over50: 0, over50Cpu: 0, wall: 0, cpu: 0, maxCpu: 0 };
  const timed = <T>(fn: () => T): T => {
    const w = performance.now();
    const c = process.threadCpuUsage();
    try {
      return fn();
    } finally {
      const wall = performance.now() - w;
      const u = process.threadCpuUsage(c);
      const cpu = (u.user + u.system) / 1000;
      calls.n++;
      if (wall > 50) calls.over50++;
      if (cpu > 50) calls.over50Cpu++;
      if (wall > calls.wall) Object.assign(calls, { wall, cpu });
      calls.maxCpu = Math.max(calls.maxCpu, cpu);
    }
  };
  const realSetTimeout = globalThis.setTimeout;
  if (turns) {
    globalThis.setTimeout = ((fn: (...a: unknown[]) => void, ms?: number, ...args: unknown[]) =>
      realSetTimeout(() => timed(() => fn(...args)), ms)) as unknown as typeof setTimeout;
  }
  let nextMaintain = t0 + maintainEvery;
  const delay = monitorEventLoopDelay({ resolution: 1 });
  const w0 = writtenBytes();
  const start = performance.now();
  if (turns) delay.enable();
  for (let k = 0; k < ticks; k++) {
    if (turns) await new Promise((r) => setImmediate(r));
    now = t0 + k * every;
    fill(batch, now, k);
    // batchSize equals one tick, so each tick is one transaction, as with the service's 1 s flush.
    const f = performance.now();
    timed(() => store.append(batch));
    longestFlush = Math.max(longestFlush, performance.now() - f);
    if (now >= nextMaintain) {
      const m = performance.now();
      timed(() => store.maintain());
      const took = performance.now() - m;
      maintainMs += took;
      longestMaintain = Math.max(longestMaintain, took);
      nextMaintain += maintainEvery;
    }
  }
  store.flush();
  const elapsed = performance.now() - start;
  delay.disable();
  globalThis.setTimeout = realSetTimeout;
  const written = writtenBytes() - w0;
  // Five minutes later compaction is due, so every sample is in samples_raw and rolled up before sizes are measured;
  // reopened with sliceMs Infinity so that maintain() finishes at once (an older store ignores the option).
  store.close();
  store = openSqliteStore({ path, flushIntervalMs: 0, now: () => now, sliceMs: Infinity });
  now += 5 * MINUTE;
  store.maintain();
  const pause = { max: delay.max / 1e6, p99: delay.percentile(99) / 1e6, p999: delay.percentile(99.9) / 1e6 };
  return { path, store, samples: ticks * batch.length, elapsed, maintainMs, longestFlush, longestMaintain, written, end: now, pause, calls };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'etcd-monitor-bench-'));
  const began = performance.now();
  try {
    console.log('monitor store bench (node:sqlite, WAL, synchronous=NORMAL)\n');

    // A: ingest at the scale, 100 members x 50 series every second, 15 minutes of data, maintain every minute as the service does.
    const t0 = Date.UTC(2026, 10, 20);
    const a = await ingest(dir, 'ingest', 100, 900, 1000, t0, MINUTE, true);
    const aStats = a.store.stats();
    a.store.close();
    const aBytes = tableBytes(a.path);
    const rawB = (aBytes.get('samples_raw') ?? 0) / (aStats.rawRows || 1);
    const m1B = (aBytes.get('samples_1m') ?? 0) / (aStats.m1Rows || 1);
    console.log('A. ingest: 100 members x 50 series every 1 s, 15 min of data, one transaction per 5000-sample tick');
    console.log(`   ingest rate           ${fmt(a.samples / (a.elapsed / 1000), 0)} samples/s  (${fmt(a.samples, 0)} samples in ${fmt(a.elapsed / 1000, 2)} s, target ≥ 10,000)`);
    console.log(`   of which maintain     ${fmt(a.maintainMs / 1000, 2)} s (called every minute of data: 1 m rollups, retention)`);
    console.log(`   longest flush         ${fmt(a.longestFlush, 0)} ms (the flushes that compact the head into samples_raw)`);
    console.log(`   longest maintain      ${fmt(a.longestMaintain, 0)} ms (the calls that start 10 minutes of 1 m rollups)`);
    console.log(
      `   event-loop pause      max ${fmt(a.pause.max, 0)} ms, p99.9 ${fmt(a.pause.p999, 0)} ms, p99 ${fmt(a.pause.p99, 0)} ms` +
        ' (monitorEventLoopDelay, wall clock; target ≤ 50)',
    );
    console.log(
      `   longest store call    ${fmt(a.calls.wall, 0)} ms wall (${fmt(a.calls.cpu, 0)} ms CPU); most CPU in one call ${fmt(a.calls.maxCpu, 0)} ms;` +
        ` of ${fmt(a.calls.n, 0)} calls (flushes, maintain, the store's continuations) ${a.calls.over50} took over 50 ms wall, ${a.calls.over50Cpu} over 50 ms CPU`,
    );
    console.log(
      `   load average          ${loadavg()
        .map((x) => fmt(x, 1))
        .join(' ')} on ${availableParallelism()} cores (a busy machine stretches wall-clock pauses)`,
    );
    console.log(`   written to disk       ${fmt(a.written / a.samples)} bytes per sample (WAL + checkpoints)`);
    console.log(`   raw                   ${fmt(rawB)} bytes per sample (${fmt(aStats.rawRows, 0)} rows)`);
    console.log(`   1 m rollup            ${fmt(m1B)} bytes per row (${fmt(aStats.m1Rows, 0)} rows, 60 samples each)`);
    rmSync(a.path, { force: true });
    if (process.argv.includes('--pauses')) return;

    // B: 26 h of history for 20 members at 30 s, for query latency and the 1 h row size. Data time runs ~100x faster
    // than wall time here, so maintain runs every data hour instead of every minute.
    const b = await ingest(dir, 'history', 20, 26 * 120, 30_000, t0, HOUR);
    const q = (member?: string) => ({ series: 'wal_fsync_p99_seconds', cluster: 'bench', member, from: b.end - DAY, to: b.end, step: MINUTE, agg: 'max' as const });
    const time = (fn: () => unknown) => {
      const xs: number[] = [];
      for (let i = 0; i < 15; i++) {
        const s = performance.now();
        fn();
        xs.push(performance.now() - s);
      }
      return median(xs);
    };
    const all = b.store.query(q());
    const one = time(() => b.store.query(q('member-3')));
    const twenty = time(() => b.store.query(q()));
    const raw1h = time(() => b.store.query({ ...q('member-3'), from: b.end - HOUR, step: 5000 }));
    const bStats = b.store.stats();
    b.store.close();
    const bBytes = tableBytes(b.path);
    const h1B = (bBytes.get('samples_1h') ?? 0) / (bStats.h1Rows || 1);
    console.log('\nB. query: 20 members x 50 series every 30 s, 26 h of data');
    console.log(`   24 h at 1 m, 1 member     ${fmt(one, 2)} ms  (resolution ${all.resolution}, ${all.points[0]?.points.length ?? 0} points)`);
    console.log(`   24 h at 1 m, 20 members   ${fmt(twenty, 2)} ms  (${all.points.reduce((n, p) => n + p.points.length, 0)} points)`);
    console.log(`   1 h at 5 s (raw), 1 member ${fmt(raw1h, 2)} ms`);
    console.log(`   1 h rollup            ${fmt(h1B)} bytes per row (${fmt(bStats.h1Rows, 0)} rows)`);

    // Projection per member (50 series) from the measured row sizes.
    const perDayRaw = (every: number) => SERIES_PER_MEMBER * (DAY / every) * rawB;
    const perDay1m = SERIES_PER_MEMBER * 1440 * m1B;
    const perDay1h = SERIES_PER_MEMBER * 24 * h1B;
    console.log('\nC. projected size per member (50 series), default retention raw 48 h, 1 m 90 d, 1 h 2 y');
    for (const every of [1000, 5000]) {
      const raw = perDayRaw(every);
      const steady = 2 * raw + 90 * perDay1m + 730 * perDay1h;
      console.log(
        `   every ${every / 1000} s: raw ${formatBytes(raw)}/day (${formatBytes(2 * raw)} for 48 h), ` +
          `steady state ${formatBytes(steady)} per member, ${formatBytes(100 * steady)} for 100 members`,
      );
    }
    console.log(`   1 m rollups: ${formatBytes(perDay1m)}/day, ${formatBytes(90 * perDay1m)} for 90 days`);
    console.log(`   1 h rollups: ${formatBytes(perDay1h)}/day, ${formatBytes(730 * perDay1h)} for 2 years`);

    if (process.argv.includes('--layouts')) layouts(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  console.log(`\ndone in ${fmt((performance.now() - began) / 1000, 1)} s; temp files removed`);
}

/** layouts compares raw-table layouts under interleaved arrival (5000 series, 1 sample each per batch). */
function layouts(dir: string): void {
  console.log('\nD. raw layouts, 5000 series x 240 one-second batches');
  const variants: Record<string, { ddl: string; insert: string; move?: string }> = {
    '(sid,t) WITHOUT ROWID, direct': {
      ddl: 'CREATE TABLE raw (sid INTEGER, t INTEGER, v REAL, PRIMARY KEY (sid, t)) WITHOUT ROWID',
      insert: 'INSERT OR REPLACE INTO raw (sid, t, v) VALUES (?, ?, ?)',
    },
    'rowid table + (sid,t) index': {
      ddl: 'CREATE TABLE raw (sid INTEGER, t INTEGER, v REAL); CREATE INDEX raw_st ON raw (sid, t)',
      insert: 'INSERT INTO raw (sid, t, v) VALUES (?, ?, ?)',
    },
    '(t,sid) WITHOUT ROWID': {
      ddl: 'CREATE TABLE raw (t INTEGER, sid INTEGER, v REAL, PRIMARY KEY (t, sid)) WITHOUT ROWID',
      insert: 'INSERT OR REPLACE INTO raw (sid, t, v) VALUES (?, ?, ?)',
    },
    'head + (sid,t) each minute (used)': {
      ddl: 'CREATE TABLE raw (sid INTEGER, t INTEGER, v REAL, PRIMARY KEY (sid, t)) WITHOUT ROWID; CREATE TABLE head (t INTEGER, sid INTEGER, v REAL)',
      insert: 'INSERT INTO head (sid, t, v) VALUES (?, ?, ?)',
      move: 'INSERT OR REPLACE INTO raw SELECT sid, t, v FROM head ORDER BY sid, t, rowid; DELETE FROM head',
    },
  };
  const S = 5000;
  const T = 240;
  for (const [name, v] of Object.entries(variants)) {
    const path = join(dir, 'layout.db');
    const db = new DatabaseSync(path);
    db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA cache_size = -32768;');
    db.exec(v.ddl);
    const ins = db.prepare(v.insert);
    const w0 = writtenBytes();
    const start = performance.now();
    for (let k = 0; k < T; k++) {
      db.exec('BEGIN');
      for (let s = 1; s <= S; s++) ins.run(s, 1.79e12 + k * 1000, value(KINDS[s % 50], s % 50, s, k));
      db.exec('COMMIT');
      if (v.move && (k + 1) % 60 === 0) db.exec(`BEGIN; ${v.move}; COMMIT`);
    }
    const elapsed = performance.now() - start;
    db.exec('PRAGMA wal_checkpoint(TRUNCATE)');
    const written = writtenBytes() - w0;
    const sel = db.prepare('SELECT t, v FROM raw WHERE sid = ? AND t >= ? ORDER BY t');
    const qs = performance.now();
    for (let s = 1; s <= 50; s++) sel.all(s, 0);
    const q = (performance.now() - qs) / 50;
    db.close();
    const n = S * T;
    console.log(
      `   ${name.padEnd(36)} ${fmt(n / (elapsed / 1000), 0).padStart(10)} samples/s  ${fmt(statSync(path).size / n).padStart(5)} B/sample on disk` +
        `  ${fmt(written / n).padStart(7)} B/sample written  ${fmt(q, 2)} ms per series read`,
    );
    rmSync(path, { force: true });
    rmSync(`${path}-wal`, { force: true });
    rmSync(`${path}-shm`, { force: true });
  }
}

await main();
