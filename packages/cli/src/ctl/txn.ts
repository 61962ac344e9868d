import { parseCtl } from '@etcd-monitor/core/parse';
import { FROM_KEY, prefixRangeEnd, type TxnCompare, type TxnOp, type TxnRequestInput } from '@etcd-monitor/etcd';

const TARGETS: Record<string, TxnCompare['target']> = {
  ver: 'VERSION',
  version: 'VERSION',
  c: 'CREATE',
  create: 'CREATE',
  m: 'MOD',
  mod: 'MOD',
  val: 'VALUE',
  value: 'VALUE',
  lease: 'LEASE',
};

/**
 * parseTxn reads etcdctl's txn syntax: compares such as `mod("key1") > "0"` or `val("k") = "v"`, then operations
 * `put k v [--lease=…]`, `get k [end] [flags]`, `del k [end] [flags]`. Returns the request or etcdctl's error text.
 */
export function parseTxn(compares: string[], success: string[], failure: string[]): TxnRequestInput | string {
  const compare: TxnCompare[] = [];
  for (const line of compares) {
    const c = parseCompare(line);
    if (typeof c === 'string') return c;
    compare.push(c);
  }
  const ops = (lines: string[]): TxnOp[] | string => {
    const out: TxnOp[] = [];
    for (const line of lines) {
      const op = parseOp(line);
      if (typeof op === 'string') return op;
      out.push(op);
    }
    return out;
  };
  const s = ops(success);
  if (typeof s === 'string') return s;
  const f = ops(failure);
  if (typeof f === 'string') return f;
  return { compare, success: s, failure: f };
}

function parseCompare(line: string): TxnCompare | string {
  const m = /^\s*(\w+)\("((?:[^"\\]|\\.)*)"\)\s*(=|!=|<|>)\s*"((?:[^"\\]|\\.)*)"\s*$/.exec(line);
  if (!m) return `malformed comparison: ${line}`;
  const target = TARGETS[m[1]!];
  if (!target) return `malformed comparison: ${line} (unknown target ${m[1]})`;
  const key = unquote(m[2]!);
  const value = unquote(m[4]!);
  if (target !== 'VALUE') {
    const ok = target === 'LEASE' ? /^[0-9a-fA-F]+$/.test(value) : /^-?\d+$/.test(value);
    if (!ok) return `invalid txn compare request: ${line}`;
  }
  return { key, target, result: m[3] as TxnCompare['result'], value: target === 'LEASE' ? BigInt(`0x${value}`).toString() : value };
}

function unquote(s: string): string {
  return JSON.parse(`"${s}"`) as string;
}

/** argify splits a line into words as etcdctl does: whitespace-separated, with double-quoted words. */
function argify(line: string): string[] {
  const out: string[] = [];
  const re = /"((?:[^"\\]|\\.)*)"|(\S+)/g;
  for (const m of line.matchAll(re)) out.push(m[1] !== undefined ? unquote(m[1]) : m[2]!);
  return out;
}

function parseOp(line: string): TxnOp | string {
  const words = argify(line);
  if (!['get', 'put', 'del'].includes(words[0] ?? '')) return `invalid txn request: ${line}`;
  const p = parseCtl(words);
  if (!p.ok) return `invalid txn request: ${line} (${p.error})`;
  const a = p.args;
  const flag = (n: string) => p.flags[n] === true;
  const range = (key: string, end: string | undefined) =>
    flag('prefix') ? { key, rangeEnd: prefixRangeEnd(key) } : flag('from-key') ? { key, rangeEnd: FROM_KEY } : { key, rangeEnd: end === undefined ? undefined : Buffer.from(end) };
  if (words[0] === 'put') {
    if (a.length !== 2) return `invalid txn request: ${line}`;
    const lease = String(p.flags.lease);
    return { type: 'put', key: a[0]!, value: a[1]!, lease: BigInt(`0x${/^[0-9a-fA-F]+$/.test(lease) ? lease : '0'}`).toString(), prevKv: flag('prev-kv') };
  }
  if (a.length < 1 || a.length > 2) return `invalid txn request: ${line}`;
  if (words[0] === 'get') {
    return { type: 'range', ...range(a[0]!, a[1]), keysOnly: flag('keys-only'), countOnly: flag('count-only'), limit: String(p.flags.limit), revision: String(p.flags.rev) };
  }
  return { type: 'delete', ...range(a[0]!, a[1]), prevKv: flag('prev-kv') };
}
