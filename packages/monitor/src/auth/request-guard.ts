import { isIP } from 'node:net';
import { AppError } from '@etcd-monitor/core';

/** isLoopbackAddress tells whether a peer address is loopback (127.0.0.0/8, ::1, or 127.x mapped into IPv6). */
export function isLoopbackAddress(ip: string): boolean {
  return /^(127\.|::1$|::ffff:127\.)/.test(ip);
}

/**
 * isLoopbackHost tells whether a Host header names this machine by a loopback name: `localhost`, an address in
 * 127.0.0.0/8 or `[::1]`, each with or without a port. A page of another site that has re-bound its own name to
 * 127.0.0.1 (DNS rebinding) still sends its own name as the Host, so it is not taken for a local user.
 */
export function isLoopbackHost(host: string | undefined): boolean {
  if (!host) return false;
  const m = /^(?:\[([^\]]+)\]|([^:[\]]+))(?::(\d{1,5}))?$/.exec(host.trim().toLowerCase());
  if (!m) return false;
  const name = m[1] ?? m[2]!;
  if (name === 'localhost' || name === 'localhost.') return true;
  if (m[1] !== undefined) return name === '::1' || /^::ffff:127\.\d+\.\d+\.\d+$/.test(name);
  return isIP(name) === 4 && name.startsWith('127.');
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * checkOrigin refuses a state-changing request whose `Origin` is not the monitor's own (MON_BAD_ORIGIN, 403): a page of
 * another site may send a form or a "simple" fetch to the monitor, and the browser would carry its cookie. Requests
 * without an Origin (curl, scripts, Prometheus) are not browsers' cross-site requests and pass.
 */
export function checkOrigin(method: string, origin: string | undefined, host: string | undefined): void {
  if (SAFE_METHODS.has(method) || origin === undefined) return;
  let originHost: string | undefined;
  try {
    const u = new URL(origin);
    if (u.protocol === 'http:' || u.protocol === 'https:') originHost = u.host;
  } catch {
    // An opaque origin ("null": sandboxed frames, file: pages) matches no host.
  }
  if (originHost !== undefined && host !== undefined && originHost === host.trim().toLowerCase()) return;
  throw new AppError(
    'MON_BAD_ORIGIN',
    `cross-origin request refused: Origin ${JSON.stringify(origin.slice(0, 200))} does not match the Host ${JSON.stringify((host ?? '').slice(0, 200))}`,
    {
      hint: "change things from the monitor's own pages, or call the API without an Origin header (curl, scripts)",
    },
  );
}
