import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { AppError, isAppError } from '@etcd-monitor/core';
import type { ApiDeps } from '../deps.ts';
import { withErrors, NoContent } from '../schemas/common.ts';
import { LoginBody, Session, User, UserBody, UserParams, Whoami } from '../schemas/auth.ts';

/** authRoutes serves login, logout, who-am-i and user management (admin only). */
export async function authRoutes(fastify: FastifyInstance, deps: ApiDeps): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  app.post(
    '/login',
    {
      config: { public: true },
      schema: {
        summary: 'Log in: returns a session token (also set as the em_session cookie); 429 after too many failures',
        tags: ['auth'],
        body: LoginBody,
        response: withErrors({ 200: Session }),
      },
    },
    async (req, reply) => {
      const { username, password } = req.body;
      let s: ReturnType<typeof deps.auth.login>;
      try {
        s = deps.auth.login(username, password, { address: req.ip });
      } catch (err) {
        // Refused attempts while locked are not audited one by one: the lock already bounds them, the log would not.
        if (isAppError(err, 'MON_UNAUTHORIZED')) deps.audit('auth.login_failed', username, req);
        throw err;
      }
      deps.audit('auth.login', username, req);
      reply.header('set-cookie', `em_session=${s.token}; HttpOnly; SameSite=Strict; Path=/; Max-Age=${12 * 3600}`);
      return s;
    },
  );
  app.post(
    '/logout',
    { config: { role: 'viewer' }, schema: { summary: 'End the current session', tags: ['auth'], response: withErrors({ 204: NoContent }) } },
    async (req, reply) => {
      const token = tokenOf(req.headers.authorization, req.headers.cookie);
      if (token) deps.auth.logout(token);
      reply.header('set-cookie', 'em_session=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0');
      return reply.status(204).send();
    },
  );
  app.get('/whoami', { schema: { summary: 'The current principal and its role', tags: ['auth'], response: withErrors({ 200: Whoami }) } }, async (req) => req.principal);
  app.get('/users', { config: { role: 'admin' }, schema: { summary: 'Users (no password hashes)', tags: ['auth'], response: withErrors({ 200: Type.Array(User) }) } }, async () =>
    deps.auth.listUsers(),
  );
  app.put(
    '/users/:name',
    {
      config: { role: 'admin' },
      schema: {
        summary: 'Create a user or set their password and role',
        tags: ['auth'],
        params: UserParams,
        body: UserBody,
        response: withErrors({ 204: NoContent }),
      },
    },
    async (req, reply) => {
      const { name } = req.params;
      const { password, role } = req.body;
      deps.auth.setUser(name, password, role);
      deps.audit('user.set', name, req);
      return reply.status(204).send();
    },
  );
  app.delete(
    '/users/:name',
    { config: { role: 'admin' }, schema: { summary: 'Delete a user', tags: ['auth'], params: UserParams, response: withErrors({ 204: NoContent }) } },
    async (req, reply) => {
      const { name } = req.params;
      if (!deps.auth.deleteUser(name)) throw new AppError('MON_NOT_FOUND', `no user named "${name}"`);
      deps.audit('user.delete', name, req);
      return reply.status(204).send();
    },
  );
}

/** tokenOf finds a session token in a Bearer header or the em_session cookie. */
export function tokenOf(authorization: string | undefined, cookie: string | undefined): string | undefined {
  const m = /^Bearer\s+(\S+)$/i.exec(authorization ?? '');
  if (m) return m[1];
  const c = /(?:^|;\s*)em_session=([^;]+)/.exec(cookie ?? '');
  return c?.[1] || undefined;
}
