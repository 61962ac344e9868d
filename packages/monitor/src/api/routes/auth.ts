import type { FastifyInstance } from 'fastify';
import { AppError, isAppError } from '@etcd-monitor/core';
import type { ApiDeps } from '../deps.ts';
import { ROLES, type Role } from '../../auth/auth.ts';

/** authRoutes serves login, logout, who-am-i and user management (admin only). */
export async function authRoutes(app: FastifyInstance, deps: ApiDeps): Promise<void> {
  app.post('/login', {
    config: { public: true },
    schema: {
      summary: 'Log in: returns a session token (also set as the em_session cookie); 429 after too many failures',
      tags: ['auth'],
      body: { type: 'object', required: ['username', 'password'], properties: { username: { type: 'string', maxLength: 256 }, password: { type: 'string', maxLength: 1024 } } },
    },
  }, async (req, reply) => {
    const { username, password } = req.body as { username: string; password: string };
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
  });
  app.post('/logout', { config: { role: 'viewer' }, schema: { summary: 'End the current session', tags: ['auth'] } }, async (req, reply) => {
    const token = tokenOf(req.headers.authorization, req.headers.cookie);
    if (token) deps.auth.logout(token);
    reply.header('set-cookie', 'em_session=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0');
    return reply.status(204).send();
  });
  app.get('/whoami', { schema: { summary: 'The current principal and its role', tags: ['auth'] } }, async (req) => req.principal);
  app.get('/users', { config: { role: 'admin' }, schema: { summary: 'Users (no password hashes)', tags: ['auth'] } }, async () => deps.auth.listUsers());
  app.put('/users/:name', {
    config: { role: 'admin' },
    schema: {
      summary: 'Create a user or set their password and role',
      tags: ['auth'],
      params: { type: 'object', properties: { name: { type: 'string' } }, required: ['name'] },
      body: { type: 'object', required: ['password', 'role'], properties: { password: { type: 'string', maxLength: 1024 }, role: { type: 'string', enum: [...ROLES] } } },
    },
  }, async (req, reply) => {
    const { name } = req.params as { name: string };
    const { password, role } = req.body as { password: string; role: Role };
    deps.auth.setUser(name, password, role);
    deps.audit('user.set', name, req);
    return reply.status(204).send();
  });
  app.delete('/users/:name', { config: { role: 'admin' }, schema: { summary: 'Delete a user', tags: ['auth'], params: { type: 'object', properties: { name: { type: 'string' } }, required: ['name'] } } }, async (req, reply) => {
    const { name } = req.params as { name: string };
    if (!deps.auth.deleteUser(name)) throw new AppError('MON_NOT_FOUND', `no user named "${name}"`);
    deps.audit('user.delete', name, req);
    return reply.status(204).send();
  });
}

/** tokenOf finds a session token in a Bearer header or the em_session cookie. */
export function tokenOf(authorization: string | undefined, cookie: string | undefined): string | undefined {
  const m = /^Bearer\s+(\S+)$/i.exec(authorization ?? '');
  if (m) return m[1];
  const c = /(?:^|;\s*)em_session=([^;]+)/.exec(cookie ?? '');
  return c?.[1] || undefined;
}
