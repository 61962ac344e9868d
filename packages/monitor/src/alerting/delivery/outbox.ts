import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import { AppError, errorMessage } from '@etcd-monitor/core';
import type { Notification } from '../types.ts';

/** EntryState is where a notification is in the outbox: waiting to be sent, delivered, or given up on. */
export type EntryState = 'pending' | 'delivered' | 'failed';

/** AttemptOutcome is what one send attempt led to: delivered, retry later, permanent failure, or given up at the max age. */
export type AttemptOutcome = 'delivered' | 'retry' | 'permanent' | 'expired';

/** OutboxEntry is one notification's delivery state. */
export interface OutboxEntry {
  /** seq is the enqueue order; a group's entries are delivered in seq order. */
  seq: number;
  /** id is the notification id. */
  id: string;
  /** channel is the receiving channel's name. */
  channel: string;
  /** groupKey is the alert group. */
  groupKey: string;
  /** state is pending, delivered or failed. */
  state: EntryState;
  /** attempts counts the sends tried so far. */
  attempts: number;
  /** enqueuedAt is when it entered the outbox (ms). */
  enqueuedAt: number;
  /** nextAt is when the next attempt is due (ms), for a pending entry. */
  nextAt: number;
  /** doneAt is when it was delivered or given up on (ms). */
  doneAt?: number;
  /** lastError is the last failed attempt's error. */
  lastError?: string;
  /** lastStatus is the last attempt's HTTP status or SMTP reply code. */
  lastStatus?: number;
}

/** DeliveryAttempt is one row of the delivery log. */
export interface DeliveryAttempt {
  /** notificationId is the notification this attempt sent. */
  notificationId: string;
  /** channel is the channel it was sent to. */
  channel: string;
  /** groupKey is the alert group. */
  groupKey: string;
  /** attempt numbers the attempts of one notification from 1. */
  attempt: number;
  /** at is when the attempt started (ms). */
  at: number;
  /** durationMs is how long the send took. */
  durationMs: number;
  /** outcome is delivered, retry, permanent or expired. */
  outcome: AttemptOutcome;
  /** status is the HTTP status or SMTP reply code, when there was one. */
  status?: number;
  /** error says what went wrong, without secrets. */
  error?: string;
}

/** DueEntry is a pending entry whose attempt is due, as the delivery worker picks it up. */
export interface DueEntry {
  seq: number;
  id: string;
  channel: string;
  groupKey: string;
  attempts: number;
  enqueuedAt: number;
}

/** Outbox is the durable queue of notifications and their delivery log. */
export interface Outbox {
  /** enqueue stores n, committed to disk before it returns; it returns false when n.id is already stored (a replay). */
  enqueue(n: Notification): boolean;
  /** enqueueMany stores several notifications in one transaction and returns how many were new. */
  enqueueMany(ns: readonly Notification[]): number;
  /** get returns an entry and its notification. */
  get(id: string): (OutboxEntry & { notification: Notification }) | undefined;
  /** pending lists the entries still to be delivered, oldest first. */
  pending(o?: { channel?: string; limit?: number }): OutboxEntry[];
  /** entries lists entries newest first, optionally of one channel or state. */
  entries(o?: { channel?: string; state?: EntryState; limit?: number }): OutboxEntry[];
  /** log lists delivery attempts newest first, optionally of one channel or notification. */
  log(o?: { channel?: string; notificationId?: string; limit?: number }): DeliveryAttempt[];
  /** lastSent returns the newest notification of each group and channel that was delivered or is still queued, so a restarted dispatcher knows what receivers were told. */
  lastSent(): Notification[];
  /** counts returns how many entries are in each state. */
  counts(): Record<EntryState, number>;
  /** prune deletes delivered and failed entries (and their attempts) finished before `before` (ms); it returns how many. */
  prune(before: number): number;
  /** onEnqueue calls listener after each enqueue in this process; it returns the unsubscribe function. */
  onEnqueue(listener: () => void): () => void;
  /** due lists the pending group heads (a group's oldest pending entry) whose attempt is due and not leased, skipping the channels in exclude. */
  due(now: number, limit: number, exclude?: readonly string[]): DueEntry[];
  /** wake makes a channel's pending entries due at now, for when its receiver answers again after failures. */
  wake(channel: string, now: number): void;
  /** nextDueAt is the earliest time a pending group head becomes due, or undefined when nothing is pending. */
  nextDueAt(): number | undefined;
  /** lease claims a pending entry until `until` (ms) if nobody holds it; it returns false when another worker got it first. */
  lease(id: string, now: number, until: number): boolean;
  /** leaseMany is lease for several entries in one transaction; it returns the ids it claimed. */
  leaseMany(ids: readonly string[], now: number, until: number): string[];
  /** record logs an attempt and moves the entry on: delivered, failed, or pending again from nextAt. */
  record(a: DeliveryAttempt, next: { state: EntryState; nextAt?: number }): void;
  /** recordDone stores a notification that was already sent once outside the queue (a test send) with its attempt. */
  recordDone(n: Notification, a: DeliveryAttempt): void;
  /** close closes the database when the outbox opened it. */
  close(): void;
}

/** OutboxOptions configures openOutbox: its own database file, or a table set inside an open database (the store's). */
export type OutboxOptions = { path: string; now?: () => number } | { db: DatabaseSync; now?: () => number };

const SCHEMA = `
CREATE TABLE IF NOT EXISTS outbox (
  seq         INTEGER PRIMARY KEY AUTOINCREMENT,
  id          TEXT NOT NULL UNIQUE,
  channel     TEXT NOT NULL,
  group_key   TEXT NOT NULL,
  body        TEXT NOT NULL,
  state       TEXT NOT NULL,
  attempts    INTEGER NOT NULL DEFAULT 0,
  enqueued_at INTEGER NOT NULL,
  next_at     INTEGER NOT NULL,
  lease_until INTEGER NOT NULL DEFAULT 0,
  done_at     INTEGER,
  last_error  TEXT,
  last_status INTEGER
);
CREATE INDEX IF NOT EXISTS outbox_pending ON outbox (channel, group_key, seq) WHERE state = 'pending';
CREATE INDEX IF NOT EXISTS outbox_done ON outbox (done_at) WHERE state <> 'pending';
CREATE TABLE IF NOT EXISTS outbox_attempts (
  notification_id TEXT NOT NULL,
  attempt         INTEGER NOT NULL,
  channel         TEXT NOT NULL,
  group_key       TEXT NOT NULL,
  at              INTEGER NOT NULL,
  duration_ms     INTEGER NOT NULL,
  outcome         TEXT NOT NULL,
  status          INTEGER,
  error           TEXT,
  PRIMARY KEY (notification_id, attempt)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS outbox_attempts_at ON outbox_attempts (at);
CREATE INDEX IF NOT EXISTS outbox_attempts_channel ON outbox_attempts (channel, at);
`;

// A group's head is its oldest pending entry: later entries of the group wait for it, which keeps each group in order.
const HEADS = `SELECT o.seq, o.id, o.channel, o.group_key, o.attempts, o.enqueued_at, o.next_at, o.lease_until
  FROM outbox o JOIN (SELECT min(seq) AS seq FROM outbox WHERE state = 'pending' GROUP BY channel, group_key) h ON h.seq = o.seq`;

type Row = Record<string, unknown>;

function toEntry(r: Row): OutboxEntry {
  return {
    seq: Number(r.seq),
    id: String(r.id),
    channel: String(r.channel),
    groupKey: String(r.group_key),
    state: r.state as EntryState,
    attempts: Number(r.attempts),
    enqueuedAt: Number(r.enqueued_at),
    nextAt: Number(r.next_at),
    ...(r.done_at !== null && r.done_at !== undefined ? { doneAt: Number(r.done_at) } : {}),
    ...(r.last_error !== null && r.last_error !== undefined ? { lastError: String(r.last_error) } : {}),
    ...(r.last_status !== null && r.last_status !== undefined ? { lastStatus: Number(r.last_status) } : {}),
  };
}

function toAttempt(r: Row): DeliveryAttempt {
  return {
    notificationId: String(r.notification_id),
    channel: String(r.channel),
    groupKey: String(r.group_key),
    attempt: Number(r.attempt),
    at: Number(r.at),
    durationMs: Number(r.duration_ms),
    outcome: r.outcome as AttemptOutcome,
    ...(r.status !== null && r.status !== undefined ? { status: Number(r.status) } : {}),
    ...(r.error !== null && r.error !== undefined ? { error: String(r.error) } : {}),
  };
}

// Column names come from the callers above, never from input; values are bound.
function whereOf(filters: Record<string, string | undefined>): { where: string; args: string[] } {
  const set = Object.entries(filters).filter((kv): kv is [string, string] => kv[1] !== undefined);
  return { where: set.length > 0 ? `WHERE ${set.map(([c]) => `${c} = ?`).join(' AND ')}` : '', args: set.map(([, v]) => v) };
}

function checkNotification(n: Notification): void {
  for (const k of ['id', 'channel', 'groupKey'] as const) {
    if (typeof n?.[k] !== 'string' || n[k] === '') throw new AppError('MON_OUTBOX_BAD_NOTIFICATION', `notification.${k} must be a non-empty string`, { field: k });
  }
}

/** openOutbox opens (creating if needed) the durable outbox: WAL mode, every commit synced, so an enqueue survives kill -9 and power loss. */
export function openOutbox(o: OutboxOptions): Outbox {
  const now = o.now ?? Date.now;
  let db: DatabaseSync;
  const owned = 'path' in o;
  try {
    if ('path' in o) {
      if (o.path !== ':memory:') mkdirSync(dirname(o.path), { recursive: true });
      db = new DatabaseSync(o.path);
      db.exec('PRAGMA journal_mode = WAL');
      // In WAL mode NORMAL commits survive kill -9 (the WAL is in the OS cache) but not power loss; enqueues switch
      // to FULL (below), which also syncs every NORMAL commit before them.
      db.exec('PRAGMA synchronous = NORMAL');
    } else db = o.db;
    // Another process (a second monitor, or the CLI reading the log) may hold the write lock briefly.
    db.exec('PRAGMA busy_timeout = 5000');
    db.exec(SCHEMA);
  } catch (err) {
    throw new AppError('MON_OUTBOX_OPEN_FAILED', `cannot open the notification outbox: ${errorMessage(err)}`, {
      cause: err,
      hint: 'check that the data directory is writable and not on a network file system',
    });
  }
  const listeners = new Set<() => void>();
  let closed = false;
  const st = (sql: string): StatementSync => db.prepare(sql);
  const insert = st(`INSERT INTO outbox (id, channel, group_key, body, state, enqueued_at, next_at) VALUES (?, ?, ?, ?, 'pending', ?, ?) ON CONFLICT (id) DO NOTHING`);
  const insertDone = st(
    `INSERT INTO outbox (id, channel, group_key, body, state, attempts, enqueued_at, next_at, done_at, last_error, last_status) VALUES (?, ?, ?, ?, ?, 1, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`,
  );
  const getOne = st(`SELECT * FROM outbox WHERE id = ?`);
  const dueSql = (excluded: number): string =>
    `${HEADS} WHERE o.next_at <= ? AND o.lease_until <= ?${excluded > 0 ? ` AND o.channel NOT IN (${Array(excluded).fill('?').join(', ')})` : ''} ORDER BY o.next_at, o.seq LIMIT ?`;
  const dueStmt = st(dueSql(0));
  const wakeStmt = st(`UPDATE outbox SET next_at = ? WHERE channel = ? AND state = 'pending' AND next_at > ?`);
  const nextDue = st(`SELECT min(max(next_at, lease_until)) AS t FROM (${HEADS})`);
  const leaseStmt = st(`UPDATE outbox SET lease_until = ? WHERE id = ? AND state = 'pending' AND lease_until <= ?`);
  const insertAttempt = st(
    `INSERT OR REPLACE INTO outbox_attempts (notification_id, attempt, channel, group_key, at, duration_ms, outcome, status, error) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const update = st(`UPDATE outbox SET state = ?, attempts = ?, next_at = ?, lease_until = 0, done_at = ?, last_error = ?, last_status = ? WHERE id = ?`);
  const countsStmt = st(`SELECT state, count(*) AS n FROM outbox GROUP BY state`);

  const live = (): void => {
    if (closed) throw new AppError('MON_OUTBOX_CLOSED', 'the notification outbox is closed');
  };
  const tx = <T>(fn: () => T): T => {
    db.exec('BEGIN IMMEDIATE');
    try {
      const r = fn();
      db.exec('COMMIT');
      return r;
    } catch (err) {
      db.exec('ROLLBACK');
      throw err;
    }
  };
  const baseSync = Number((db.prepare('PRAGMA synchronous').get() as Row).synchronous);
  // enqueue's promise is "on disk", not "in the page cache": its commit syncs the WAL even across a power loss. Lease
  // and attempt writes need no such sync: losing one after a crash only means a resend, which at-least-once allows.
  const durable = <T>(fn: () => T): T => {
    if (baseSync >= 2) return fn();
    db.exec('PRAGMA synchronous = FULL');
    try {
      return fn();
    } finally {
      db.exec(`PRAGMA synchronous = ${baseSync}`);
    }
  };
  const notify = (): void => {
    for (const l of listeners) l();
  };
  const add = (n: Notification, t: number): boolean => {
    checkNotification(n);
    return Number(insert.run(n.id, n.channel, n.groupKey, JSON.stringify(n), t, t).changes) === 1;
  };

  return {
    enqueue(n) {
      live();
      const isNew = durable(() => add(n, now()));
      if (isNew) notify();
      return isNew;
    },
    enqueueMany(ns) {
      live();
      const t = now();
      const added = durable(() => tx(() => ns.reduce((k, n) => k + (add(n, t) ? 1 : 0), 0)));
      if (added > 0) notify();
      return added;
    },
    get(id) {
      live();
      const r = getOne.get(id) as Row | undefined;
      return r ? { ...toEntry(r), notification: JSON.parse(String(r.body)) as Notification } : undefined;
    },
    pending(q = {}) {
      live();
      const where = q.channel !== undefined ? `AND channel = ?` : '';
      const args: (string | number)[] = q.channel !== undefined ? [q.channel] : [];
      return (db.prepare(`SELECT * FROM outbox WHERE state = 'pending' ${where} ORDER BY seq LIMIT ?`).all(...args, q.limit ?? 1000) as Row[]).map(toEntry);
    },
    entries(q = {}) {
      live();
      const { where, args } = whereOf({ channel: q.channel, state: q.state });
      return (db.prepare(`SELECT * FROM outbox ${where} ORDER BY seq DESC LIMIT ?`).all(...args, q.limit ?? 100) as Row[]).map(toEntry);
    },
    log(q = {}) {
      live();
      const { where, args } = whereOf({ channel: q.channel, notification_id: q.notificationId });
      return (db.prepare(`SELECT * FROM outbox_attempts ${where} ORDER BY at DESC, attempt DESC LIMIT ?`).all(...args, q.limit ?? 100) as Row[]).map(toAttempt);
    },
    lastSent() {
      live();
      const rows = db
        .prepare(`SELECT o.body FROM outbox o JOIN (SELECT max(seq) AS seq FROM outbox WHERE state <> 'failed' GROUP BY channel, group_key) h ON h.seq = o.seq`)
        .all() as Row[];
      return rows.map((r) => JSON.parse(String(r.body)) as Notification);
    },
    counts() {
      live();
      const out: Record<EntryState, number> = { pending: 0, delivered: 0, failed: 0 };
      for (const r of countsStmt.all() as Row[]) out[r.state as EntryState] = Number(r.n);
      return out;
    },
    prune(before) {
      live();
      return tx(() => {
        db.prepare(`DELETE FROM outbox_attempts WHERE notification_id IN (SELECT id FROM outbox WHERE state <> 'pending' AND done_at < ?)`).run(before);
        return Number(db.prepare(`DELETE FROM outbox WHERE state <> 'pending' AND done_at < ?`).run(before).changes);
      });
    },
    onEnqueue(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    due(t, limit, exclude = []) {
      live();
      const rows = exclude.length === 0 ? dueStmt.all(t, t, limit) : db.prepare(dueSql(exclude.length)).all(t, t, ...exclude, limit);
      return (rows as Row[]).map((r) => ({
        seq: Number(r.seq),
        id: String(r.id),
        channel: String(r.channel),
        groupKey: String(r.group_key),
        attempts: Number(r.attempts),
        enqueuedAt: Number(r.enqueued_at),
      }));
    },
    wake(channel, t) {
      live();
      wakeStmt.run(t, channel, t);
    },
    nextDueAt() {
      live();
      const r = nextDue.get() as Row | undefined;
      return r?.t === null || r?.t === undefined ? undefined : Number(r.t);
    },
    lease(id, t, until) {
      live();
      return Number(leaseStmt.run(until, id, t).changes) === 1;
    },
    leaseMany(ids, t, until) {
      live();
      if (ids.length === 0) return [];
      return tx(() => ids.filter((id) => Number(leaseStmt.run(until, id, t).changes) === 1));
    },
    record(a, next) {
      live();
      tx(() => {
        insertAttempt.run(a.notificationId, a.attempt, a.channel, a.groupKey, a.at, Math.round(a.durationMs), a.outcome, a.status ?? null, a.error ?? null);
        const done = next.state === 'pending' ? null : a.at + Math.round(a.durationMs);
        update.run(next.state, a.attempt, next.nextAt ?? 0, done, a.error ?? null, a.status ?? null, a.notificationId);
      });
    },
    recordDone(n, a) {
      live();
      checkNotification(n);
      tx(() => {
        const state: EntryState = a.outcome === 'delivered' ? 'delivered' : 'failed';
        insertDone.run(n.id, n.channel, n.groupKey, JSON.stringify(n), state, a.at, a.at, a.at + Math.round(a.durationMs), a.error ?? null, a.status ?? null);
        insertAttempt.run(a.notificationId, a.attempt, a.channel, a.groupKey, a.at, Math.round(a.durationMs), a.outcome, a.status ?? null, a.error ?? null);
      });
    },
    close() {
      if (closed) return;
      closed = true;
      listeners.clear();
      if (owned) db.close();
    },
  };
}
