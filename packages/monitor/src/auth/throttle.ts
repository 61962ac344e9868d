import { AppError } from '@etcd-monitor/core';

interface Counter {
  failures: number;
  last: number;
  lockedUntil: number;
}

// Enough for every real user and address; beyond it the oldest entries go, so a flood of made-up names cannot grow memory.
const MAX_TRACKED = 10_000;

/** LoginThrottleOptions configures a LoginThrottle. */
export interface LoginThrottleOptions {
  /** maxFailures is how many failures for one user name lock it; an address is locked after `addressFactor` times as many. */
  maxFailures: number;
  /** lockoutMs is how long a lock lasts, and how long failures are remembered. */
  lockoutMs: number;
  /** addressFactor multiplies maxFailures for an address, which may serve several users (default 4). */
  addressFactor?: number;
}

/**
 * LoginThrottle counts failed logins per user name and per client address and refuses further attempts for a while
 * once either has too many: a password guesser gets `maxFailures` tries per name and lockout period.
 */
export class LoginThrottle {
  private readonly users = new Map<string, Counter>();
  private readonly addresses = new Map<string, Counter>();
  private readonly o: Required<LoginThrottleOptions>;

  constructor(o: LoginThrottleOptions) {
    this.o = { addressFactor: 4, ...o };
  }

  /** check throws MON_LOGIN_LOCKED (429) when the user name or the address is locked; call it before checking the password. */
  check(user: string, address: string, now = Date.now()): void {
    const u = this.users.get(user);
    const a = this.addresses.get(address);
    const until = Math.max(u && u.lockedUntil > now ? u.lockedUntil : 0, a && a.lockedUntil > now ? a.lockedUntil : 0);
    if (until === 0) return;
    const who = u && u.lockedUntil === until ? `user "${user}"` : `address ${address}`;
    const waitS = Math.ceil((until - now) / 1000);
    const err = new AppError('MON_LOGIN_LOCKED', `too many failed logins for ${who}; logins are refused until ${new Date(until).toISOString()} (in ${waitS} s)`, {
      hint: `wait ${waitS} s and try again with the right password; an admin can set a new one with PUT /api/v1/users/NAME`,
    }) as AppError & { retryAfterS: number };
    err.retryAfterS = waitS;
    throw err;
  }

  /** failed records a failed login and tells whether it locked the user name or the address. */
  failed(user: string, address: string, now = Date.now()): boolean {
    const lockedUser = this.bump(this.users, user, this.o.maxFailures, now);
    const lockedAddress = this.bump(this.addresses, address, this.o.maxFailures * this.o.addressFactor, now);
    return lockedUser || lockedAddress;
  }

  /** succeeded forgets the user name's failures; the address keeps its count, so one good account does not reset a guesser. */
  succeeded(user: string): void {
    this.users.delete(user);
  }

  private bump(map: Map<string, Counter>, key: string, max: number, now: number): boolean {
    let c = map.get(key);
    if (!c || now - c.last > this.o.lockoutMs) c = { failures: 0, last: now, lockedUntil: 0 };
    map.delete(key);
    c.failures++;
    c.last = now;
    let locked = false;
    if (c.failures >= max) {
      c.lockedUntil = now + this.o.lockoutMs;
      c.failures = 0;
      locked = true;
    }
    map.set(key, c);
    if (map.size > MAX_TRACKED) map.delete(map.keys().next().value!);
    return locked;
  }
}
