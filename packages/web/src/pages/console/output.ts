// Results printed as etcdctl prints them: simple lines and its JSON document (numbers as numbers, written as text so
// int64 ids and revisions keep every digit; keys and values base64), with etcd's response header as the API passes it on.
import { headerJson, type EtcdHeader as GoHeader } from '@etcd-monitor/core/parse';
import type { EtcdHeader, KeyView } from '@etcd-monitor/monitor/contract';
import { textBase64 } from '../../lib/kv-value.ts';

/** valueText is a value as the simple format prints it; bytes that are not UTF-8 are named, not printed. */
export function valueText(kv: Pick<KeyView, 'value' | 'valueBase64' | 'size'>): string {
  return kv.value ?? `<${kv.size} bytes, not UTF-8>`;
}

/** kvJson is one key-value as etcdctl's JSON writes it (zero fields left out, as Go's omitempty does). */
export function kvJson(kv: KeyView, withValue: boolean): string {
  const fields = [`"key":"${kv.keyBase64}"`, `"create_revision":${kv.createRevision}`, `"mod_revision":${kv.modRevision}`, `"version":${kv.version}`];
  if (withValue) fields.push(`"value":"${kv.valueBase64 ?? textBase64(kv.value ?? '')}"`);
  if (kv.lease !== '0') fields.push(`"lease":${kv.lease}`);
  return `{${fields.join(',')}}`;
}

/** goHeader is the API's header as etcd names its fields. */
export function goHeader(h: EtcdHeader): GoHeader {
  return { cluster_id: h.clusterId, member_id: h.memberId, revision: h.revision, raft_term: h.raftTerm };
}

/** putJson is `put -w json`'s document. */
export function putJson(header: EtcdHeader): string {
  return `{"header":${headerJson(goHeader(header))}}`;
}

/** delJson is `del -w json`'s document (deleted left out when zero, as Go's omitempty does). */
export function delJson(header: EtcdHeader, deleted: number): string {
  return `{"header":${headerJson(goHeader(header))}${deleted ? `,"deleted":${deleted}` : ''}}`;
}

/** getJson is `get -w json`'s document: header, kvs (left out when empty, or with count-only) and count (left out when zero), more when set. */
export function getJson(header: EtcdHeader, kvs: KeyView[], count: number, o: { keysOnly: boolean; countOnly: boolean; more: boolean }): string {
  const parts = [`"header":${headerJson(goHeader(header))}`];
  if (!o.countOnly && kvs.length > 0) parts.push(`"kvs":[${kvs.map((kv) => kvJson(kv, !o.keysOnly)).join(',')}]`);
  if (o.more) parts.push('"more":true');
  if (count > 0) parts.push(`"count":${count}`);
  return `{${parts.join(',')}}`;
}

/** getSimple is `get`'s simple output: each key, then its value, a line each (only keys, only values, or the count when asked). */
export function getSimple(kvs: KeyView[], count: number, o: { keysOnly: boolean; countOnly: boolean; valueOnly: boolean }): string {
  if (o.countOnly) return String(count);
  const lines: string[] = [];
  for (const kv of kvs) {
    if (!o.valueOnly) lines.push(kv.key);
    if (!o.keysOnly) lines.push(valueText(kv));
    // etcdctl separates keys with an empty line under --keys-only.
    if (o.keysOnly) lines.push('');
  }
  return lines.join('\n');
}

/** watchSimple is one watch event as `etcdctl watch` prints it: PUT or DELETE, the key, the value (and the previous one with --prev-kv). */
export function watchSimple(type: 'put' | 'delete', kv: KeyView, prev?: KeyView): string {
  const lines = [type.toUpperCase()];
  if (prev) lines.push(prev.key, valueText(prev));
  lines.push(kv.key);
  if (type === 'put') lines.push(valueText(kv));
  return lines.join('\n');
}
