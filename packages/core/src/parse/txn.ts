// etcdctl's txn input (etcdctl/ctlv3/command/txn_command.go): compares such as `mod("key1") > "0"` or
// `val("k") = "v"`, an empty line, the success operations (`put k v [--lease=…]`, `get k [end] [flags]`,
// `del k [end] [flags]`), an empty line, the failure operations. Parsed into the monitor API's transaction body, so
// `etcd-monitor ctl txn` and the web console read the same text the same way. Browser-safe.
import { parseCtl } from './etcdctl.ts';

/** TxnTarget is what a compare looks at: etcdctl's ver, c, m, val and lease. */
export type TxnTarget = 'VERSION' | 'CREATE' | 'MOD' | 'VALUE' | 'LEASE';

/** TxnCompareInput is one parsed compare; `value` is a decimal number except for VALUE (a lease id in decimal for LEASE). */
export interface TxnCompareInput {
  /** key is the key compared. */
  key: string;
  /** target is the attribute compared. */
  target: TxnTarget;
  /** result is the relation that must hold. */
  result: '=' | '!=' | '>' | '<';
  /** value is what the attribute is compared with. */
  value: string;
}

/** TxnOpInput is one parsed operation; the fields are the monitor API's (prefix/fromKey instead of computed range ends). */
export interface TxnOpInput {
  /** op is get, put or del. */
  op: 'get' | 'put' | 'del';
  /** key is the key, or the start of the range. */
  key: string;
  /** rangeEnd ends the range (get, del). */
  rangeEnd?: string;
  /** prefix makes the range every key starting with key (get, del). */
  prefix?: boolean;
  /** fromKey makes the range every key from key on (get, del). */
  fromKey?: boolean;
  /** value is what a put writes. */
  value?: string;
  /** lease is the lease a put attaches the key to, in decimal. */
  lease?: string;
  /** prevKv answers the key(s) as they were (put, del). */
  prevKv?: boolean;
  /** keysOnly leaves values out (get). */
  keysOnly?: boolean;
  /** countOnly only counts (get). */
  countOnly?: boolean;
  /** limit caps the keys read (get). */
  limit?: number;
  /** revision reads as of a revision (get). */
  revision?: string;
}

/** TxnInput is a parsed transaction. */
export interface TxnInput {
  /** compare are the conditions. */
  compare: TxnCompareInput[];
  /** success runs when they all hold. */
  success: TxnOpInput[];
  /** failure runs otherwise. */
  failure: TxnOpInput[];
}

const TARGETS: Record<string, TxnTarget> = {
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

/** splitTxnSections splits txn's stdin into its three parts, each ended by an empty line; undefined when the input ends before (etcdctl's EOF). */
export function splitTxnSections(text: string): [string[], string[], string[]] | undefined {
  const lines = text.split('\n').map((l) => l.replace(/\r$/, ''));
  const parts: string[][] = [];
  let cur: string[] = [];
  for (const line of lines) {
    if (parts.length === 3) break;
    if (line === '') {
      parts.push(cur);
      cur = [];
    } else cur.push(line);
  }
  // The last part may end with the text itself (no trailing empty line), as a paste into a box often does.
  if (parts.length === 2 && cur.length > 0) parts.push(cur);
  else if (parts.length === 2 && lines.length > 0 && text.endsWith('\n')) parts.push(cur);
  return parts.length === 3 ? [parts[0]!, parts[1]!, parts[2]!] : undefined;
}

/** parseTxn reads the three parts of etcdctl's txn input; a string is etcdctl's error text. */
export function parseTxn(compares: string[], success: string[], failure: string[]): TxnInput | string {
  const compare: TxnCompareInput[] = [];
  for (const line of compares) {
    const c = parseCompare(line);
    if (typeof c === 'string') return c;
    compare.push(c);
  }
  const ops = (lines: string[]): TxnOpInput[] | string => {
    const out: TxnOpInput[] = [];
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

function parseCompare(line: string): TxnCompareInput | string {
  const m = /^\s*(\w+)\("((?:[^"\\]|\\.)*)"\)\s*(=|!=|<|>)\s*"((?:[^"\\]|\\.)*)"\s*$/.exec(line);
  if (!m) return `malformed comparison: ${line}`;
  const target = TARGETS[m[1]!];
  if (!target) return `malformed comparison: ${line} (unknown target ${m[1]})`;
  const key = unquote(m[2]!);
  const value = unquote(m[4]!);
  if (target !== 'VALUE') {
    const ok = target === 'LEASE' ? /^[0-9a-fA-F]{1,16}$/.test(value) : /^-?\d+$/.test(value);
    if (!ok) return `invalid txn compare request: ${line}`;
  }
  return { key, target, result: m[3] as TxnCompareInput['result'], value: target === 'LEASE' ? BigInt(`0x${value}`).toString() : value };
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

function parseOp(line: string): TxnOpInput | string {
  const words = argify(line);
  if (!['get', 'put', 'del'].includes(words[0] ?? '')) return `invalid txn request: ${line}`;
  const p = parseCtl(words);
  if (!p.ok) return `invalid txn request: ${line} (${p.error})`;
  const a = p.args;
  const flag = (n: string) => p.flags[n] === true;
  const range = (key: string, end: string | undefined) => ({
    key,
    ...(flag('prefix') ? { prefix: true } : flag('from-key') ? { fromKey: true } : end !== undefined ? { rangeEnd: end } : {}),
  });
  if (words[0] === 'put') {
    if (a.length !== 2) return `invalid txn request: ${line}`;
    const lease = String(p.flags.lease);
    const id = /^[0-9a-fA-F]{1,16}$/.test(lease) ? BigInt(`0x${lease}`).toString() : '0';
    return { op: 'put', key: a[0]!, value: a[1]!, ...(id !== '0' ? { lease: id } : {}), ...(flag('prev-kv') ? { prevKv: true } : {}) };
  }
  if (a.length < 1 || a.length > 2) return `invalid txn request: ${line}`;
  if (words[0] === 'get') {
    const limit = Number(p.flags.limit);
    const rev = String(p.flags.rev);
    return {
      op: 'get',
      ...range(a[0]!, a[1]),
      ...(flag('keys-only') ? { keysOnly: true } : {}),
      ...(flag('count-only') ? { countOnly: true } : {}),
      ...(limit > 0 ? { limit } : {}),
      ...(rev !== '0' ? { revision: rev } : {}),
    };
  }
  return { op: 'del', ...range(a[0]!, a[1]), ...(flag('prev-kv') ? { prevKv: true } : {}) };
}
