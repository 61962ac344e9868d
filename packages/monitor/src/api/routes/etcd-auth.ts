import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { AppError } from '@etcd-monitor/core';
import { prefixRangeEnd, type AuthRoleGetResponse, type ResponseHeader } from '@etcd-monitor/etcd';
import { auditedBy } from '../audited.ts';
import type { ApiDeps } from '../deps.ts';
import { keyRange, rangeWords, shellWord } from '../key-input.ts';
import { requireCluster } from '../known-cluster.ts';
import { NameParams, withErrors } from '../schemas/common.ts';
import {
  EtcdAuthStatus,
  EtcdDone,
  EtcdRole,
  EtcdRoleList,
  EtcdUser,
  EtcdUserList,
  PasswordBody,
  PermissionBody,
  PermissionQuery,
  RoleAddBody,
  RoleParams,
  UserAddBody,
  UserParams,
  UserRoleParams,
} from '../schemas/etcd-auth.ts';
import type { OpsClients } from '../../ops/clients.ts';
import { headerView } from '../../ops/kv.ts';

const word = (s: string) => shellWord(Buffer.from(s, 'utf8'));

function permissionsOf(r: AuthRoleGetResponse): EtcdRole['permissions'] {
  return r.perm.map((p) => {
    const end = p.range_end;
    return {
      type: p.permType.toUpperCase() as 'READ' | 'WRITE' | 'READWRITE',
      key: p.key.toString('utf8'),
      keyBase64: p.key.toString('base64'),
      rangeEnd: end.toString('utf8'),
      rangeEndBase64: end.toString('base64'),
      prefix: end.length > 0 && prefixRangeEnd(p.key).equals(end) && !(end.length === 1 && end[0] === 0),
      fromKey: end.length === 1 && end[0] === 0,
    };
  });
}

/**
 * etcdAuthRoutes serve etcdctl's `user`, `role` and `auth` commands on a cluster's own authentication (not the
 * monitor's logins): every user and role route needs the admin role, reads included; auth status is for every role.
 * Passwords go to etcd only: never answered, logged, or written to the audit log (the audited command reads the
 * password from stdin, as `etcdctl user add NAME --interactive=false` does).
 */
export async function etcdAuthRoutes(fastify: FastifyInstance, deps: ApiDeps, ops: OpsClients): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const audited = auditedBy(deps);
  const cluster = (name: string) => {
    requireCluster(deps, name);
    return name;
  };
  const admin = { role: 'admin' as const };
  const done = (r: { header: ResponseHeader | null }) => ({ ...(r.header ? { revision: r.header.revision } : {}), header: headerView(r.header) });

  app.get(
    '/clusters/:name/auth/status',
    { schema: { summary: 'Whether etcd authentication is on (etcdctl auth status)', tags: ['etcd auth'], params: NameParams, response: withErrors({ 200: EtcdAuthStatus }) } },
    async (req) => {
      const r = await ops.read(cluster(req.params.name), (rpc) => rpc.authStatus());
      return { enabled: r.enabled, authRevision: r.authRevision, header: headerView(r.header) };
    },
  );

  for (const what of ['enable', 'disable'] as const) {
    app.post(
      `/clusters/:name/auth/${what}`,
      {
        config: admin,
        schema: {
          summary:
            what === 'enable'
              ? 'Turn etcd authentication on (a user root with the role root must exist; the monitor must then connect with credentials)'
              : 'Turn etcd authentication off',
          tags: ['etcd auth'],
          params: NameParams,
          response: withErrors({ 200: EtcdDone }),
        },
      },
      async (req) => {
        const name = cluster(req.params.name);
        return audited(req, `auth.${what}`, name, name, `etcdctl auth ${what}`, async () => {
          const rpc = ops.get(name);
          return done(what === 'enable' ? await rpc.authEnable() : await rpc.authDisable());
        });
      },
    );
  }

  app.get(
    '/clusters/:name/users',
    { config: admin, schema: { summary: 'The etcd users (etcdctl user list)', tags: ['etcd auth'], params: NameParams, response: withErrors({ 200: EtcdUserList }) } },
    async (req) => {
      const r = await ops.read(cluster(req.params.name), (rpc) => rpc.userList());
      return { users: r.users, header: headerView(r.header) };
    },
  );

  app.get(
    '/clusters/:name/users/:user',
    { config: admin, schema: { summary: "An etcd user's roles (etcdctl user get)", tags: ['etcd auth'], params: UserParams, response: withErrors({ 200: EtcdUser }) } },
    async (req) => {
      const user = req.params.user;
      const r = await ops.read(cluster(req.params.name), (rpc) => rpc.userGet(user));
      return { name: user, roles: r.roles, header: headerView(r.header) };
    },
  );

  app.post(
    '/clusters/:name/users',
    {
      config: admin,
      schema: {
        summary: 'Add an etcd user with a password, or without one for TLS certificate (CN) authentication (etcdctl user add)',
        tags: ['etcd auth'],
        params: NameParams,
        body: UserAddBody,
        response: withErrors({ 200: EtcdDone }),
      },
    },
    async (req) => {
      const name = cluster(req.params.name);
      const b = req.body;
      if (b.noPassword && b.password !== undefined) throw new AppError('MON_BAD_REQUEST', 'password: cannot be given with noPassword', { field: 'password' });
      if (!b.noPassword && b.password === undefined) {
        throw new AppError('MON_BAD_REQUEST', 'password: is required', {
          field: 'password',
          hint: 'give a password, or noPassword: true for a user that authenticates by certificate',
        });
      }
      const command = `etcdctl user add ${word(b.name)} ${b.noPassword ? '--no-password' : '--interactive=false'}`;
      return audited(req, 'user.add', b.name, name, command, async () => done(await ops.get(name).userAdd(b.name, b.password ?? '', { noPassword: b.noPassword ?? false })));
    },
  );

  app.delete(
    '/clusters/:name/users/:user',
    { config: admin, schema: { summary: 'Delete an etcd user (etcdctl user delete)', tags: ['etcd auth'], params: UserParams, response: withErrors({ 200: EtcdDone }) } },
    async (req) => {
      const name = cluster(req.params.name);
      const user = req.params.user;
      return audited(req, 'user.delete', user, name, `etcdctl user delete ${word(user)}`, async () => done(await ops.get(name).userDelete(user)));
    },
  );

  app.put(
    '/clusters/:name/users/:user/password',
    {
      config: admin,
      schema: {
        summary: "Set an etcd user's password (etcdctl user passwd)",
        tags: ['etcd auth'],
        params: UserParams,
        body: PasswordBody,
        response: withErrors({ 200: EtcdDone }),
      },
    },
    async (req) => {
      const name = cluster(req.params.name);
      const user = req.params.user;
      return audited(req, 'user.passwd', user, name, `etcdctl user passwd ${word(user)} --interactive=false`, async () =>
        done(await ops.get(name).userChangePassword(user, req.body.password)),
      );
    },
  );

  app.put(
    '/clusters/:name/users/:user/roles/:role',
    {
      config: admin,
      schema: { summary: 'Grant an etcd user a role (etcdctl user grant-role)', tags: ['etcd auth'], params: UserRoleParams, response: withErrors({ 200: EtcdDone }) },
    },
    async (req) => {
      const name = cluster(req.params.name);
      const { user, role } = req.params;
      return audited(req, 'user.grant-role', user, name, `etcdctl user grant-role ${word(user)} ${word(role)}`, async () => done(await ops.get(name).userGrantRole(user, role)));
    },
  );

  app.delete(
    '/clusters/:name/users/:user/roles/:role',
    {
      config: admin,
      schema: { summary: 'Take a role from an etcd user (etcdctl user revoke-role)', tags: ['etcd auth'], params: UserRoleParams, response: withErrors({ 200: EtcdDone }) },
    },
    async (req) => {
      const name = cluster(req.params.name);
      const { user, role } = req.params;
      return audited(req, 'user.revoke-role', user, name, `etcdctl user revoke-role ${word(user)} ${word(role)}`, async () => done(await ops.get(name).userRevokeRole(user, role)));
    },
  );

  app.get(
    '/clusters/:name/roles',
    { config: admin, schema: { summary: 'The etcd roles (etcdctl role list)', tags: ['etcd auth'], params: NameParams, response: withErrors({ 200: EtcdRoleList }) } },
    async (req) => {
      const r = await ops.read(cluster(req.params.name), (rpc) => rpc.roleList());
      return { roles: r.roles, header: headerView(r.header) };
    },
  );

  app.get(
    '/clusters/:name/roles/:role',
    { config: admin, schema: { summary: "An etcd role's key permissions (etcdctl role get)", tags: ['etcd auth'], params: RoleParams, response: withErrors({ 200: EtcdRole }) } },
    async (req) => {
      const role = req.params.role;
      const r = await ops.read(cluster(req.params.name), (rpc) => rpc.roleGet(role));
      return { name: role, permissions: permissionsOf(r), header: headerView(r.header) };
    },
  );

  app.post(
    '/clusters/:name/roles',
    {
      config: admin,
      schema: { summary: 'Add an etcd role (etcdctl role add)', tags: ['etcd auth'], params: NameParams, body: RoleAddBody, response: withErrors({ 200: EtcdDone }) },
    },
    async (req) => {
      const name = cluster(req.params.name);
      const role = req.body.name;
      return audited(req, 'role.add', role, name, `etcdctl role add ${word(role)}`, async () => done(await ops.get(name).roleAdd(role)));
    },
  );

  app.delete(
    '/clusters/:name/roles/:role',
    { config: admin, schema: { summary: 'Delete an etcd role (etcdctl role delete)', tags: ['etcd auth'], params: RoleParams, response: withErrors({ 200: EtcdDone }) } },
    async (req) => {
      const name = cluster(req.params.name);
      const role = req.params.role;
      return audited(req, 'role.delete', role, name, `etcdctl role delete ${word(role)}`, async () => done(await ops.get(name).roleDelete(role)));
    },
  );

  app.post(
    '/clusters/:name/roles/:role/permissions',
    {
      config: admin,
      schema: {
        summary: 'Grant an etcd role read, write or both on a key, a range, a prefix or every key from a key on (etcdctl role grant-permission)',
        tags: ['etcd auth'],
        params: RoleParams,
        body: PermissionBody,
        response: withErrors({ 200: EtcdDone }),
      },
    },
    async (req) => {
      const name = cluster(req.params.name);
      const role = req.params.role;
      const r = keyRange(req.body);
      const command = `etcdctl role grant-permission ${word(role)} ${req.body.type.toLowerCase()} ${rangeWords(r)}`;
      return audited(req, 'role.grant-permission', role, name, command, async () =>
        done(await ops.get(name).roleGrantPermission(role, { permType: req.body.type, key: r.key, ...(r.rangeEnd ? { rangeEnd: r.rangeEnd } : {}) })),
      );
    },
  );

  app.delete(
    '/clusters/:name/roles/:role/permissions',
    {
      config: admin,
      schema: {
        summary: 'Revoke the key permission an etcd role was granted on exactly this key or range (etcdctl role revoke-permission)',
        tags: ['etcd auth'],
        params: RoleParams,
        querystring: PermissionQuery,
        response: withErrors({ 200: EtcdDone }),
      },
    },
    async (req) => {
      const name = cluster(req.params.name);
      const role = req.params.role;
      const r = keyRange(req.query);
      return audited(req, 'role.revoke-permission', role, name, `etcdctl role revoke-permission ${word(role)} ${rangeWords(r)}`, async () =>
        done(await ops.get(name).roleRevokePermission(role, r.key, r.rangeEnd)),
      );
    },
  );
}
