import { Type, type Static } from 'typebox';
import { EtcdHeader } from './common.ts';

const Id = (description: string) => Type.String({ pattern: '^[0-9]{1,20}$', description });
const Hex = Type.String({ description: 'the id in hex, as etcdctl prints and takes it' });
const Revision = Type.String({ pattern: '^[0-9]+$', description: 'the store revision of the answer' });

/** LeaseParams name a cluster and one of its leases (decimal id, as a key's `lease` field gives it). */
export const LeaseParams = Type.Object({ name: Type.String(), lease: Id('the lease id in decimal (etcdctl takes hex: convert it)') });

/** LeaseGrantBody asks for a lease (etcdctl lease grant TTL). */
export const LeaseGrantBody = Type.Object(
  {
    ttl: Type.Integer({ minimum: 1, maximum: 9_000_000_000, description: 'seconds the lease lives without keep-alives (etcd may raise a very short one to its minimum)' }),
    id: Type.Optional(Id('ask for this lease id (decimal); without it etcd picks one')),
  },
  { additionalProperties: false },
);
export type LeaseGrantBody = Static<typeof LeaseGrantBody>;

/** LeaseView is a lease as granted or renewed: its id and time to live. */
export const LeaseView = Type.Object({
  id: Id('the lease id in decimal'),
  hex: Hex,
  ttl: Type.Integer({ description: 'seconds left' }),
  revision: Revision,
  header: EtcdHeader,
});
export type LeaseView = Static<typeof LeaseView>;

/** LeaseInfo is a lease's time to live (etcdctl lease timetolive), with its keys when asked. */
export const LeaseInfo = Type.Object({
  id: Id('the lease id in decimal'),
  hex: Hex,
  ttl: Type.Integer({ description: 'seconds left' }),
  grantedTtl: Type.Integer({ description: 'the TTL it was granted with' }),
  keys: Type.Optional(
    Type.Array(Type.Object({ key: Type.String({ description: 'as UTF-8 text (invalid bytes replaced; keyBase64 is exact)' }), keyBase64: Type.String() }), {
      description: 'the keys attached to it, with keys=true',
    }),
  ),
  revision: Revision,
  header: EtcdHeader,
});
export type LeaseInfo = Static<typeof LeaseInfo>;

/** LeaseInfoQuery asks for a lease's keys too. */
export const LeaseInfoQuery = Type.Object(
  { keys: Type.Optional(Type.Boolean({ default: false, description: 'list the keys attached to the lease (etcdctl --keys)' })) },
  { additionalProperties: false },
);

/** LeaseList is every live lease (etcdctl lease list). */
export const LeaseList = Type.Object({ leases: Type.Array(Type.Object({ id: Id('decimal'), hex: Hex })), revision: Revision, header: EtcdHeader });
export type LeaseList = Static<typeof LeaseList>;

/** LeaseRevoked answers a revoke: the lease is gone, and with it every key attached to it. */
export const LeaseRevoked = Type.Object({ id: Id('decimal'), hex: Hex, revision: Revision, header: EtcdHeader });
export type LeaseRevoked = Static<typeof LeaseRevoked>;
