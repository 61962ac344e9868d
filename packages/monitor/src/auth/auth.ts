import { createHash, randomBytes, scryptSync, timingSafeEqual } from 'node:crypto';
import { AppError } from '@etcd-monitor/core';
import type { Store } from '../storage/types.ts';
import { LoginThrottle, type LoginThrottleOptions } from './throttle.ts';

/** Role is what a user may do: `viewer` reads, `operator` also tests connections and manages silences, `admin` changes clusters and users. */
export type Role = 'viewer' | 'operator' | 'admin';

/** ROLES lists the roles from least to most powerful. */
export const ROLES: readonly Role[] = ['viewer', 'operator', 'admin'];

/** Principal is who made a request. */
export interface Principal {
  /** name is the user name, or `anonymous@IP` for trusted anonymous access. */
  name: string;
  /** role is what the principal may do. */
  role: Role;
}

interface UserDoc {
  name: string;
  role: Role;
  salt: string;
  hash: string;
  createdAt: string;
}

interface SessionDoc {
  user: string;
  expiresAt: number;
}

const SESSION_TTL_MS = 12 * 3600_000;
const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/;

/** hashPassword derives a scrypt hash; the cost parameters are stored implicitly by the version prefix. */
function hashPassword(password: string, salt: string): string {
  return `s1:${scryptSync(password, salt, 32, { N: 16384, r: 8, p: 1 }).toString('base64')}`;
}

const tokenKey = (token: string) => createHash('sha256').update(token).digest('hex');

/** roleAtLeast tells whether `have` includes everything `need` may do. */
export function roleAtLeast(have: Role, need: Role): boolean {
  return ROLES.indexOf(have) >= ROLES.indexOf(need);
}

/**
 * Auth keeps the monitor's own users (scrypt-hashed passwords) and login sessions in the store. Session tokens are
 * random, shown once, and stored only as their SHA-256, so a copy of the store does not hold usable tokens.
 */
export class Auth {
  private readonly store: Store;
  private readonly throttle: LoginThrottle;

  constructor(store: Store, o: LoginThrottleOptions = { maxFailures: 5, lockoutMs: 5 * 60_000 }) {
    this.store = store;
    this.throttle = new LoginThrottle(o);
  }

  /** userCount tells how many users exist. */
  userCount(): number {
    return this.store.listDocs('user').length;
  }

  /** listUsers returns users without their password hashes. */
  listUsers(): Array<{ name: string; role: Role; createdAt: string }> {
    return this.store.listDocs('user').map(({ doc }) => {
      const u = doc as UserDoc;
      return { name: u.name, role: u.role, createdAt: u.createdAt };
    });
  }

  /** setUser creates a user or replaces their password and role. */
  setUser(name: string, password: string, role: Role): void {
    if (!NAME_RE.test(name)) throw new AppError('MON_BAD_REQUEST', `name: "${name}" is not a valid user name`, { field: 'name', hint: 'letters, digits, ".", "_", "@" or "-"' });
    if (!ROLES.includes(role)) throw new AppError('MON_BAD_REQUEST', `role: "${role}" is not a role`, { field: 'role', hint: `one of ${ROLES.join(', ')}` });
    if (typeof password !== 'string' || password.length < 8)
      throw new AppError('MON_BAD_REQUEST', 'password: must be at least 8 characters', { field: 'password', hint: 'choose a longer password' });
    const salt = randomBytes(16).toString('base64');
    const doc: UserDoc = { name, role, salt, hash: hashPassword(password, salt), createdAt: new Date().toISOString() };
    this.store.putDoc('user', name, doc);
  }

  /** deleteUser removes a user and tells whether it existed. */
  deleteUser(name: string): boolean {
    return this.store.deleteDoc('user', name);
  }

  /**
   * login checks a password and returns a new session token; the same error for an unknown user and a wrong password.
   * Too many failures for the user name or from the address refuse further attempts for a while (MON_LOGIN_LOCKED, 429),
   * before the password is even looked at.
   */
  login(name: string, password: string, o: { address?: string; now?: number } = {}): { token: string; expiresAt: string; user: Principal } {
    const now = o.now ?? Date.now();
    const address = o.address ?? 'unknown';
    this.throttle.check(name, address, now);
    const u = this.store.getDoc('user', name) as UserDoc | undefined;
    const expected = u ? Buffer.from(u.hash) : Buffer.from(hashPassword(String(password), 'no-such-user'));
    const got = Buffer.from(hashPassword(String(password), u?.salt ?? 'no-such-user'));
    if (!u || expected.length !== got.length || !timingSafeEqual(expected, got)) {
      const locked = this.throttle.failed(name, address, now);
      throw new AppError('MON_UNAUTHORIZED', 'wrong user name or password', {
        hint: locked ? 'too many failures: further logins are refused for a while' : 'check the credentials',
      });
    }
    this.throttle.succeeded(name);
    const token = randomBytes(32).toString('base64url');
    const session: SessionDoc = { user: u.name, expiresAt: now + SESSION_TTL_MS };
    this.store.putDoc('session', tokenKey(token), session);
    return { token, expiresAt: new Date(session.expiresAt).toISOString(), user: { name: u.name, role: u.role } };
  }

  /** logout ends a session. */
  logout(token: string): void {
    this.store.deleteDoc('session', tokenKey(token));
  }

  /** principalFor resolves a session token to its user, or undefined when it is unknown or expired. */
  principalFor(token: string, now = Date.now()): Principal | undefined {
    const key = tokenKey(token);
    const s = this.store.getDoc('session', key) as SessionDoc | undefined;
    if (!s) return undefined;
    if (s.expiresAt < now) {
      this.store.deleteDoc('session', key);
      return undefined;
    }
    const u = this.store.getDoc('user', s.user) as UserDoc | undefined;
    return u ? { name: u.name, role: u.role } : undefined;
  }
}
