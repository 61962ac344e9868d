import { Type, type Static } from 'typebox';
import { EtcdHeader, StringEnum } from './common.ts';

const Name = (description: string) => Type.String({ minLength: 1, maxLength: 256, description });
const Revision = Type.String({ pattern: '^[0-9]+$', description: 'the store revision of the answer' });

/** EtcdAuthStatus tells whether etcd authentication is on (etcdctl auth status). */
export const EtcdAuthStatus = Type.Object({
  enabled: Type.Boolean(),
  authRevision: Type.String({ description: 'etcd\'s auth revision (etcd 3.5 and later; "0" on 3.4, which cannot tell it)' }),
  header: EtcdHeader,
});
export type EtcdAuthStatus = Static<typeof EtcdAuthStatus>;

/** EtcdDone answers a user, role or auth change. */
export const EtcdDone = Type.Object({ revision: Type.Optional(Revision), header: EtcdHeader });
export type EtcdDone = Static<typeof EtcdDone>;

/** EtcdUserList is the users (etcdctl user list). */
export const EtcdUserList = Type.Object({ users: Type.Array(Type.String()), header: EtcdHeader });
export type EtcdUserList = Static<typeof EtcdUserList>;

/** EtcdUser is one user and its roles (etcdctl user get). */
export const EtcdUser = Type.Object({ name: Type.String(), roles: Type.Array(Type.String()), header: EtcdHeader });
export type EtcdUser = Static<typeof EtcdUser>;

/** EtcdRoleList is the roles (etcdctl role list). */
export const EtcdRoleList = Type.Object({ roles: Type.Array(Type.String()), header: EtcdHeader });
export type EtcdRoleList = Static<typeof EtcdRoleList>;

/** EtcdPermission is one key permission of a role. */
export const EtcdPermission = Type.Object({
  type: StringEnum(['READ', 'WRITE', 'READWRITE'] as const),
  key: Type.String({ description: 'as UTF-8 text (keyBase64 is exact)' }),
  keyBase64: Type.String(),
  rangeEnd: Type.String({ description: 'empty for the single key; "\\u0000" for every key from key on' }),
  rangeEndBase64: Type.String(),
  prefix: Type.Boolean({ description: 'the range is every key starting with key' }),
  fromKey: Type.Boolean({ description: 'the range is every key from key on' }),
});
export type EtcdPermission = Static<typeof EtcdPermission>;

/** EtcdRole is one role and its key permissions (etcdctl role get). */
export const EtcdRole = Type.Object({ name: Type.String(), permissions: Type.Array(EtcdPermission), header: EtcdHeader });
export type EtcdRole = Static<typeof EtcdRole>;

/** UserParams name a cluster and one of its etcd users. */
export const UserParams = Type.Object({ name: Type.String(), user: Name('the etcd user') });

/** UserRoleParams name a user and a role. */
export const UserRoleParams = Type.Object({ name: Type.String(), user: Name('the etcd user'), role: Name('the etcd role') });

/** RoleParams name a cluster and one of its etcd roles. */
export const RoleParams = Type.Object({ name: Type.String(), role: Name('the etcd role') });

/** UserAddBody creates an etcd user; the password is never answered, logged or audited. */
export const UserAddBody = Type.Object(
  {
    name: Name('the new user'),
    password: Type.Optional(Type.String({ minLength: 1, maxLength: 1024, writeOnly: true, description: 'its password (required unless noPassword)' })),
    noPassword: Type.Optional(Type.Boolean({ description: 'a user without a password, that authenticates by TLS certificate CN only (etcd 3.4.13+)' })),
  },
  { additionalProperties: false },
);
export type UserAddBody = Static<typeof UserAddBody>;

/** PasswordBody sets a user's password; it is never answered, logged or audited. */
export const PasswordBody = Type.Object({ password: Type.String({ minLength: 1, maxLength: 1024, writeOnly: true }) }, { additionalProperties: false });

/** RoleAddBody creates an etcd role. */
export const RoleAddBody = Type.Object({ name: Name('the new role') }, { additionalProperties: false });

const PermRange = {
  key: Type.Optional(Type.String({ description: 'the key as text' })),
  keyBase64: Type.Optional(Type.String()),
  rangeEnd: Type.Optional(Type.String({ description: 'the range [key, rangeEnd) instead of one key' })),
  rangeEndBase64: Type.Optional(Type.String()),
  prefix: Type.Optional(Type.Boolean({ description: 'every key starting with key' })),
  fromKey: Type.Optional(Type.Boolean({ description: 'every key from key on' })),
};

/** PermissionBody grants a role a key permission (etcdctl role grant-permission). */
export const PermissionBody = Type.Object({ type: StringEnum(['READ', 'WRITE', 'READWRITE'] as const), ...PermRange }, { additionalProperties: false });
export type PermissionBody = Static<typeof PermissionBody>;

/** PermissionQuery names the permission to revoke (etcdctl role revoke-permission): the same key and range it was granted with. */
export const PermissionQuery = Type.Object(PermRange, { additionalProperties: false });
