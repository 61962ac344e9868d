// The EventStore half of the SQLite store: cluster events, the alert history and the audit log, each an append-mostly
// table indexed by time (and by what its readers filter on), read newest first.
import type { DatabaseSync, StatementSync } from 'node:sqlite';
import type { Alert, AlertHistoryQuery } from '../model/alerts.ts';
import { checkAlert, checkAlertQuery, checkAudit, checkAuditFilter, checkEvent, checkEventFilter } from './validate.ts';
import type { AuditEntry, AuditFilter, EventFilter, EventStore, StoredEvent } from './types.ts';

/** SqliteEvents implements EventStore over an open database; `open` throws once the store is closed. */
export class SqliteEvents implements EventStore {
  private readonly db: DatabaseSync;
  private readonly open: () => void;
  private readonly st: Record<'insEvent' | 'putAlert' | 'insAudit', StatementSync>;

  constructor(db: DatabaseSync, open: () => void) {
    this.db = db;
    this.open = open;
    this.st = {
      insEvent: db.prepare('INSERT INTO events (time, cluster, type, member, message, details) VALUES (?, ?, ?, ?, ?, ?) RETURNING id'),
      putAlert: db.prepare('INSERT OR REPLACE INTO alert_history (fingerprint, active_at, cluster, alertname, ends_at, doc) VALUES (?, ?, ?, ?, ?, ?)'),
      insAudit: db.prepare('INSERT INTO audit_log (time, actor, action, doc) VALUES (?, ?, ?, ?) RETURNING id'),
    };
  }

  appendEvent(e: StoredEvent): StoredEvent {
    this.open();
    checkEvent(e);
    const details = e.details === undefined ? null : JSON.stringify(e.details);
    const row = this.st.insEvent.get(Math.trunc(e.time), e.cluster, e.type, e.member ?? null, e.message, details) as { id: number };
    const out: StoredEvent = { id: row.id, time: Math.trunc(e.time), cluster: e.cluster, type: e.type, message: e.message };
    if (e.member !== undefined) out.member = e.member;
    if (e.details !== undefined) out.details = JSON.parse(details as string) as Record<string, unknown>;
    return out;
  }

  queryEvents(f: EventFilter = {}): StoredEvent[] {
    this.open();
    const limit = checkEventFilter(f);
    const w = new Where();
    if (f.cluster !== undefined) w.add('cluster = ?', f.cluster);
    if (f.member !== undefined) w.add('member = ?', f.member);
    if (f.type !== undefined) w.add('type IN (SELECT value FROM json_each(?))', JSON.stringify(f.type));
    if (f.since !== undefined) w.add('time >= ?', f.since);
    if (f.until !== undefined) w.add('time <= ?', f.until);
    const sql = `SELECT id, time, cluster, type, member, message, details FROM events ${w.sql()} ORDER BY time DESC, id DESC LIMIT ${limit}`;
    return this.db
      .prepare(sql)
      .all(...w.args)
      .map((r) => {
        const e: StoredEvent = {
          id: r.id as number,
          time: r.time as number,
          cluster: r.cluster as string,
          type: r.type as string,
          message: r.message as string,
        };
        if (r.member !== null) e.member = r.member as string;
        if (r.details !== null) e.details = JSON.parse(r.details as string) as Record<string, unknown>;
        return e;
      });
  }

  recordAlert(alert: Alert): void {
    this.open();
    checkAlert(alert);
    this.st.putAlert.run(alert.fingerprint, alert.activeAt, alert.labels.cluster ?? '', alert.labels.alertname ?? '', alert.endsAt ?? null, JSON.stringify(alert));
  }

  queryAlerts(q: AlertHistoryQuery = {}): Alert[] {
    this.open();
    const limit = checkAlertQuery(q);
    const w = new Where();
    if (q.cluster !== undefined) w.add('cluster = ?', q.cluster);
    if (q.alertname !== undefined) w.add('alertname = ?', q.alertname);
    if (q.fingerprint !== undefined) w.add('fingerprint = ?', q.fingerprint);
    // An occurrence not yet resolved (ends_at NULL) is active at any later time.
    if (q.since !== undefined) w.add('(ends_at IS NULL OR ends_at >= ?)', q.since);
    if (q.until !== undefined) w.add('active_at <= ?', q.until);
    const sql = `SELECT doc FROM alert_history ${w.sql()} ORDER BY active_at DESC, fingerprint LIMIT ${limit}`;
    return this.db
      .prepare(sql)
      .all(...w.args)
      .map((r) => JSON.parse(r.doc as string) as Alert);
  }

  appendAudit(e: AuditEntry): AuditEntry {
    this.open();
    checkAudit(e);
    const time = Math.trunc(e.time);
    const detail = { role: e.role, target: e.target, ip: e.ip, ...auditExtras(e) };
    const row = this.st.insAudit.get(time, e.actor, e.action, JSON.stringify(detail)) as { id: number };
    return { id: row.id, time, actor: e.actor, action: e.action, ...detail };
  }

  queryAudit(f: AuditFilter = {}): AuditEntry[] {
    this.open();
    const limit = checkAuditFilter(f);
    const w = new Where();
    if (f.actor !== undefined) w.add('actor = ?', f.actor);
    if (f.action !== undefined) w.add('action = ?', f.action);
    if (f.since !== undefined) w.add('time >= ?', f.since);
    if (f.until !== undefined) w.add('time <= ?', f.until);
    const sql = `SELECT id, time, actor, action, doc FROM audit_log ${w.sql()} ORDER BY time DESC, id DESC LIMIT ${limit}`;
    return this.db
      .prepare(sql)
      .all(...w.args)
      .map((r) => {
        const d = JSON.parse(r.doc as string) as AuditEntry;
        return { id: r.id as number, time: r.time as number, actor: r.actor as string, role: d.role, action: r.action as string, target: d.target, ip: d.ip, ...auditExtras(d) };
      });
  }
}

/** Where collects the conditions of a filtered read and their arguments. */
class Where {
  private readonly parts: string[] = [];
  readonly args: Array<string | number> = [];
  add(sql: string, arg: string | number): void {
    this.parts.push(sql);
    this.args.push(arg);
  }
  sql(): string {
    return this.parts.length ? `WHERE ${this.parts.join(' AND ')}` : '';
  }
}

/** auditExtras picks the optional fields of an audit entry that are set. */
function auditExtras(e: AuditEntry): Pick<AuditEntry, 'cluster' | 'command' | 'result'> {
  const out: Pick<AuditEntry, 'cluster' | 'command' | 'result'> = {};
  if (e.cluster !== undefined) out.cluster = e.cluster;
  if (e.command !== undefined) out.command = e.command;
  if (e.result !== undefined) out.result = e.result;
  return out;
}
