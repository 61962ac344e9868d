// Schemas every resource uses. The schemas/ files import only typebox and each other, so the web's type check can read
// them (through ../contract.ts) without taking in the monitor's internals.
import { Type, type Static, type TSchema } from 'typebox';

/** Nullable is a schema that also accepts null: a field the API sends as null while it is not known. */
export const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);

/** StringEnum is a string of one of the given values, written as JSON Schema's enum (as Ajv reports it: "must be equal to one of the allowed values"). */
export const StringEnum = <const T extends readonly string[]>(values: T, options: { description?: string; default?: T[number] } = {}) =>
  Type.Unsafe<T[number]>({ type: 'string', enum: [...values], ...options });

/** StringMap is an object of string values whose keys are data (labels, annotations). */
export const StringMap = Type.Record(Type.String(), Type.String());

/** OpenObject is an object whose keys the schema does not list; the serializer passes every key through. */
export const OpenObject = Type.Object({}, { additionalProperties: true });

/** ErrorBody is every error answer: `{ error: { code, message, field?, hint?, issues? } }` with a stable code. */
export const ErrorBody = Type.Object(
  {
    error: Type.Object(
      {
        code: Type.String({ description: 'a stable code such as MON_BAD_REQUEST' }),
        message: Type.String(),
        field: Type.Optional(Type.String({ description: 'the request field to fix' })),
        hint: Type.Optional(Type.String({ description: 'what to do about it' })),
        issues: Type.Optional(Type.Array(Type.Unknown(), { description: 'every problem found, when there are several' })),
      },
      { additionalProperties: true },
    ),
  },
  { description: 'An error' },
);

/** NoContent documents a 204 answer. */
export const NoContent = Type.Unsafe<void>({ type: 'null', description: 'No content' });

/** NameParams is the `:name` path parameter. */
export const NameParams = Type.Object({ name: Type.String() });

/** withErrors adds the error answers to a route's success responses, so the OpenAPI document lists them. */
export function withErrors<R extends Record<number, TSchema>>(responses: R): R & { '4xx': typeof ErrorBody; '5xx': typeof ErrorBody } {
  return { ...responses, '4xx': ErrorBody, '5xx': ErrorBody };
}

const Uint64 = (description: string) => Type.String({ pattern: '^[0-9]+$', description });

/** EtcdHeader is etcd's response header of the call that answered: 64-bit values as decimal strings (ids exceed 2^53). */
export const EtcdHeader = Type.Object(
  {
    clusterId: Uint64('the cluster id, decimal'),
    memberId: Uint64('the id of the member that answered, decimal'),
    revision: Uint64('the store revision when the call was applied'),
    raftTerm: Uint64('the raft term when the call was applied'),
  },
  { description: "etcd's response header (what etcdctl -w json prints as header)" },
);
export type EtcdHeader = Static<typeof EtcdHeader>;
