import { parseTxn as parseTxnText, type TxnOpInput } from '@etcd-monitor/core/parse';
import type { TxnOp, TxnRequestInput } from '@etcd-monitor/etcd';
import { etcd } from './etcd.ts';

/**
 * parseTxn reads etcdctl's txn syntax (the console's parser, @etcd-monitor/core/parse) into the RPC's request: compares
 * such as `mod("key1") > "0"` or `val("k") = "v"`, then operations `put k v [--lease=…]`, `get k [end] [flags]`,
 * `del k [end] [flags]`. Returns the request or etcdctl's error text.
 */
export function parseTxn(compares: string[], success: string[], failure: string[]): TxnRequestInput | string {
  const t = parseTxnText(compares, success, failure);
  if (typeof t === 'string') return t;
  return { compare: t.compare.map((c) => ({ ...c })), success: t.success.map(opOf), failure: t.failure.map(opOf) };
}

function opOf(o: TxnOpInput): TxnOp {
  const rangeEnd = o.prefix ? etcd.prefixRangeEnd(o.key) : o.fromKey ? etcd.FROM_KEY : o.rangeEnd === undefined ? undefined : Buffer.from(o.rangeEnd);
  if (o.op === 'put') return { type: 'put', key: o.key, value: o.value ?? '', lease: o.lease ?? '0', prevKv: o.prevKv ?? false };
  if (o.op === 'del') return { type: 'delete', key: o.key, rangeEnd, prevKv: o.prevKv ?? false };
  return { type: 'range', key: o.key, rangeEnd, keysOnly: o.keysOnly ?? false, countOnly: o.countOnly ?? false, limit: String(o.limit ?? 0), revision: o.revision ?? '0' };
}
