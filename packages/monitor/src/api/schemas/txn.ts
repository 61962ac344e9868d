import { Type, type Static } from 'typebox';
import { EtcdHeader, StringEnum } from './common.ts';
import { KeyView } from './kv.ts';

const Int = (description: string) => Type.String({ pattern: '^-?[0-9]{1,20}$', description });

// A key or range, as the key routes take it: text or base64 bytes, and a range end, or a prefix, or "from the key on".
const KeyRange = {
  key: Type.Optional(Type.String({ description: 'the key as text' })),
  keyBase64: Type.Optional(Type.String({ description: 'the key as base64 bytes' })),
  rangeEnd: Type.Optional(Type.String({ description: 'act on [key, rangeEnd) instead of one key (text)' })),
  rangeEndBase64: Type.Optional(Type.String()),
  prefix: Type.Optional(Type.Boolean({ description: 'act on every key starting with key (etcdctl --prefix)' })),
  fromKey: Type.Optional(Type.Boolean({ description: 'act on every key from key on (etcdctl --from-key)' })),
};

/** TxnCompareBody is one condition, as etcdctl writes `mod("k") > "5"`: target(key) result value. */
export const TxnCompareBody = Type.Object(
  {
    ...KeyRange,
    target: StringEnum(['VERSION', 'CREATE', 'MOD', 'VALUE', 'LEASE'] as const, { description: "etcdctl's ver, c, m, val and lease" }),
    result: StringEnum(['=', '!=', '>', '<'] as const),
    value: Type.Optional(Type.String({ description: 'a decimal number for VERSION, CREATE, MOD and LEASE (lease id in decimal); text for VALUE' })),
    valueBase64: Type.Optional(Type.String({ description: 'VALUE as base64 bytes' })),
  },
  { additionalProperties: false },
);
export type TxnCompareBody = Static<typeof TxnCompareBody>;

/** TxnOpBody is one operation of a branch, as etcdctl writes `put k v`, `get k`, `del k`. */
export const TxnOpBody = Type.Object(
  {
    op: StringEnum(['get', 'put', 'del'] as const),
    ...KeyRange,
    value: Type.Optional(Type.String({ description: 'put: the value as text' })),
    valueBase64: Type.Optional(Type.String({ description: 'put: the value as base64 bytes' })),
    lease: Type.Optional(Type.String({ pattern: '^[0-9]{1,20}$', description: 'put: attach the key to this lease (decimal id)' })),
    prevKv: Type.Optional(Type.Boolean({ description: 'put, del: answer the key(s) as they were' })),
    keysOnly: Type.Optional(Type.Boolean({ description: 'get: leave the values out' })),
    countOnly: Type.Optional(Type.Boolean({ description: 'get: only count' })),
    limit: Type.Optional(Type.Integer({ minimum: 0, maximum: 10000, description: 'get: at most this many keys (0: up to the route limit of 10000)' })),
    revision: Type.Optional(Int('get: read as of this revision')),
  },
  { additionalProperties: false },
);
export type TxnOpBody = Static<typeof TxnOpBody>;

/** TxnBody is a transaction (etcdctl txn): if every compare holds, run success, else failure. */
export const TxnBody = Type.Object(
  {
    compare: Type.Array(TxnCompareBody, { maxItems: 128, description: 'conditions, all of which must hold' }),
    success: Type.Array(TxnOpBody, { maxItems: 128, description: 'run when they all hold' }),
    failure: Type.Array(TxnOpBody, { maxItems: 128, description: 'run otherwise' }),
  },
  { additionalProperties: false },
);
export type TxnBody = Static<typeof TxnBody>;

/** TxnOpResult is what one operation of the branch that ran answered. */
export const TxnOpResult = Type.Object({
  op: StringEnum(['get', 'put', 'del'] as const),
  header: EtcdHeader,
  kvs: Type.Optional(Type.Array(KeyView, { description: 'get: the keys read' })),
  count: Type.Optional(Type.Integer({ description: 'get: how many keys are in the range' })),
  more: Type.Optional(Type.Boolean({ description: 'get: more keys are in the range than the limit let through' })),
  deleted: Type.Optional(Type.Integer({ description: 'del: how many keys went' })),
  prevKvs: Type.Optional(Type.Array(KeyView, { description: 'put, del with prevKv: the key(s) as they were' })),
});
export type TxnOpResult = Static<typeof TxnOpResult>;

/** TxnResult answers a transaction. */
export const TxnResult = Type.Object({
  succeeded: Type.Boolean({ description: 'every compare held, so success ran (else failure)' }),
  revision: Type.String({ pattern: '^[0-9]+$', description: 'the store revision after the transaction' }),
  header: EtcdHeader,
  responses: Type.Array(TxnOpResult),
});
export type TxnResult = Static<typeof TxnResult>;
