import { AppError, type ErrorCode } from '../errors.ts';

/** HostPort is a parsed `host:port`: the host without brackets, and the port. */
export interface HostPort {
  /** host is a hostname, an IPv4 address or an IPv6 address (without its brackets). */
  host: string;
  /** port is the TCP port. */
  port: number;
}

/** HostPortOptions say what an address may omit and how its errors are named. */
export interface HostPortOptions {
  /** field is the flag or config key named in errors (default `address`). */
  field?: string;
  /** defaultPort is taken when the text has no port; without it a missing port is an error. */
  defaultPort?: number;
  /** allowPortZero accepts port 0 (a listener on any free port). */
  allowPortZero?: boolean;
  /** code is the error code thrown (default `CORE_BAD_ADDRESS`). */
  code?: ErrorCode;
  /** example is an address shown in the hint (default `127.0.0.1:8080`). */
  example?: string;
}

/** isIPv4 tells whether a string is a dotted-quad IPv4 address. */
export function isIPv4(s: string): boolean {
  const parts = s.split('.');
  return parts.length === 4 && parts.every((p) => /^(0|[1-9]\d{0,2})$/.test(p) && Number(p) <= 255);
}

/** isIPv6 tells whether a string is an IPv6 address (`::` shortening, a trailing IPv4 part and a `%zone` accepted). */
export function isIPv6(s: string): boolean {
  const zone = s.indexOf('%');
  const addr = zone < 0 ? s : s.slice(0, zone);
  if (zone >= 0 && !/^%[\w.-]+$/.test(s.slice(zone))) return false;
  const halves = addr.split('::');
  if (halves.length > 2) return false;
  const groups = halves.flatMap((h) => (h === '' ? [] : h.split(':')));
  let count = 0;
  for (let i = 0; i < groups.length; i++) {
    const g = groups[i]!;
    if (i === groups.length - 1 && g.includes('.') && !addr.endsWith('::')) {
      if (!isIPv4(g)) return false;
      count += 2;
    } else if (/^[0-9a-fA-F]{1,4}$/.test(g)) count++;
    else return false;
  }
  return halves.length === 2 ? count < 8 : count === 8;
}

const HOSTNAME = /^[A-Za-z0-9_]([A-Za-z0-9_-]*[A-Za-z0-9_])?(\.[A-Za-z0-9_]([A-Za-z0-9_-]*[A-Za-z0-9_])?)*\.?$/;

/**
 * checkHostPort reads `host:port` (an IPv6 host in brackets: `[::1]:8080`); a host alone takes `defaultPort` when one is
 * given. It returns why the text is not an address instead of throwing, for validators that collect every problem.
 */
export function checkHostPort(text: string, opts: Omit<HostPortOptions, 'field' | 'code' | 'example'> = {}): HostPort | string {
  const s = String(text).trim();
  const q = JSON.stringify(s);
  if (s === '') return 'is empty';
  let host: string;
  let portText: string | undefined;
  if (s.startsWith('[')) {
    const m = /^\[([^\]]*)\](?::(.*))?$/.exec(s);
    if (!m) return `${q} is not "host:port"`;
    host = m[1]!;
    portText = m[2];
    if (!isIPv6(host)) return `"${host}" in brackets is not an IPv6 address`;
  } else {
    const colon = s.indexOf(':');
    if (colon !== s.lastIndexOf(':')) return isIPv6(s.replace(/:\d+$/, '')) || isIPv6(s) ? `${q} is an IPv6 address without brackets` : `${q} is not "host:port"`;
    host = colon < 0 ? s : s.slice(0, colon);
    portText = colon < 0 ? undefined : s.slice(colon + 1);
    if (host === '') return `${q} has no host (0.0.0.0 is every IPv4 interface, [::] every interface)`;
    if (/^[\d.]+$/.test(host) ? !isIPv4(host) : !HOSTNAME.test(host)) return `"${host}" is not an IP address or hostname`;
  }
  if (portText === undefined || portText === '') {
    if (opts.defaultPort === undefined || portText === '') return `${q} has no port`;
    return { host, port: opts.defaultPort };
  }
  if (!/^\d{1,5}$/.test(portText)) return `port "${portText}" in ${q} is not a number`;
  const port = Number(portText);
  if (port > 65535 || (port === 0 && !opts.allowPortZero)) return `port ${port} in ${q} is out of range`;
  return { host, port };
}

/**
 * parseHostPort is checkHostPort that throws: bad input is an AppError naming the field and the fix, never a default
 * address.
 */
export function parseHostPort(text: string, opts: HostPortOptions = {}): HostPort {
  const r = checkHostPort(text, opts);
  if (typeof r !== 'string') return r;
  const field = opts.field ?? 'address';
  const example = opts.example ?? '127.0.0.1:8080';
  throw new AppError(opts.code ?? 'CORE_BAD_ADDRESS', `${field}: ${r === 'is empty' ? `"" ${r}` : r}`, { field, hint: hostPortHint(example) });
}

/** hostPortHint is the fix for a bad address, with an example. */
export function hostPortHint(example = '127.0.0.1:8080'): string {
  return `write host:port, such as ${example} (an IPv6 address in brackets: [::1]:${example.replace(/^.*:/, '')})`;
}

/** formatHostPort renders a host and port as `host:port`, bracketing an IPv6 host. */
export function formatHostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}
