import { AppError } from '@etcd-monitor/core';
import type { Alert, AlertHistoryQuery } from '../model/alerts.ts';
import type { Agg, AuditEntry, AuditFilter, EventFilter, SeriesQuery, StoredEvent } from './types.ts';

const AGGS: readonly Agg[] = ['avg', 'min', 'max', 'last'];

/** MAX_EVENT_LIMIT caps one queryEvents answer so a client cannot ask for the whole table at once. */
export const MAX_EVENT_LIMIT = 10_000;

/** badQuery builds the MON_STORE_BAD_QUERY error for one field of a series or event query. */
export function badQuery(field: string, problem: string, hint?: string): AppError {
  return new AppError('MON_STORE_BAD_QUERY', `${field}: ${problem}`, { field, hint });
}

function isTime(x: unknown): x is number {
  return typeof x === 'number' && Number.isFinite(x);
}

/** checkQuery validates a SeriesQuery and returns it with agg defaulted. */
export function checkQuery(q: SeriesQuery): SeriesQuery & { agg: Agg } {
  if (q === null || typeof q !== 'object') throw badQuery('query', 'is not an object');
  if (typeof q.series !== 'string' || q.series === '') throw badQuery('series', 'must be a non-empty string');
  if (typeof q.cluster !== 'string' || q.cluster === '') throw badQuery('cluster', 'must be a non-empty string');
  if (q.member !== undefined && typeof q.member !== 'string') throw badQuery('member', 'must be a string');
  if (!isTime(q.from)) throw badQuery('from', `must be a finite time in ms, got ${String(q.from)}`);
  if (!isTime(q.to)) throw badQuery('to', `must be a finite time in ms, got ${String(q.to)}`);
  if (q.from > q.to) throw badQuery('from', `is after to (${q.from} > ${q.to})`, 'swap from and to');
  if (q.step !== undefined && !(isTime(q.step) && q.step > 0)) {
    throw badQuery('step', `must be a positive number of ms, got ${String(q.step)}`);
  }
  const agg = q.agg ?? 'avg';
  if (!AGGS.includes(agg)) throw badQuery('agg', `unknown aggregation ${JSON.stringify(agg)}`, `use one of ${AGGS.join(', ')}`);
  return { ...q, agg };
}

/** checkSampleShape validates the non-value fields of sample i and names the first bad field. */
export function checkSampleShape(s: unknown, i: number): void {
  const bad = (field: string, problem: string) => new AppError('MON_STORE_BAD_SAMPLE', `samples[${i}].${field}: ${problem}`, { field: `samples[${i}].${field}` });
  if (s === null || typeof s !== 'object') {
    throw new AppError('MON_STORE_BAD_SAMPLE', `samples[${i}]: is not an object`, { field: `samples[${i}]` });
  }
  const x = s as Record<string, unknown>;
  if (typeof x.series !== 'string' || x.series === '') throw bad('series', 'must be a non-empty string');
  if (typeof x.cluster !== 'string' || x.cluster === '') throw bad('cluster', 'must be a non-empty string');
  if (typeof x.member !== 'string') throw bad('member', "must be a string ('' for a cluster-level series)");
  if (!isTime(x.t)) throw bad('t', `must be a finite time in ms, got ${String(x.t)}`);
  if (typeof x.v !== 'number') throw bad('v', `must be a number, got ${typeof x.v}`);
}

/** checkEvent validates an event before it is stored. */
export function checkEvent(e: StoredEvent): void {
  const bad = (field: string, problem: string) => new AppError('MON_STORE_BAD_EVENT', `event.${field}: ${problem}`, { field: `event.${field}` });
  if (e === null || typeof e !== 'object') throw bad('', 'is not an object');
  if (!isTime(e.time)) throw bad('time', `must be a finite time in ms, got ${String(e.time)}`);
  if (typeof e.cluster !== 'string' || e.cluster === '') throw bad('cluster', 'must be a non-empty string');
  if (typeof e.type !== 'string' || e.type === '') throw bad('type', 'must be a non-empty string');
  if (e.member !== undefined && typeof e.member !== 'string') throw bad('member', 'must be a string');
  if (typeof e.message !== 'string') throw bad('message', 'must be a string');
  if (e.details !== undefined && (e.details === null || typeof e.details !== 'object' || Array.isArray(e.details))) {
    throw bad('details', 'must be an object');
  }
}

/** checkEventFilter validates an event filter and returns the effective limit. */
export function checkEventFilter(f: EventFilter): number {
  if (f.cluster !== undefined && typeof f.cluster !== 'string') throw badQuery('cluster', 'must be a string');
  if (f.member !== undefined && typeof f.member !== 'string') throw badQuery('member', 'must be a string');
  if (f.type !== undefined && !(Array.isArray(f.type) && f.type.every((t) => typeof t === 'string'))) {
    throw badQuery('type', 'must be an array of event types');
  }
  if (f.since !== undefined && !isTime(f.since)) throw badQuery('since', `must be a finite time in ms, got ${String(f.since)}`);
  if (f.until !== undefined && !isTime(f.until)) throw badQuery('until', `must be a finite time in ms, got ${String(f.until)}`);
  if (f.since !== undefined && f.until !== undefined && f.since > f.until) {
    throw badQuery('since', `is after until (${f.since} > ${f.until})`, 'swap since and until');
  }
  const limit = f.limit ?? 1000;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_EVENT_LIMIT) {
    throw badQuery('limit', `must be an integer from 1 to ${MAX_EVENT_LIMIT}, got ${String(f.limit)}`);
  }
  return limit;
}

/** checkAlert validates an alert occurrence before it is stored in the alert history. */
export function checkAlert(a: Alert): void {
  const bad = (field: string, problem: string) => new AppError('MON_STORE_BAD_ALERT', `alert.${field}: ${problem}`, { field: `alert.${field}` });
  if (a === null || typeof a !== 'object') throw bad('', 'is not an object');
  if (typeof a.fingerprint !== 'string' || a.fingerprint === '') throw bad('fingerprint', 'must be a non-empty string');
  if (!isTime(a.activeAt)) throw bad('activeAt', `must be a finite time in ms, got ${String(a.activeAt)}`);
  if (a.endsAt !== undefined && !isTime(a.endsAt)) throw bad('endsAt', `must be a finite time in ms, got ${String(a.endsAt)}`);
  if (a.labels === null || typeof a.labels !== 'object') throw bad('labels', 'must be an object');
}

/** checkAlertQuery validates an alert history query and returns its limit (default 1000). */
export function checkAlertQuery(q: AlertHistoryQuery): number {
  for (const k of ['cluster', 'alertname', 'fingerprint'] as const) if (q[k] !== undefined && typeof q[k] !== 'string') throw badQuery(k, 'must be a string');
  // No upper bound: the alert engine's restore reads the whole history (the API caps its own limit).
  return checkRange(q, Number.MAX_SAFE_INTEGER);
}

/** checkAudit validates an audit entry before it is stored. */
export function checkAudit(e: AuditEntry): void {
  const bad = (field: string, problem: string) => new AppError('MON_STORE_BAD_AUDIT', `audit.${field}: ${problem}`, { field: `audit.${field}` });
  if (e === null || typeof e !== 'object') throw bad('', 'is not an object');
  if (!isTime(e.time)) throw bad('time', `must be a finite time in ms, got ${String(e.time)}`);
  for (const k of ['actor', 'action'] as const) if (typeof e[k] !== 'string' || e[k] === '') throw bad(k, 'must be a non-empty string');
  for (const k of ['role', 'target', 'ip'] as const) if (typeof e[k] !== 'string') throw bad(k, 'must be a string');
  for (const k of ['cluster', 'command', 'result'] as const) if (e[k] !== undefined && typeof e[k] !== 'string') throw bad(k, 'must be a string when given');
}

/** checkAuditFilter validates an audit query and returns its limit (default 1000). */
export function checkAuditFilter(f: AuditFilter): number {
  for (const k of ['actor', 'action'] as const) if (f[k] !== undefined && typeof f[k] !== 'string') throw badQuery(k, 'must be a string');
  return checkRange(f);
}

function checkRange(f: { since?: number; until?: number; limit?: number }, max = MAX_EVENT_LIMIT): number {
  if (f.since !== undefined && !isTime(f.since)) throw badQuery('since', `must be a finite time in ms, got ${String(f.since)}`);
  if (f.until !== undefined && !isTime(f.until)) throw badQuery('until', `must be a finite time in ms, got ${String(f.until)}`);
  const limit = f.limit ?? 1000;
  if (!Number.isInteger(limit) || limit < 1 || limit > max) throw badQuery('limit', `must be an integer from 1 to ${max}, got ${String(f.limit)}`);
  return limit;
}

/** checkDocKind validates the kind of a document. */
export function checkDocKind(kind: unknown): void {
  if (typeof kind !== 'string' || kind === '') {
    throw new AppError('MON_STORE_BAD_DOC', 'kind: must be a non-empty string', { field: 'kind' });
  }
}

/** checkDocKey validates the kind and key of a document. */
export function checkDocKey(kind: unknown, key: unknown): void {
  checkDocKind(kind);
  if (typeof key !== 'string' || key === '') {
    throw new AppError('MON_STORE_BAD_DOC', 'key: must be a non-empty string', { field: 'key' });
  }
}
