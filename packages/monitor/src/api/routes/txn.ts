import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { AppError } from '@etcd-monitor/core';
import type { ResponseOp, TxnCompare, TxnOp } from '@etcd-monitor/etcd';
import { auditedBy } from '../audited.ts';
import type { ApiDeps } from '../deps.ts';
import { bytesOf, keyRange, rangeWords, shellWord } from '../key-input.ts';
import { requireCluster } from '../known-cluster.ts';
import { NameParams, withErrors } from '../schemas/common.ts';
import { TxnBody, type TxnCompareBody, type TxnOpBody, type TxnOpResult, TxnResult } from '../schemas/txn.ts';
import type { OpsClients } from '../../ops/clients.ts';
import { headerView, keyView } from '../../ops/kv.ts';

// A get inside a transaction reads at most this many keys: a transaction is answered whole, so an unbounded range
// could make one answer the size of the keyspace.
const TXN_GET_MAX = 10_000;

const TARGET_WORD = { VERSION: 'ver', CREATE: 'create', MOD: 'mod', VALUE: 'val', LEASE: 'lease' } as const;

function compareOf(c: TxnCompareBody, at: string): { compare: TxnCompare; text: string } {
  const r = keyRange(c, at);
  let value: string | Buffer;
  if (c.target === 'VALUE') value = bytesOf(c.value, c.valueBase64, `${at}value`, true)!;
  else {
    if (c.valueBase64 !== undefined) throw new AppError('MON_BAD_REQUEST', `${at}valueBase64: only a VALUE compare takes bytes`, { field: `${at}valueBase64` });
    if (c.value === undefined || !/^-?[0-9]{1,20}$/.test(c.value)) {
      throw new AppError('MON_BAD_REQUEST', `${at}value: ${c.target} compares with a decimal number`, {
        field: `${at}value`,
        hint: c.target === 'LEASE' ? 'give the lease id in decimal' : 'such as "0"',
      });
    }
    value = c.value;
  }
  const shown = c.target === 'LEASE' ? BigInt(value as string).toString(16) : c.target === 'VALUE' ? '…' : (value as string);
  const keys = r.how === 'key' ? `"${r.key.toString('utf8')}"` : `"${r.key.toString('utf8')}" ${rangeWords(r).replace(/^.*? /, '')}`;
  return {
    compare: { key: r.key, ...(r.rangeEnd ? { rangeEnd: r.rangeEnd } : {}), target: c.target, result: c.result, value },
    text: `${TARGET_WORD[c.target]}(${keys}) ${c.result} "${shown}"`,
  };
}

function opOf(o: TxnOpBody, at: string): { op: TxnOp; text: string } {
  const only = (fields: Array<keyof TxnOpBody>, ops: string) => {
    for (const f of fields) if (o[f] !== undefined) throw new AppError('MON_BAD_REQUEST', `${at}${f}: only ${ops} takes it`, { field: `${at}${f}` });
  };
  const r = keyRange(o, at);
  if (o.op === 'put') {
    only(['keysOnly', 'countOnly', 'limit', 'revision'], 'get');
    if (r.how !== 'key') throw new AppError('MON_BAD_REQUEST', `${at}${r.how}: put writes one key`, { field: `${at}${r.how}` });
    const value = bytesOf(o.value, o.valueBase64, `${at}value`, true)!;
    const lease = o.lease && o.lease !== '0' ? o.lease : undefined;
    return {
      op: { type: 'put', key: r.key, value, ...(lease ? { lease } : {}), prevKv: o.prevKv ?? false },
      text: `put${lease ? ` --lease=${BigInt(lease).toString(16)}` : ''}${o.prevKv ? ' --prev-kv' : ''} ${shellWord(r.key)} …`,
    };
  }
  only(['value', 'valueBase64', 'lease'], 'put');
  if (o.op === 'del') {
    only(['keysOnly', 'countOnly', 'limit', 'revision'], 'get');
    return {
      op: { type: 'delete', key: r.key, ...(r.rangeEnd ? { rangeEnd: r.rangeEnd } : {}), prevKv: o.prevKv ?? false },
      text: `del${o.prevKv ? ' --prev-kv' : ''} ${rangeWords(r)}`,
    };
  }
  only(['prevKv'], 'put and del');
  const limit = o.limit && o.limit > 0 ? o.limit : TXN_GET_MAX;
  const flags = [o.keysOnly ? ' --keys-only' : '', o.countOnly ? ' --count-only' : '', o.limit ? ` --limit=${o.limit}` : '', o.revision ? ` --rev=${o.revision}` : ''].join('');
  return {
    op: {
      type: 'range',
      key: r.key,
      ...(r.rangeEnd ? { rangeEnd: r.rangeEnd } : {}),
      keysOnly: o.keysOnly ?? false,
      countOnly: o.countOnly ?? false,
      limit,
      ...(o.revision ? { revision: o.revision } : {}),
    },
    text: `get${flags} ${rangeWords(r)}`,
  };
}

function resultOf(r: ResponseOp): TxnOpResult {
  if (r.response_range) {
    const g = r.response_range;
    return { op: 'get', header: headerView(g.header), kvs: g.kvs.map((kv) => keyView(kv, true)), count: Number(g.count), more: g.more };
  }
  if (r.response_put) return { op: 'put', header: headerView(r.response_put.header), ...(r.response_put.prev_kv ? { prevKvs: [keyView(r.response_put.prev_kv, true)] } : {}) };
  const d = r.response_delete_range!;
  return { op: 'del', header: headerView(d.header), deleted: Number(d.deleted), ...(d.prev_kvs.length ? { prevKvs: d.prev_kvs.map((kv) => keyView(kv, true)) } : {}) };
}

/** bashQuote writes text as bash's $'…' so the audit line is one line that a shell reads back as the same text. */
function bashQuote(s: string): string {
  return `$'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\n/g, '\\n')}'`;
}

/**
 * txnRoutes serve etcdctl's `txn`: compares, then the operations of the success and the failure branch, as JSON, run
 * atomically (operator). The audit entry spells it as etcdctl reads it from stdin, with the values left out.
 */
export async function txnRoutes(fastify: FastifyInstance, deps: ApiDeps, ops: OpsClients): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const audited = auditedBy(deps);

  app.post(
    '/clusters/:name/txn',
    {
      config: { role: 'operator' },
      schema: {
        summary: 'Run a transaction (etcdctl txn): if every compare holds, the success operations, else the failure ones, atomically',
        tags: ['keys'],
        params: NameParams,
        body: TxnBody,
        response: withErrors({ 200: TxnResult }),
      },
    },
    async (req) => {
      requireCluster(deps, req.params.name);
      const name = req.params.name;
      const b = req.body;
      // Every field is checked before anything is sent or audited: a bad body is a 400 naming the field.
      const compare = b.compare.map((c, i) => compareOf(c, `compare.${i}.`));
      const success = b.success.map((o, i) => opOf(o, `success.${i}.`));
      const failure = b.failure.map((o, i) => opOf(o, `failure.${i}.`));
      const stdin = [compare, success, failure].map((part) => part.map((x) => `${x.text}\n`).join('')).join('\n');
      const target = String(b.compare.length ? compare[0]!.compare.key : (b.success[0]?.key ?? b.failure[0]?.key ?? ''));
      return audited(req, 'kv.txn', target, name, `etcdctl txn <<< ${bashQuote(stdin)}`, async () => {
        const t = await ops.get(name).txn({ compare: compare.map((x) => x.compare), success: success.map((x) => x.op), failure: failure.map((x) => x.op) });
        return { succeeded: t.succeeded, revision: t.header.revision, header: headerView(t.header), responses: t.responses.map(resultOf) };
      });
    },
  );
}
