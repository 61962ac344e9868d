import { AppError } from '@etcd-monitor/core';
import { FROM_KEY, prefixRangeEnd } from '@etcd-monitor/etcd';

// Keys, values and ranges as the key, transaction and role routes take them: text or base64 bytes, and a range given
// by an end, a prefix or "from the key on"; each error names the request field.

/** bytesOf reads a key (or value) given as text or base64; `field` names it in errors. */
export function bytesOf(text: string | undefined, b64: string | undefined, field: string, required: boolean): Buffer | undefined {
  if (text !== undefined && b64 !== undefined) throw new AppError('MON_BAD_REQUEST', `${field}: give ${field} or ${field}Base64, not both`, { field });
  if (b64 !== undefined) {
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(b64)) throw new AppError('MON_BAD_REQUEST', `${field}Base64: not base64`, { field: `${field}Base64` });
    return Buffer.from(b64, 'base64');
  }
  if (text !== undefined) return Buffer.from(text, 'utf8');
  if (required) throw new AppError('MON_BAD_REQUEST', `${field}: is required`, { field, hint: `pass ${field} (text) or ${field}Base64 (bytes)` });
  return undefined;
}

/** requireKey reads a non-empty key given as key or keyBase64. */
export function requireKey(q: { key?: string | undefined; keyBase64?: string | undefined }, at = ''): Buffer {
  const k = bytesOf(q.key, q.keyBase64, `${at}key`, true)!;
  if (k.length === 0) throw new AppError('MON_BAD_REQUEST', `${at}key: is empty`, { field: `${at}key` });
  return k;
}

/** shellWord quotes a key for the etcdctl command line the audit log shows. */
export function shellWord(b: Buffer): string {
  const s = b.toString('utf8');
  return /^[A-Za-z0-9_./:@%+=,-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** KeyRangeInput is a key, or a range from it: to rangeEnd, over a prefix, or from the key on (at most one of them). */
export interface KeyRangeInput {
  key?: string | undefined;
  keyBase64?: string | undefined;
  rangeEnd?: string | undefined;
  rangeEndBase64?: string | undefined;
  prefix?: boolean | undefined;
  fromKey?: boolean | undefined;
}

/** keyRange reads a key and its range end; `at` prefixes the field names in errors (`success.0.`). */
export function keyRange(q: KeyRangeInput, at = ''): { key: Buffer; rangeEnd?: Buffer; how: 'key' | 'range' | 'prefix' | 'fromKey' } {
  const key = requireKey(q, at);
  const end = bytesOf(q.rangeEnd, q.rangeEndBase64, `${at}rangeEnd`, false);
  const given = [end !== undefined && end.length > 0 ? 'rangeEnd' : '', q.prefix ? 'prefix' : '', q.fromKey ? 'fromKey' : ''].filter(Boolean);
  if (given.length > 1) {
    throw new AppError('MON_BAD_REQUEST', `${at}${given[1]}: cannot be set with ${given[0]}`, { field: `${at}${given[1]}`, hint: 'give one of rangeEnd, prefix and fromKey' });
  }
  if (q.prefix) return { key, rangeEnd: prefixRangeEnd(key), how: 'prefix' };
  if (q.fromKey) return { key, rangeEnd: FROM_KEY, how: 'fromKey' };
  if (end !== undefined && end.length > 0) return { key, rangeEnd: end, how: 'range' };
  return { key, how: 'key' };
}

/** rangeWords spells a key range as etcdctl's arguments: `KEY`, `KEY END`, `--prefix KEY` or `--from-key KEY`. */
export function rangeWords(r: { key: Buffer; rangeEnd?: Buffer; how: 'key' | 'range' | 'prefix' | 'fromKey' }): string {
  if (r.how === 'prefix') return `--prefix ${shellWord(r.key)}`;
  if (r.how === 'fromKey') return `--from-key ${shellWord(r.key)}`;
  return r.how === 'range' ? `${shellWord(r.key)} ${shellWord(r.rangeEnd!)}` : shellWord(r.key);
}
