import { readFileSync } from 'node:fs';
import { AppError } from '@etcd-monitor/core/errors';
import { parseDuration, parseEndpoints } from '@etcd-monitor/core/parse';

/** ConnectionOptions are everything needed to reach an etcd cluster, in etcdctl's terms. */
export interface ConnectionOptions {
  /** endpoints are the client URLs to contact, normalised to `http(s)://host:port`. */
  endpoints: string[];
  /** tls holds the PEM material when any endpoint uses TLS. */
  tls?: TlsOptions;
  /** auth is the etcd user to authenticate as, when etcd authentication is on. */
  auth?: { username: string; password: string };
  /** dialTimeoutMs bounds establishing a connection (etcdctl `--dial-timeout`, default 2s). */
  dialTimeoutMs: number;
  /** commandTimeoutMs bounds every call (etcdctl `--command-timeout`, default 5s). */
  commandTimeoutMs: number;
}

/** TlsOptions are the PEM-encoded CA, client certificate and key, and whether to skip server verification. */
export interface TlsOptions {
  /** ca is the CA bundle that signed the servers' certificates; the system roots are used when absent. */
  ca?: Buffer;
  /** cert is the client certificate chain, for clusters with `--client-cert-auth`. */
  cert?: Buffer;
  /** key is the client certificate's private key. */
  key?: Buffer;
  /** insecureSkipVerify accepts any server certificate (etcdctl `--insecure-skip-tls-verify`). */
  insecureSkipVerify?: boolean;
}

/** ConnectionFlags are the raw etcdctl-compatible flag values, as strings, before validation. */
export interface ConnectionFlags {
  /** endpoints is a comma-separated list of `host:port` or URLs. */
  endpoints?: string;
  /** cacert is the path of the CA bundle file. */
  cacert?: string;
  /** cert is the path of the client certificate file. */
  cert?: string;
  /** key is the path of the client key file. */
  key?: string;
  /** insecureSkipTlsVerify skips server certificate verification. */
  insecureSkipTlsVerify?: boolean | string;
  /** insecureTransport allows plain-text connections to scheme-less endpoints (etcdctl default true). */
  insecureTransport?: boolean | string;
  /** user is `name` or `name:password`. */
  user?: string;
  /** password is the password for `user`, when it is not given after a colon. */
  password?: string;
  /** dialTimeout is a duration such as `2s`. */
  dialTimeout?: string;
  /** commandTimeout is a duration such as `5s`. */
  commandTimeout?: string;
}

/** connectionFlagNames maps each option to its etcdctl flag and ETCDCTL_* environment variable. */
export const connectionFlagNames: Record<keyof ConnectionFlags, { flag: string; env: string }> = {
  endpoints: { flag: '--endpoints', env: 'ETCDCTL_ENDPOINTS' },
  cacert: { flag: '--cacert', env: 'ETCDCTL_CACERT' },
  cert: { flag: '--cert', env: 'ETCDCTL_CERT' },
  key: { flag: '--key', env: 'ETCDCTL_KEY' },
  insecureSkipTlsVerify: { flag: '--insecure-skip-tls-verify', env: 'ETCDCTL_INSECURE_SKIP_TLS_VERIFY' },
  insecureTransport: { flag: '--insecure-transport', env: 'ETCDCTL_INSECURE_TRANSPORT' },
  user: { flag: '--user', env: 'ETCDCTL_USER' },
  password: { flag: '--password', env: 'ETCDCTL_PASSWORD' },
  dialTimeout: { flag: '--dial-timeout', env: 'ETCDCTL_DIAL_TIMEOUT' },
  commandTimeout: { flag: '--command-timeout', env: 'ETCDCTL_COMMAND_TIMEOUT' },
};

/** DEFAULT_ENDPOINT is etcdctl's default endpoint. */
export const DEFAULT_ENDPOINT = '127.0.0.1:2379';

/**
 * mergeFlagsWithEnv applies ETCDCTL_* variables under etcdctl's rule: a variable fills in a flag that was not given,
 * and a variable together with the same flag given explicitly is an error (etcdctl refuses to guess which one you meant).
 */
export function mergeFlagsWithEnv(flags: ConnectionFlags, env: NodeJS.ProcessEnv): ConnectionFlags {
  const out: ConnectionFlags = { ...flags };
  for (const [k, names] of Object.entries(connectionFlagNames) as Array<[keyof ConnectionFlags, { flag: string; env: string }]>) {
    const fromEnv = env[names.env];
    if (fromEnv === undefined || fromEnv === '') continue;
    if (flags[k] !== undefined) {
      throw new AppError('ETCD_FLAG_CONFLICT', `conflicting environment variable ${names.env} is shadowed by the command-line flag ${names.flag}`, {
        field: names.flag,
        hint: `unset ${names.env} or drop ${names.flag}`,
      });
    }
    (out as Record<string, unknown>)[k] = fromEnv;
  }
  return out;
}

/** resolveConnectionOptions validates flags (already merged with the environment) into ConnectionOptions, reading certificate files. */
export function resolveConnectionOptions(flags: ConnectionFlags): ConnectionOptions {
  const dialTimeoutMs = positiveDuration(flags.dialTimeout ?? '2s', '--dial-timeout');
  const commandTimeoutMs = positiveDuration(flags.commandTimeout ?? '5s', '--command-timeout');
  const skipVerify = parseBool(flags.insecureSkipTlsVerify, '--insecure-skip-tls-verify');
  const insecureTransport = parseBool(flags.insecureTransport ?? true, '--insecure-transport');
  const ca = flags.cacert ? readPem(flags.cacert, '--cacert') : undefined;
  const cert = flags.cert ? readPem(flags.cert, '--cert') : undefined;
  const key = flags.key ? readPem(flags.key, '--key') : undefined;
  if ((cert === undefined) !== (key === undefined)) {
    throw new AppError('ETCD_BAD_FLAG', `${cert ? '--cert' : '--key'} was given without ${cert ? '--key' : '--cert'}`, {
      field: cert ? '--key' : '--cert',
      hint: 'a client certificate needs both --cert and --key',
    });
  }
  const wantsTls = ca !== undefined || cert !== undefined || skipVerify || !insecureTransport;
  const endpoints = parseEndpoints(flags.endpoints ?? DEFAULT_ENDPOINT, wantsTls);
  const tlsNeeded = endpoints.some((e) => e.startsWith('https://'));
  const opts: ConnectionOptions = { endpoints, dialTimeoutMs, commandTimeoutMs };
  if (tlsNeeded) opts.tls = { ca, cert, key, insecureSkipVerify: skipVerify };
  const auth = parseUser(flags.user, flags.password);
  if (auth) opts.auth = auth;
  return opts;
}

function parseUser(user: string | undefined, password: string | undefined): { username: string; password: string } | undefined {
  if (user === undefined || user === '') {
    if (password) throw new AppError('ETCD_BAD_FLAG', '--password was given without --user', { field: '--user', hint: 'add --user NAME' });
    return undefined;
  }
  if (password !== undefined && password !== '') return { username: user, password };
  const i = user.indexOf(':');
  if (i <= 0) {
    throw new AppError('ETCD_BAD_FLAG', `--user "${user}" has no password`, { field: '--user', hint: 'use --user NAME:PASSWORD or add --password (or ETCDCTL_PASSWORD)' });
  }
  return { username: user.slice(0, i), password: user.slice(i + 1) };
}

function positiveDuration(text: string, field: string): number {
  const ms = parseDuration(text, field);
  if (ms <= 0) throw new AppError('ETCD_BAD_FLAG', `${field}: must be greater than zero`, { field, hint: 'use e.g. 2s or 500ms' });
  return ms;
}

function parseBool(v: boolean | string | undefined, field: string): boolean {
  if (v === undefined) return false;
  if (typeof v === 'boolean') return v;
  const s = v.trim().toLowerCase();
  if (['1', 't', 'true', 'yes', 'on'].includes(s)) return true;
  if (['0', 'f', 'false', 'no', 'off', ''].includes(s)) return false;
  throw new AppError('ETCD_BAD_FLAG', `${field}: "${v}" is not true or false`, { field, hint: 'use true or false' });
}

function readPem(path: string, field: string): Buffer {
  let data: Buffer;
  try {
    data = readFileSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'is a directory' : String(code ?? err);
    throw new AppError('ETCD_BAD_TLS_FILE', `${field}: cannot read ${path}: ${why}`, { field, hint: `check the path given to ${field}` });
  }
  if (!data.toString('latin1').includes('-----BEGIN ')) {
    throw new AppError('ETCD_BAD_TLS_FILE', `${field}: ${path} is not a PEM file`, { field, hint: `${field} expects a PEM-encoded file (-----BEGIN …-----)` });
  }
  return data;
}
