import type { DatabaseSync } from 'node:sqlite';
import { AppError } from '@etcd-monitor/core';

/** SCHEMA_VERSION is the layout version kept in `PRAGMA user_version`; bump it with a migration step in migrate(). */
export const SCHEMA_VERSION = 2;

// Samples arrive interleaved across thousands of series, so writing them straight into a (sid, t) B-tree dirties one
// page per series per batch (measured: ~4.9 kB written per 22-byte sample at 5000 series). They land first in
// samples_head, an append-only rowid table, and move to samples_raw in (sid, t) order every few minutes, which cuts
// the bytes written 20-40x (docs/storage.md). Every value column has REAL affinity so SQLite stores whole numbers (has_leader, raft_term,
// db_size_bytes) as 0-6 byte integers on disk.
const V1 = `
CREATE TABLE meta (
  key   TEXT PRIMARY KEY,
  value INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE series (
  id      INTEGER PRIMARY KEY,
  cluster TEXT NOT NULL,
  name    TEXT NOT NULL,
  member  TEXT NOT NULL,
  last_t  INTEGER NOT NULL,
  UNIQUE (cluster, name, member)
);

CREATE TABLE samples_head (
  t   INTEGER NOT NULL,
  sid INTEGER NOT NULL,
  v   REAL NOT NULL
);

CREATE TABLE samples_raw (
  sid INTEGER NOT NULL,
  t   INTEGER NOT NULL,
  v   REAL NOT NULL,
  PRIMARY KEY (sid, t)
) WITHOUT ROWID;

CREATE TABLE samples_1m (
  sid   INTEGER NOT NULL,
  t     INTEGER NOT NULL,
  vmin  REAL NOT NULL,
  vmax  REAL NOT NULL,
  vsum  REAL NOT NULL,
  n     INTEGER NOT NULL,
  vlast REAL NOT NULL,
  PRIMARY KEY (sid, t)
) WITHOUT ROWID;

CREATE TABLE samples_1h (
  sid   INTEGER NOT NULL,
  t     INTEGER NOT NULL,
  vmin  REAL NOT NULL,
  vmax  REAL NOT NULL,
  vsum  REAL NOT NULL,
  n     INTEGER NOT NULL,
  vlast REAL NOT NULL,
  PRIMARY KEY (sid, t)
) WITHOUT ROWID;

-- AUTOINCREMENT: an event id, once handed to a client, must never name another event after retention deletes.
CREATE TABLE events (
  id      INTEGER PRIMARY KEY AUTOINCREMENT,
  time    INTEGER NOT NULL,
  cluster TEXT NOT NULL,
  type    TEXT NOT NULL,
  member  TEXT,
  message TEXT NOT NULL,
  details TEXT
);
CREATE INDEX events_time ON events (time);
CREATE INDEX events_cluster_time ON events (cluster, time);

CREATE TABLE docs (
  kind    TEXT NOT NULL,
  key     TEXT NOT NULL,
  doc     TEXT NOT NULL,
  updated INTEGER NOT NULL,
  PRIMARY KEY (kind, key)
) WITHOUT ROWID;
`;

// Version 2: the alert history and the audit log leave the docs table (where reading them meant every document of
// the kind, filtered in JavaScript) for tables of their own, indexed the way they are read.
const V2 = `
CREATE TABLE alert_history (
  fingerprint TEXT NOT NULL,
  active_at   INTEGER NOT NULL,
  cluster     TEXT NOT NULL,
  alertname   TEXT NOT NULL,
  ends_at     INTEGER,
  doc         TEXT NOT NULL,
  PRIMARY KEY (fingerprint, active_at)
) WITHOUT ROWID;
CREATE INDEX alert_history_active ON alert_history (active_at);
CREATE INDEX alert_history_cluster ON alert_history (cluster, active_at);
CREATE INDEX alert_history_name ON alert_history (alertname, active_at);

CREATE TABLE audit_log (
  id     INTEGER PRIMARY KEY AUTOINCREMENT,
  time   INTEGER NOT NULL,
  actor  TEXT NOT NULL,
  action TEXT NOT NULL,
  doc    TEXT NOT NULL
);
CREATE INDEX audit_log_time ON audit_log (time);
`;

/** configure sets the connection pragmas: WAL with synchronous=NORMAL (a process crash loses nothing committed), a cache large enough for one leaf page per series. */
export function configure(db: DatabaseSync, cacheKiB: number): void {
  db.exec(`
    PRAGMA journal_mode = WAL;
    PRAGMA synchronous = NORMAL;
    PRAGMA cache_size = -${Math.max(2000, Math.floor(cacheKiB))};
    PRAGMA temp_store = MEMORY;
    PRAGMA journal_size_limit = ${64 * 1024 * 1024};
  `);
}

/** migrate creates the schema in an empty database, brings one of an older version up to date in one transaction, and refuses one written by a newer version. */
export function migrate(db: DatabaseSync, path: string): void {
  const row = db.prepare('PRAGMA user_version').get() as { user_version: number };
  const version = row.user_version;
  if (version === SCHEMA_VERSION) return;
  if (version > SCHEMA_VERSION) {
    throw new AppError('MON_STORE_SCHEMA_TOO_NEW', `${path}: store schema version ${version} is newer than this build (${SCHEMA_VERSION})`, {
      field: 'storage.path',
      hint: 'upgrade etcd-monitor, or point storage.path at another file',
    });
  }
  db.exec('BEGIN IMMEDIATE');
  try {
    if (version < 1) db.exec(V1);
    if (version < 2) {
      db.exec(V2);
      moveDocsToTables(db);
    }
    db.exec(`PRAGMA user_version = ${SCHEMA_VERSION}`);
    db.exec('COMMIT');
  } catch (err) {
    db.exec('ROLLBACK');
    throw err;
  }
}

/** moveDocsToTables moves the alert history (docs of kind `alert`) and the audit log (kind `audit`) a version 1 store kept as documents into their tables. */
function moveDocsToTables(db: DatabaseSync): void {
  const putAlert = db.prepare('INSERT OR REPLACE INTO alert_history (fingerprint, active_at, cluster, alertname, ends_at, doc) VALUES (?, ?, ?, ?, ?, ?)');
  for (const r of db.prepare("SELECT doc FROM docs WHERE kind = 'alert'").all()) {
    const a = JSON.parse(r.doc as string) as { fingerprint: string; activeAt: number; endsAt?: number; labels?: Record<string, string> };
    putAlert.run(a.fingerprint, a.activeAt, a.labels?.cluster ?? '', a.labels?.alertname ?? '', a.endsAt ?? null, r.doc as string);
  }
  // Keys were `<ms>-<random>`: in key order is in time order, which the ids keep.
  const putAudit = db.prepare('INSERT INTO audit_log (time, actor, action, doc) VALUES (?, ?, ?, ?)');
  for (const r of db.prepare("SELECT key, doc FROM docs WHERE kind = 'audit' ORDER BY key").all()) {
    const d = JSON.parse(r.doc as string) as { time?: string; actor?: string; role?: string; action?: string; target?: string; ip?: string };
    const time = Date.parse(d.time ?? '') || Number.parseInt(r.key as string, 10) || 0;
    putAudit.run(time, d.actor ?? '', d.action ?? '', JSON.stringify({ role: d.role ?? '', target: d.target ?? '', ip: d.ip ?? '' }));
  }
  db.exec("DELETE FROM docs WHERE kind IN ('alert', 'audit')");
}
